"""Models as amoCRM v4 JSON objects (API.md): timestamps in Unix seconds, `_links` on this host."""
from calendar import timegm

from monitor.api import API
from monitor.api.responses import self_links
from monitor.models.crm import LOST_STATUS_ID, WON_STATUS_ID
from monitor.services.records import KINDS, may_view, rights_of

# amoCRM's status type: 0 an ordinary stage, 1 "unsorted" (Tally has none).
STATUS_TYPE_REGULAR = 0
ACCOUNT_ID = 1  # one account per installation
RIGHT_VALUES = {True: "A", False: "D"}  # amoCRM: A = allowed, D = denied
SCOPE_VALUES = {"all": "A", "own": "M", "none": "D"}  # amoCRM: M = only the user's own records


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


def _entity_rights(scopes, can_export):
    """One kind's rights as amoCRM writes them; anyone may add records (Tally has no add right)."""
    return {"view": SCOPE_VALUES[scopes["view"]], "edit": SCOPE_VALUES[scopes["edit"]], "add": "A",
            "delete": SCOPE_VALUES[scopes["delete"]], "export": RIGHT_VALUES[can_export]}


def user(record):
    """One user with amoCRM-style rights (their rights per entity) plus Tally's admin and Activity flags."""
    rights = rights_of(record)
    return {
        "id": record.id, "name": record.name, "email": record.email, "lang": record.language or "en",
        "rights": {
            **{entity: _entity_rights(rights[entity], record.can_export) for entity in KINDS},
            "is_admin": record.is_admin, "is_free": False,
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


# -- CRM records -------------------------------------------------------------------------------

# Tally's fixed fields as amoCRM custom fields: (field_id, field_name, field_code, field_type, enum_code).
CUSTOM_FIELDS = {
    "phone": (1, "Phone", "PHONE", "multitext", "WORK"),
    "email": (2, "Email", "EMAIL", "multitext", "WORK"),
    "position": (3, "Position", "POSITION", "text", None),
    "web": (4, "Web", "WEB", "url", None),
    "address": (5, "Address", "ADDRESS", "textarea", None),
}
RECORD_FIELDS = {"contacts": ("phone", "email", "position"), "companies": ("phone", "email", "web", "address")}


def custom_fields_values(record, names):
    """The filled fields among `names` as `custom_fields_values`, or None when none is filled."""
    entries = []
    for name in names:
        value = getattr(record, name)
        if value:
            field_id, field_name, code, field_type, enum_code = CUSTOM_FIELDS[name]
            item = {"value": value, "enum_code": enum_code} if enum_code else {"value": value}
            entries.append({"field_id": field_id, "field_name": field_name, "field_code": code,
                            "field_type": field_type, "values": [item]})
    return entries or None


def ref(entity, record_id, **extra):
    """A linked record as `_embedded` lists it: its id and link, never its data."""
    return {"id": record_id, **extra, "_links": self_links(f"{API}/{entity}/{record_id}")}


def _common(entity, record):
    return {
        "id": record.id, "name": record.name, "responsible_user_id": record.responsible_user_id,
        "group_id": 0, "created_by": 0, "updated_by": 0,
        "created_at": unix(record.created_at), "updated_at": unix(record.updated_at),
        "closest_task_at": None, "is_deleted": False, "account_id": ACCOUNT_ID,
        "_links": self_links(f"{API}/{entity}/{record.id}"),
    }


def _shown(entity, linked, user):
    """Whether a linked record may be named in `_embedded`: always without a user, else by their view right."""
    return user is None or may_view(user, entity, linked)


def _company_refs(record, user):
    if not record.company_id or not _shown("companies", record.company, user):
        return []
    return [ref("companies", record.company_id)]


def _contact_refs(contacts, user):
    return [ref("contacts", contact.id, is_main=position == 0) for position, contact in enumerate(contacts)
            if _shown("contacts", contact, user)]


def lead(record, embed, user=None):
    """A deal as an amoCRM lead; `embed` may hold "contacts"; linked records `user` may not view are left out."""
    embedded = {"tags": [tag(item) for item in record.tags], "companies": _company_refs(record, user)}
    if "contacts" in embed:
        embedded["contacts"] = _contact_refs(record.contacts, user)
    return {
        **_common("leads", record), "price": record.price, "status_id": record.status_id,
        "pipeline_id": record.pipeline_id, "loss_reason_id": None, "source_id": None,
        "closed_at": unix(record.closed_at), "custom_fields_values": None, "score": None,
        "labor_cost": None, "_embedded": embedded,
    }


def _refs(entity, items, user):
    return [ref(entity, item.id) for item in items if _shown(entity, item, user)]


def _linked_refs(record, embed, user):
    """`leads`, `customers` and `contacts` a contact or company links to, as far as `embed` asks."""
    embedded = {}
    if "leads" in embed:
        embedded["leads"] = _refs("leads", record.deals, user)
    if "customers" in embed:
        embedded["customers"] = _refs("customers", record.customers, user)
    if "contacts" in embed and hasattr(record, "contacts"):
        embedded["contacts"] = _refs("contacts", record.contacts, user)
    return embedded


def contact(record, embed, user=None):
    """A contact; `embed` may hold "leads" and "customers"."""
    first_name, _space, last_name = record.name.partition(" ")
    return {
        **_common("contacts", record), "first_name": first_name, "last_name": last_name,
        "is_unsorted": False, "custom_fields_values": custom_fields_values(record, RECORD_FIELDS["contacts"]),
        "_embedded": {"tags": [tag(item) for item in record.tags], "companies": _company_refs(record, user),
                      **_linked_refs(record, embed, user)},
    }


def company(record, embed, user=None):
    """A company; `embed` may hold "leads", "customers" and "contacts"."""
    return {
        **_common("companies", record),
        "custom_fields_values": custom_fields_values(record, RECORD_FIELDS["companies"]),
        "_embedded": {"tags": [tag(item) for item in record.tags], **_linked_refs(record, embed, user)},
    }


def customer(record, embed, user=None):
    """A customer (periodic buyer); `embed` may hold "contacts" and "companies"."""
    embedded = {"tags": [tag(item) for item in record.tags]}
    if "contacts" in embed:
        embedded["contacts"] = _contact_refs(record.contacts, user)
    if "companies" in embed:
        embedded["companies"] = _company_refs(record, user)
    next_date = None if record.next_date is None else timegm(record.next_date.timetuple())
    return {
        **_common("customers", record), "next_price": record.next_price, "next_date": next_date,
        "status_id": None, "periodicity": 0, "ltv": 0, "purchases_count": 0, "average_check": 0,
        "custom_fields_values": None, "_embedded": embedded,
    }


RECORD_SHAPES = {"leads": lead, "contacts": contact, "companies": company, "customers": customer}
# The relationship each `with=` value makes a shape read (customers' `companies` is a column).
EMBED_RELATIONS = {"leads": "deals", "customers": "customers", "contacts": "contacts"}


def relations(embed, entity=None):
    """The relationships the record shapes read for `embed`, to load with a whole page at once (no N+1);
    with `entity`, its company too (whether the user may view it decides whether it is named)."""
    company = ("company",) if entity is not None and hasattr(KINDS[entity].model, "company") else ()
    return ("tags", *company, *sorted(EMBED_RELATIONS[name] for name in embed if name in EMBED_RELATIONS))


def record(entity, item, embed=frozenset(), user=None):
    """Any CRM record in its entity's shape; with `user`, `_embedded` names only the linked records they may view."""
    return RECORD_SHAPES[entity](item, embed, user)


# -- Notes and tasks ---------------------------------------------------------------------------

NOTE_TYPE = "common"  # the one amoCRM note type Tally keeps: plain text
# amoCRM's built-in task types: 1 a follow-up ("Связаться"), 2 a meeting. Tally keeps no types:
# it takes either and answers 1.
TASK_TYPE = 1


def note_path(entity, record_id, note_id):
    """Where one note is read (GET /{entity}/{id}/notes/{note_id})."""
    return f"{API}/{entity}/{record_id}/notes/{note_id}"


def note(entity, entry):
    """A feed's note as an amoCRM note; the author is its creator and responsible user (0 when deleted)."""
    author = entry.author_id or 0
    return {
        "id": entry.id, "entity_id": entry.record_id, "created_by": author, "updated_by": author,
        "created_at": unix(entry.created_at), "updated_at": unix(entry.updated_at),
        "responsible_user_id": author, "group_id": 0, "note_type": NOTE_TYPE, "params": {"text": entry.text},
        "account_id": ACCOUNT_ID, "_links": self_links(note_path(entity, entry.record_id, entry.id)),
    }


def note_ref(entity, entry, request_id):
    """A note just added, as POST /{entity}/notes answers it: ids and link only."""
    return {"id": entry.id, "entity_id": entry.record_id, "request_id": request_id,
            "_links": self_links(note_path(entity, entry.record_id, entry.id))}


def task(record):
    """A task as an amoCRM task: no record is entity_id and entity_type null; no result is [] (as amoCRM's)."""
    return {
        "id": record.id, "created_by": record.author_id or 0, "updated_by": 0,
        "created_at": unix(record.created_at), "updated_at": unix(record.updated_at),
        "responsible_user_id": record.responsible_user_id, "group_id": 0,
        "entity_id": record.record_id, "entity_type": record.entity, "duration": 0,
        "is_completed": record.is_done, "task_type_id": TASK_TYPE, "text": record.text, "result": [],
        "complete_till": unix(record.due_at), "account_id": ACCOUNT_ID,
        "_links": self_links(f"{API}/tasks/{record.id}"),
    }
