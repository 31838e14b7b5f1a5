"""What people read about monitoring: a limit in words, a refusal's limit, why an account was deactivated,
and which administrators a deactivated user can ask."""
from typing import Optional

from flask_babel import gettext as _
from sqlalchemy import select

from monitor.activity.events import latest_deactivation
from monitor.db import db
from monitor.models import User
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


def limit_in_plain_words(counter, limit, period):
    """The limit a user reached, said to them: "One person may open at most 100 cards a day, and you reached …"

    "Reached" holds both for the view that brought the count to the limit and for one that would have passed it.
    """
    if counter == CARD:
        if period == "hour":
            return _("One person may open at most %(n)d cards an hour, and you reached that number.", n=limit)
        return _("One person may open at most %(n)d cards a day, and you reached that number.", n=limit)
    if period == "hour":
        return _("One person may see at most %(n)d list elements an hour, and you reached that number.", n=limit)
    return _("One person may see at most %(n)d list elements a day, and you reached that number.", n=limit)


def active_administrators():
    """(name, e-mail) of every active administrator, by name: the people who can reactivate an account."""
    return db.session.execute(
        select(User.name, User.email).where(User.is_admin.is_(True), User.active.is_(True))
        .order_by(User.name, User.id)
    ).all()


def administrators_in_words(administrators=None):
    """"Ada Admin (ada@example.com), Dmitry Orlov (dmitry@example.com)", or whom to ask when none is active."""
    administrators = active_administrators() if administrators is None else administrators
    if not administrators:
        return _("the person who runs Tally CRM for your team")
    return ", ".join(f"{name} ({email})" for name, email in administrators)


def whom_to_ask():
    """The sentence that ends every refusal: who can let the user back in."""
    return _("To get back in, ask an administrator to reactivate your account: %(administrators)s.",
             administrators=administrators_in_words())


def deactivation_sentences(counter, limit, period):
    """Why an account is deactivated, sentence by sentence, as every refusal and the sign-in page say it:
    which limit (or an administrator, when `counter` is None) and that the data is safe. `whom_to_ask` follows."""
    if counter is None:
        return [_("Your account has been deactivated by an administrator."),
                _("Your data is safe: nothing was deleted or changed.")]
    return [
        _("Your account was deactivated by activity monitoring (%(limit)s).",
          limit=describe_limit(counter, limit, period)),
        limit_in_plain_words(counter, limit, period),
        _("Your data is safe: nothing was deleted or changed."),
    ]


def refusal_sentences(refusal):
    """The sentences of a LimitReached (403): the limit it names, else the user's latest deactivation."""
    return deactivation_sentences(refusal.counter, refusal.limit, refusal.period)


def deactivation_message(user) -> Optional[str]:
    """Why monitoring deactivated this user, in their terms, and whom to ask; None when it did not (an
    administrator did)."""
    if user.active:
        return None
    event = latest_deactivation(user.id)
    if event is None:
        return None
    return " ".join((*deactivation_sentences(event.counter, event.limit_value, event.period), whom_to_ask()))


def inactive_message(user):
    """Why a deactivated user cannot go on, in their terms, whoever deactivated them, and whom to ask."""
    return deactivation_message(user) or " ".join((*deactivation_sentences(None, None, None), whom_to_ask()))
