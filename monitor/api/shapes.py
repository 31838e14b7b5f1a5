"""Models as amoCRM v4 JSON objects (API.md): timestamps in Unix seconds, `_links` on this host."""
from calendar import timegm

from monitor.api import API
from monitor.api.responses import self_links
from monitor.models.crm import LOST_STATUS_ID, WON_STATUS_ID

# amoCRM's status type: 0 an ordinary stage, 1 "unsorted" (Tally has none).
STATUS_TYPE_REGULAR = 0
ACCOUNT_ID = 1  # one account per installation
RIGHT_VALUES = {True: "A", False: "D"}  # amoCRM: A = allowed, D = denied


def unix(moment):
    """A naive UTC datetime as Unix seconds; None stays None."""
    return None if moment is None else timegm(moment.utctimetuple())


def account(record, current_user):
    """GET /account."""
    return {
        "id": record.id, "name": record.name, "subdomain": record.subdomain,
        "created_at": unix(record.created_at), "current_user_id": current_user.id,
        "country": None, "currency": None, "customers_mode": "periodicity",
        "is_unsorted_on": False, "is_loss_reason_enabled": False,
        "_links": self_links(f"{API}/account"),
    }


def _entity_rights(can_export):
    return {"view": "A", "edit": "A", "add": "A", "delete": "A", "export": RIGHT_VALUES[can_export]}


def user(record):
    """One user with amoCRM-style rights plus Tally's admin and Activity flags."""
    entity_rights = _entity_rights(record.can_export)
    return {
        "id": record.id, "name": record.name, "email": record.email, "lang": record.language or "en",
        "rights": {
            "leads": entity_rights, "contacts": entity_rights, "companies": entity_rights,
            "customers": entity_rights, "is_admin": record.is_admin, "is_free": False,
            "is_active": record.active, "group_id": None, "role_id": None,
        },
        "_links": self_links(f"{API}/users/{record.id}"),
    }


def status(record):
    """A pipeline stage; 142 and 143 are the closed ones in every pipeline."""
    return {
        "id": record.id, "name": record.name, "sort": record.sort,
        "is_editable": record.id not in (WON_STATUS_ID, LOST_STATUS_ID),
        "pipeline_id": record.pipeline_id, "color": record.color, "type": STATUS_TYPE_REGULAR,
        "account_id": ACCOUNT_ID,
        "_links": self_links(f"{API}/leads/pipelines/{record.pipeline_id}/statuses/{record.id}"),
    }


def pipeline(record):
    """A pipeline with its statuses embedded."""
    return {
        "id": record.id, "name": record.name, "sort": record.sort, "is_main": record.is_main,
        "is_unsorted_on": False, "is_archive": record.is_archive, "account_id": ACCOUNT_ID,
        "_links": self_links(f"{API}/leads/pipelines/{record.id}"),
        "_embedded": {"statuses": [status(item) for item in record.statuses]},
    }


def tag(record):
    """A tag as `_embedded.tags` lists it."""
    return {"id": record.id, "name": record.name, "color": record.color}
