"""The persistent e-mail outbox: claim due messages, send them, retry those that fail.

Every worker process may run this at once: a message is claimed with a conditional UPDATE
before sending, so only one process sends it.
"""
import logging
import smtplib
import socket
import threading
from datetime import timedelta

from flask import current_app
from flask_mail import Message
from sqlalchemy import or_, select, update

from monitor.clock import utcnow
from monitor.db import db
from monitor.extensions import mail
from monitor.models import OutboxMessage

log = logging.getLogger(__name__)
CLAIM_SECONDS = 120
RETRY_SECONDS = 30  # well under the promised "at least once a minute"
BATCH = 100
SMTP_TIMEOUT = 20


def _claim(message_id, now):
    """Take one due message for this process; False when another process has it."""
    with db.immediate() as session:
        claimed = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.sent_at.is_(None),
                   or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now))
            .values(claimed_until=now + timedelta(seconds=CLAIM_SECONDS),
                    attempts=OutboxMessage.attempts + 1)
            .returning(OutboxMessage.id)
        ).first()
    return claimed is not None


def _finish(message_id, error=None):
    now = utcnow()
    values = {"claimed_until": None}
    if error is None:
        values["sent_at"] = now
        values["last_error"] = None
    else:
        values["next_attempt_at"] = now + timedelta(seconds=RETRY_SECONDS)
        values["last_error"] = str(error)[:500]
    with db.immediate() as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values))


def send_due():
    """Send every message that is due now; returns (sent, failed)."""
    now = utcnow()
    due = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id).limit(BATCH)
    ).all()
    db.session.commit()
    sent = failed = 0
    for message in due:
        outcome = send_one(message, now)
        sent += outcome is True
        failed += outcome is False
    return sent, failed


def send_one(message, now=None):
    """Claim, deliver and settle one message: True sent, False failed (retried later), None taken by another process."""
    if not _claim(message.id, now or utcnow()):
        return None
    try:
        _deliver(message)
    except (OSError, smtplib.SMTPException) as error:
        log.warning("outbox: message %s to %s not sent: %s", message.id, message.recipient, error)
        _finish(message.id, error)
        return False
    _finish(message.id)
    return True


def _deliver(message):
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(SMTP_TIMEOUT)  # Flask-Mail opens SMTP without a timeout
    try:
        mail.send(Message(subject=message.subject, recipients=[message.recipient], body=message.body,
                          sender=current_app.config["MAIL_DEFAULT_SENDER"]))
    finally:
        socket.setdefaulttimeout(previous)


def send_due_in(app):
    """Run send_due in a thread of its own with an app context."""
    with app.app_context():
        try:
            send_due()
        except Exception:  # a background thread must never die silently
            log.exception("outbox: sending failed")


def send_soon():
    """After the commit that queued alert mail: send it in a thread of its own, without making the request wait."""
    if not current_app.config.get("OUTBOX_SEND_AFTER_COMMIT", True):
        return
    app = current_app._get_current_object()
    threading.Thread(target=send_due_in, args=(app,), daemon=True, name="outbox-send").start()
