"""The warning before a limit (SPEC §9): a banner on every page, headers on API answers, and
administrators told once per user, counter and window when warn_admins is on.

A charge keeps what it counted for the request (`keep_totals`, in `g`); the browser's session
keeps the warning between requests, so a page that charges nothing (home, settings) shows it
without a query, and a user far from every limit costs nothing. API answers carry
`X-Activity-Card: used/limit` and `X-Activity-List: used/limit` while a warning is configured.
"""
import json
from dataclasses import dataclass
from datetime import datetime

from flask import g, request, session
from flask_babel import gettext as _
from sqlalchemy import DateTime, bindparam, select, text

from monitor.activity.counting import CARD, LIST, warning_threshold
from monitor.activity.settings import get_settings
from monitor.activity.windows import local_time, window_end, window_start
from monitor.clock import utcnow
from monitor.db import db
from monitor.models import ActivityCount, ActivityEvent, Notification, User

SESSION_KEY = "activity_warning"
HEADERS = {CARD: "X-Activity-Card", LIST: "X-Activity-List"}
_MARK_WARNED = text(
    "INSERT INTO activity_warnings (user_id, kind, window_start) VALUES (:user_id, :counter, :window_start) "
    "ON CONFLICT DO NOTHING RETURNING 1"
).bindparams(bindparam("window_start", type_=DateTime()))


@dataclass(frozen=True)
class Nearing:
    """A user at or past the warning share of a limit in the current window."""

    counter: str
    used: int
    limit: int
    period: str
    action: str
    resets_at: datetime  # naive UTC

    def kept(self):
        return [self.used, self.limit, self.period, self.action, self.resets_at.isoformat()]

    @classmethod
    def from_kept(cls, counter, kept):
        used, limit, period, action, resets_at = kept
        return cls(counter, used, limit, period, action, datetime.fromisoformat(resets_at))


def keep_totals(limits, added, now, exempt=False):
    """After a charge: the totals it brought its counters to, for the banner and the API headers."""
    used = g.setdefault("activity_used", {})
    fresh = g.setdefault("activity_fresh", {})
    for step in added or ():
        limit = limits.limit(step.counter)
        used[step.counter] = (step.total, limit)
        near = (not exempt and limit is not None and limits.warn_percent is not None
                and step.total >= warning_threshold(limit, limits.warn_percent))
        period = limits.period(step.counter)
        fresh[step.counter] = Nearing(step.counter, step.total, limit, period, limits.action,
                                      window_end(now, period, limits.timezone)) if near else None


def current():
    """The warnings to show now: this request's over those the session kept, until their window resets."""
    kept = dict(session.get(SESSION_KEY) or {})
    before = dict(kept)
    for counter, nearing in g.get("activity_fresh", {}).items():
        if nearing is None:
            kept.pop(counter, None)
        else:
            kept[counter] = nearing.kept()
    now = utcnow().isoformat()
    kept = {counter: value for counter, value in kept.items() if counter in HEADERS and value[4] > now}
    if kept != before:
        if kept:
            session[SESSION_KEY] = kept
        else:
            session.pop(SESSION_KEY, None)
    return [Nearing.from_kept(counter, kept[counter]) for counter in (CARD, LIST) if counter in kept]


def describe(nearing, zone):
    """The banner's sentence, in the user's words."""
    numbers = {"used": nearing.used, "limit": nearing.limit,
               "time": f"{local_time(nearing.resets_at, zone, '%H:%M')} ({zone})"}
    hourly = nearing.period == "hour"
    if nearing.counter == CARD:
        opened = (_("You have opened %(used)d of %(limit)d cards this hour.", **numbers) if hourly
                  else _("You have opened %(used)d of %(limit)d cards today.", **numbers))
    else:
        opened = (_("You have seen %(used)d of %(limit)d list elements this hour.", **numbers) if hourly
                  else _("You have seen %(used)d of %(limit)d list elements today.", **numbers))
    if nearing.action == "notify":
        then = (_("That is over the limit: administrators have been notified.") if nearing.used >= nearing.limit
                else _("At %(limit)d administrators are notified.", **numbers))
    else:
        then = _("At %(limit)d the account is deactivated until an administrator lets you back in.", **numbers)
    return f"{opened} {then} " + _("The count starts again at %(time)s.", **numbers)


def api_headers(response, user):
    """X-Activity-Card / X-Activity-List (used/limit) on an API answer while a warning is configured."""
    settings = get_settings()
    if settings.warn_percent is None:
        return response
    used = dict(g.get("activity_used", {}))
    missing = [c for c in (CARD, LIST) if c not in used and settings.limit(c) is not None]
    if missing:
        now = utcnow()
        starts = {c: window_start(now, settings.period(c), settings.timezone) for c in missing}
        rows = db.session.execute(select(ActivityCount.counter, ActivityCount.window_start, ActivityCount.total)
                                  .where(ActivityCount.user_id == user.id, ActivityCount.counter.in_(missing)))
        totals = {counter: total for counter, start, total in rows if starts[counter] == start}
        used.update({c: (totals.get(c, 0), settings.limit(c)) for c in missing})
    for counter, header in HEADERS.items():
        total, limit = used.get(counter, (0, None))
        if limit is not None:
            response.headers[header] = f"{total}/{limit}"
    return response


def tell_admins_once(session, settings, user, step, now):
    """An in-app notification for every active administrator that `user` reached the warning share (once a window)."""
    first = session.execute(_MARK_WARNED, {"user_id": user.id, "counter": step.counter,
                                           "window_start": step.window_start}).first()
    if first is None:
        return
    period = settings.period(step.counter)
    event = ActivityEvent(event=ActivityEvent.WARNING, user_id=user.id, created_at=now, counter=step.counter,
                          limit_value=settings.limit(step.counter), period=period, count=step.total,
                          window_start=step.window_start, window_end=window_end(now, period, settings.timezone),
                          details=json.dumps({"warn_percent": settings.warn_percent}))
    session.add(event)
    session.flush()
    for admin_id in session.scalars(select(User.id).where(User.is_admin.is_(True), User.active.is_(True))):
        session.add(Notification(user_id=admin_id, event_id=event.id, created_at=now))


def init_app(app):
    """The banner's data for the templates, and the headers for API answers."""

    @app.context_processor
    def banner():
        return {"activity_warnings": current, "describe_warning": describe}

    @app.after_request
    def persist(response):
        from flask_login import current_user

        if not current_user or not current_user.is_authenticated:
            return response
        if request.blueprint == "api":
            return api_headers(response, current_user)
        if "activity_fresh" in g:
            current()  # pages that charged without rendering a template (JSON pickers) keep their state too
        return response
