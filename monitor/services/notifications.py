"""Reading and marking a user's notifications."""
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from monitor.clock import utcnow
from monitor.db import db
from monitor.models import ActivityEvent, Notification

PER_PAGE = 50


def unread_count(user_id):
    """How many of the user's notifications are unread (the bell's number)."""
    return db.session.scalar(
        select(func.count(Notification.id)).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )


def newest(user_id, limit=PER_PAGE):
    """The user's notifications, newest first."""
    return db.session.scalars(
        select(Notification).options(joinedload(Notification.event).joinedload(ActivityEvent.user))
        .where(Notification.user_id == user_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)
    ).all()


def mark_read(user_id, notification_id=None):
    """Mark one notification (or all of them) read; only the user's own."""
    statement = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if notification_id is not None:
        statement = statement.where(Notification.id == notification_id)
    with db.immediate() as session:
        session.execute(statement.values(read_at=utcnow()))
