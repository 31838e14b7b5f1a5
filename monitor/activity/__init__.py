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
from monitor.activity.origin import Origin
from monitor.activity.rules import charge_new_links, charge_record
from monitor.activity.service import CHANNELS, LimitReached, charge, reactivate_user
from monitor.activity.settings import get_settings, monitoring_enabled
from monitor.activity.wording import deactivation_message, describe_limit

__all__ = [
    "CHANNELS",
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
    """Register the refusal handler, `describe_limit` and the `local_time` filter for the pages."""
    from monitor.activity import handlers
    from monitor.activity.windows import local_time

    handlers.init_app(app)
    app.jinja_env.globals["describe_limit"] = describe_limit
    app.jinja_env.filters["local_time"] = local_time
