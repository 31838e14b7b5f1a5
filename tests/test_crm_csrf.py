"""CRM forms are CSRF-protected: a POST without the token is refused with 400."""
import pytest

from tests.conftest import csrf_token_of, sign_in


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_card_and_preset_forms_need_the_csrf_csrf_token_of(client, user):
    sign_in(client, csrf_token=csrf_token_of(client.get("/login")))
    assert client.post("/leads/new", data={"name": "No token"}).status_code == 400
    assert client.post("/leads/presets", data={"name": "No token", "query": ""}).status_code == 400
    form = client.get("/leads/new")
    created = client.post("/leads/new", data={"name": "With token", "csrf_token": csrf_token_of(form)})
    assert created.status_code == 302
    assert client.post(f"{created.headers['Location']}/delete").status_code == 400
    assert client.get(created.headers["Location"]).status_code == 200
