"""Alerts to every active administrator: an in-app notification and an e-mail in the outbox.

Both are written in the transaction that records the event, so an alert exists exactly when
its deactivation does. E-mail leaves after the commit: the functions say whether they queued
any, and the caller then calls `outbox.send_soon`.
"""
from flask import current_app, has_request_context, render_template, request
from flask_babel import force_locale
from sqlalchemy import DateTime, bindparam, select, text

from monitor.activity.events import record_limit_event
from monitor.activity.wording import describe_limit
from monitor.models import Notification, OutboxMessage, User

# The upsert style of every counter but activity's (see services/rate_limits.py): a portable
# text() statement through the ORM session, here inside the transaction that records the event.
_MARK_ALERTED = text(
    "INSERT INTO activity_alerts (user_id, kind, window_start) VALUES (:user_id, :counter, :window_start) "
    "ON CONFLICT DO NOTHING RETURNING 1"
).bindparams(bindparam("window_start", type_=DateTime()))


def notify_admins(session, user, event):
    """A notification and an e-mail for every active administrator about `event`; True when mail was queued."""
    admins = session.scalars(select(User).where(User.is_admin.is_(True), User.active.is_(True))).all()
    for admin in admins:
        session.add(Notification(user_id=admin.id, event_id=event.id, created_at=event.created_at))
        subject, body = render_email(admin, user, event)
        session.add(OutboxMessage(recipient=admin.email, subject=subject, body=body,
                                  created_at=event.created_at, next_attempt_at=event.created_at))
    return bool(admins)


def alert_once(session, event_name, user, breach, seen, channel, now, origin):
    """Record a limit reached without a deactivation, and alert — once per user, limit and window.

    True when mail was queued.
    """
    first = session.execute(
        _MARK_ALERTED, {"user_id": user.id, "counter": breach.counter, "window_start": breach.window_start}
    ).first()
    if first is None:
        return False
    event = record_limit_event(session, event_name, user.id, breach, seen, channel, now, origin)
    return notify_admins(session, user, event)


def render_email(admin, user, event):
    """Subject and body of the alert, in the administrator's language."""
    language = admin.language or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(language):
        limit = describe_limit(event.counter, event.limit_value, event.period)
        context = {"admin": admin, "user": user, "event": event, "limit": limit, **links(user, event)}
        subject = render_template("email/alert_subject.txt", **context).strip()
        body = render_template("email/alert_body.txt", **context)
    return subject, body


def links(user, event):
    """Absolute addresses of the user's page and of the event in the history, for the e-mail.

    Built now, while the request that caused the alert is at hand (the outbox sends later):
    from BASE_URL, else the request's own root; none outside a request without BASE_URL.
    """
    base = current_app.config.get("BASE_URL") or (request.url_root if has_request_context() else None)
    if not base:
        return {"user_url": None, "history_url": None}
    # Paths inside the app (no script root: BASE_URL, like url_root, already ends where the app starts).
    urls = current_app.url_map.bind("localhost")
    user_path = urls.build("settings.user_edit", {"user_id": user.id})
    history_path = urls.build("settings.activity_history", {"event": event.id})
    base = base.rstrip("/")
    return {"user_url": base + user_path, "history_url": f"{base}{history_path}#event-{event.id}"}
