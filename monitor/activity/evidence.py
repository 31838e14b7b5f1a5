"""Evidence before enforcement (SPEC §8): the recorded history read back per UTC hour and per user.

Both readings follow the one rule of timeline.py: in a window (or a stretch of one) that began at
quarter `b`, a recorded card row counts iff `gap > quarter - b`, list rows always do. Only what was
shown is summed: a refused request showed nothing. Reading counts nothing (no `charge`).

- `hourly_usage`: every user's card views and list elements per UTC hour and channel, summed in
  SQL (a UTC hour begins at quarter `4 * hour`, so a card counts iff `gap > quarter % 4`).
- `user_week`: one user's last `WEEK_DAYS` local days by local hour and by local day.
"""
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, and_, case, func, literal, literal_column, or_, select

from monitor.activity.counting import CHANNELS
from monitor.activity.recording import CARD, LIST, quarter_of, quarter_start
from monitor.activity.timeline import Windows, counts_toward, local_midnight_days_ago
from monitor.activity.windows import window_end
from monitor.db import db
from monitor.inputs import InvalidValue
from monitor.models import ActivityQuarter, User

WEEK_DAYS = 7
MAX_SPAN_DAYS = 366
QUARTERS_PER_HOUR = 4
COUNTERS = (CARD, LIST)
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # ASCII digits only; fromisoformat alone takes more forms

NOT_A_DATE = _l("Dates are written YYYY-MM-DD, e.g. 2026-11-28.")
FROM_AFTER_TO = _l("The first day (from) is after the last day (to).")
SPAN_TOO_LONG = _l("Ask for at most %(days)d days at a time.", days=MAX_SPAN_DAYS)


@dataclass(frozen=True)
class Span:
    """Local days `first`..`last` (inclusive) of a time zone, as the quarters [start, end)."""

    first: date
    last: date
    start: int
    end: int


def _local_midnight_quarter(day, zone):
    return quarter_of(datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(zone)).astimezone(UTC)
                      .replace(tzinfo=None))


def _parse_day(text):
    if not ISO_DATE.fullmatch(text):
        raise InvalidValue(NOT_A_DATE)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidValue(NOT_A_DATE) from None


def parse_span(first_text, last_text, zone, now):
    """The days `from`..`to` (YYYY-MM-DD, either may be empty) in `zone`; by default the last WEEK_DAYS days.

    InvalidValue when a date is malformed, `from` is after `to`, or the span is over MAX_SPAN_DAYS days.
    """
    today = now.replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).date()
    last = _parse_day(last_text) if last_text else today
    try:
        first = _parse_day(first_text) if first_text else last - timedelta(days=WEEK_DAYS - 1)
    except OverflowError as error:  # to=0001-01-01: no week before it
        raise InvalidValue(FROM_AFTER_TO) from error
    if first > last:
        raise InvalidValue(FROM_AFTER_TO)
    if (last - first).days + 1 > MAX_SPAN_DAYS:
        raise InvalidValue(SPAN_TOO_LONG)
    try:
        start, end = _local_midnight_quarter(first, zone), _local_midnight_quarter(last + timedelta(days=1), zone)
    except (OverflowError, ValueError):  # years 1 or 9999: no UTC time for them
        raise InvalidValue(NOT_A_DATE) from None
    return Span(first, last, start, end)


@dataclass(frozen=True)
class HourRow:
    """One user's views in one UTC hour on one channel."""

    hour: datetime  # naive UTC
    user_id: int
    email: str
    name: str
    channel: str
    card_views: int
    list_elements: int


def _hourly_usage_query(start, end):
    """Sums per UTC hour, user and channel in a subquery; the users' names are joined to its far fewer rows."""
    # A typed integer literal: integer division on both databases (an untyped one compiles to FLOOR()).
    quarter, four = ActivityQuarter.quarter, literal(QUARTERS_PER_HOUR, Integer)
    hour = (quarter // four).label("hour")
    first_in_hour = and_(ActivityQuarter.counter == CARD, ActivityQuarter.gap > quarter % four)
    card_views = func.sum(case((first_in_hour, ActivityQuarter.shown), else_=literal_column("0")))
    list_elements = func.sum(case((ActivityQuarter.counter == LIST, ActivityQuarter.shown), else_=literal_column("0")))
    sums = (
        select(hour, ActivityQuarter.user_id, ActivityQuarter.channel,
               card_views.label("card_views"), list_elements.label("list_elements"))
        .where(quarter >= start, quarter < end)
        .group_by(hour, ActivityQuarter.user_id, ActivityQuarter.channel)
        .having(or_(card_views > 0, list_elements > 0))
        .subquery()
    )
    return (
        select(sums.c.hour, User.id, User.email, User.name, sums.c.channel, sums.c.card_views, sums.c.list_elements)
        .join(User, User.id == sums.c.user_id)
        .order_by(sums.c.hour, sums.c.user_id, sums.c.channel)
    )


def hourly_usage(span, batch=1000):
    """HourRows of `span` with any activity, by hour, user id and channel; read `batch` rows at a time."""
    result = db.session.execute(_hourly_usage_query(span.start, span.end).execution_options(yield_per=batch))
    for hour, user_id, email, name, channel, card_views, list_elements in result:
        yield HourRow(quarter_start(hour * QUARTERS_PER_HOUR), user_id, email, name, channel,
                      int(card_views), int(list_elements))


@dataclass
class Bar:
    """What a user saw in one local hour or day, per counter and channel."""

    start: datetime  # local, aware
    seen: dict = field(default_factory=lambda: {counter: dict.fromkeys(CHANNELS, 0) for counter in COUNTERS})

    def total(self, counter):
        return sum(self.seen[counter].values())


@dataclass
class Week:
    """One user's last WEEK_DAYS local days: a bar per local hour and per local day."""

    zone: str
    hours: list
    days: list

    def peak(self, counter):
        """The most seen in one hour and in one day: {"hour": n, "day": n}."""
        return {"hour": max((bar.total(counter) for bar in self.hours), default=0),
                "day": max((bar.total(counter) for bar in self.days), default=0)}


def user_week(user_id, zone, now):
    """`user_id`'s views over the last WEEK_DAYS local days of `zone` (today included), hour by hour."""
    start = local_midnight_days_ago(now, WEEK_DAYS - 1, zone)
    end = quarter_of(window_end(now, "day", zone))
    local = ZoneInfo(zone)
    readings = []
    for period in ("hour", "day"):
        windows = Windows(start, end, period, zone)
        bars = {begin: Bar(quarter_start(begin).replace(tzinfo=UTC).astimezone(local)) for begin, _end in windows}
        readings.append((windows, bars))
    rows = db.session.execute(
        select(ActivityQuarter.quarter, ActivityQuarter.counter, ActivityQuarter.channel, ActivityQuarter.gap,
               ActivityQuarter.shown)
        .where(ActivityQuarter.user_id == user_id, ActivityQuarter.quarter >= start, ActivityQuarter.quarter < end,
               ActivityQuarter.shown > 0)
    )
    for quarter, counter, channel, gap, shown in rows:
        for windows, bars in readings:
            begin = windows.of(quarter)
            if counts_toward(counter, gap, quarter, begin):
                bars[begin].seen[counter][channel] += shown
    (_hours, by_hour), (_days, by_day) = readings
    return Week(zone, list(by_hour.values()), list(by_day.values()))
