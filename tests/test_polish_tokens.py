"""The API tokens page, polished (issue 15.3): a Copy button, an empty form after creating, deactivated
users marked, and a token revoked by monitoring saying so."""
import re

from sqlalchemy import select

from monitor.db import db
from monitor.models import ApiToken
from tests.fixtures_api import TOKEN_PATTERN, set_user_active

MONITORING = "Revoked: deactivated by activity monitoring"


def create_on_page(client, user_id, name="Nightly export", days="30"):
    return client.post("/settings/api-tokens", data={"user_id": user_id, "name": name, "days": days})


def form_of(page):
    return re.search(r'<form method="post" novalidate>.*?</form>', page, re.S).group()


def test_the_form_is_empty_after_a_token_is_made_while_the_secret_shows_once(client, signed_in_admin, user):
    page = create_on_page(client, user, days="30").get_data(as_text=True)
    assert len(TOKEN_PATTERN.findall(page)) == 1
    form = form_of(page)
    assert "Nightly export" not in form and 'value="30"' not in form
    assert 'value="365"' in form  # the default again
    assert "selected" not in form


def test_a_refused_form_keeps_what_was_typed(client, signed_in_admin, user):
    form = form_of(create_on_page(client, user, name="Kept name", days="0").get_data(as_text=True))
    assert 'value="Kept name"' in form and 'value="0"' in form


def test_the_secret_has_a_copy_button_from_a_script_file(client, signed_in_admin, user):
    response = create_on_page(client, user)
    page = response.get_data(as_text=True)
    assert re.search(r'<button type="button" class="copy" data-copy="new-token"', page)
    assert '<script src="/static/js/copy.js" defer></script>' in page
    assert "<script>" not in page  # nothing inline: the CSP allows no inline script
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert client.get("/static/js/copy.js").status_code == 200
    assert 'data-copy="new-token"' not in client.get("/settings/api-tokens").get_data(as_text=True)


def test_deactivated_users_are_listed_marked_and_cannot_be_chosen(client, signed_in_admin, make_user, app):
    sleeper = make_user("Sleeper", "sleeper@example.com", active=False)
    page = client.get("/settings/api-tokens").get_data(as_text=True)
    option = re.search(rf'<option[^>]*value="{sleeper}"[^>]*>([^<]*)</option>', page)
    assert option is not None and "disabled" in option.group()
    assert "Sleeper" in option.group(1) and "(deactivated)" in option.group(1)
    assert "Not a valid choice" in create_on_page(client, sleeper).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(ApiToken)) is None


def test_a_deactivated_users_token_is_marked_in_the_table(app, client, signed_in_admin, user, make_token):
    make_token(user)
    set_user_active(app, user, False)
    page = client.get("/settings/api-tokens").get_data(as_text=True)
    assert re.search(r"Ulla User <span class=\"badge off\">deactivated</span>", page)


def test_a_token_revoked_by_monitoring_says_so(client, auth, admin, user, make_token, crm, set_limits):
    make_token(user, name="Monitored script")
    set_limits(card_limit=1, card_period="hour")
    auth.login()
    assert client.get(f"/leads/{crm.leads[0]}").status_code == 200  # reaches the limit: deactivated after it
    auth.logout()
    auth.login("ada@example.com")
    page = client.get("/settings/api-tokens").get_data(as_text=True)
    row = re.search(r"<tr[^>]*>\s*<td>Monitored script</td>.*?</tr>", page, re.S).group()
    assert MONITORING in row


def test_a_token_revoked_by_hand_says_only_revoked_even_after_a_deactivation(client, auth, admin, user, make_token,
                                                                          crm, set_limits, app, clock):
    make_token(user, name="Old script")
    auth.login("ada@example.com")
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    client.post(f"/settings/api-tokens/{token_id}/revoke")
    auth.logout()
    clock.advance(minutes=1)
    set_limits(card_limit=1, card_period="hour")
    auth.login()
    client.get(f"/leads/{crm.leads[0]}")
    auth.logout()
    auth.login("ada@example.com")
    page = client.get("/settings/api-tokens").get_data(as_text=True)
    row = re.search(r"<tr[^>]*>\s*<td>Old script</td>.*?</tr>", page, re.S).group()
    assert "Revoked" in row and MONITORING not in row
