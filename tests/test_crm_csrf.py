"""CRM forms are CSRF-protected: a POST without the token is refused with 400."""
import re

import pytest

from tests.conftest import PASSWORD


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def token(page):
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def test_card_and_preset_forms_need_the_csrf_token(client, user):
    client.post("/login", data={"email": "ulla@example.com", "password": PASSWORD,
                                "csrf_token": token(client.get("/login"))})
    assert client.post("/leads/new", data={"name": "No token"}).status_code == 400
    assert client.post("/leads/presets", data={"name": "No token", "query": ""}).status_code == 400
    form = client.get("/leads/new")
    created = client.post("/leads/new", data={"name": "With token", "csrf_token": token(form)})
    assert created.status_code == 302
    assert client.post(f"{created.headers['Location']}/delete").status_code == 400
    assert client.get(created.headers["Location"]).status_code == 200
