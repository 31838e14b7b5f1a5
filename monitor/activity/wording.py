"""What people read about monitoring: a limit in words, a refusal's limit, why an account was deactivated."""
from typing import Optional

from flask_babel import gettext as _

from monitor.activity.events import latest_deactivation
from monitor.models.activity import CARD


def describe_limit(counter, limit, period, separator=": "):
    """E.g. "card views: 100 per day" (or with ", " as the API's refusals have it), translated."""
    what = _("card views") if counter == CARD else _("list elements")
    amount = _("%(n)d per hour", n=limit) if period == "hour" else _("%(n)d per day", n=limit)
    return f"{what}{separator}{amount}"


def describe_refusal(refusal, separator=": "):
    """The limit a LimitReached names, or that the account is deactivated (it was before this request)."""
    if refusal.counter is None:
        return _("the account is deactivated")
    return describe_limit(refusal.counter, refusal.limit, refusal.period, separator)


def deactivation_message(user) -> Optional[str]:
    """Why monitoring deactivated this user, or None when it did not (an administrator did)."""
    if user.active:
        return None
    event = latest_deactivation(user.id)
    if event is None:
        return None
    return _("Your account was deactivated by activity monitoring: %(limit)s. "
             "An administrator can reactivate it by ticking Activity.",
             limit=describe_limit(event.counter, event.limit_value, event.period))
