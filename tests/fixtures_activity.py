"""Fixtures for the activity monitoring tests: limits, an SMTP sink, charging and reading the counts."""
import email
import threading
import time
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from monitor import activity
from monitor.activity import settings as activity_settings
from monitor.db import db
from monitor.models import ActivityCount, ActivityEvent, User
from tests.conftest import free_port


class SmtpSink:
    """A real SMTP server on 127.0.0.1 that keeps every message it receives."""

    def __init__(self):
        self.messages = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        parsed = email.message_from_bytes(envelope.content)
        with self._lock:
            self.messages.append({
                "to": list(envelope.rcpt_tos),
                "subject": str(make_header(decode_header(parsed["Subject"]))),
                "body": parsed.get_payload(decode=True).decode(parsed.get_content_charset() or "utf-8"),
            })
        return "250 OK"

    def wait_for(self, count, timeout=10):
        """Wait until `count` messages have arrived; return them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.05)
        with self._lock:
            return list(self.messages)


@pytest.fixture
def smtp_sink(app):
    """Start the sink on a free port and point the app's mail settings at it."""
    sink = SmtpSink()
    port = sink.port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_SUPPRESS_SEND=False)
    app.extensions["mail"].server = "127.0.0.1"
    app.extensions["mail"].port = port
    app.extensions["mail"].suppress = False
    yield sink
    controller.stop()


@pytest.fixture
def set_limits(app):
    """Save activity settings through the service, as the settings page does."""

    def apply(card_limit="", card_period="day", list_limit="", list_period="day",
              action="deactivate", timezone="UTC"):
        with app.app_context():
            activity_settings.save_settings(
                str(card_limit or ""), card_period, str(list_limit or ""), list_period, action, timezone)

    return apply


@pytest.fixture
def in_app(app):
    """Run a function inside an app context (a fresh session each call)."""

    def run(function, *args, **kwargs):
        with app.app_context():
            result = function(*args, **kwargs)
            db.session.commit()
            return result

    return run


def charge(app, user_id, channel="web", cards=(), elements=0):
    """Charge a view to a user through the one counting service, as the views do."""
    with app.app_context():
        activity.charge(db.session.get(User, user_id), channel, cards=cards, elements=elements)


def counted(app, user_id, counter, channel="total"):
    """The user's count on `counter` ("card" or "list") over every window, for one channel or in total."""
    with app.app_context():
        column = getattr(ActivityCount, channel)
        return db.session.scalar(select(func.coalesce(func.sum(column), 0)).where(
            ActivityCount.user_id == user_id, ActivityCount.counter == counter))


def is_active(app, user_id):
    with app.app_context():
        return db.session.get(User, user_id).active


def events(app):
    """(event, user id) of every monitoring event, oldest first."""
    with app.app_context():
        return [(event.event, event.user_id) for event in db.session.scalars(
            select(ActivityEvent).order_by(ActivityEvent.id))]
