"""Rights and users: access, listing, creating, editing and the Activity flag."""
import pytest
from sqlalchemy import select

from monitor.db import db
from monitor.models import User

# URL -> what a non-administrator's POST gets: 403 where administrators may post, 405 where nobody may.
SETTINGS_URLS = {"/settings/": 405, "/settings/users": 405, "/settings/users/new": 403, "/settings/users/1": 403,
                 "/settings/users?status=deactivated": 405}


@pytest.mark.parametrize("url,post_status", SETTINGS_URLS.items())
def test_non_admin_gets_403_on_every_settings_url(client, auth, user, url, post_status):
    auth.login()
    assert client.get(url).status_code == 403
    assert client.post(url, data={}).status_code == post_status


@pytest.mark.parametrize("url", SETTINGS_URLS)
def test_anonymous_is_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.location


def test_user_list_filters_by_status(client, signed_in_admin, make_user):
    make_user("Active One", "one@example.com")
    make_user("Sleeping Two", "two@example.com", active=False)
    everyone = client.get("/settings/users").data
    assert b"Active One" in everyone and b"Sleeping Two" in everyone
    deactivated = client.get("/settings/users?status=deactivated").data
    assert b"Sleeping Two" in deactivated and b"Active One" not in deactivated
    active = client.get("/settings/users?status=active").data
    assert b"Active One" in active and b"Sleeping Two" not in active


def test_admin_creates_a_user(client, signed_in_admin, app):
    response = client.post("/settings/users/new", data={
        "name": "Nina New", "email": "nina@example.com", "password": "long-password",
        "can_export": "y", "is_active": "y",
    })
    assert response.status_code == 302
    with app.app_context():
        nina = db.session.scalar(select(User).where(User.email == "nina@example.com"))
        assert nina.can_export and not nina.is_admin and nina.active
        assert nina.check_password("long-password")


@pytest.mark.parametrize("field,value,message", [
    ("email", "not-an-email", b"valid e-mail"),
    ("email", "ada@example.com", b"already has this e-mail"),
    ("name", "  ", b"This field is required."),
    ("password", "short", b"at least 8"),
    ("name", "N" * 201, b"At most 200 characters"),
    ("password", "p" * 1025, b"At most 1024 characters"),
])
def test_invalid_edit_shows_error_by_field_and_saves_nothing(client, signed_in_admin, user, app, field, value, message):
    data = {"name": "Ulla Changed", "email": "ulla.changed@example.com", "password": "", "is_active": "y", field: value}
    response = client.post(f"/settings/users/{user}", data=data)
    assert response.status_code == 200
    page = response.data.decode()
    assert message.decode() in page
    # The error sits in the field's own block, and what was typed is kept.
    block = page.split(f'id="{field}"')[1].split("</div>\n  </div>")[0]
    assert message.decode() in block
    if field != "name":
        assert "Ulla Changed" in page
    with app.app_context():
        saved = db.session.get(User, user)
        assert saved.name == "Ulla User" and saved.email == "ulla@example.com"


def test_unticking_and_reticking_activity(client, signed_in_admin, user, app):
    data = {"name": "Ulla User", "email": "ulla@example.com", "password": ""}
    assert client.post(f"/settings/users/{user}", data=data).status_code == 302
    with app.app_context():
        assert db.session.get(User, user).active is False
    assert b"Ulla User" in client.get("/settings/users?status=deactivated").data
    assert client.post(f"/settings/users/{user}", data={**data, "is_active": "y"}).status_code == 302
    with app.app_context():
        assert db.session.get(User, user).active is True


def test_edit_keeps_password_when_empty_and_changes_it_when_given(client, signed_in_admin, user, app):
    data = {"name": "Ulla User", "email": "ulla@example.com", "is_active": "y"}
    client.post(f"/settings/users/{user}", data={**data, "password": ""})
    with app.app_context():
        assert db.session.get(User, user).check_password("correct-horse")
    client.post(f"/settings/users/{user}", data={**data, "password": "another-pass"})
    with app.app_context():
        assert db.session.get(User, user).check_password("another-pass")


def test_admin_cannot_deactivate_themselves(client, signed_in_admin, app):
    response = client.post(f"/settings/users/{signed_in_admin}", data={
        "name": "Ada Admin", "email": "ada@example.com", "is_admin": "y"})
    assert response.status_code == 200 and b"cannot deactivate yourself" in response.data
    with app.app_context():
        assert db.session.get(User, signed_in_admin).active


def test_unknown_user_is_404(client, signed_in_admin):
    assert client.get("/settings/users/9999").status_code == 404


def test_russian_labels_follow_amocrm(client, signed_in_admin):
    page = client.get("/settings/users", headers={"Accept-Language": "ru"}).data.decode()
    assert "Права и пользователи" in page and "Сделки" in page and "Контакты" in page
    assert "Компании" in page and "Покупатели" in page and "Активность" in page
    form = client.get(f"/settings/users/{signed_in_admin}", headers={"Accept-Language": "ru"}).data.decode()
    assert "Активность" in form
