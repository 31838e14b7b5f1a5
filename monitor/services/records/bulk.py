"""Bulk actions on ticked records (SPEC §10): set the responsible user, add or remove a tag, move deals
to a status, delete; all or nothing.

`plan` checks everything first (the ids, the action, its value, the user's rights) and works out
what each record needs, changing nothing; `apply` then saves the whole plan in ONE transaction
through update_records or delete_records, so every changed record's card feed gets its lines
(records.changes) and a record that fails, or went away meanwhile, leaves every record as it was.
A record that already is as asked is left alone: no feed line, no new `updated_at`.

A status is a status id. The closed statuses (won 142, lost 143) belong to every pipeline, so
they close each deal in its own pipeline; any other status belongs to one pipeline, and the deals
move into that pipeline at that status (as moving a deal on its card can).
"""
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from monitor.db import db
from monitor.inputs import InvalidValue, parse_id, without_control_characters
from monitor.models import Status, User
from monitor.models.crm import MAX_TAG_NAME, tag_key
from monitor.services.errors import NotFound, ValidationError
from monitor.services.records.kinds import kind_of
from monitor.services.records.rights import allowed, may_view
from monitor.services.records.writes import check_record, delete_records, update_records

MAX_IDS = 500
# The value controls a form may send at once: the list's toolbar has three, of which one is filled in.
MAX_VALUES = 3
# At most this many unknown ids are named in a refusal.
SHOWN_IDS = 10
ACTIONS = ("responsible", "add_tag", "remove_tag", "status", "delete")
DEAL_ONLY = ("status",)


def actions_for(entity):
    """The bulk actions a list of `entity` offers, in the toolbar's order ("status" only for deals)."""
    return tuple(action for action in ACTIONS if action not in DEAL_ONLY or entity == "leads")


@dataclass
class BulkPlan:
    """What a bulk action will do: the records ticked, and for each one to change, its new values."""

    entity: str
    action: str
    records: list
    changes: list = field(default_factory=list)  # [(record, data)] for update_records

    @property
    def unchanged(self):
        """How many ticked records already are as asked (none for a delete)."""
        return 0 if self.action == "delete" else len(self.records) - len(self.changes)


def plan(entity, ids, action, values, user):
    """Check a bulk request and work out each record's change, saving nothing.

    ids: the `ids` sent (text); action: the `action`; values: every `value` sent (text).
    ValidationError ({"ids" | "action" | "value": message}) for anything wrong; nothing is read
    past the first wrong input.
    """
    kind = kind_of(entity)
    if action not in actions_for(entity):
        raise ValidationError({"action": _l("Choose one of the actions the list offers: %(actions)s.",
                                            actions=", ".join(actions_for(entity)))})
    record_ids = parse_ids(ids)
    value = None if action == "delete" else _action_value(action, values)
    found = _records(kind, record_ids, with_tags=action in ("add_tag", "remove_tag"), user=user)
    check_rights(user, entity, action, found)
    bulk = BulkPlan(entity, action, found)
    if action != "delete":
        bulk.changes = [(record, data) for record in found if (data := CHANGES[action](record, value))]
    for record, data in bulk.changes:
        try:
            check_record(entity, data, record)
        except ValidationError as invalid:
            raise _refused(record, invalid) from None
    return bulk


def apply(bulk, user):
    """Save a plan in one transaction, `user` the author of the feed lines; how many records it changed.

    ValidationError, and nothing saved, when one of them was deleted meanwhile or refuses the change.
    """
    try:
        if bulk.action == "delete":
            delete_records(bulk.entity, bulk.records)
            return len(bulk.records)
        update_records(bulk.entity, bulk.changes, user)
        return len(bulk.changes)
    except NotFound:
        raise ValidationError({"ids": _l("One of the ticked records was deleted meanwhile. Nothing was changed: "
                                         "go back to the list and try again.")}) from None
    except ValidationError as invalid:  # a change another save made meanwhile makes one of them refuse
        raise _refused(bulk.changes[invalid.position][0], invalid) from None


def _refused(record, invalid):
    """The refusal of the whole batch because one record refuses its change (named by id: it shows no record)."""
    reason = " ".join(str(message) for message in invalid.errors.values())
    return ValidationError({"ids": _l("Record %(id)s cannot take this change: %(reason)s Nothing was changed.",
                                      id=record.id, reason=reason)})


def check_rights(user, entity, action, batch):
    """The one place a bulk action's rights are checked, per record, before anything is saved (SPEC §10).

    A delete needs the delete right on every ticked record, any other action the edit right;
    ValidationError naming the first one it does not reach, and nothing changed. (A record the
    user may not view never gets here: _records treats it as one that is not there.)
    """
    right = "delete" if action == "delete" else "edit"
    for record in batch:
        if not allowed(user, entity, right, record):
            raise ValidationError({"ids": _l("Your rights do not reach record %(id)s. Nothing was changed.",
                                             id=record.id)})


def parse_ids(values):
    """The ticked ids: 1 to MAX_IDS ids (repeats count once), in the order sent; ValidationError otherwise."""
    if not values:
        raise ValidationError({"ids": _l("Tick at least one record.")})
    if len(values) > MAX_IDS:
        raise ValidationError({"ids": _l("At most %(n)s records at a time.", n=MAX_IDS)})
    try:
        ids = [parse_id(str(value).strip()) for value in values]
    except InvalidValue:
        raise ValidationError({"ids": _l("The ticked records are sent by their ids (whole numbers).")}) from None
    if None in ids:
        raise ValidationError({"ids": _l("The ticked records are sent by their ids (whole numbers).")})
    return list(dict.fromkeys(ids))


def _action_value(action, values):
    """The one filled-in value, parsed for the action. A form without JavaScript sends every value
    control, the others left empty, so the empty ones are dropped; two filled in are ambiguous."""
    if len(values) > MAX_VALUES:
        raise ValidationError({"value": _l("Send one value.")})
    filled = [text for text in (without_control_characters(str(value)).strip() for value in values) if text]
    if len(filled) > 1:
        raise ValidationError({"value": _l("Fill in only the value the chosen action needs.")})
    return VALUES[action](filled[0] if filled else "")


def _user_value(text):
    message = _l("Choose the user who becomes responsible.")
    try:
        user_id = parse_id(text, message)
    except InvalidValue:
        raise ValidationError({"value": message}) from None
    if user_id is None:
        raise ValidationError({"value": message})
    if db.session.get(User, user_id) is None:
        raise ValidationError({"value": _l("There is no such user.")})
    return user_id


def _tag_value(text):
    if not text:
        raise ValidationError({"value": _l("Enter the tag's name.")})
    if len(text) > MAX_TAG_NAME:
        raise ValidationError({"value": _l("A tag has at most %(n)d characters.", n=MAX_TAG_NAME)})
    if "," in text:
        raise ValidationError({"value": _l("A tag's name has no commas (cards separate tags by commas).")})
    return text


def _status_value(text):
    """(pipeline id, status id): pipeline None for a closed status, which every pipeline has."""
    message = _l("Choose the status the deals move to.")
    try:
        status_id = parse_id(text, message)
    except InvalidValue:
        raise ValidationError({"value": message}) from None
    if status_id is None:
        raise ValidationError({"value": message})
    stages = db.session.scalars(select(Status.pipeline_id).where(Status.id == status_id)).all()
    if not stages:
        raise ValidationError({"value": _l("There is no such status.")})
    return (stages[0] if len(stages) == 1 else None), status_id


VALUES = {"responsible": _user_value, "add_tag": _tag_value, "remove_tag": _tag_value, "status": _status_value}


def _records(kind, record_ids, with_tags, user=None):
    """The records with these ids, in that order; ValidationError naming the ids that are not there.

    A record `user` may not view is, to them, not there: named among the unknown ids, no differently.
    """
    query = select(kind.model).where(kind.model.id.in_(record_ids))
    if with_tags:
        query = query.options(selectinload(kind.model.tags))
    by_id = {record.id: record for record in db.session.scalars(query)
             if user is None or may_view(user, kind.name, record)}
    missing = [record_id for record_id in record_ids if record_id not in by_id]
    if missing:
        shown = ", ".join(str(record_id) for record_id in missing[:SHOWN_IDS])
        if len(missing) > SHOWN_IDS:
            shown += " \u2026"
        raise ValidationError({"ids": _l("These ticked records do not exist (any more): %(ids)s. "
                                         "Nothing was changed.", ids=shown)})
    return [by_id[record_id] for record_id in record_ids]


def _set_responsible(record, user_id):
    return {"responsible": user_id} if record.responsible_user_id != user_id else None


def _add_tag(record, name):
    names = [tag.name for tag in record.tags]
    if tag_key(name) in {tag_key(existing) for existing in names}:
        return None
    return {"tags": [*names, name]}


def _remove_tag(record, name):
    names = [tag.name for tag in record.tags]
    kept = [existing for existing in names if tag_key(existing) != tag_key(name)]
    return {"tags": kept} if len(kept) < len(names) else None


def _move(deal, stage):
    pipeline_id, status_id = stage
    pipeline_id = pipeline_id or deal.pipeline_id  # a closed status: the deal's own pipeline
    if (deal.pipeline_id, deal.status_id) == (pipeline_id, status_id):
        return None
    return {"pipeline": pipeline_id, "status": status_id}


# action -> (record, parsed value) -> the record's data for update_records, or None when it already is so.
CHANGES = {"responsible": _set_responsible, "add_tag": _add_tag, "remove_tag": _remove_tag, "status": _move}
