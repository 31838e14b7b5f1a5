"""Counting windows: calendar hours and calendar days in the account's time zone."""
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

PERIODS = ("hour", "day")


def _local(moment_utc, zone_name):
    return moment_utc.replace(tzinfo=UTC).astimezone(ZoneInfo(zone_name))


def _to_utc(local_moment):
    return local_moment.astimezone(UTC).replace(tzinfo=None)


def window_start(moment_utc, period, zone_name):
    """Start (naive UTC) of the window holding `moment_utc`: local HH:00 or local 00:00."""
    local = _local(moment_utc, zone_name)
    if period == "hour":
        return _to_utc(local.replace(minute=0, second=0, microsecond=0))
    midnight = datetime(local.year, local.month, local.day, tzinfo=local.tzinfo)
    return _to_utc(midnight)


def window_end(moment_utc, period, zone_name):
    """End (naive UTC) of the window holding `moment_utc`, i.e. when its counts reset."""
    start = window_start(moment_utc, period, zone_name)
    if period == "hour":
        return start + timedelta(hours=1)
    local = _local(start, zone_name)
    next_day = (local + timedelta(days=1, hours=12)).date()  # safe across a DST change
    return _to_utc(datetime(next_day.year, next_day.month, next_day.day, tzinfo=ZoneInfo(zone_name)))


def local_time(moment_utc, zone_name, pattern="%Y-%m-%d %H:%M:%S"):
    """A naive UTC datetime as text in a time zone (the `local_time` template filter)."""
    return _local(moment_utc, zone_name).strftime(pattern)
