"""Mail health (SPEC §9): what the outbox holds, a test e-mail sent at once, and how long alert mail has waited.

Alert e-mail leaves through the outbox (monitor/activity/outbox.py); a mail server that is down
delays it, so administrators need to see that, and why, before a deactivation goes unheard of.
"""
from dataclasses import dataclass
from datetime import timedelta
from typing import Optional

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from monitor.activity import outbox
from monitor.activity.housekeeping import KEEP_SENT_MAIL_DAYS
from monitor.activity.windows import local_time
from monitor.clock import utcnow
from monitor.db import db
from monitor.models import OutboxMessage

WARN_AFTER = timedelta(minutes=5)  # alert mail unsent longer than this puts #mail-warning on admins' pages
SENT_PERIOD_DAYS = KEEP_SENT_MAIL_DAYS  # sent mail is pruned after this, so the count covers no more
LISTED = 50

_UNSENT = OutboxMessage.sent_at.is_(None)
_FAILING = _UNSENT & (OutboxMessage.attempts > 0)


@dataclass(frozen=True)
class OutboxSummary:
    """The outbox at a glance: counts, the newest failure's error, the newest unsent messages."""

    waiting: int  # unsent, not tried yet
    failing: int  # unsent, tried at least once
    sent: int  # sent in the last SENT_PERIOD_DAYS days
    last_error: Optional[str]
    unsent: list  # the newest LISTED unsent messages, newest first

    @property
    def unsent_total(self):
        return self.waiting + self.failing


@dataclass(frozen=True)
class MailServer:
    """The mail server settings in use (never the password)."""

    host: str
    port: int
    security: str  # "ssl", "starttls" or "none"
    username: Optional[str]
    sender: str
    suppressed: bool  # MAIL_SUPPRESS_SEND: messages are marked sent but never leave the server


@dataclass(frozen=True)
class TestResult:
    """What became of a test e-mail: sent, or still waiting and why."""

    recipient: str
    sent: bool
    error: Optional[str]  # the mail server's or the network's words when it was not sent
    suppressed: bool  # "sent" only in the sense that sending is switched off


def summarise(now):
    """The outbox's counts, the last error of a failing message, and the newest unsent messages."""
    sent_since = now - timedelta(days=SENT_PERIOD_DAYS)
    waiting, failing, sent = db.session.execute(select(
        func.count().filter(_UNSENT & (OutboxMessage.attempts == 0)),
        func.count().filter(_FAILING),
        func.count().filter(OutboxMessage.sent_at >= sent_since),
    )).one()
    # A failure sets the next attempt RETRY_SECONDS after itself: the latest next attempt is the latest failure.
    last_error = db.session.scalar(
        select(OutboxMessage.last_error).where(_FAILING, OutboxMessage.last_error.is_not(None))
        .order_by(OutboxMessage.next_attempt_at.desc(), OutboxMessage.id.desc()).limit(1))
    unsent = db.session.scalars(
        select(OutboxMessage).where(_UNSENT)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).limit(LISTED)).all()
    return OutboxSummary(waiting, failing, sent, last_error, unsent)


def mail_server():
    """The settings Flask-Mail sends with, as it holds them."""
    state = current_app.extensions["mail"]
    security = "ssl" if state.use_ssl else "starttls" if state.use_tls else "none"
    return MailServer(state.server, state.port, security, state.username or None,
                      current_app.config["MAIL_DEFAULT_SENDER"], bool(state.suppress))


def oldest_delayed(now):
    """When the oldest message still unsent after WARN_AFTER was written, or None: one indexed query."""
    return db.session.scalar(
        select(func.min(OutboxMessage.created_at)).where(_UNSENT, OutboxMessage.created_at < now - WARN_AFTER))


def send_test(admin, zone):
    """Put a test e-mail to `admin` into the outbox and try to send it now; returns a TestResult.

    Only this message is tried here, once, within the outbox's SMTP timeout: the waiting
    ones are left to the background sender, so the request stays bounded however many wait.
    """
    now = utcnow()
    subject, body = _test_message(admin, now, zone)
    with db.immediate() as session:
        message = OutboxMessage(recipient=admin.email, subject=subject, body=body, created_at=now,
                                next_attempt_at=now)
        session.add(message)
        session.flush()
    sent = outbox.send_one(message) is True
    stored = db.session.get(OutboxMessage, message.id, populate_existing=True)  # as the sender left it
    db.session.commit()
    if sent:
        outbox.send_soon()  # the server answers: let what waited behind it go too, without waiting for the retry
    return TestResult(admin.email, stored.sent_at is not None, stored.last_error, mail_server().suppressed)


def _test_message(admin, now, zone):
    language = admin.language or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(language):
        subject = _("Tally CRM: test e-mail")
        body = _("This is a test e-mail from Tally CRM, sent by %(name)s at %(time)s (%(zone)s) from Settings → "
                 "Mail.\n\nAlerts about users deactivated by activity monitoring reach this address the same way.\n",
                 name=admin.name, time=local_time(now, zone, "%Y-%m-%d %H:%M"), zone=zone)
    return subject, body
