"""What administrators read: current usage against the limits, and the history."""
from dataclasses import dataclass, field
from typing import Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload

from monitor.activity import audit
from monitor.activity.settings import get_settings
from monitor.activity.windows import window_end, window_start
from monitor.clock import utcnow
from monitor.db import db
from monitor.models import ActivityCount, ActivityEvent, User
from monitor.models.activity import CARD, LIST

HISTORY_PER_PAGE = 50
# Audited fields the audit module has no label for (an API token's expiry).
HISTORY_LABELS = {"expires_at": _l("Expires")}


@dataclass
class Meter:
    """One user's count on one counter in the current window."""

    total: int = 0
    by_channel: dict = field(default_factory=lambda: {"web": 0, "api": 0, "mobile": 0})
    limit: int | None = None

    @property
    def ratio(self):
        return self.total / self.limit if self.limit else 0.0


@dataclass
class UserUsage:
    user: User
    card: Meter
    list: Meter

    @property
    def closeness(self):
        return max(self.card.ratio, self.list.ratio)


def current_windows(settings=None):
    """{counter: (start, end)} of the windows counting now."""
    settings = settings or get_settings()
    now = utcnow()
    return {
        counter: (window_start(now, settings.period(counter), settings.timezone),
                  window_end(now, settings.period(counter), settings.timezone))
        for counter in (CARD, LIST)
    }


def current_usage():
    """Every user's counts in the current windows, closest to a limit first."""
    settings = get_settings()
    windows = current_windows(settings)
    usage = {user.id: UserUsage(user, Meter(limit=settings.card_limit), Meter(limit=settings.list_limit))
             for user in db.session.scalars(select(User).order_by(User.name))}
    for counter, (start, _end) in windows.items():
        rows = db.session.scalars(
            select(ActivityCount).where(ActivityCount.counter == counter, ActivityCount.window_start == start))
        for row in rows:
            if row.user_id in usage:
                meter = getattr(usage[row.user_id], counter)
                meter.total = row.total
                meter.by_channel = {"web": row.web, "api": row.api, "mobile": row.mobile}
    return sorted(usage.values(), key=lambda u: (-u.closeness, -(u.card.total + u.list.total), u.user.name))


@dataclass
class HistoryEntry:
    """An event as the history shows it; for an audit event, its (field label, old, new) changes and reason."""

    event: ActivityEvent
    changes: list = field(default_factory=list)
    reason: Optional[str] = None


def history_page(page):
    """History entries newest first, with whom they concern and who acted: (entries on this page, page, pages)."""
    total = db.session.scalar(select(func.count(ActivityEvent.id)))
    pages = max(1, -(-total // HISTORY_PER_PAGE))
    page = min(max(page, 1), pages)
    events = db.session.scalars(
        select(ActivityEvent).options(joinedload(ActivityEvent.user), joinedload(ActivityEvent.by_user))
        .order_by(ActivityEvent.created_at.desc(), ActivityEvent.id.desc())
        .limit(HISTORY_PER_PAGE).offset((page - 1) * HISTORY_PER_PAGE)
    ).all()
    return [_entry(event) for event in events], page, pages


def page_of_event(event_id):
    """The history page (history_page's numbering) that shows the event with this id; None when there is none."""
    event = db.session.get(ActivityEvent, event_id)
    if event is None:
        return None
    newer = db.session.scalar(select(func.count(ActivityEvent.id)).where(or_(
        ActivityEvent.created_at > event.created_at,
        and_(ActivityEvent.created_at == event.created_at, ActivityEvent.id > event.id))))
    return newer // HISTORY_PER_PAGE + 1


def _entry(event):
    if event.event not in audit.AUDITED:
        return HistoryEntry(event)
    changes = [(HISTORY_LABELS.get(label, label), old, new) for label, old, new in audit.changes_of(event)]
    return HistoryEntry(event, changes, audit.reason_of(event))
