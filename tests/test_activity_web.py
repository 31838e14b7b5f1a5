"""Activity monitoring through the pages a person uses: the seed's examples, limits, alerts."""
import re
import socket
import time
from datetime import datetime

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, insert, select

from monitor.db import db
from monitor.models import ActivityCount, ActivityEvent, Contact, Notification, OutboxMessage, User
from monitor.services import demo
from tests.conftest import DEMO_ADMINS, both_backends, sign_in, user_id_of
from tests.fixtures_activity import SmtpSink, counted, events, is_active


@pytest.fixture
def seeded(app, demo_data):
    """The demo data (120 deals); Anna is an ordinary user. Seven contacts are called Zyxel."""
    with app.app_context():
        db.session.execute(insert(Contact), [{"name": f"Zyxel {n}", "email": f"z{n}@zyxel.example"} for n in range(7)])
        db.session.commit()


@pytest.fixture
def anna(app, client, seeded):
    """The test client signed in as Anna; returns her id."""
    assert sign_in(client, "anna@tally.example", demo.DEMO_PASSWORD).status_code == 302
    return user_id_of(app, "anna@tally.example")


def shown(response, entity):
    """Distinct cards a page links to."""
    return len(set(re.findall(rf'href="/{entity}/(\d+)"', response.data.decode())))


@both_backends
def test_cards_a_then_b_then_a_again_count_two(app, client, anna, set_limits):
    set_limits(card_limit=100)
    for url in ("/leads/1", "/contacts/1", "/leads/1"):
        assert client.get(url).status_code == 200
    assert counted(app, anna, "card") == 2


def test_the_four_card_kinds_are_summed_and_saving_does_not_count_again(app, client, anna, set_limits):
    set_limits(card_limit=100)
    for url in ("/leads/1", "/contacts/1", "/companies/1", "/customers/1"):
        assert client.get(url).status_code == 200
    client.post("/companies/1", data={"name": "Renamed company"})
    assert counted(app, anna, "card") == 4


def test_missing_card_counts_nothing(app, client, anna, set_limits):
    set_limits(card_limit=100)
    assert client.get("/leads/999999").status_code == 404
    assert counted(app, anna, "card") == 0


def test_customers_then_deals_then_search_is_50_50_7(app, client, anna, set_limits):
    set_limits(list_limit=10_000)
    assert shown(client.get("/customers"), "customers") == 50
    assert counted(app, anna, "list") == 50
    assert shown(client.get("/leads"), "leads") == 50
    assert counted(app, anna, "list") == 100
    assert shown(client.get("/contacts?q=Zyxel"), "contacts") == 7
    assert counted(app, anna, "list") == 107
    client.get("/leads?page=2")
    assert counted(app, anna, "list") == 157
    client.get("/leads?page=2")  # re-showing the same page counts again
    assert counted(app, anna, "list") == 207


@pytest.mark.parametrize("url,pattern", [
    ("/leads?tag=vip", "leads"), ("/leads?preset=open", "leads"), ("/leads?price_from=100000", "leads"),
    ("/companies", "companies"), ("/leads?pipeline=1", "leads"), ("/contacts-companies", "(?:contacts|companies)"),
])
def test_every_selection_counts_what_it_shows(app, client, anna, set_limits, url, pattern):
    set_limits(list_limit=10_000)
    response = client.get(url)
    assert response.status_code == 200
    rows = response.data.decode().split("<tbody", 1)[1].split("</tbody>", 1)[0].split("<tr")[1:]
    assert 0 < len(rows) <= 50
    assert all(re.search(rf'href="/{pattern}/\d+"', row) for row in rows)
    assert counted(app, anna, "list") == len(rows)


def test_board_counts_its_tiles(app, client, anna, set_limits):
    set_limits(list_limit=10_000)
    response = client.get("/leads/pipeline/1")
    assert response.status_code == 200
    assert counted(app, anna, "list") == shown(response, "leads") > 0


def test_export_counts_nothing(app, client, seeded, set_limits):
    set_limits(list_limit=10)
    sign_in(client, "clara@tally.example", demo.DEMO_PASSWORD)
    response = client.get("/leads/export.csv")
    assert response.status_code == 200 and response.data.count(b"\n") > 100
    clara = user_id_of(app, "clara@tally.example")
    assert is_active(app, clara)
    assert counted(app, clara, "list") == 0


def test_settings_pages_count_nothing(app, client, seeded, set_limits):
    set_limits(list_limit=1, card_limit=1)
    sign_in(client, demo.ADMIN_EMAIL, demo.ADMIN_PASSWORD)
    for url in ("/settings/users", "/settings/activity", "/settings/activity/usage", "/notifications"):
        assert client.get(url).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ActivityCount)) == 0


@both_backends
def test_limit_reached_exactly_is_served_then_the_session_ends(app, client, anna, set_limits):
    set_limits(card_limit=3)
    for deal in (1, 2, 3):
        response = client.get(f"/leads/{deal}")
        assert response.status_code == 200 and f"/leads/{deal}" in response.data.decode()
    assert counted(app, anna, "card") == 3
    assert not is_active(app, anna)
    assert events(app) == [("deactivated", anna)]
    with app.app_context():
        notified = sorted(db.session.scalars(select(Notification.user_id)))
    assert notified == sorted(user_id_of(app, email) for email in DEMO_ADMINS)
    for url in ("/leads/4", "/leads"):  # the next card, or any other page: the session has ended
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.location
    login_page = client.get(response.location).data.decode()
    assert "deactivated by activity monitoring" in login_page and "card views: 3 per day" in login_page


def test_crossing_request_is_refused_and_shows_no_records(app, client, anna, set_limits):
    set_limits(list_limit=110)
    assert client.get("/leads").status_code == 200
    assert client.get("/leads?page=2").status_code == 200
    refused = client.get("/leads?page=3")
    assert refused.status_code == 403
    page = refused.data.decode()
    assert "Deactivated by activity monitoring: list elements, 110 per day" in page
    assert not re.findall(r'href="/leads/\d+"', page)
    assert 'class="sidebar"' not in page  # a deactivated account sees no workspace around the refusal
    assert counted(app, anna, "list") == 100
    with app.app_context():
        event = db.session.scalar(select(ActivityEvent))
        assert (event.event, event.counter, event.limit_value, event.count, event.requested) == (
            "deactivated", "list", 110, 100, 20)
        assert event.request_line == "GET /leads" and event.ip == "127.0.0.1"  # the path, not the query
    # Signing in again is refused with the reason, and no session is made.
    client.post("/logout")
    again = sign_in(client, "anna@tally.example", demo.DEMO_PASSWORD)
    assert again.status_code == 200 and "list elements: 110 per day" in again.data.decode()
    assert client.get("/leads").status_code == 302


def test_other_open_sessions_of_the_user_end_too(app, anna, set_limits):
    other_tab = app.test_client()
    sign_in(other_tab, "anna@tally.example", demo.DEMO_PASSWORD, remember=True)
    assert other_tab.get("/leads/5").status_code == 200
    set_limits(card_limit=2)
    first_tab = app.test_client()
    sign_in(first_tab, "anna@tally.example", demo.DEMO_PASSWORD)
    first_tab.get("/leads/6")
    first_tab.get("/leads/7")
    response = other_tab.get("/contacts")
    assert response.status_code == 302 and "/login" in response.location


def test_every_admin_gets_one_email_through_smtp(app, client, anna, set_limits, smtp_sink):
    set_limits(card_limit=2, card_period="hour")
    client.get("/leads/1")
    client.get("/leads/2")
    messages = smtp_sink.wait_for(len(DEMO_ADMINS))
    assert sorted(m["to"][0] for m in messages) == DEMO_ADMINS
    for message in messages:
        assert "Anna Petrova" in message["subject"]
        assert "card views: 2 per hour" in message["body"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(OutboxMessage.sent_at.is_(None))) == 0


def test_smtp_down_at_the_breach_delivers_later_exactly_once(app, client, anna, set_limits, runner):
    # A bound socket that never listens: connections are refused, and no other process can
    # take the port until the sink starts on it.
    dead = socket.socket()
    dead.bind(("127.0.0.1", 0))
    dead_port = dead.getsockname()[1]
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=dead_port, MAIL_SUPPRESS_SEND=False)
    app.extensions["mail"].server, app.extensions["mail"].port = "127.0.0.1", dead_port
    app.extensions["mail"].suppress = False
    set_limits(list_limit=50)
    client.get("/leads")  # exactly 50: served, then deactivated; mail fails
    with app.app_context():
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            db.session.expire_all()  # see what the sending thread wrote, not the first load
            pending = db.session.scalars(select(OutboxMessage)).all()
            db.session.commit()
            if pending and all(m.attempts >= 1 and m.claimed_until is None for m in pending):
                break
            time.sleep(0.05)
        assert len(pending) == 2 and all(m.sent_at is None and m.last_error for m in pending)
    sink = SmtpSink()
    dead.close()
    controller = Controller(sink, hostname="127.0.0.1", port=dead_port)
    controller.start()
    try:
        app.config["CLOCK"].advance(seconds=31)  # past the retry delay
        result = runner.invoke(args=["send-outbox"])
        assert "Sent 2" in result.output
        assert runner.invoke(args=["send-outbox"]).output.startswith("Sent 0")
        assert sorted(m["to"][0] for m in sink.wait_for(2)) == DEMO_ADMINS
        assert len(sink.messages) == 2
    finally:
        controller.stop()


def test_last_active_admin_gets_429_with_retry_after(app, client, seeded, set_limits, clock):
    with app.app_context():
        db.session.execute(User.__table__.update().where(User.email == "dmitry@tally.example").values(active=False))
        db.session.commit()
    clock.set(datetime(2026, 11, 27, 10, 45, 0))
    set_limits(list_limit=60, list_period="hour")
    sign_in(client, demo.ADMIN_EMAIL, demo.ADMIN_PASSWORD)
    assert client.get("/leads").status_code == 200
    refused = client.get("/leads?page=2")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == str(15 * 60)
    assert "list elements: 60 per hour" in refused.data.decode()
    assert client.get("/settings/users").status_code == 200  # still signed in


def test_reactivation_by_ticking_activity_lets_the_user_back(app, client, anna, set_limits):
    set_limits(card_limit=1)
    client.get("/leads/1")
    client.post("/logout")
    admin = app.test_client()
    sign_in(admin, demo.ADMIN_EMAIL, demo.ADMIN_PASSWORD)
    listing = admin.get("/settings/users?status=deactivated").data.decode()
    assert "Anna Petrova" in listing
    response = admin.post(f"/settings/users/{anna}", data={
        "name": "Anna Petrova", "email": "anna@tally.example", "password": "", "is_active": "y"})
    assert response.status_code == 302
    assert sign_in(client, "anna@tally.example", demo.DEMO_PASSWORD).status_code == 302
    assert client.get("/leads/1").status_code == 200  # counts restarted: 1 of 1, served
    assert counted(app, anna, "card") == 1
    history = admin.get("/settings/activity/history").data.decode()
    assert "by Demo Administrator" in history
