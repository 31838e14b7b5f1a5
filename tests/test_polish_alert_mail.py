"""The alert e-mail links to the user's page and to the history entry (issue 15.4): absolute addresses from
FLASK_BASE_URL, else the host of the request that caused the alert, built when the message is written."""
import pytest
from sqlalchemy import select

from monitor import create_app
from monitor.activity import alerts
from monitor.db import db
from monitor.models import ActivityEvent, OutboxMessage, User
from tests.conftest import PASSWORD, make_config


def trip(client, crm, set_limits, **request):
    """The ordinary user reaches a card limit of 1: deactivated after the view, every admin alerted."""
    set_limits(card_limit=1, card_period="hour")
    client.post("/login", data={"email": "ulla@example.com", "password": PASSWORD}, **request)
    assert client.get(f"/leads/{crm.leads[0]}", **request).status_code == 200


def deactivation_id(app, user):
    with app.app_context():
        return db.session.scalar(select(ActivityEvent.id).where(
            ActivityEvent.event == ActivityEvent.DEACTIVATED, ActivityEvent.user_id == user))


@pytest.mark.app_config(BASE_URL="https://crm.example.com/tally/")
def test_the_mail_links_to_the_user_and_the_history_entry_from_the_base_url(app, client, admin, user, crm, set_limits,
                                                                           smtp_sink):
    trip(client, crm, set_limits, base_url="http://evil.example")
    [message] = smtp_sink.wait_for(1)
    body = message["body"].replace("\r\n", "\n")
    event = deactivation_id(app, user)
    assert f"https://crm.example.com/tally/settings/users/{user}\n" in body
    assert (f"https://crm.example.com/tally/settings/activity/history?event={event}#event-{event}"
            in body)
    assert "evil.example" not in body


def test_without_a_base_url_the_links_take_the_requests_host(app, client, admin, user, crm, set_limits,
                                                             smtp_sink):
    trip(client, crm, set_limits, base_url="https://tally.internal:8443")
    [message] = smtp_sink.wait_for(1)
    body = message["body"].replace("\r\n", "\n")
    event = deactivation_id(app, user)
    assert f"https://tally.internal:8443/settings/users/{user}\n" in body
    assert f"https://tally.internal:8443/settings/activity/history?event={event}#event-{event}\n" in body


def test_the_links_are_in_the_outbox_before_it_sends(app, client, admin, user, crm, set_limits):
    app.config["OUTBOX_SEND_AFTER_COMMIT"] = False  # nothing leaves: the stored message already has them
    trip(client, crm, set_limits)
    with app.app_context():
        body = db.session.scalar(select(OutboxMessage.body))
    assert f"http://localhost/settings/users/{user}\n" in body


def test_the_links_open_the_pages_they_name(app, client, auth, admin, user, crm, set_limits):
    app.config["OUTBOX_SEND_AFTER_COMMIT"] = False
    trip(client, crm, set_limits)
    auth.logout()
    auth.login("ada@example.com")
    with app.app_context():
        body = db.session.scalar(select(OutboxMessage.body))
    for line in body.splitlines():
        if "http://localhost/" in line:
            path = line.split("http://localhost", 1)[1].split("#")[0]
            assert client.get(path).status_code == 200, path


def test_outside_a_request_without_a_base_url_the_mail_has_no_links(app, admin, user, clock):
    with app.app_context():
        admin_user, person = db.session.get(User, admin), db.session.get(User, user)
        event = ActivityEvent(id=7, event=ActivityEvent.DEACTIVATED, user_id=user, counter="card", limit_value=1,
                              period="hour", count=1, created_at=clock.now)
        assert alerts.links(person, event) == {"user_url": None, "history_url": None}
        _subject, body = alerts.render_email(admin_user, person, event)
        assert "None" not in body and "http" not in body
        app.config["BASE_URL"] = "https://crm.example.com"
        assert alerts.links(person, event)["user_url"] == f"https://crm.example.com/settings/users/{user}"


def test_flask_base_url_in_the_environment_sets_the_base(monkeypatch, db_path):
    monkeypatch.setenv("FLASK_BASE_URL", "https://crm.example.com")
    assert create_app(make_config(db_path)).config["BASE_URL"] == "https://crm.example.com"
    monkeypatch.delenv("FLASK_BASE_URL")
    assert create_app(make_config(db_path)).config["BASE_URL"] is None


@pytest.mark.parametrize("asked, expected_page",
                         [("event", 2), ("oldest", 3), ("newest", 1), ("abc", 1), ("999999", 1)])
def test_the_history_link_opens_the_page_with_its_event(app, client, auth, admin, user, asked, expected_page):
    from datetime import datetime, timedelta

    from monitor.activity.usage import HISTORY_PER_PAGE

    with app.app_context():
        start = datetime(2026, 1, 1)
        events = [ActivityEvent(event=ActivityEvent.REACTIVATED, user_id=user,
                                created_at=start + timedelta(minutes=number))
                  for number in range(2 * HISTORY_PER_PAGE + 5)]
        db.session.add_all(events)
        db.session.commit()
        ids = [event.id for event in events]  # oldest first
    target = {"event": ids[HISTORY_PER_PAGE + 4], "oldest": ids[0], "newest": ids[-1]}.get(asked, asked)
    auth.login("ada@example.com")
    page = client.get(f"/settings/activity/history?event={target}").get_data(as_text=True)
    assert f'<span class="current">{expected_page} / 3</span>' in page
    if asked in ("event", "oldest", "newest"):
        assert f'id="event-{target}"' in page
