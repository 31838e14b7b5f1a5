"""Recording the history: what each charge adds to the quarter-hour tables (monitor/models/history.py).

Runs on the counting transaction's DB-API cursor, next to the counts it matches: a view is
recorded exactly when it is counted (or refused), limits or not. A card view costs one indexed
SELECT when the card was already opened this quarter hour, else that plus two writes; a list
request costs two writes.
"""
from datetime import datetime, timedelta

from monitor.models.history import NO_EARLIER_VIEW, QUARTER_SECONDS

EPOCH = datetime(1970, 1, 1)
CARD = "card"
LIST = "list"

PREVIOUS_MARK_SQL = (
    "SELECT quarter FROM activity_marks WHERE user_id = ? AND entity = ? AND record_id = ? AND quarter <= ? "
    "ORDER BY quarter DESC LIMIT 1"
)
MARK_SQL = (
    "INSERT INTO activity_marks (user_id, entity, record_id, quarter, at_ms, channel, gap, refused) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING 1"
)
LIST_VIEW_SQL = (
    "INSERT INTO activity_list_views (user_id, quarter, at_ms, channel, elements, refused) VALUES (?, ?, ?, ?, ?, ?)"
)
QUARTER_SQL = (
    "INSERT INTO activity_quarters (quarter, user_id, kind, channel, gap, shown, refused) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (quarter, user_id, kind, gap, channel) DO UPDATE SET "
    "shown = activity_quarters.shown + excluded.shown, refused = activity_quarters.refused + excluded.refused"
)


def quarter_of(moment):
    """The quarter hour (15-minute steps since the epoch) holding a naive UTC datetime."""
    delta = moment - EPOCH
    return (delta.days * 86400 + delta.seconds) // QUARTER_SECONDS


def quarter_start(quarter):
    """The naive UTC datetime a quarter hour begins at."""
    return EPOCH + timedelta(seconds=quarter * QUARTER_SECONDS)


def milliseconds(moment):
    delta = moment - EPOCH
    return (delta.days * 86400 + delta.seconds) * 1000 + delta.microseconds // 1000


def gap_between(quarter, previous):
    """Quarters since the previous view of a card (NO_EARLIER_VIEW when none is that close)."""
    return NO_EARLIER_VIEW if previous is None else min(quarter - previous, NO_EARLIER_VIEW)


def record(cursor, sql, user_id, channel, cards, elements, now, refused=False):
    """Add one request's views to the history. `sql` adapts a statement to the driver's paramstyle."""
    quarter, at_ms = quarter_of(now), milliseconds(now)
    shown, refused_n = (0, 1) if refused else (1, 0)
    for entity, record_id in dict.fromkeys(cards):
        cursor.execute(sql(PREVIOUS_MARK_SQL), (user_id, entity, record_id, quarter))
        row = cursor.fetchone()
        if row is not None and row[0] == quarter:
            continue  # opened this quarter hour already: the first opening is the one kept
        gap = gap_between(quarter, row[0] if row else None)
        cursor.execute(sql(MARK_SQL), (user_id, entity, record_id, quarter, at_ms, channel, gap, refused))
        if cursor.fetchone() is not None:
            cursor.execute(sql(QUARTER_SQL), (quarter, user_id, CARD, channel, gap, shown, refused_n))
    if elements > 0:
        cursor.execute(sql(LIST_VIEW_SQL), (user_id, quarter, at_ms, channel, elements, refused))
        cursor.execute(sql(QUARTER_SQL), (quarter, user_id, LIST, channel, 0, elements * shown,
                                          elements * refused_n))
