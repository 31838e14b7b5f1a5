"""What a deactivation notification says afterwards: who reactivated the user, and when.

Every administrator's copy of a deactivation's notification reads the same REACTIVATED event,
the first one of that user after the deactivation, so all of them say who let the user back in.
"""
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from monitor.db import db
from monitor.models import ActivityEvent


def reactivations_after(events):
    """{deactivation event id: the REACTIVATED event that followed it} for the deactivations among
    `events` that have one; one query however many there are."""
    deactivations = [event for event in events if event.event == ActivityEvent.DEACTIVATED]
    if not deactivations:
        return {}
    earliest = min(event.created_at for event in deactivations)
    reactivations = defaultdict(list)
    for event in db.session.scalars(
        select(ActivityEvent).options(joinedload(ActivityEvent.by_user))
        .where(ActivityEvent.event == ActivityEvent.REACTIVATED,
               ActivityEvent.user_id.in_({event.user_id for event in deactivations}),
               ActivityEvent.created_at >= earliest)
        .order_by(ActivityEvent.created_at, ActivityEvent.id)
    ):
        reactivations[event.user_id].append(event)
    found = {}
    for deactivation in deactivations:
        after = (deactivation.created_at, deactivation.id)
        following = next((event for event in reactivations[deactivation.user_id]
                          if (event.created_at, event.id) > after), None)
        if following is not None:
            found[deactivation.id] = following
    return found
