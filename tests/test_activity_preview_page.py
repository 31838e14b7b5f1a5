"""The preview button on /settings/activity (SPEC §8): what it shows, and that it saves and stops nothing."""
import re
from datetime import datetime

import pytest
from sqlalchemy import select

from monitor.activity import settings as activity_settings
from monitor.db import db
from monitor.models import ActivityEvent, User
from tests.conftest import sign_in

PREVIEW = {"card_limit": "2", "card_period": "hour", "list_limit": "", "list_period": "day",
           "action": "deactivate", "timezone": "Asia/Kolkata", "preview_days": "3", "preview": "1"}
ROW = re.compile(r'<tr data-user-id="(\d+)" data-counter="(\w+)" data-count="(\d+)">')


@pytest.fixture
def browsing(app, clock, make_user, crm_builder):
    """Ulla opened three deals within one hour (and one of them twice) and one list page, with no limits set."""
    deals = [crm_builder.deal(f"Deal {n}") for n in range(3)]
    make_user("Ulla User", "ulla@example.com")
    clock.set(datetime(2026, 11, 27, 10, 30))
    ulla = app.test_client()
    sign_in(ulla, "ulla@example.com")
    for deal in (deals[0], deals[1], deals[0], deals[2]):
        clock.advance(minutes=5)
        assert ulla.get(f"/leads/{deal}").status_code == 200
    clock.advance(minutes=1)
    assert ulla.get("/leads").status_code == 200
    return ulla


def _settings(app):
    with app.app_context():
        s = activity_settings.get_settings()
        return (s.card_limit, s.card_period, s.list_limit, s.list_period, s.action, s.timezone)


def test_preview_lists_who_the_limits_would_stop_and_saves_nothing(client, signed_in_admin, app, browsing, clock):
    before = _settings(app)
    page = client.post("/settings/activity", data=PREVIEW)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    table = html[html.index('<table class="list" id="preview">'):]
    table = table[:table.index("</table>")]
    with app.app_context():
        ulla = db.session.scalar(select(User).where(User.email == "ulla@example.com"))
        assert ulla.active  # nobody deactivated
        assert db.session.scalars(select(ActivityEvent)).all() == []
        ulla_id = ulla.id
    # The second distinct card reaches 2: one deactivation, at the local time (UTC+05:30) of that view.
    assert ROW.findall(table) == [(str(ulla_id), "card", "2")]
    assert "ulla@example.com" in table and "2026-11-27 16:10:00" in table
    assert "Card views: 2 per hour" in table or "card views: 2 per hour" in table.lower()
    assert _settings(app) == before  # nothing saved
    # The busiest windows, limits aside: 3 distinct cards in the hour and the day, 3 list elements.
    busiest = html[html.index('id="preview-busiest"'):]
    assert re.search(r'data-counter="card" data-period="hour">\s*<th[^>]*>[^<]*</th>\s*<td class="count">3</td>',
                     busiest)


def test_notify_only_preview_lists_alerts(client, signed_in_admin, app, browsing):
    html = client.post("/settings/activity", data={**PREVIEW, "action": "notify"}).get_data(as_text=True)
    assert "1 alert these limits would have sent" in html
    assert len(ROW.findall(html)) == 1


def test_preview_with_no_limits_stops_nobody(client, signed_in_admin, app, browsing):
    html = client.post("/settings/activity", data={**PREVIEW, "card_limit": ""}).get_data(as_text=True)
    assert 'id="preview"' in html and ROW.findall(html) == []
    assert "No limit is entered" in html


@pytest.mark.parametrize("field, value", [
    ("preview_days", "0"), ("preview_days", "91"), ("preview_days", "ten"), ("preview_days", "1" * 500),
    ("card_limit", "-3"), ("list_limit", "2.5"), ("timezone", "Mars/Olympus"), ("card_period", "week"),
])
def test_bad_preview_input_is_shown_by_its_field_and_nothing_is_saved(client, signed_in_admin, app, field, value):
    before = _settings(app)
    page = client.post("/settings/activity", data={**PREVIEW, field: value})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'id="{field}-error"' in html
    assert 'id="preview"' not in html
    assert _settings(app) == before


def test_the_save_button_still_saves(client, signed_in_admin, app):
    data = {**PREVIEW, "save": "1"}
    del data["preview"]
    assert client.post("/settings/activity", data=data).status_code == 302
    assert _settings(app) == (2, "hour", None, "day", "deactivate", "Asia/Kolkata")


def test_a_user_may_not_preview(client, auth, user):
    auth.login("ulla@example.com")
    assert client.post("/settings/activity", data=PREVIEW).status_code == 403
