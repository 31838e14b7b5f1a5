"""The monitoring history: a limit event as it is recorded, and a user's latest deactivation."""
from sqlalchemy import select

from monitor.db import db
from monitor.models import ActivityEvent


def record_limit_event(session, name, user_id, breach, seen, channel, now, origin):
    """Add the event of a limit `breach` (deactivated, last administrator, notify only); flushed, so it has an id.

    `seen` is the count the user was shown; `origin` the request's address and line.
    """
    event = ActivityEvent(
        event=name, user_id=user_id, created_at=now, counter=breach.counter, limit_value=breach.limit,
        period=breach.period, count=seen, requested=breach.requested, window_start=breach.window_start,
        window_end=breach.window_end, channel=channel, ip=origin.address, request_line=origin.request_line,
    )
    session.add(event)
    session.flush()
    return event


def latest_deactivation(user_id):
    """The user's newest deactivation record, if that is their newest event."""
    event = db.session.scalar(
        select(ActivityEvent)
        .where(ActivityEvent.user_id == user_id,
               ActivityEvent.event.in_((ActivityEvent.DEACTIVATED, ActivityEvent.REACTIVATED)))
        .order_by(ActivityEvent.created_at.desc(), ActivityEvent.id.desc()).limit(1)
    )
    return event if event is not None and event.event == ActivityEvent.DEACTIVATED else None
