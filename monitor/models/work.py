"""The work done on records: each card's feed (notes and what changed) and tasks."""
from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from monitor.clock import utcnow
from monitor.db import Base

# The longest note, task text and value a feed entry keeps (a longer value is cut, with "…").
MAX_NOTE = 10_000
MAX_TASK_TEXT = 2_000
MAX_FEED_VALUE = 500
FEED_KINDS = ("created", "note", "field", "status", "linked", "unlinked", "task_done")


class FeedEntry(Base):
    """One line of a card's feed: a note, a field's change old -> new, a status change,
    a link made or removed, the record's creation or a task done.

    kind       one of FEED_KINDS
    field      "field": the field's name; "linked"/"unlinked": the linked kind ("contacts", ...)
    old_value, new_value   "field" and "status": the values as shown then (names, not ids)
    linked_id  "linked"/"unlinked": the linked record's id; "task_done": the task's id
    text       "note": the note; "task_done": the task's text
    """

    __tablename__ = "feed_entries"
    __table_args__ = (Index("ix_feed_entries_record", "entity", "record_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    field: Mapped[Optional[str]] = mapped_column(String(40))
    old_value: Mapped[Optional[str]] = mapped_column(String(MAX_FEED_VALUE))
    new_value: Mapped[Optional[str]] = mapped_column(String(MAX_FEED_VALUE))
    linked_id: Mapped[Optional[int]]
    text: Mapped[Optional[str]] = mapped_column(Text)
    author = relationship("User")


class Task(Base):
    """Something to do by a time, for a responsible user, about a record or about nothing in particular."""

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_responsible_open_due", "responsible_user_id", "is_done", "due_at"),
        Index("ix_tasks_record", "entity", "record_id", "is_done", "due_at"),
        Index("ix_tasks_open_due", "is_done", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(MAX_TASK_TEXT))
    due_at: Mapped[datetime]
    responsible_user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    entity: Mapped[Optional[str]] = mapped_column(String(20))
    record_id: Mapped[Optional[int]]
    is_done: Mapped[bool] = mapped_column(default=False)
    done_at: Mapped[Optional[datetime]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    responsible_user = relationship("User", foreign_keys=[responsible_user_id])
    author = relationship("User", foreign_keys=[author_id])
