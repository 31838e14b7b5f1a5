"""Activity monitoring: settings, counters, first card views, history, notifications, outbox."""
import json
from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from monitor.clock import utcnow
from monitor.db import Base

# The two counters monitoring keeps and limits: card views and list elements. In code a
# counter is named `counter`; the columns holding it keep their first names (`kind`,
# `limit_kind`): renaming a key column on SQLite rebuilds the table, for nothing a user sees.
CARD = "card"
LIST = "list"


class ActivitySettings(Base):
    """The account's limits (one row, id 1). A limit of None means no limit."""

    __tablename__ = "activity_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    card_limit: Mapped[Optional[int]]
    card_period: Mapped[str] = mapped_column(String(8), default="day")
    list_limit: Mapped[Optional[int]]
    list_period: Mapped[str] = mapped_column(String(8), default="day")
    action: Mapped[str] = mapped_column(String(16), default="deactivate")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # The warning (SPEC §9): a banner from this share of a limit (None: no warning), and
    # whether administrators are notified when a user's warning starts.
    warn_percent: Mapped[Optional[int]] = mapped_column(default=80)
    warn_admins: Mapped[bool] = mapped_column(default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def limit(self, counter):
        """The counter's limit ("card" or "list"); None for no limit."""
        return self.card_limit if counter == CARD else self.list_limit

    def period(self, counter):
        """The counter's window: "hour" or "day"."""
        return self.card_period if counter == CARD else self.list_period


class ActivityCount(Base):
    """One user's count on one counter in one window, split by channel. Only ever upserted in SQL."""

    __tablename__ = "activity_counts"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    counter: Mapped[str] = mapped_column("kind", String(8), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(primary_key=True)
    total: Mapped[int] = mapped_column(default=0)
    web: Mapped[int] = mapped_column(default=0)
    api: Mapped[int] = mapped_column(default=0)
    mobile: Mapped[int] = mapped_column(default=0)


class CardView(Base):
    """A card a user has opened in a window: only the first opening counts."""

    __tablename__ = "activity_card_views"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(12), primary_key=True)
    record_id: Mapped[int] = mapped_column(primary_key=True)


class ActivityAlert(Base):
    """Alerts already sent for a user, limit and window, so each goes out once."""

    __tablename__ = "activity_alerts"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    counter: Mapped[str] = mapped_column("kind", String(8), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(primary_key=True)


class ActivityWarning(Base):
    """Warnings administrators were told of, for a user, counter and window, so each is told once."""

    __tablename__ = "activity_warnings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    counter: Mapped[str] = mapped_column("kind", String(8), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(primary_key=True)


class ActivityEvent(Base):
    """History: a deactivation (with what tripped it), a reactivation, or an alert without one."""

    __tablename__ = "activity_events"
    __table_args__ = (Index("ix_activity_events_user_created", "user_id", "created_at"),)

    DEACTIVATED = "deactivated"
    REACTIVATED = "reactivated"
    LIMIT_REACHED = "limit_reached"  # notify-only mode: alerted, nothing refused
    LAST_ADMIN = "last_admin"  # the last active administrator: alerted, refused past the limit, stays active
    WARNING = "warning"  # a user passed the warning share of a limit (administrators told when warn_admins)
    # The audit of the rules themselves: who changed what (`details`: old → new values, a reason).
    EXEMPTED = "exempted"
    UNEXEMPTED = "unexempted"
    SETTINGS_CHANGED = "settings_changed"
    RIGHTS_CHANGED = "rights_changed"
    TOKEN_CREATED = "token_created"  # noqa: S105 (an event name)
    TOKEN_REVOKED = "token_revoked"  # noqa: S105 (an event name)

    id: Mapped[int] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    counter: Mapped[Optional[str]] = mapped_column("limit_kind", String(8))  # the counter whose limit was reached
    limit_value: Mapped[Optional[int]]
    period: Mapped[Optional[str]] = mapped_column(String(8))
    count: Mapped[Optional[int]]
    requested: Mapped[Optional[int]]
    window_start: Mapped[Optional[datetime]]
    window_end: Mapped[Optional[datetime]]
    channel: Mapped[Optional[str]] = mapped_column(String(8))
    ip: Mapped[Optional[str]] = mapped_column(String(64))
    request_line: Mapped[Optional[str]] = mapped_column(String(600))
    by_user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    details: Mapped[Optional[str]] = mapped_column(Text)  # JSON: {"changes": [[field, old, new], ...], "reason": ...}
    user = relationship("User", foreign_keys=[user_id])
    by_user = relationship("User", foreign_keys=[by_user_id])

    @property
    def warn_percent(self):
        """For a warning: the share of the limit it was given at."""
        saved = json.loads(self.details).get("warn_percent") if self.details else None
        return saved if saved is not None else self.count * 100 // self.limit_value


class Notification(Base):
    """An in-app alert for one administrator about one event."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("activity_events.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[Optional[datetime]]
    event: Mapped[ActivityEvent] = relationship()


class OutboxMessage(Base):
    """An e-mail waiting to be sent; written in the same transaction as its cause."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[Optional[datetime]]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[Optional[str]] = mapped_column(String(500))
    sent_at: Mapped[Optional[datetime]]
