"""Mail health (SPEC §9): /settings/mail shows the outbox, sends a test e-mail, and #mail-warning tells
administrators when alert e-mail has waited more than 5 minutes — against a real SMTP server, or a dead port."""
import re
import socket
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from monitor.activity import outbox
from monitor.db import db
from monitor.models import OutboxMessage
from tests.conftest import csrf_token_of, recorded_statements, sign_in

REFUSED = "Connection refused"


@pytest.fixture
def mail_down(app):
    """Point the app's mail at a port bound but never listening: every connection is refused at once."""
    dead = socket.socket()
    dead.bind(("127.0.0.1", 0))
    port = dead.getsockname()[1]
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_SUPPRESS_SEND=False)
    state = app.extensions["mail"]
    state.server, state.port, state.suppress = "127.0.0.1", port, False
    yield port
    dead.close()


def queue(app, clock, recipient="ada@example.com", subject="Ulla User deactivated", ago=timedelta(0), sent=False):
    """An alert e-mail written into the outbox `ago` before now (as the alerts do)."""
    created = clock() - ago
    with app.app_context():
        db.session.add(OutboxMessage(recipient=recipient, subject=subject, body="card views: 2 per hour",
                                     created_at=created, next_attempt_at=created, sent_at=created if sent else None))
        db.session.commit()


def send_due(app):
    with app.app_context():
        return outbox.send_due()


def unsent(app):
    with app.app_context():
        return db.session.scalars(select(OutboxMessage).where(OutboxMessage.sent_at.is_(None))).all()


def outbox_rows(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def mail_warning(page):
    match = re.search(r'<div id="mail-warning"[^>]*>(.*?)</div>', page.get_data(as_text=True), re.S)
    return match and " ".join(match.group(1).split())


def test_the_outbox_page_lists_waiting_and_failing_mail_with_the_last_error_while_the_server_is_down(
        app, client, clock, signed_in_admin, mail_down):
    queue(app, clock, "ada@example.com", "Anna deactivated", ago=timedelta(minutes=3))
    queue(app, clock, "dmitry@example.com", "Boris deactivated", ago=timedelta(minutes=2))
    assert send_due(app) == (0, 2)
    queue(app, clock, "ada@example.com", "Clara deactivated")  # not tried yet
    queue(app, clock, subject="Sent last week", ago=timedelta(days=7), sent=True)
    queue(app, clock, subject="Sent long ago", ago=timedelta(days=31), sent=True)
    page = client.get("/settings/mail")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert re.search(r'id="mail-waiting"><strong>1</strong>', text)
    assert re.search(r'id="mail-failing"><strong>2</strong>', text)
    assert re.search(r'id="mail-sent"><strong>1</strong> sent in the last 30 days', text)
    assert REFUSED in re.search(r'id="mail-last-error">(.*?)</p>', text, re.S).group(1)
    rows = re.findall(r'<tr class="(waiting|failing)">(.*?)</tr>', text, re.S)
    assert [kind for kind, _ in rows] == ["waiting", "failing", "failing"]  # newest first
    assert "Clara deactivated" in rows[0][1] and "Anna deactivated" in rows[2][1]
    assert REFUSED in rows[1][1] and "dmitry@example.com" in rows[1][1]
    assert "Sent last week" not in text
    assert f"127.0.0.1:{mail_down}" in text and "noreply@tally.localhost" in text
    assert "Times are in the time zone UTC" in text


def test_the_outbox_page_lists_only_the_newest_fifty_unsent(app, client, clock, signed_in_admin):
    for n in range(55):
        queue(app, clock, subject=f"Alert {n}", ago=timedelta(minutes=60 - n))
    text = client.get("/settings/mail").get_data(as_text=True)
    subjects = re.findall(r'data-label="Subject">Alert (\d+)<', text)
    assert subjects == [str(n) for n in range(54, 4, -1)]
    assert "The newest 50 of 55, newest first." in text


def test_the_test_email_arrives_at_the_mail_server(app, client, signed_in_admin, smtp_sink):
    response = client.post("/settings/mail/test")
    assert response.status_code == 302 and response.location.endswith("/settings/mail")
    [message] = smtp_sink.wait_for(1)
    assert message["to"] == ["ada@example.com"] and message["subject"] == "Tally CRM: test e-mail"
    assert "sent by Ada Admin at 2026-11-27 10:30 (UTC)" in message["body"]
    assert unsent(app) == []
    page = client.get(response.location).get_data(as_text=True)
    assert "The test e-mail to ada@example.com was sent: the mail server accepted it." in page
    assert re.search(r'id="mail-sent"><strong>1</strong>', page)


def test_the_test_email_waits_with_the_reason_while_the_server_is_down(app, client, clock, signed_in_admin,
                                                                       mail_down):
    queue(app, clock, subject="Waiting alert")  # left to the background sender: the request tries one message
    response = client.post("/settings/mail/test", follow_redirects=True)
    assert response.status_code == 200
    flashed = re.search(r'<div class="flash flash-error"[^>]*>(.*?)</div>', response.get_data(as_text=True), re.S)
    assert "The test e-mail to ada@example.com is waiting in the outbox" in flashed.group(1)
    assert REFUSED in flashed.group(1)
    alert, test = unsent(app)
    assert (alert.subject, alert.attempts) == ("Waiting alert", 0)
    assert (test.subject, test.attempts, test.claimed_until) == ("Tally CRM: test e-mail", 1, None)
    assert REFUSED in test.last_error


def test_with_sending_switched_off_the_test_email_says_it_did_not_leave(app, client, signed_in_admin):
    page = client.post("/settings/mail/test", follow_redirects=True).get_data(as_text=True)
    assert "Sending is switched off on this server (MAIL_SUPPRESS_SEND)" in page
    assert "was sent: the mail server accepted it" not in page


def test_the_mail_warning_shows_admins_alert_mail_waiting_over_five_minutes(app, client, clock, signed_in_admin,
                                                                            mail_down):
    queue(app, clock)
    send_due(app)
    clock.advance(minutes=5)
    assert mail_warning(client.get("/notifications")) is None  # five minutes is not yet "more than five"
    clock.advance(minutes=1)
    warning = mail_warning(client.get("/notifications"))
    assert "the oldest has waited 6 minutes unsent" in warning
    assert 'href="/settings/mail"' in warning
    assert "has waited 6 minutes" in mail_warning(client.get("/settings/activity"))


def test_the_mail_warning_goes_once_the_mail_is_sent(app, client, clock, signed_in_admin, smtp_sink):
    queue(app, clock, ago=timedelta(hours=3))
    assert "has waited 3 hours" in mail_warning(client.get("/notifications"))
    assert send_due(app) == (1, 0)
    assert mail_warning(client.get("/notifications")) is None


def test_the_mail_warning_costs_an_admin_one_query_and_others_none(app, client, clock, admin, signed_in, mail_down):
    queue(app, clock, ago=timedelta(minutes=30))
    with recorded_statements(app) as statements:
        page = client.get("/notifications")
    assert page.status_code == 200 and mail_warning(page) is None
    assert not [sql for sql in statements if "outbox" in sql]
    admin_client = app.test_client()
    sign_in(admin_client, "ada@example.com")
    with recorded_statements(app) as statements:
        page = admin_client.get("/notifications")
    assert "has waited 30 minutes" in mail_warning(page)
    assert len([sql for sql in statements if "outbox" in sql]) == 1


@pytest.mark.parametrize("method, url", [("get", "/settings/mail"), ("post", "/settings/mail/test")])
def test_mail_settings_are_for_administrators_only(app, client, signed_in, method, url):
    assert getattr(client, method)(url).status_code == 403
    assert outbox_rows(app) == 0


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_the_test_email_needs_the_csrf_token(app, client, admin):
    sign_in(client, "ada@example.com", csrf_token=csrf_token_of(client.get("/login")))
    assert client.post("/settings/mail/test").status_code == 400
    assert outbox_rows(app) == 0
    token = csrf_token_of(client.get("/settings/mail"))
    assert client.post("/settings/mail/test", data={"csrf_token": token}).status_code == 302
    assert outbox_rows(app) == 1


def test_the_mail_tab_is_in_the_settings(client, signed_in_admin):
    page = client.get("/settings/api-tokens").get_data(as_text=True)
    assert re.search(r'<a href="/settings/mail" class="">Mail</a>', page)
