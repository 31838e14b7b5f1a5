"""Preview: what limits would have done, replayed over the recorded history (SPEC §8).

The replay follows the live rules of service.py exactly, on the quarter-hour history:
windows of the entered period in the entered time zone, a card counting once a window,
reaching the limit deactivating (a view that would pass it is refused, so the user saw
less), and with notify-only one alert a user, counter and window. A deactivated user stops
until their window ends and starts again there with both counts at zero, as if an
administrator had reactivated them then.

It reads the sums (`activity_quarters`) in quarter order and turns to the detail of a quarter
(`activity_marks`, `activity_list_views`, in the order the views happened) only where a limit
is reached inside it. Live counting keeps refused views in the history for this reason: the
view that would have passed a limit is the one a deactivation is reported at.

The span begins at local midnight `days` days before today (whole windows of either period)
and ends now. The busiest window per counter and period ignores every limit: the most one
user saw in one window, a starting point for choosing one.
"""
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import select

from monitor.activity.counting import placeholders
from monitor.activity.recording import CARD, EPOCH, LIST, quarter_of, quarter_start
from monitor.activity.timeline import Windows, counts_toward, local_midnight_days_ago
from monitor.activity.windows import PERIODS
from monitor.clock import utcnow
from monitor.db import db
from monitor.models import User

MIN_DAYS, MAX_DAYS, DEFAULT_DAYS = 1, 90, 30
COUNTERS = (CARD, LIST)

# In the primary key's order: on SQLite one range read, grouped without a sort.
SUMS_SQL = (
    "SELECT quarter, user_id, kind, gap, SUM(shown + refused) FROM activity_quarters "
    "WHERE quarter >= ? AND quarter < ? GROUP BY quarter, user_id, kind, gap ORDER BY quarter, user_id, kind, gap"
)
DETAIL_SQL = {
    LIST: "SELECT at_ms, id, elements FROM activity_list_views WHERE quarter = ? AND user_id = ?",
    CARD: "SELECT at_ms, 0, gap FROM activity_marks WHERE quarter = ? AND user_id = ?",
}


@dataclass(frozen=True)
class Stop:
    """A deactivation (or, notify-only, an alert) the limits would have caused."""

    user_id: int
    counter: str
    limit: int
    period: str
    at: datetime  # naive UTC: the view that reached the limit, or would have passed it
    count: int  # what the user had seen then (less than the limit when that view is refused)
    requested: int  # what that view showed, or asked for
    window_start: datetime


@dataclass(frozen=True)
class Peak:
    """The busiest window of a counter and period: how many one user saw in it, who, when."""

    counter: str
    period: str
    count: int
    user_id: int
    window_start: datetime


@dataclass
class Preview:
    start: datetime
    end: datetime
    action: str
    stops: list
    peaks: dict  # (counter, period) -> Peak, or None without any views
    users: dict = field(default_factory=dict)  # id -> User, for every one named above


class _Quarter:
    """One user's recorded views in one quarter: list elements, and card views by gap (ascending)."""

    __slots__ = ("elements", "gaps", "views", "_from")

    def __init__(self):
        self.elements, self.gaps, self.views, self._from = 0, [], [], None

    def count(self, counter, quarter, since):
        """What counts in a window (or the stretch of one) that began at `since` (timeline.counts_toward)."""
        if counter == LIST:
            return self.elements
        if self._from is None:  # self._from[i]: the card views of gaps[i:]
            self._from = [0] * (len(self.views) + 1)
            for i in range(len(self.views) - 1, -1, -1):
                self._from[i] = self._from[i + 1] + self.views[i]
        return self._from[bisect_right(self.gaps, quarter - since)]  # those with gap > quarter - since


@dataclass
class _Track:
    """One user's replay: counts in the current windows, and where a deactivation stopped them."""

    resume: int = 0  # the user's views before this quarter are skipped (stopped)
    restart: int = 0  # the counts began again here (a window never counts from before)
    begin: dict = field(default_factory=dict)  # counter -> the window it counts in
    count: dict = field(default_factory=dict)
    alerted: set = field(default_factory=set)  # notify-only: counters alerted in this window

    def since(self, counter):
        return max(self.begin[counter], self.restart)


def run(limits, days=DEFAULT_DAYS, now=None):
    """Replay the last `days` days (and today) under `limits` (card_limit, card_period, ...)."""
    now = now or utcnow()
    end = quarter_of(now) + 1
    start = local_midnight_days_ago(now, days, limits.timezone)
    windows = {period: Windows(start, end, period, limits.timezone) for period in PERIODS}
    replay = _Replay(limits, windows)
    peaks = _Peaks(windows)
    with _cursor() as cursor:
        cursor.execute(SUMS_SQL, (start, end))
        key, views = None, None
        for quarter, user_id, counter, gap, n in cursor:
            if key != (quarter, user_id):
                if key is not None:
                    peaks.add(key[1], key[0], views)
                    replay.add(key[1], key[0], views)
                key, views = (quarter, user_id), _Quarter()
            if counter == LIST:
                views.elements += n
            else:
                views.gaps.append(gap)
                views.views.append(n)
        if key is not None:
            peaks.add(key[1], key[0], views)
            replay.add(key[1], key[0], views)
    stops = sorted(replay.stops, key=lambda stop: (stop.at, stop.user_id))
    preview = Preview(quarter_start(start), now, limits.action, stops, peaks.result())
    named = {stop.user_id for stop in preview.stops} | {p.user_id for p in preview.peaks.values() if p}
    if named:
        preview.users = {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(named)))}
    return preview


class _cursor:  # noqa: N801 (used as a context manager, like open())
    """A cursor on the session's DB-API connection, adapting ? placeholders: a preview reads ~10^5 rows,
    and SQLAlchemy's rows cost ~2 µs each more than the driver's tuples (benchmarks/bench_history.py)."""

    def __enter__(self):
        self.raw = db.session.connection().connection.dbapi_connection.cursor()
        self.qmark = db.engine.dialect.paramstyle == "qmark"
        return self

    def execute(self, statement, params):
        self.raw.execute(placeholders(statement, self.qmark), params)
        return self.raw

    def __iter__(self):
        return iter(self.raw)

    def __exit__(self, *_exc):
        self.raw.close()


class _Replay:
    def __init__(self, limits, windows):
        self.notify = limits.action == "notify"
        self.limited = {
            counter: (limit, period, windows[period])
            for counter, limit, period in ((CARD, limits.card_limit, limits.card_period),
                                           (LIST, limits.list_limit, limits.list_period))
            if limit is not None
        }
        self.tracks = {}
        self.stops = []

    def add(self, user_id, quarter, views):
        if not self.limited:
            return
        track = self.tracks.setdefault(user_id, _Track())
        if quarter < track.resume:
            return
        due = {}
        for counter, (_limit, _period, windows) in self.limited.items():
            begin = windows.of(quarter)
            if track.begin.get(counter) != begin:
                track.begin[counter], track.count[counter] = begin, 0
                track.alerted.discard(counter)
            due[counter] = views.count(counter, quarter, track.since(counter))
        reaching = [counter for counter, n in due.items()
                    if counter not in track.alerted and track.count[counter] + n >= self.limited[counter][0]]
        if reaching and self._in_order(user_id, quarter, track, reaching):
            return  # deactivated: the rest of the quarter is not seen
        for counter, n in due.items():
            if counter not in reaching:
                track.count[counter] += n  # no limit reached on it inside this quarter: its order is moot

    def _in_order(self, user_id, quarter, track, reaching):
        """Replay one quarter view by view for the counters whose limit is reached in it; True if deactivated."""
        views = []
        with _cursor() as cursor:
            for counter in reaching:  # in view order; a card before a list page of the same millisecond
                views += [(at, counter == LIST, row_id, counter, value)
                          for at, row_id, value in cursor.execute(DETAIL_SQL[counter], (quarter, user_id))]
        for at_ms, _order, _id, counter, value in sorted(views):
            if counter == CARD:
                if not counts_toward(CARD, value, quarter, track.since(CARD)):
                    continue
                value = 1
            if self._view(user_id, quarter, track, counter, value, at_ms):
                return True
        return False

    def _view(self, user_id, quarter, track, counter, n, at_ms):
        """Count one view; True when it deactivates the user."""
        limit, period, windows = self.limited[counter]
        total = track.count[counter] + n
        if counter in track.alerted or total < limit:
            track.count[counter] = total
            return False
        seen = total if self.notify or total == limit else track.count[counter]
        self.stops.append(Stop(user_id, counter, limit, period, EPOCH + timedelta(milliseconds=at_ms), seen, n,
                               quarter_start(windows.of(quarter))))
        if self.notify:
            track.count[counter] = total
            track.alerted.add(counter)
            return False
        track.resume = track.restart = windows.end_of(quarter)
        track.begin.clear()
        return True


class _Peaks:
    """The busiest window per counter and period, limits aside."""

    def __init__(self, windows):
        self.windows = windows
        self.current = {}  # (counter, period, user) -> [window begin, count]
        self.best = dict.fromkeys((c, p) for c in COUNTERS for p in PERIODS)

    def add(self, user_id, quarter, views):
        for period, windows in self.windows.items():
            begin = windows.of(quarter)
            for counter in COUNTERS:
                n = views.count(counter, quarter, begin)
                if not n:
                    continue
                key = (counter, period, user_id)
                current = self.current.get(key)
                if current is None or current[0] != begin:
                    self._close(key)
                    current = self.current[key] = [begin, 0]
                current[1] += n

    def _close(self, key):
        current = self.current.pop(key, None)
        if current is None:
            return
        counter, period, user_id = key
        best: Optional[Peak] = self.best[(counter, period)]
        if best is None or current[1] > best.count:
            self.best[(counter, period)] = Peak(counter, period, current[1], user_id, quarter_start(current[0]))

    def result(self):
        for key in list(self.current):
            self._close(key)
        return self.best
