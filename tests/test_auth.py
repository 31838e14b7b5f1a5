"""Signing in and out, throttling, redirects and deactivated users."""
import pytest
from sqlalchemy import update

from monitor.db import db
from monitor.models import User
from tests.conftest import csrf_token_of, sign_in


def test_sign_in_and_out(client, auth, user):
    assert client.get("/profile").status_code == 302
    response = auth.login()
    assert response.status_code == 302
    assert client.get("/profile").status_code == 200
    auth.logout()
    response = client.get("/profile")
    assert response.status_code == 302 and "/login" in response.location


def test_wrong_password_is_refused_with_a_message(client, auth, user):
    response = auth.login(password="wrong-password")
    assert response.status_code == 200
    assert b"Wrong e-mail or password" in response.data
    assert client.get("/profile").status_code == 302


def test_repeated_failures_are_throttled_then_allowed_after_the_wait(client, auth, user, clock, app):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        auth.login(password="wrong-password")
    response = auth.login()  # even the right password waits now
    assert b"Too many failed sign-ins" in response.data
    assert client.get("/profile").status_code == 302
    clock.advance(seconds=app.config["LOGIN_LOCK_SECONDS"] + 1)
    assert auth.login().status_code == 302
    assert client.get("/profile").status_code == 200


def test_remember_me_sets_a_lasting_httponly_cookie(client, auth, user):
    response = auth.login(remember=True)
    cookies = response.headers.getlist("Set-Cookie")
    remember = [c for c in cookies if c.startswith("remember_token=")]
    assert remember and "HttpOnly" in remember[0] and "SameSite=Lax" in remember[0]
    session_cookie = [c for c in cookies if c.startswith("session=")][0]
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie


def test_remember_cookie_alone_restores_the_session(client, auth, user):
    auth.login(remember=True)
    client.delete_cookie("session")
    assert client.get("/profile").status_code == 200


def test_sign_in_without_remember_sets_no_remember_cookie(client, auth, user):
    response = auth.login()
    assert not [c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token=")]


@pytest.mark.parametrize("target", [
    "http://evil.example/", "//evil.example/x", "https:/evil.example", "/\\evil.example", "javascript:alert(1)",
])
def test_next_only_accepts_local_paths(client, user, target):
    response = client.post(f"/login?next={target}", data={"email": "ulla@example.com", "password": "correct-horse"})
    assert response.status_code == 302
    assert response.location == "/"


def test_next_local_path_is_followed(client, user):
    response = client.post("/login?next=/profile", data={"email": "ulla@example.com", "password": "correct-horse"})
    assert response.location == "/profile"


def test_deactivated_user_cannot_sign_in_and_is_told_why(client, auth, make_user):
    make_user("Gone", "gone@example.com", active=False)
    response = auth.login("gone@example.com")
    assert response.status_code == 200
    assert b"deactivated" in response.data
    assert client.get("/profile").status_code == 302


def test_open_session_ends_on_next_request_after_deactivation(client, auth, user, app):
    auth.login(remember=True)
    assert client.get("/profile").status_code == 200
    with app.app_context():
        db.session.execute(update(User).where(User.id == user).values(active=False))
        db.session.commit()
    response = client.get("/profile")
    assert response.status_code == 302 and "/login" in response.location
    page = client.get(response.location)
    assert b"deactivated" in page.data


def test_unticking_activity_ends_sessions_even_after_reactivation(client, auth, user, app):
    """Deactivation bumps the session version: old cookies stay dead after reactivation."""
    from monitor.services import users

    auth.login(remember=True)
    with app.app_context():
        target = users.get_user(user)
        users.update_user(target, target.name, target.email, "", False, False, active=False)
        users.update_user(target, target.name, target.email, "", False, False, active=True)
    assert client.get("/profile").status_code == 302


@pytest.mark.parametrize("session_id", ["\u00b2:1", "1:\u00b2", "1" * 5000 + ":1", "1:" + "1" * 5000])
def test_a_session_id_that_is_not_ascii_digits_signs_out_instead_of_failing(client, user, session_id):
    with client.session_transaction() as session:
        session["_user_id"] = session_id
    response = client.get("/profile")
    assert response.status_code == 302 and "/login" in response.location


def test_logout_needs_post(client, auth, user):
    auth.login()
    assert client.get("/logout").status_code == 405


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_missing_csrf_token_is_a_400(client, user):
    response = sign_in(client)
    assert response.status_code == 400
    assert b"form expired" in response.data
    assert sign_in(client, csrf_token=csrf_token_of(client.get("/login"))).status_code == 302


def test_profile_changes_password_and_language(client, auth, user):
    auth.login()
    response = client.post("/profile", data={"pw-current_password": "wrong", "pw-new_password": "new-password-1"})
    assert b"current password is wrong" in response.data
    response = client.post("/profile", data={"pw-current_password": "correct-horse", "pw-new_password": "short"})
    assert b"at least 8" in response.data
    change = {"pw-current_password": "correct-horse", "pw-new_password": "new-password-1"}
    response = client.post("/profile", data=change)
    assert response.status_code == 302
    assert client.get("/profile").status_code == 200  # this session survives
    auth.logout()
    assert b"Wrong" in auth.login(password="correct-horse").data
    assert auth.login(password="new-password-1").status_code == 302
    client.post("/profile", data={"lang-language": "ru"})
    assert "Пароль".encode() in client.get("/profile").data
