"""Addresses on internal domains (issue 15, item 6): a self-hosted team's mail may live on .local, .test or
localhost, so a user's e-mail is any syntactically valid address; garbage is still refused."""
import pytest
from sqlalchemy import select

from monitor.db import db
from monitor.models import User
from monitor.services.users import MAX_EMAIL_LENGTH, is_valid_email
from tests.conftest import PASSWORD, sign_in

INTERNAL = ["ivan@corp.local", "admin@intranet.test", "ops@localhost", "mail@host.lan", "team@intranet",
            "Ivan.Petrov@Corp.LOCAL", "ops@mail.home.arpa"]
GARBAGE = ["ivan", "ivan corp.local", "iv an@corp.local", "@corp.local", "ivan@", "ivan@@corp.local",
           ".ivan@corp.local", "ivan@corp..local", "ivan@-corp.local", "ivan@corp.local ", "ivan@corp_x.local",
           "a@" + "b" * (MAX_EMAIL_LENGTH - 7) + ".local", "a@" + "b" * 64 + ".local", ""]


@pytest.mark.parametrize("email", INTERNAL)
def test_an_address_on_an_internal_domain_is_valid(email):
    assert is_valid_email(email)


@pytest.mark.parametrize("email", GARBAGE)
def test_garbage_is_still_refused(email):
    assert not is_valid_email(email)


@pytest.mark.parametrize("email", ["ivan@corp.local", "admin@intranet.test", "ops@localhost"])
def test_an_administrator_adds_a_user_on_an_internal_domain_who_then_signs_in(
        client, signed_in_admin, app, email):
    response = client.post("/settings/users/new", data={
        "name": "Internal", "email": email, "password": "long-password", "is_active": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User.id).where(User.email == email)) is not None
    other = app.test_client()  # the new user, in their own browser
    assert sign_in(other, email, "long-password").status_code == 302
    assert other.get("/profile").status_code == 200


@pytest.mark.parametrize("email", ["not-an-email", "ivan@corp..local", "iv an@corp.local"])
def test_the_users_form_still_refuses_garbage(client, signed_in_admin, app, email):
    response = client.post("/settings/users/new", data={
        "name": "Bad", "email": email, "password": "long-password", "is_active": "y"})
    assert response.status_code == 200
    assert "Enter a valid e-mail address." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User.id).where(User.name == "Bad")) is None


def test_an_existing_users_address_moves_to_an_internal_domain(client, signed_in_admin, user, app):
    data = {"name": "Ulla User", "email": "ulla@corp.local", "password": "", "is_active": "y"}
    assert client.post(f"/settings/users/{user}", data=data).status_code == 302
    with app.app_context():
        assert db.session.get(User, user).email == "ulla@corp.local"


def test_create_user_from_the_shell_takes_an_internal_domain(runner, app):
    result = runner.invoke(args=["create-user", "ops@localhost", "--name", "Ops", "--password", PASSWORD, "--admin"])
    assert result.exit_code == 0, result.output
    garbage = runner.invoke(args=["create-user", "ops@@localhost", "--name", "X", "--password", PASSWORD])
    assert garbage.exit_code != 0 and "valid e-mail" in garbage.output
    with app.app_context():
        assert db.session.scalar(select(User.is_admin).where(User.email == "ops@localhost"))
