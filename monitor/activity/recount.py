"""Recount the live windows from the history when their period or time zone changes.

The live counts (`activity_counts`, and `activity_card_views` for the first-view rule) are
keyed by the window they count in. When an administrator switches a counter from per day to
per hour, or moves the account to another time zone, the new current window has no row yet,
though the history knows what each user saw in it: without a recount a user who saw 40 cards
this hour would start the new hourly limit at 0, and the preview (which replays the history)
would disagree with what live counting then does. The recount starts where a reactivation
restarted a user's counts, as reactivate_user does.
"""
from collections import defaultdict

from sqlalchemy import delete, func, insert, select

from monitor.activity.recording import CARD, LIST, milliseconds, quarter_of
from monitor.activity.windows import window_start
from monitor.models import ActivityCount, ActivityEvent, ActivityListView, ActivityMark, CardView


def changed_counters(before, after):
    """The counters whose windows differ between two settings (period or time zone)."""
    return [counter for counter in (CARD, LIST)
            if (before.period(counter), before.timezone) != (after.period(counter), after.timezone)]


def recount(session, settings, counters, now):
    """Replace the current windows' counts of `counters` with what the history holds."""
    for counter in counters:
        start = window_start(now, settings.period(counter), settings.timezone)
        session.execute(delete(ActivityCount).where(ActivityCount.counter == counter,
                                                    ActivityCount.window_start == start))
        restarted = _restarts(session, start)
        if counter == LIST:
            totals = _list_totals(session, start, restarted)
        else:
            session.execute(delete(CardView).where(CardView.window_start == start))
            totals = _card_totals(session, start, restarted)
        rows = [{"user_id": user_id, "counter": counter, "window_start": start, "total": sum(by_channel.values()),
                 "web": by_channel["web"], "api": by_channel["api"], "mobile": by_channel["mobile"]}
                for user_id, by_channel in totals.items()]
        if rows:
            session.execute(insert(ActivityCount), rows)


def _restarts(session, start):
    """{user id: milliseconds of their last reactivation} for reactivations inside the window."""
    rows = session.execute(select(ActivityEvent.user_id, func.max(ActivityEvent.created_at))
                           .where(ActivityEvent.event == ActivityEvent.REACTIVATED, ActivityEvent.created_at >= start)
                           .group_by(ActivityEvent.user_id))
    return {user_id: milliseconds(moment) for user_id, moment in rows}


def _list_totals(session, start, restarted):
    since = milliseconds(start)
    totals = defaultdict(lambda: defaultdict(int))
    rows = session.execute(select(ActivityListView.user_id, ActivityListView.channel, ActivityListView.elements,
                                  ActivityListView.at_ms)
                           .where(ActivityListView.quarter >= quarter_of(start), ActivityListView.refused.is_(False)))
    for user_id, channel, elements, at_ms in rows:
        if at_ms >= max(since, restarted.get(user_id, since)):
            totals[user_id][channel] += elements
    return totals


def _card_totals(session, start, restarted):
    """Each user's distinct cards opened in the window (by the channel of the first opening); marks them seen."""
    since = milliseconds(start)
    totals = defaultdict(lambda: defaultdict(int))
    seen = set()
    rows = session.execute(select(ActivityMark.user_id, ActivityMark.entity, ActivityMark.record_id,
                                  ActivityMark.channel, ActivityMark.at_ms)
                           .where(ActivityMark.quarter >= quarter_of(start), ActivityMark.refused.is_(False))
                           .order_by(ActivityMark.at_ms))
    for user_id, entity, record_id, channel, at_ms in rows:
        if at_ms >= max(since, restarted.get(user_id, since)) and (user_id, entity, record_id) not in seen:
            seen.add((user_id, entity, record_id))
            totals[user_id][channel] += 1
    if seen:
        session.execute(insert(CardView), [{"user_id": user_id, "window_start": start, "entity": entity,
                                            "record_id": record_id} for user_id, entity, record_id in seen])
    return totals
