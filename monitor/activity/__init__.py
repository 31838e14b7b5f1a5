"""Activity monitoring: the one module that owns counting, deactivation and reactivation.

Every view that shows CRM records calls `charge` *before* it renders them:

    activity.charge(current_user, "web", cards=[("leads", deal.id)])   # a card
    activity.charge(current_user, "web", elements=len(rows))            # a list page

`charge` raises `LimitReached` when the records must not be shown; its error
handler answers 403 (or 429 for the last administrator), HTML or problem+json.
"""
from monitor.activity.service import (
    CHANNELS,
    LimitReached,
    charge,
    deactivation_message,
    describe_limit,
    reactivate_user,
)
from monitor.activity.settings import get_settings, monitoring_enabled

__all__ = [
    "CHANNELS",
    "LimitReached",
    "charge",
    "deactivation_message",
    "describe_limit",
    "get_settings",
    "init_app",
    "monitoring_enabled",
    "reactivate_user",
]


def init_app(app):
    """Register the refusal handler and the outbox worker."""
    from monitor.activity import handlers

    handlers.init_app(app)
    app.jinja_env.globals["describe_limit"] = describe_limit
