"""Each card's feed: notes people write and what changed on the record, newest first (SPEC §10).

Entries are written in the transaction that makes the change (`add_entry` with the caller's
session), so a change and its feed line are saved together or not at all. A note is the
one entry written on its own (`add_note`). A record's entries go when the record goes
(`delete_for`). Nothing here charges the activity monitor: the feed is part of the card view.
"""
from dataclasses import dataclass
from datetime import date
from typing import Optional

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import delete, select, update
from sqlalchemy.orm import joinedload

from monitor.db import db
from monitor.inputs import is_digits, without_control_characters
from monitor.models import FeedEntry
from monitor.models.work import FEED_KINDS, MAX_FEED_VALUE, MAX_NOTE
from monitor.services.errors import NotFound, ValidationError
from monitor.services.records.kinds import KINDS, kind_of
from monitor.services.records.rights import may_view

FEED_PAGE = 20


def parse_note(text):
    """A note as typed, trimmed; ValidationError({"text": ...}) when empty or over MAX_NOTE characters."""
    text = without_control_characters(text or "").strip()
    if not text:
        raise ValidationError({"text": _l("This field is required.")})
    if len(text) > MAX_NOTE:
        raise ValidationError({"text": _l("A note holds at most %(n)s characters.", n=f"{MAX_NOTE:,}")})
    return text


def add_note(entity, record_id, text, author):
    """Add a note to a record's feed in its own transaction; returns the FeedEntry. ValidationError on bad text;
    NotFound when the record is gone (a note kept for it could show on a later record given its id)."""
    model = kind_of(entity).model
    text = parse_note(text)
    with db.immediate() as session:
        if session.scalar(select(model.id).where(model.id == record_id)) is None:
            raise NotFound(record_id)
        return add_entry(session, entity, record_id, "note", author, text=text)


def add_entry(session, entity, record_id, kind, author, *, field=None, old=None, new=None, linked_id=None,
              text=None):
    """Add one feed entry in the caller's transaction (see FeedEntry for what each kind keeps)."""
    if kind not in FEED_KINDS:
        raise ValueError(f"unknown feed entry kind {kind!r}")
    entry = FeedEntry(
        entity=entity, record_id=record_id, kind=kind, author_id=getattr(author, "id", author),
        field=field, old_value=shorten(old), new_value=shorten(new), linked_id=linked_id, text=text,
    )
    session.add(entry)
    return entry


def shorten(value):
    """A value as the feed keeps it: text, at most MAX_FEED_VALUE characters (cut with "…"); None stays None."""
    if value is None:
        return None
    value = str(value)
    return value if len(value) <= MAX_FEED_VALUE else value[:MAX_FEED_VALUE - 1] + "\u2026"


def entries(entity, record_id, page=1, per_page=FEED_PAGE, kinds=None):
    """One page of a record's feed, newest first, with each entry's author: (entries, has_more).

    kinds: only entries of these kinds (e.g. ("note",) for the API's notes); default all.
    """
    if page < 1 or per_page < 1:
        raise ValueError("page and per_page start at 1")
    statement = (
        select(FeedEntry)
        .where(FeedEntry.entity == entity, FeedEntry.record_id == record_id)
        .order_by(FeedEntry.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page + 1)
        .options(joinedload(FeedEntry.author))
    )
    if kinds is not None:
        statement = statement.where(FeedEntry.kind.in_(kinds))
    rows = db.session.scalars(statement).all()
    return rows[:per_page], len(rows) > per_page


def delete_for(session, entity, record_ids):
    """Delete the feeds of these records (they are being deleted) in the caller's transaction.

    Other records' entries naming them keep the name but no longer the id: a new record given the
    same id later (SQLite reuses the highest) must not be linked from what was said of the old one.
    """
    session.execute(delete(FeedEntry).where(FeedEntry.entity == entity, FeedEntry.record_id.in_(record_ids)))
    session.execute(
        update(FeedEntry)
        .where(FeedEntry.kind.in_(("linked", "unlinked")), FeedEntry.field == entity,
               FeedEntry.linked_id.in_(record_ids))
        .values(linked_id=None)
    )


# How each kind of entry reads on the card, for the template and the API alike.
KIND_LABELS = {
    "created": _l("Created"),
    "note": _l("Note"),
    "field": _l("Changed"),
    "status": _l("Status changed"),
    "linked": _l("Linked"),
    "unlinked": _l("Unlinked"),
    "task_done": _l("Task done"),
}

# How the fields a "field" entry names read on the card (the card form's labels), and how their values read:
# amounts as money, dates as dates, the rest as kept.
FIELD_LABELS = {
    "name": _l("Name"),
    "price": _l("Price"),
    "next_price": _l("Next purchase"),
    "next_date": _l("Next purchase date"),
    "phone": _l("Phone"),
    "email": _l("E-mail"),
    "position": _l("Position"),
    "web": _l("Website"),
    "address": _l("Address"),
    "responsible": _l("Responsible"),
    "tags": _l("Tags"),
    "status": _l("Status"),
}
VALUE_FORMATS = {"price": "money", "next_price": "money", "next_date": "date"}
# The kind of record a "linked"/"unlinked" entry names.
LINKED_LABELS = {"leads": _l("Deal"), "contacts": _l("Contact"), "companies": _l("Company"),
                 "customers": _l("Customer")}


@dataclass
class FeedItem:
    """One feed entry as the card shows it.

    old, new     "field"/"status": the values, amounts as int and dates as date where `value_format` says so
    linked_exists  "linked"/"unlinked": whether the linked record is still there (then its name is a link)
    linked_hidden  "linked"/"unlinked": the linked record is there but the reader may not view it: it is
                   shown as hidden, with neither its name nor a link
    """

    entry: FeedEntry
    label: object
    field_label: Optional[object] = None
    value_format: Optional[str] = None
    old: object = None
    new: object = None
    linked_label: Optional[object] = None
    linked_exists: bool = False
    linked_hidden: bool = False


@dataclass
class FeedPage:
    """A page of a card's feed: its items, newest first, the page number and whether older ones follow."""

    items: list
    page: int
    has_more: bool


def card_feed(entity, record_id, page=1, user=None):
    """The page of a record's feed its card shows: the one place the card's feed is read and shaped.

    What a viewer may see of other records is decided here (a linked record's name, its link):
    a linked record `user` (default: the signed-in user) may not view is hidden (rights per entity,
    SPEC §10). The card's own changes are theirs to see: they may view the card.
    """
    if user is None:
        user = current_user._get_current_object()
    rows, has_more = entries(entity, record_id, page)
    existing, hidden = _existing_links(rows, user)
    return FeedPage([_item(row, existing, hidden) for row in rows], page, has_more)


def _item(row, existing, hidden):
    item = FeedItem(row, KIND_LABELS[row.kind])
    if row.kind in ("field", "status"):
        item.field_label = FIELD_LABELS.get(row.field, row.field)
        item.value_format = VALUE_FORMATS.get(row.field)
        item.old, item.new = (_typed(item.value_format, value) for value in (row.old_value, row.new_value))
    elif row.kind in ("linked", "unlinked"):
        item.linked_label = LINKED_LABELS.get(row.field, row.field)
        item.linked_exists = (row.field, row.linked_id) in existing
        item.linked_hidden = (row.field, row.linked_id) in hidden
    return item


def _typed(value_format, value):
    """A kept value as its field's type, for the card to format in the reader's language; text when it is not one."""
    try:
        if value_format == "money" and is_digits(value):
            return int(value)
        if value_format == "date" and value is not None:
            return date.fromisoformat(value)
    except ValueError:
        pass
    return value


def _existing_links(rows, user):
    """{(kind, id)} of the records the linked/unlinked entries name that are still there, and those of
    them `user` may not view: one query a kind named."""
    wanted = {}
    for row in rows:
        if row.kind in ("linked", "unlinked") and row.field in KINDS and row.linked_id is not None:
            wanted.setdefault(row.field, set()).add(row.linked_id)
    existing, hidden = set(), set()
    for linked_entity, ids in wanted.items():
        model = KINDS[linked_entity].model
        for found in db.session.execute(select(model.id, model.responsible_user_id).where(model.id.in_(ids))):
            existing.add((linked_entity, found.id))
            if not may_view(user, linked_entity, found):
                hidden.add((linked_entity, found.id))
    return existing, hidden
