"""Activity monitoring: the one package that owns counting, deactivation and reactivation.

Every view that shows CRM records charges *before* it renders them, handing over the
request's origin (the address and request line a deactivation keeps):

    origin = activity.Origin.of(request)
    activity.charge(current_user, "web", elements=len(rows), origin=origin)         # a list page
    activity.charge_record(current_user, "web", "leads", deal.id, origin=origin)    # one record
    activity.charge_new_links(current_user, "web", "leads", [(data, deal)], origin=origin)  # a save

`charge` raises `LimitReached` when the records must not be shown; its error handler
answers 403 (or 429 for the last administrator), HTML or problem+json.
"""
from flask import g

from monitor.activity.origin import Origin
from monitor.activity.rules import charge_new_links, charge_record
from monitor.activity.service import CHANNELS, LimitReached, charge, reactivate_user
from monitor.activity.settings import get_settings, monitoring_enabled
from monitor.activity.wording import deactivation_message, describe_limit

__all__ = [
    "CHANNELS",
    "account_timezone",
    "LimitReached",
    "Origin",
    "charge",
    "charge_new_links",
    "charge_record",
    "deactivation_message",
    "describe_limit",
    "get_settings",
    "init_app",
    "monitoring_enabled",
    "reactivate_user",
]


def init_app(app):
    """Register the refusal handler, and for the pages `describe_limit`, `account_timezone()` and the
    `local_time` filter (`{{ moment|local_time }}`: in the account's time zone; or `|local_time(zone)`)."""
    from monitor.activity import handlers, warning

    handlers.init_app(app)
    warning.init_app(app)
    app.jinja_env.globals["describe_limit"] = describe_limit
    app.jinja_env.globals["account_timezone"] = account_timezone
    app.jinja_env.filters["local_time"] = _local_time


def account_timezone():
    """The account's time zone (read once a request)."""
    if "account_timezone" not in g:
        g.account_timezone = get_settings().timezone
    return g.account_timezone


def _local_time(moment, zone=None, pattern="%Y-%m-%d %H:%M:%S"):
    from monitor.activity.windows import local_time

    return "" if moment is None else local_time(moment, zone or account_timezone(), pattern)
