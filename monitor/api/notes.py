"""Notes in amoCRM's v4 shape: `/{entity}/notes`, `/{entity}/{id}/notes` and `/{entity}/{id}/notes/{note_id}`.

A note is a card feed's "note" entry (monitor.services.notes); the feed's other entries
(changes, links, tasks done) are not notes. Every note names its record, so a list charges
one list element per note, and one note read by id one element, before they are sent.
Adding notes charges nothing: the answer names ids only.

Rights per entity (SPEC §10): a list holds only notes of records the user may view; a path naming
a record out of their reach is a 403 that charges nothing (a list, a note, adding notes); adding a
note is editing the card, so it needs the edit right on its record (as the card's note form).
"""
from flask import abort, g, request
from flask_login import current_user

from monitor import activity
from monitor.api import API, bp, params, shapes, writes
from monitor.api.entities import ENTITIES, RECORD_ID
from monitor.api.responses import ApiValidationError, found_or_none, hal, no_content, page_links, self_links
from monitor.inputs import is_id
from monitor.services import notes, records

# amoCRM's note types: a filter may name any of them, and only "common" ones are kept.
NOTE_TYPES = (
    "common", "call_in", "call_out", "service_message", "message_cashier", "geolocation", "sms_in", "sms_out",
    "extended_service_message", "attachment",
)
# notes service field -> path of the amoCRM field, for validation-errors.
ERROR_PATHS = {"text": "params.text", "record_id": "entity_id"}


def _note_types(node, path):
    types = params.values_of(node, path)
    unknown = [name for name in types if name not in NOTE_TYPES]
    if unknown:
        raise ApiValidationError.one(path, f"Unknown note type: {unknown[0][:40]}", code="NotSupportedChoice")
    return {"kept_type": shapes.NOTE_TYPE in types}


FILTERS = {
    "id": lambda node, path: {"ids": tuple(params.whole_numbers(node, path))},
    "entity_id": lambda node, path: {"record_ids": tuple(params.whole_numbers(node, path))},
    "note_type": _note_types,
}


def note_filters(args, record_id=None, user=None):
    """The NoteFilters of a list call (`filter[id|entity_id|note_type]`, `order[...]`); None when
    `filter[note_type]` names no type Tally keeps, so that nothing can match."""
    supported = FILTERS if record_id is None else {key: FILTERS[key] for key in ("id", "note_type")}
    values = params.filter_values(args, supported)
    if not values.pop("kept_type", True):
        return None
    if record_id is not None:
        values["record_ids"] = (record_id,)
    _field, direction = params.order(args)[0]  # notes are never edited: every order is the order written
    return notes.NoteFilters(newest_first=direction == "desc", viewer=records.Viewer.of(user), **values)


@bp.get(f"{API}/{ENTITIES}/notes")
@bp.get(f"{API}/{ENTITIES}/{RECORD_ID}/notes")
def note_list(entity, record_id=None):
    """One page of notes, of one record when the path names it; 204 when none."""
    page, limit = params.page_and_limit(request.args)
    filters = note_filters(request.args, record_id, current_user)
    if record_id is not None:
        _require_record(entity, record_id, "view")
    rows, has_next = notes.list_notes(entity, filters, page, limit) if filters else ([], False)
    if not rows:
        return no_content()
    activity.charge(current_user, g.api_channel, elements=len(rows), origin=activity.Origin.of(request))
    return hal({"_page": page, "_links": page_links(page, has_next),
                "_embedded": {"notes": [shapes.note(entity, row) for row in rows]}})


@bp.get(f"{API}/{ENTITIES}/{RECORD_ID}/notes/<id:note_id>")
def note_detail(entity, record_id, note_id):
    """One note of one record; 204 (and nothing charged) when that record has no such note, 403 when the
    record is out of the user's reach."""
    _require_record(entity, record_id, "view")
    note = found_or_none(notes.get_note, entity, record_id, note_id)
    if note is None:
        return no_content()
    activity.charge(current_user, g.api_channel, elements=1, origin=activity.Origin.of(request))
    return hal(shapes.note(entity, note))


@bp.post(f"{API}/{ENTITIES}/notes")
@bp.post(f"{API}/{ENTITIES}/{RECORD_ID}/notes")
def note_create(entity, record_id=None):
    """Add notes from an array, all or none; each names its record by `entity_id` unless the path does.

    A record the path names that is not there is a 404, one out of the user's reach (view and edit) a 403;
    one an item names, a 400 (one they may not view is as unknown as one that is not there).
    """
    if record_id is not None:
        if _require_record(entity, record_id, "view") is None:
            abort(404, f"There is no record with id {record_id} among the {entity}.")
        _require_record(entity, record_id, "edit")
    checked = writes.check_items(writes.json_body(list), lambda item: note_item(entity, item, record_id),
                                 ERROR_PATHS)
    added = writes.save_batch([(rid, None, item) for rid, item in checked],
                              lambda: notes.add_notes(entity, [item for _rid, item in checked], current_user),
                              ERROR_PATHS)
    return hal({
        "_links": self_links(request.path),
        "_embedded": {"notes": [shapes.note_ref(entity, entry, rid)
                                for (rid, _item), entry in zip(checked, added, strict=True)]},
    })


def _require_record(entity, record_id, right):
    """The record the path names, or None when it is not there; Forbidden (403) when the user's `right`
    does not reach it."""
    record = found_or_none(records.get_record, entity, record_id)
    if record is not None:
        records.require(current_user, entity, right, record)
    return record


def note_item(entity, item, record_id=None):
    """One note object as (record id, text); ItemErrors for wrong types, ValidationError for a bad
    text or a record that is not there."""
    if not isinstance(item, dict):
        raise writes.ItemErrors([("InvalidType", "", "Expected an object")])
    errors = []
    entity_id = item.get("entity_id", record_id)
    if not is_id(entity_id):
        errors.append(("InvalidType", "entity_id", "Give the record's id"))
    elif record_id is not None and entity_id != record_id:
        errors.append(("InvalidValue", "entity_id", "The path names another record"))
    if item.get("note_type") != shapes.NOTE_TYPE:
        errors.append(("NotSupportedChoice", "note_type", "Tally CRM keeps notes of type common only"))
    text = item["params"].get("text") if isinstance(item.get("params"), dict) else None
    if not isinstance(text, str):
        errors.append(("InvalidType", "params.text", "Give the note's text as a string"))
    if errors:
        raise writes.ItemErrors(errors)
    return entity_id, notes.check_note(entity, entity_id, text, current_user)
