"""Before a lockout (SPEC §9): the warning banner and API headers, administrators told once, exemption,
and the settings that drive them (audited)."""
import json

import pytest
from sqlalchemy import select

from monitor.db import db
from monitor.models import ActivityEvent, ActivityQuarter, Notification, User
from tests.conftest import recorded_statements, sign_in
from tests.fixtures_activity import charge, counted, is_active


@pytest.fixture
def ulla(app, user, crm_builder, clock):
    """Ulla signed in, with ten deals to open (the clock at 10:30 UTC)."""
    deals = [crm_builder.deal(f"Deal {n}") for n in range(10)]
    clock.set(clock().replace(day=27, hour=10, minute=30))
    client = app.test_client()
    sign_in(client, "ulla@example.com")
    client.deals = deals
    return client


def banner(page):
    html = page.get_data(as_text=True)
    if 'id="activity-warning"' not in html:
        return None
    start = html.index('id="activity-warning"')
    return html[start:html.index("</div>", start)]


def test_the_banner_appears_at_the_warning_share_and_stays_on_pages_that_count_nothing(
        app, ulla, set_limits, clock):
    set_limits(card_limit=10, card_period="hour")  # warn_percent defaults to 80
    for deal in ulla.deals[:7]:
        assert banner(ulla.get(f"/leads/{deal}")) is None
    eighth = banner(ulla.get(f"/leads/{ulla.deals[7]}"))
    assert "You have opened 8 of 10 cards this hour" in eighth and "deactivated" in eighth
    assert "11:00 (UTC)" in eighth  # when the count starts again
    assert "8 of 10" in banner(ulla.get("/profile"))  # a page that charges nothing
    clock.advance(hours=1)
    assert banner(ulla.get("/profile")) is None  # the window has reset


def test_a_user_far_from_every_limit_pays_no_query_for_the_banner(app, ulla, set_limits):
    set_limits(card_limit=10, card_period="hour")
    ulla.get(f"/leads/{ulla.deals[0]}")
    with recorded_statements(app) as statements:
        assert banner(ulla.get("/profile")) is None
    assert not [s for s in statements if "activity_" in s], statements


def test_notify_only_says_over_the_limit_in_words(app, ulla, set_limits):
    set_limits(list_limit=15, list_period="day", action="notify")
    assert banner(ulla.get("/leads")) is None  # 10 of 15: below 80 %
    text = banner(ulla.get("/leads"))
    assert "You have seen 20 of 15 list elements today" in text
    assert "over the limit" in text and "administrators have been notified" in text


def test_no_warning_configured_means_no_banner_and_no_headers(app, ulla, set_limits, api):
    set_limits(card_limit=10, card_period="hour")
    with app.app_context():
        from monitor.activity import settings as activity_settings
        s = activity_settings.get_settings()
        activity_settings.save_settings(str(s.card_limit), s.card_period, "", s.list_period, s.action, s.timezone,
                                        warn_percent="")
    for deal in ulla.deals[:9]:
        page = ulla.get(f"/leads/{deal}")
    assert banner(page) is None
    response = api.get("leads")
    assert "X-Activity-Card" not in response.headers and "X-Activity-List" not in response.headers


def test_api_answers_carry_used_and_limit(app, user, set_limits, api, crm_builder):
    deal = crm_builder.deal("Deal")
    set_limits(card_limit=10, card_period="hour", list_limit=1000)
    listed = api.get("leads")
    assert listed.headers["X-Activity-List"] == "1/1000" and listed.headers["X-Activity-Card"] == "0/10"
    card = api.get(f"leads/{deal}")
    assert card.headers["X-Activity-Card"] == "1/10" and card.headers["X-Activity-List"] == "1/1000"
    assert api.get("account").headers["X-Activity-List"] == "1/1000"  # counts nothing, still told


def _warning_notifications(app):
    with app.app_context():
        return db.session.scalars(select(Notification).join(Notification.event)
                                  .where(ActivityEvent.event == ActivityEvent.WARNING)).all()


def test_administrators_are_told_once_a_window_when_a_warning_starts(app, user, admin, set_limits, clock):
    set_limits(list_limit=100, list_period="hour")
    with app.app_context():
        from monitor.activity import settings as activity_settings
        s = activity_settings.get_settings()
        activity_settings.save_settings("", s.card_period, str(s.list_limit), s.list_period, s.action,
                                        s.timezone, warn_percent="50", warn_admins=True)
    charge(app, user, elements=40)
    assert _warning_notifications(app) == []
    charge(app, user, elements=20)  # 60: past 50 %
    charge(app, user, elements=10)
    assert len(_warning_notifications(app)) == 1
    assert is_active(app, user) and counted(app, user, "list") == 70
    clock.advance(hours=1)
    charge(app, user, elements=55)  # the next window: told again
    assert len(_warning_notifications(app)) == 2


def test_an_exempt_user_is_counted_and_recorded_but_never_refused_or_alerted(app, user, admin, set_limits):
    set_limits(list_limit=60, list_period="day")
    with app.app_context():
        db.session.get(User, user).monitoring_exempt = True
        db.session.commit()
    for _ in range(3):
        charge(app, user, elements=50)  # 150 past a limit of 60: served
    assert is_active(app, user) and counted(app, user, "list") == 150
    with app.app_context():
        assert db.session.scalar(select(ActivityQuarter.shown)) == 150
        assert db.session.scalars(select(ActivityEvent)).all() == []


@pytest.mark.parametrize("value", ["0", "100", "abc", "5" * 300, "-1"])
def test_a_bad_warning_share_is_shown_by_its_field_and_nothing_is_saved(client, signed_in_admin, app, value):
    page = client.post("/settings/activity", data={
        "card_limit": "5", "card_period": "day", "list_limit": "", "list_period": "day", "action": "deactivate",
        "timezone": "UTC", "warn_percent": value})
    assert page.status_code == 200 and 'id="warn_percent-error"' in page.get_data(as_text=True)
    with app.app_context():
        from monitor.activity import settings as activity_settings
        assert activity_settings.get_settings().card_limit is None


def test_a_settings_change_is_audited_with_old_and_new_values(client, signed_in_admin, app):
    data = {"card_limit": "100", "card_period": "day", "list_limit": "", "list_period": "day",
            "action": "deactivate", "timezone": "UTC", "warn_percent": "80"}
    assert client.post("/settings/activity", data=data).status_code == 302
    assert client.post("/settings/activity", data={**data, "card_limit": "50", "warn_percent": "",
                                                   "warn_admins": "y"}).status_code == 302
    with app.app_context():
        events = db.session.scalars(select(ActivityEvent).where(
            ActivityEvent.event == ActivityEvent.SETTINGS_CHANGED).order_by(ActivityEvent.id)).all()
        assert [e.by_user_id for e in events] == [signed_in_admin] * 2
        assert json.loads(events[1].details)["changes"] == [
            ["card_limit", "100", "50"], ["warn_percent", "80", "—"], ["warn_admins", "no", "yes"]]


def test_reactivating_twice_records_one_reactivation(app, user, admin, set_limits):
    set_limits(list_limit=10)
    charge(app, user, elements=10)
    assert not is_active(app, user)
    with app.app_context():
        from monitor import activity
        first = activity.reactivate_user(db.session.get(User, user), by=db.session.get(User, admin))
        second = activity.reactivate_user(db.session.get(User, user), by=db.session.get(User, admin))
        reactivations = db.session.scalars(select(ActivityEvent).where(
            ActivityEvent.event == ActivityEvent.REACTIVATED)).all()
    assert (first, second) == (True, False) and len(reactivations) == 1


def test_unticking_activity_is_in_the_history(client, signed_in_admin, app, user):
    page = client.post(f"/settings/users/{user}", data={
        "name": "Ulla User", "email": "ulla@example.com", "password": ""})
    assert page.status_code == 302 and not is_active(app, user)
    with app.app_context():
        event = db.session.scalar(select(ActivityEvent).where(ActivityEvent.event == ActivityEvent.RIGHTS_CHANGED))
        assert event.user_id == user and event.by_user_id == signed_in_admin
        assert json.loads(event.details)["changes"] == [["active", "yes", "no"]]
    assert "Activity: yes → no" in client.get("/settings/activity/history").get_data(as_text=True)
