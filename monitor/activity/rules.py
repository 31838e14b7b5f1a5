"""The monitoring rules the CRM pages and the API share: what showing one record, or saving links, costs.

A view of a list charges its elements with `charge` itself; these two decide the rest:
one record shown alone, and the records a save links anew.
"""
from monitor.activity.origin import UNKNOWN
from monitor.activity.service import charge
from monitor.services import records
from monitor.services.errors import ValidationError


def charge_record(user, channel, entity, record_id, origin=UNKNOWN):
    """Charge one record shown alone: a card view (only the first in a window counts).

    From a mobile app it is one list element like any other, with no first-view rule.
    """
    if channel == "mobile":
        charge(user, channel, elements=1, origin=origin)
    else:
        charge(user, channel, cards=[(entity, record_id)], origin=origin)


def charge_new_links(user, channel, entity, saves, origin=UNKNOWN):
    """Before saving: charge the records the saves link anew as list elements.

    `saves` are (data, record) pairs of `entity`, record None for a new one. The company and
    contacts a save links appear by name on the card it leads to, where a card already seen is
    free to open again: like the picker that found them, they count as list elements.
    Past a limit, LimitReached is raised and nothing may be saved.
    """
    try:
        linked = sum(records.newly_linked(entity, data, record) for data, record in saves)
    except ValidationError:
        return  # the save refuses these data itself (the form's errors, the API's 400): nothing is linked
    if linked:
        charge(user, channel, elements=linked, origin=origin)
