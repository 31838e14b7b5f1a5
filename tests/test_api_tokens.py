"""API tokens: the settings page (create, shown once, revoke), the CLI, and which tokens get 401."""
import pytest
from sqlalchemy import select

from monitor.db import db
from monitor.models import ApiToken
from monitor.services import tokens
from tests.conftest import csrf_token_of, sign_in
from tests.fixtures_api import TOKEN_PATTERN, assert_hal, assert_problem, set_user_active


def create_on_page(client, user_id, name="Reporting script", days="30"):
    return client.post("/settings/api-tokens", data={"user_id": user_id, "name": name, "days": days})


def test_admin_creates_a_token_and_sees_the_secret_only_once(client, api, signed_in_admin, user, app):
    response = create_on_page(client, user)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    secrets_shown = TOKEN_PATTERN.findall(response.get_data(as_text=True))
    assert len(secrets_shown) == 1
    secret = secrets_shown[0]
    with app.app_context():
        stored = db.session.scalar(select(ApiToken).where(ApiToken.name == "Reporting script"))
        assert stored.user_id == user and stored.created_by_id == signed_in_admin
        assert stored.token_hash == tokens.hash_token(secret) and secret not in stored.token_hash
        assert (stored.expires_at - stored.created_at).days == 30
    listing = client.get("/settings/api-tokens").get_data(as_text=True)
    assert secret not in listing and "Reporting script" in listing and secret[-4:] in listing
    assert assert_hal(api.get("account", token=secret))["current_user_id"] == user


@pytest.mark.parametrize("field,value,message", [
    ("name", "  ", "This field is required."),
    ("name", "x" * 101, "At most 100"),
    ("days", "0", "from 1 to 3650"),
    ("days", "3651", "from 1 to 3650"),
    ("days", "ten", "integer"),
])
def test_invalid_token_form_shows_the_error_and_creates_nothing(client, signed_in_admin, user, app,
                                                                field, value, message):
    data = {"user_id": user, "name": "Script", "days": "30", field: value}
    response = client.post("/settings/api-tokens", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and message in page
    assert not TOKEN_PATTERN.search(page)
    with app.app_context():
        assert db.session.scalar(select(ApiToken)) is None


def test_tokens_cannot_be_made_for_deactivated_users(client, signed_in_admin, make_user, app):
    sleeper = make_user("Sleeper", "sleeper@example.com", active=False)
    response = create_on_page(client, sleeper)
    assert "Not a valid choice" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(ApiToken)) is None


def test_revoking_on_the_page_makes_the_token_fail(client, api, signed_in_admin, user, app):
    secret = TOKEN_PATTERN.search(create_on_page(client, user).get_data(as_text=True)).group()
    assert api.get("account", token=secret).status_code == 200
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.name == "Reporting script"))
    response = client.post(f"/settings/api-tokens/{token_id}/revoke")
    assert response.status_code == 302
    assert_problem(api.get("account", token=secret), 401, "revoked")
    assert "Revoked" in client.get("/settings/api-tokens").get_data(as_text=True)
    assert client.post("/settings/api-tokens/999/revoke").status_code == 404


@pytest.mark.parametrize("url,method", [
    ("/settings/api-tokens", "get"), ("/settings/api-tokens", "post"), ("/settings/api-tokens/1/revoke", "post"),
])
def test_non_admin_gets_403_on_the_token_pages(client, auth, user, url, method):
    auth.login()
    assert getattr(client, method)(url).status_code == 403


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_revoke_needs_the_csrf_token(client, admin, user, make_token):
    secret = make_token(user)
    sign_in(client, "ada@example.com", csrf_token=csrf_token_of(client.get("/login")))
    assert client.post("/settings/api-tokens/1/revoke").status_code == 400
    csrf = csrf_token_of(client.get("/settings/api-tokens"))
    assert client.post("/settings/api-tokens/1/revoke", data={"csrf_token": csrf}).status_code == 302
    response = client.get("/api/v4/account", headers={"Authorization": f"Bearer {secret}"})
    assert_problem(response, 401, "revoked")


def test_cli_prints_a_working_token(runner, user, api):
    result = runner.invoke(args=["create-token", "ulla@example.com", "--name", "Nightly sync", "--days", "7"])
    assert result.exit_code == 0, result.output
    secret = TOKEN_PATTERN.search(result.stdout).group()
    assert result.stdout.strip() == secret  # alone on stdout, for $(...) in scripts
    assert assert_hal(api.get("account", token=secret))["current_user_id"] == user


@pytest.mark.parametrize("args,message", [
    (["create-token", "nobody@example.com"], "No user with the e-mail nobody@example.com"),
    (["create-token", "ulla@example.com", "--days", "0"], "0 is not in the range"),
    (["create-token", "ulla@example.com", "--days", "many"], "'many' is not a valid integer"),
    (["create-token", "ulla@example.com", "--name", " "], "This field is required."),
])
def test_cli_errors_are_clear(runner, user, args, message):
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    assert message in result.output


def test_expired_token_is_refused(api, clock):
    assert api.get("account").status_code == 200
    clock.advance(days=30)
    assert_problem(api.get("account"), 401, "expired")


def test_deactivated_users_token_is_refused_and_works_again_after_reactivation(api, app, user):
    set_user_active(app, user, False)
    assert_problem(api.get("account"), 401, "deactivated")
    set_user_active(app, user, True)
    assert api.get("account").status_code == 200


@pytest.mark.parametrize("authorization", [
    None, "Bearer", "Bearer ", "Basic dWxsYTpwdw==", "Bearer tly_not-a-real-token", "Bearer something-else",
])
def test_missing_or_unknown_token_is_a_401(client, user, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    assert_problem(client.get("/api/v4/account", headers=headers), 401)


def test_last_used_is_recorded_at_most_once_a_minute(api, app, clock):
    api.get("account")
    with app.app_context():
        first = db.session.scalar(select(ApiToken.last_used_at))
    clock.advance(seconds=30)
    api.get("account")
    with app.app_context():
        assert db.session.scalar(select(ApiToken.last_used_at)) == first
    clock.advance(seconds=31)
    api.get("account")
    with app.app_context():
        assert db.session.scalar(select(ApiToken.last_used_at)) > first
