"""Saving and deleting records: each use case one write transaction, every value validated first.

Every create and update writes its feed entries (records.changes) in that same transaction,
authored by the acting user (None: no author), so the web forms, the API and the bulk actions
all leave the same trace, and a save refused by validation leaves none.
"""
from sqlalchemy import inspect
from sqlalchemy.exc import InvalidRequestError

from monitor.clock import utcnow
from monitor.db import db
from monitor.services import feed, tags, tasks
from monitor.services.errors import NotFound, ValidationError
from monitor.services.records import changes
from monitor.services.records.conditions import CLOSED_STATUSES
from monitor.services.records.kinds import kind_of
from monitor.services.records.values import validated

PLAIN_FIELDS = ("name", "price", "next_price", "next_date", "phone", "email", "position", "web", "address")


def check_record(entity, data, record=None):
    """Validate `data` as create_record (record None) or update_record would, saving nothing.

    Lets a caller check a whole batch before saving any of it. ValidationError on bad input.
    """
    kind = kind_of(entity)
    if record is None:
        validated(kind, kind.model(), {"name": "", **data})
    else:
        validated(kind, record, data)


def newly_linked(entity, data, record=None):
    """Validate `data` as check_record does; return how many records it links that `record` does not yet.

    The company and contacts a save links are shown by name on the card it leads to, so a
    caller charges them as list elements before saving (a new record: every linked one).
    """
    kind = kind_of(entity)
    values = validated(kind, record if record is not None else kind.model(), data)
    count = 0
    company = values.get("company")
    if company is not None and (record is None or record.company_id != company.id):
        count += 1
    if values.get("contacts"):
        already = {contact.id for contact in record.contacts} if record is not None else set()
        count += len({contact.id for contact in values["contacts"]} - already)
    return count


def create_record(entity, data, acting_user=None):
    """Add a record of `entity` from `data` (field -> value; strings as typed, or typed values).

    Fields per entity are `KINDS[entity].fields`; `name` is required. Deals land in the
    main pipeline's first status unless `pipeline`/`status` say otherwise; the responsible
    user defaults to `acting_user`. ValidationError maps fields to messages.
    """
    return create_records(entity, [data], acting_user)[0]


def create_records(entity, batch, acting_user=None):
    """Add a record of `entity` for each `data` of `batch`, all in one transaction (see create_record).

    A ValidationError on any of them saves none.
    """
    kind = kind_of(entity)
    # The write lock from the first read: the linked records checked are still there on commit.
    with db.immediate(serial="records") as session:
        return each_of_batch(batch, lambda data: _create(session, kind, data, acting_user))


def _create(session, kind, data, acting_user):
    data = {"name": "", **data}
    if "responsible" not in data and acting_user is not None:
        data["responsible"] = acting_user.id
    record = kind.model()
    values = _with_tags(kind, validated(kind, record, data))
    session.add(record)
    with session.no_autoflush:  # the record is complete only once every value is applied
        _apply(record, values)
    session.flush()
    changes.write_created(session, kind.name, record, values, acting_user)
    return record


def update_record(entity, record, data, acting_user=None):
    """Save changes to `record` from `data` (only the fields present).

    ValidationError on bad input; NotFound when the record was deleted meanwhile.
    """
    return update_records(entity, [(record, data)], acting_user)[0]


def update_records(entity, batch, acting_user=None):
    """Save each `(record, data)` of `batch` as update_record does, all in one transaction.

    `acting_user` is the author of the feed entries the changes write (None: no author).
    """
    kind = kind_of(entity)
    with db.immediate(serial="records") as session:
        return each_of_batch(batch, lambda item: _update(session, kind, *item, acting_user))


def each_of_batch(batch, save):
    """`save` applied to every item in order; a ValidationError names the item's position."""
    saved = []
    for position, item in enumerate(batch):
        try:
            saved.append(save(item))
        except ValidationError as invalid:
            raise ValidationError(invalid.errors, position) from None
    return saved


def _update(session, kind, record, data, acting_user):
    _reload(session, record)  # as it is now, under the write lock: its links may have changed
    values = validated(kind, record, data)
    before = changes.snapshot(session, record, values)
    values = _with_tags(kind, values)
    _apply(record, values)
    session.flush()  # a changed column sets updated_at itself (onupdate)
    if changes.write_changes(session, kind.name, record, before, acting_user):
        record.updated_at = utcnow()  # tags and links change no column of the record itself
        session.flush()
    return record


def delete_record(entity, record):
    """Delete the record; its links, tags, feed and tasks go with it, linked records stay.

    NotFound when already gone.
    """
    delete_records(entity, [record])


def delete_records(entity, batch):
    """Delete every record of `batch` in one transaction (see delete_record); NotFound, and none deleted,
    when one of them is already gone."""
    kind_of(entity)
    with db.immediate(serial="records") as session:
        for record in batch:
            _reload(session, record)
        ids = [record.id for record in batch]
        feed.delete_for(session, entity, ids)
        tasks.delete_for(session, entity, ids)
        for record in batch:
            session.delete(record)


def _reload(session, record):
    """Read the record again inside the current transaction; NotFound when it was deleted meanwhile."""
    record_id = inspect(record).identity[0]
    try:
        session.refresh(record)
    except InvalidRequestError:
        raise NotFound(record_id) from None
    for relation in ("tags", "contacts"):
        if hasattr(record, relation):
            session.expire(record, [relation])


def _apply(record, values):
    """Set validated values (tags already resolved to Tag objects) on the record."""
    for field in PLAIN_FIELDS:
        if field in values:
            value = values[field]
            setattr(record, field, 0 if value is None and field in ("price", "next_price") else value)
    if "responsible" in values:
        record.responsible_user_id = values["responsible"]
    if "company" in values:
        record.company = values["company"]
    if "contacts" in values:
        record.contacts = values["contacts"]
    if "tags" in values:
        record.tags = values["tags"]
    if "stage" in values:
        _move(record, *values["stage"])


def _move(deal, pipeline_id, status_id):
    """Put a deal in a stage; closing it stamps closed_at, reopening clears it."""
    was_closed = deal.status_id in CLOSED_STATUSES
    deal.pipeline_id, deal.status_id = pipeline_id, status_id
    if status_id in CLOSED_STATUSES and not was_closed:
        deal.closed_at = utcnow()
    elif status_id not in CLOSED_STATUSES:
        deal.closed_at = None


def _with_tags(kind, values):
    """`values` with tag names turned into Tag objects (before the record joins the session)."""
    if "tags" in values:
        values["tags"] = tags.resolve(kind.singular, values["tags"])
    return values
