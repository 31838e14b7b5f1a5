"""Activity history: every view recorded, limits or not, in enough detail to replay it exactly.

Time is kept in quarter hours (`quarter`: 15-minute steps since 1970-01-01 UTC). Every real
time zone is a whole number of quarter hours from UTC, so each counting window (a local hour
or a local day, in any zone) is a run of whole quarters: the history can be replayed under any
limits, period and time zone (monitor/activity/preview.py).

- `activity_quarters`: the sums the pages read, one row a user, quarter, counter, channel and,
  for cards, `gap`. A card view is recorded once a quarter; its `gap` is the number of quarters
  since the user's previous view of the same card (NO_EARLIER_VIEW when none is that close), so
  "is this the card's first view in the window?" is `gap > quarters since the window began`.
- `activity_marks`: one row a card, user and quarter, for the moment a limit is reached inside
  a quarter: its exact time and order.
- `activity_list_views`: one row a list request (its elements), for the same reason.

Refused requests (the one that would pass a limit) are recorded with `refused`: the usage
counts leave them out, a replay needs them (under other limits they would have been shown).
"""
from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from monitor.db import Base

QUARTER_SECONDS = 15 * 60
# A window is at most 26 hours (Antarctica/Troll's day when its clocks go back two hours):
# 104 quarters. A card last seen this long ago or more is new to every window, whatever its
# period and time zone.
NO_EARLIER_VIEW = 104


class ActivityQuarter(Base):
    """What one user saw in one quarter hour on one counter and channel. Only ever upserted in SQL."""

    __tablename__ = "activity_quarters"
    # On SQLite the rows are stored in key order (no rowid): a span of quarters is one range read
    # that is already grouped as the preview sums it.
    __table_args__ = ({"sqlite_with_rowid": False},)

    quarter: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    counter: Mapped[str] = mapped_column("kind", String(8), primary_key=True)
    gap: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # 0 for list elements
    channel: Mapped[str] = mapped_column(String(8), primary_key=True)
    shown: Mapped[int] = mapped_column(default=0)
    refused: Mapped[int] = mapped_column(default=0)


class ActivityMark(Base):
    """A card a user opened in a quarter hour: the first opening's time, and its gap."""

    __tablename__ = "activity_marks"
    __table_args__ = (Index("ix_activity_marks_quarter_user", "quarter", "user_id"), {"sqlite_with_rowid": False})

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    entity: Mapped[str] = mapped_column(String(12), primary_key=True)
    record_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    quarter: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at_ms: Mapped[int] = mapped_column(BigInteger)  # milliseconds since the epoch, UTC
    channel: Mapped[str] = mapped_column(String(8))
    gap: Mapped[int]
    refused: Mapped[bool] = mapped_column(default=False)


class ActivityListView(Base):
    """One list request: how many elements it showed (or, refused, would have shown)."""

    __tablename__ = "activity_list_views"
    __table_args__ = (Index("ix_activity_list_views_quarter_user", "quarter", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    quarter: Mapped[int]
    at_ms: Mapped[int] = mapped_column(BigInteger)
    channel: Mapped[str] = mapped_column(String(8))
    elements: Mapped[int]
    refused: Mapped[bool] = mapped_column(default=False)
