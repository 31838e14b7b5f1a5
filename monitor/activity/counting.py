"""The counting statements: the one place a view is added to a user's counts.

They run on the DB-API connection. Measured here, one upsert through SQLAlchemy's `text()`
costs ~32 µs and a whole Core transaction ~124 µs, against ~3 µs and ~24 µs on the DB-API
connection, and a charge runs on every card and list view. The statements are portable
(`INSERT ... ON CONFLICT ... RETURNING`; `?` becomes `%s` for drivers that want it), and times
are bound through SQLAlchemy's own DateTime processor, so the ORM finds the same rows.

The other upserts (the sign-in throttle, alerts sent, API rate limits) run at most once a
request, inside ORM transactions: they are text() statements through the session instead.

Two callers share them: `try_fast` (its own BEGIN IMMEDIATE transaction, committed only when
every total stays below its limit) and the exact path in service.py, which runs `add_view`
inside its ORM transaction when a limit is reached.
"""
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlalchemy import DateTime

from monitor.activity import recording
from monitor.activity.windows import window_start

log = logging.getLogger(__name__)
CHANNELS = ("web", "api", "mobile")
CARD = "card"  # the counters (models.activity); the column holding one is `kind`
LIST = "list"

SETTINGS_SQL = (
    "SELECT card_limit, card_period, list_limit, list_period, action, timezone, warn_percent, warn_admins "
    "FROM activity_settings WHERE id = 1"
)
STATUS_SQL = "SELECT active, monitoring_exempt FROM users WHERE id = ?"
MARK_CARD_SQL = (
    "INSERT INTO activity_card_views (user_id, window_start, entity, record_id) VALUES (?, ?, ?, ?) "
    "ON CONFLICT DO NOTHING RETURNING 1"
)
ADD_SQL = {
    channel: "INSERT INTO activity_counts (user_id, kind, window_start, total, web, api, mobile) "
    f"VALUES (?, ?, ?, ?, {', '.join('?' if c == channel else '0' for c in CHANNELS)}) "
    "ON CONFLICT (user_id, kind, window_start) DO UPDATE SET total = activity_counts.total + excluded.total, "
    f"{channel} = activity_counts.{channel} + excluded.{channel} RETURNING total"
    for channel in CHANNELS
}

COUNTED = "counted"  # committed: every total below its limit
DECIDE = "decide"  # rolled back: a limit is reached or the user is inactive


@dataclass(frozen=True)
class Limits:
    """The settings row as the fast path reads it (the same attributes as ActivitySettings)."""

    card_limit: Optional[int]
    card_period: str
    list_limit: Optional[int]
    list_period: str
    action: str
    timezone: str
    warn_percent: Optional[int] = None
    warn_admins: bool = False

    def limit(self, counter):
        return self.card_limit if counter == CARD else self.list_limit

    def period(self, counter):
        return self.card_period if counter == CARD else self.list_period


NO_LIMITS = Limits(None, "day", None, "day", "deactivate", "UTC")  # before the settings are first saved


@dataclass(frozen=True)
class Added:
    """What one view added to one counter: the new total and the window it counts in."""

    counter: str
    n: int
    total: int
    window_start: datetime


class Counter:
    """The statements, bound to one engine's dialect."""

    def __init__(self, engine):
        self.sqlite = engine.dialect.name == "sqlite"
        self.qmark = engine.dialect.paramstyle == "qmark"
        self._bind_time = DateTime().dialect_impl(engine.dialect).bind_processor(engine.dialect) or (lambda v: v)

    def sql(self, statement):
        """A statement written with ? placeholders, as this driver wants it."""
        return placeholders(statement, self.qmark)

    def read_limits(self, raw) -> Limits:
        """The limits, read outside any transaction (no row yet: no limits)."""
        cursor = raw.cursor()
        try:
            cursor.execute(SETTINGS_SQL)
            row = cursor.fetchone()
        finally:
            cursor.close()
        if not self.sqlite:
            raw.rollback()  # end the implicit read transaction
        return Limits(*row) if row else NO_LIMITS

    def try_fast(self, raw, limits, user_id, channel, cards, elements, now):
        """Count in a transaction of its own: (COUNTED, the Added steps) when committed, or (DECIDE, None).

        It commits when every total stays below its limit and no warning administrators must be
        told of starts, or for a user exempt from monitoring (counted, never refused); else it
        rolls back for the exact path.
        """
        cursor = raw.cursor()
        try:
            # A BEGIN that fails (locked past the busy timeout, read-only file) began nothing to roll
            # back: it propagates as itself.
            self._begin(raw, cursor)
            try:
                outcome, added = DECIDE, None
                active, exempt = self.status(cursor, user_id)
                if active:
                    added = self.add_view(cursor, limits, user_id, channel, cards, elements, now)
                    if exempt or all(below_limit(limits, step) and not starts_warning(limits, step)
                                     for step in added):
                        self.record(cursor, user_id, channel, cards, elements, now)
                        outcome = COUNTED
                self._end(raw, cursor, commit=outcome == COUNTED)
                return outcome, (added if outcome == COUNTED else None)
            except BaseException:
                self._roll_back_after(raw, cursor)
                raise
        finally:
            cursor.close()

    def _begin(self, raw, cursor):
        if self.sqlite:
            cursor.execute("BEGIN IMMEDIATE")  # other drivers begin implicitly

    def _end(self, raw, cursor, commit):
        if self.sqlite:
            cursor.execute("COMMIT" if commit else "ROLLBACK")
        else:
            raw.commit() if commit else raw.rollback()

    def _roll_back_after(self, raw, cursor):
        """Roll back after an error without hiding it: SQLite may have rolled back already (disk full)."""
        try:
            self._end(raw, cursor, commit=False)
        except Exception as rollback_error:  # the error being raised is the one to report
            log.warning("activity: rollback after a failed count also failed: %s", rollback_error)

    def status(self, cursor, user_id):
        """(active, exempt from monitoring) of a user."""
        cursor.execute(self.sql(STATUS_SQL), (user_id,))
        row = cursor.fetchone()
        return (bool(row[0]), bool(row[1])) if row else (False, False)

    def add_view(self, cursor, limits, user_id, channel, cards, elements, now):
        """Mark first card views and add to the window counts; a list of Added."""
        added = []
        if cards:
            start = window_start(now, limits.card_period, limits.timezone)
            bound = self._bind_time(start)
            new = 0
            for entity, record_id in dict.fromkeys(cards):
                cursor.execute(self.sql(MARK_CARD_SQL), (user_id, bound, entity, record_id))
                new += cursor.fetchone() is not None
            if new:
                added.append(Added(CARD, new, self._add(cursor, channel, user_id, CARD, bound, new), start))
        if elements > 0:
            start = window_start(now, limits.list_period, limits.timezone)
            total = self._add(cursor, channel, user_id, LIST, self._bind_time(start), elements)
            added.append(Added(LIST, elements, total, start))
        return added

    def record(self, cursor, user_id, channel, cards, elements, now, refused=False):
        """Add the view to the history (recording.py): shown, or refused."""
        recording.record(cursor, self.sql, user_id, channel, cards, elements, now, refused)

    def _add(self, cursor, channel, user_id, counter, bound_start, n):
        cursor.execute(self.sql(ADD_SQL[channel]), (user_id, counter, bound_start, n, n))
        return cursor.fetchone()[0]


def placeholders(statement, qmark):
    """`statement` (written with ?) for a driver whose paramstyle is qmark, or else %s (format)."""
    return statement if qmark else statement.replace("?", "%s")


def starts_warning(limits, step):
    """True when this step takes a total to the warning share of its limit, and administrators are to be told."""
    limit = limits.limit(step.counter)
    if not limits.warn_admins or limits.warn_percent is None or limit is None:
        return False
    return step.total - step.n < warning_threshold(limit, limits.warn_percent) <= step.total


def warning_threshold(limit, percent):
    """The total from which a user is warned: `percent` of `limit`, rounded up."""
    return -(-limit * percent // 100)


def below_limit(limits, step):
    """True while the step's total stays under its counter's limit (or there is none)."""
    limit = limits.card_limit if step.counter == CARD else limits.list_limit
    return limit is None or step.total < limit
