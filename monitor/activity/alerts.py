"""Alerts to every active administrator: an in-app notification and an e-mail in the outbox.

Both are written in the transaction that records the event, so an alert exists exactly when
its deactivation does; e-mail leaves after commit (see outbox).
"""
import threading

from flask import current_app, g, has_app_context, render_template
from flask_babel import force_locale
from sqlalchemy import DateTime, bindparam, select, text

from monitor.models import ActivityEvent, Notification, OutboxMessage, User

_MARK_ALERTED = text(
    "INSERT INTO activity_alerts (user_id, kind, window_start) VALUES (:user_id, :kind, :window_start) "
    "ON CONFLICT DO NOTHING RETURNING 1"
).bindparams(bindparam("window_start", type_=DateTime()))


def notify_admins(session, user, event):
    """A notification and an e-mail for every active administrator about `event`."""
    admins = session.scalars(select(User).where(User.is_admin.is_(True), User.active.is_(True))).all()
    for admin in admins:
        session.add(Notification(user_id=admin.id, event_id=event.id, created_at=event.created_at))
        subject, body = render_email(admin, user, event)
        session.add(OutboxMessage(recipient=admin.email, subject=subject, body=body,
                                  created_at=event.created_at, next_attempt_at=event.created_at))
    if admins:
        g.outbox_pending = True


def alert_once(session, event_name, user, breach, seen, channel, now, details):
    """Record a limit reached without a deactivation, and alert — once per user, limit and window."""
    first = session.execute(
        _MARK_ALERTED, {"user_id": user.id, "kind": breach.kind, "window_start": breach.window_start}
    ).first()
    if first is None:
        return
    event = ActivityEvent(
        event=event_name, user_id=user.id, created_at=now, limit_kind=breach.kind,
        limit_value=breach.limit, period=breach.period, count=seen,
        requested=breach.requested, window_start=breach.window_start, window_end=breach.window_end,
        channel=channel, **details,
    )
    session.add(event)
    session.flush()
    notify_admins(session, user, event)


def render_email(admin, user, event):
    """Subject and body of the alert, in the administrator's language."""
    from monitor.activity.service import describe_limit

    language = admin.language or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(language):
        limit = describe_limit(event.limit_kind, event.limit_value, event.period)
        context = {"admin": admin, "user": user, "event": event, "limit": limit}
        subject = render_template("email/alert_subject.txt", **context).strip()
        body = render_template("email/alert_body.txt", **context)
    return subject, body


def send_soon():
    """After the commit: send what this request put in the outbox, without making it wait."""
    if not (has_app_context() and g.pop("outbox_pending", False)):
        return
    if not current_app.config.get("OUTBOX_SEND_AFTER_COMMIT", True):
        return
    from monitor.activity import outbox

    app = current_app._get_current_object()
    threading.Thread(target=outbox.send_due_in, args=(app,), daemon=True, name="outbox-send").start()
