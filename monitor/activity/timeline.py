"""Counting windows in quarter hours: how the history (models/history.py) is read back.

A window (a local hour or a local day in some time zone) is a run of whole quarter hours, so
`Windows(start, end, period, zone).of(quarter)` gives the quarter its window starts at. A
recorded card view in `quarter` is the card's first view in a window starting at `begin` iff
`gap > quarter - begin`; list elements always count (`counts_toward`).
"""
from bisect import bisect_right
from datetime import timedelta

from monitor.activity.recording import CARD, quarter_of, quarter_start
from monitor.activity.windows import window_end, window_start


class Windows:
    """The windows of one period and zone covering the quarters [start, end)."""

    def __init__(self, start, end, period, zone):
        self.period, self.zone = period, zone
        first = quarter_of(window_start(quarter_start(start), period, zone))
        starts = [first]
        while starts[-1] < end:
            moment = quarter_start(starts[-1])
            # At least one quarter on: Lord Howe's half-hour fall-back ends an hour where it began.
            starts.append(max(quarter_of(window_end(moment, period, zone)), starts[-1] + 1))
        self.starts = starts  # the last one begins at or after `end`: the end of the last window
        self._last = (None, None)  # readers go in quarter order: most calls repeat the last quarter

    def of(self, quarter):
        """The quarter the window holding `quarter` begins at."""
        if self._last[0] != quarter:
            self._last = (quarter, self.starts[bisect_right(self.starts, quarter) - 1])
        return self._last[1]

    def end_of(self, quarter):
        """The quarter the window holding `quarter` ends at (the next one's start)."""
        return self.starts[bisect_right(self.starts, quarter)]

    def __iter__(self):
        """(start, end) of each window."""
        return iter(zip(self.starts, self.starts[1:], strict=False))


def counts_toward(counter, gap, quarter, begin):
    """Whether recorded views in `quarter` count in a window (or a stretch of it) that began at `begin`.

    List elements always count; a card only if the user had not opened it since `begin`.
    """
    return counter != CARD or gap > quarter - begin


def local_midnight_days_ago(moment_utc, days, zone):
    """The quarter of local midnight `days` days before the local day holding `moment_utc`."""
    today = quarter_of(window_start(moment_utc, "day", zone))
    moment = quarter_start(today) - timedelta(days=days) + timedelta(hours=12)  # noon: safe across DST
    return quarter_of(window_start(moment, "day", zone))
