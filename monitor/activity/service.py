"""The one counting path: charge a view, check the limits, deactivate, alert; and reactivation.

Counting and the limit check are one transaction (BEGIN IMMEDIATE on SQLite): an SQL upsert
adds to the window's count and returns the new total, so parallel requests from one user in
several worker processes can never see more than the limit together. The statements are
portable (INSERT ... ON CONFLICT ... DO UPDATE ... RETURNING), so PostgreSQL's row locks give
the same exactness.

Nothing here reads the request: the views hand over the channel and the request's Origin.
"""
from dataclasses import dataclass
from datetime import datetime
from math import ceil
from typing import NamedTuple, Optional

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.orm.attributes import set_committed_value

from monitor.activity import alerts, counting, outbox, warning
from monitor.activity.events import latest_deactivation, record_limit_event
from monitor.activity.origin import UNKNOWN
from monitor.activity.settings import get_settings, plan_allows_monitoring
from monitor.activity.windows import window_end, window_start
from monitor.clock import utcnow
from monitor.db import db
from monitor.models import ActivityCount, ActivityEvent, ApiToken, CardView, User
from monitor.models.activity import CARD, LIST
from monitor.services.records import KINDS

CHANNELS = counting.CHANNELS


@dataclass
class Breach:
    """A counter's limit a request reached (`total == limit`) or would pass (`total > limit`)."""

    counter: str
    limit: int
    period: str
    total: int
    requested: int
    window_start: datetime
    window_end: datetime

    @property
    def crossed(self):
        return self.total > self.limit

    def seen(self, refused):
        """The count the user has actually been shown: without this request if it is refused."""
        return self.total - self.requested if refused else self.total


class LimitReached(Exception):
    """The request must not be served. `status` is 403, or 429 for the last administrator.

    `counter` is None when the account was already deactivated (activity/wording.py says it in words).
    """

    def __init__(self, counter, limit, period, status=403, retry_after=None):
        super().__init__(counter, limit, period, status)
        self.counter, self.limit, self.period = counter, limit, period
        self.status, self.retry_after = status, retry_after


class Decision(NamedTuple):
    """What a breach leads to: the refusal to raise (None when served), and whether alert mail was queued."""

    refusal: Optional[LimitReached]
    mailed: bool


def charge(user, channel, cards=(), elements=0, origin=UNKNOWN):
    """Count `cards` ((entity, id) pairs) as card views and `elements` as list elements.

    Returns normally when the records may be shown (and, if this view brought a total to
    exactly its limit, after deactivating the user). Raises LimitReached when they must not.
    `origin` (the request's address and line) is kept on a limit event.
    """
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    if any(entity not in KINDS for entity, _id in cards):
        raise ValueError(f"unknown entity in {cards!r}")
    if not plan_allows_monitoring() or (not cards and elements <= 0):
        return
    now = utcnow()
    counter = raw_counter()
    raw = db.engine.raw_connection()
    try:
        # Counted and recorded with no limit set too (SPEC §8): limits only decide refusals.
        limits = counter.read_limits(raw)
        outcome, added = counter.try_fast(raw, limits, user.id, channel, cards, elements, now)
    finally:
        raw.close()
    if outcome == counting.COUNTED:
        warning.keep_totals(limits, added, now, exempt=user.monitoring_exempt)
        return
    _charge_exactly(user, channel, cards, elements, now, origin)


def raw_counter():
    """The counting statements bound to this app's engine (made once an app)."""
    extensions = current_app.extensions
    if "activity_counter" not in extensions:
        extensions["activity_counter"] = counting.Counter(db.engine)
    return extensions["activity_counter"]


def _charge_exactly(user, channel, cards, elements, now, origin):
    """The path where a limit is reached or the user is inactive: decide it all in one transaction."""
    with db.immediate() as session:
        settings = get_settings()
        active, exempt = session.execute(select(User.active, User.monitoring_exempt).where(User.id == user.id)).one()
        if not active:
            # Deactivated while this request was on its way: it shows nothing more.
            raise _refusal_for_inactive(user.id)
        # An exempt user is counted and recorded, never refused, deactivated or alerted on.
        breach, added = _count(session, settings, user.id, channel, cards, elements, now, enforce=not exempt)
        if breach is None:
            decision = Decision(None, False)
            if not exempt:
                for step in added:
                    if counting.starts_warning(settings, step):
                        warning.tell_admins_once(session, settings, user, step, now)
        else:
            decision = _handle_breach(session, settings, user, channel, breach, now, origin)
    if decision.mailed:
        outbox.send_soon()  # after the commit: the messages are in the outbox now
    if decision.refusal is not None:
        raise decision.refusal
    warning.keep_totals(settings, added, now, exempt=exempt)


def _refusal_for_inactive(user_id):
    event = latest_deactivation(user_id)
    if event is None:
        return LimitReached(None, None, None, 403)
    return LimitReached(event.counter, event.limit_value, event.period, 403)


def _count(session, settings, user_id, channel, cards, elements, now, enforce=True):
    """Add this view to the counts inside a savepoint: (the first breach or None, the Added steps).

    The same statements as the fast path, on this transaction's DB-API connection. A view that
    would pass a limit is rolled back (it will not be shown, so it is not counted) unless the
    action is notify-only, which refuses nothing; the history records it as refused.
    """
    cursor = session.connection().connection.dbapi_connection.cursor()
    try:
        counter = raw_counter()
        cursor.execute("SAVEPOINT charge")
        added = counter.add_view(cursor, settings, user_id, channel, cards, elements, now)
        breaches = [_breach(settings, step, now) for step in added
                    if enforce and not counting.below_limit(settings, step)]
        refused = settings.action != "notify" and any(b.crossed for b in breaches)
        if refused:
            cursor.execute("ROLLBACK TO SAVEPOINT charge")
            breaches = [b for b in breaches if b.crossed]
        # The history keeps a refused view too: a replay under other limits would have shown it.
        counter.record(cursor, user_id, channel, cards, elements, now, refused=refused)
        cursor.execute("RELEASE SAVEPOINT charge")
    finally:
        cursor.close()
    return (breaches[0] if breaches else None), added


def _breach(settings, step, now):
    period = settings.period(step.counter)
    return Breach(step.counter, settings.limit(step.counter), period, step.total, step.n, step.window_start,
                  window_end(now, period, settings.timezone))


def _handle_breach(session, settings, user, channel, breach, now, origin):
    """Deactivate (or, for the last administrator / in notify mode, only alert): the Decision."""
    retry_after = max(1, ceil((breach.window_end - now).total_seconds()))
    if settings.action == "notify":
        mailed = alerts.alert_once(session, ActivityEvent.LIMIT_REACHED, user, breach, breach.total, channel, now,
                                   origin)
        return Decision(None, mailed)
    if user.is_admin and _is_last_active_admin(session, user.id):
        mailed = alerts.alert_once(session, ActivityEvent.LAST_ADMIN, user, breach, breach.seen(breach.crossed),
                                   channel, now, origin)
        return Decision(_refusal(breach, 429, retry_after), mailed)
    deactivated = session.execute(
        update(User).where(User.id == user.id, User.active.is_(True))
        .values(active=False, session_version=User.session_version + 1).returning(User.id)
    ).first()
    mailed = False
    if deactivated is not None:
        event = record_limit_event(session, ActivityEvent.DEACTIVATED, user.id, breach, breach.seen(breach.crossed),
                                   channel, now, origin)
        # A script with a stolen token must not resume when the person is let back in.
        session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                        .values(revoked_at=now))
        mailed = alerts.notify_admins(session, user, event)
    # The in-memory user follows the database: the rest of this request sees them inactive.
    set_committed_value(user, "active", False)
    return Decision(_refusal(breach, 403), mailed)


def _refusal(breach, status, retry_after=None):
    """The LimitReached for a breach that passes its limit; None for one that only reaches it (served)."""
    return LimitReached(breach.counter, breach.limit, breach.period, status, retry_after) if breach.crossed else None


def _is_last_active_admin(session, user_id):
    # Lock the active administrators' rows (FOR NO KEY UPDATE on PostgreSQL; SQLite already holds
    # its write lock): two administrators reaching a limit at once must not each see the other
    # still active and both be deactivated.
    active_admins = session.scalars(
        select(User.id).where(User.is_admin.is_(True), User.active.is_(True)).order_by(User.id)
        .with_for_update(key_share=True)
    ).all()
    return set(active_admins) <= {user_id}


def reactivate_user(user, by=None, make_admin=False):
    """Tick Activity: the user may sign in again, with counts for the current windows restarted.

    `make_admin` also gives the administrator right back (the shell's way in when no one has it).
    Returns False, writing nothing more, when the user is already active: two administrators
    clicking Reactivate at once record one reactivation and restart the counts once.
    """
    settings = get_settings()
    now = utcnow()
    with db.immediate() as session:
        reactivated = session.execute(update(User).where(User.id == user.id, User.active.is_(False))
                                      .values(active=True).returning(User.id)).first() is not None
        if make_admin:
            session.execute(update(User).where(User.id == user.id).values(is_admin=True))
        if reactivated:
            _restart_counts(session, settings, user.id, now)
            session.add(ActivityEvent(event=ActivityEvent.REACTIVATED, user_id=user.id, created_at=now,
                                      by_user_id=by.id if by is not None else None))
    set_committed_value(user, "active", True)
    if make_admin:
        set_committed_value(user, "is_admin", True)
    return reactivated


def _restart_counts(session, settings, user_id, now):
    """Drop the user's counts and first card views of the current windows."""
    for counter in (CARD, LIST):
        start = window_start(now, settings.period(counter), settings.timezone)
        session.execute(delete(ActivityCount).where(ActivityCount.user_id == user_id,
                                                    ActivityCount.counter == counter,
                                                    ActivityCount.window_start >= start))
    card_start = window_start(now, settings.card_period, settings.timezone)
    session.execute(delete(CardView).where(CardView.user_id == user_id, CardView.window_start >= card_start))
