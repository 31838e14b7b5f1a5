"""What a save changed on a record, written to the card feeds in the save's own transaction (SPEC §10).

`snapshot` reads the fields a save is about to set, before and after it applies them;
`write_changes` compares the two and adds one feed entry per change: "field" (old -> new
as people read them: names, not ids), "status" ("Pipeline: Status"), and "linked" /
"unlinked" on BOTH records' feeds for every contact or company linked or unlinked, keeping
the other record's id and its name as it was then. `write_created` does the same for a new
record. Nothing is written for a save that fails: these run after validation, inside the
transaction that rolls back with it.
"""
from monitor.models import Pipeline, User
from monitor.services import feed
from monitor.services.records.kinds import ENTITY_OF_MODEL

# The fields whose changes the feed tells, in the order it tells them.
SHOWN_FIELDS = ("name", "price", "next_price", "next_date", "phone", "email", "position", "web", "address",
                "responsible", "tags")
# The links a save can make or remove: field -> the linked kind.
LINK_FIELDS = {"company": "companies", "contacts": "contacts"}


def snapshot(session, record, fields):
    """The record's `fields` (validated values' names, "stage" included) as (what is compared, what is shown)."""
    taken = {}
    for field in fields:
        if field in LINK_FIELDS:
            taken[field] = _linked(record, field)
        elif field == "stage":
            stage = (record.pipeline_id, record.status_id)
            taken[field] = (stage, _stage_name(session, *stage))
        elif field in SHOWN_FIELDS:
            taken[field] = _shown(session, record, field)
    return taken


def write_changes(session, entity, record, before, author):
    """Feed entries for what differs between `before` (a snapshot) and the record now; after the save's flush.

    Returns whether anything changed (a save of the same values writes nothing and changes nothing).
    """
    after = snapshot(session, record, before)
    changed = False
    for field in SHOWN_FIELDS:
        if field in before and before[field][0] != after[field][0]:
            feed.add_entry(session, entity, record.id, "field", author, field=field,
                           old=before[field][1], new=after[field][1])
            changed = True
    if "stage" in before and before["stage"][0] != after["stage"][0]:
        feed.add_entry(session, entity, record.id, "status", author, field="status",
                       old=before["stage"][1], new=after["stage"][1])
        changed = True
    for field in LINK_FIELDS:
        if field in before:
            changed = _write_links(session, entity, record, before[field], after[field], author) or changed
    return changed


def write_created(session, entity, record, fields, author):
    """The "created" entry of a new record (flushed, so it has its id) and the links it was created with."""
    feed.add_entry(session, entity, record.id, "created", author)
    after = snapshot(session, record, [field for field in LINK_FIELDS if field in fields])
    for linked in after.values():
        _write_links(session, entity, record, {}, linked, author)


def _write_links(session, entity, record, old, new, author):
    """"linked"/"unlinked" on this record's feed and on the other record's, for each link made or removed;
    whether there was any."""
    for kind, linked_ids in (("unlinked", old.keys() - new.keys()), ("linked", new.keys() - old.keys())):
        names = old if kind == "unlinked" else new
        for linked_entity, linked_id in sorted(linked_ids):
            feed.add_entry(session, entity, record.id, kind, author, field=linked_entity, linked_id=linked_id,
                           new=names[(linked_entity, linked_id)])
            feed.add_entry(session, linked_entity, linked_id, kind, author, field=entity, linked_id=record.id,
                           new=record.name)
    return bool(old.keys() ^ new.keys())


def _linked(record, field):
    """{(linked kind, id): name} of the company or contacts the record links now."""
    value = getattr(record, field)
    linked = value if isinstance(value, list) else [value] if value is not None else []
    return {(ENTITY_OF_MODEL[type(item)], item.id): item.name for item in linked}


def _shown(session, record, field):
    """(value compared, value shown) of one plain field, responsible or tags."""
    if field == "responsible":
        user = session.get(User, record.responsible_user_id) if record.responsible_user_id else None
        return record.responsible_user_id, user.name if user else None
    if field == "tags":
        names = sorted((tag.name for tag in record.tags), key=str.casefold)
        return names, ", ".join(names) or None
    value = getattr(record, field)
    if value is None:
        return None, None
    return value, value.isoformat() if field == "next_date" else str(value)


def _stage_name(session, pipeline_id, status_id):
    """ "Pipeline: Status" as the names read now; None for a deal not yet in a pipeline."""
    pipeline = session.get(Pipeline, pipeline_id) if pipeline_id else None
    if pipeline is None:
        return None
    status = next((status for status in pipeline.statuses if status.id == status_id), None)
    return f"{pipeline.name}: {status.name if status else status_id}"
