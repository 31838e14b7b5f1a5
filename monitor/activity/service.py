"""Reactivation and the explanation a deactivated user is shown."""
from monitor.db import db


def reactivate_user(user, by=None):
    """Tick Activity: the user may sign in again."""
    with db.immediate():
        user.active = True


def deactivation_message(user):
    """The monitoring limit that deactivated this user, or None when an administrator did."""
    return None
