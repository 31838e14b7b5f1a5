"""Notes across the records of a kind, for the API: the feed's "note" entries and nothing else (SPEC §10).

A card's feed (monitor.services.feed) shows one record's entries of every kind; the API's
notes are its "note" entries of any record of a kind, filtered by id and record, and are
added in batches: every note of a batch is saved, in one transaction, or none is.
Nothing here charges the activity monitor: the API charges what it returns.

Rights per entity (SPEC §10): a list holds only notes of records its viewer may view (the
query leaves the others out); adding a note is editing the card, so it needs the edit right on
the record, and a record the author may not view is, to them, no record at all.
"""
from dataclasses import dataclass
from typing import Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from monitor.db import db
from monitor.inputs import is_id
from monitor.models import FeedEntry
from monitor.services import feed
from monitor.services.errors import NotFound, ValidationError
from monitor.services.records.kinds import kind_of
from monitor.services.records.rights import Viewer, allowed, may_view, visible_clause

NOTE = "note"  # the feed entry kind that is a note


@dataclass(frozen=True)
class NoteFilters:
    """Which notes of a kind a list shows. ids: only these notes; record_ids: only notes on these records
    (either empty = any); newest_first: the order, by when they were written; viewer: whose view right
    limits the records (records.Viewer; None: nobody's)."""

    ids: tuple[int, ...] = ()
    record_ids: tuple[int, ...] = ()
    newest_first: bool = True
    viewer: Optional[Viewer] = None


def list_notes(entity, filters, page, per_page):
    """One page of the notes on records of `entity`, with their authors: (notes, has_more)."""
    kind = kind_of(entity)
    if page < 1 or per_page < 1:
        raise ValueError("page and per_page start at 1")
    record_ids = [record_id for record_id in filters.record_ids if is_id(record_id)]
    if filters.record_ids and not record_ids:  # only ids no record has: nothing, without asking
        return [], False
    statement = select(FeedEntry).where(FeedEntry.entity == entity, FeedEntry.kind == NOTE)
    if filters.ids:
        statement = statement.where(FeedEntry.id.in_(filters.ids))
    if record_ids:
        statement = statement.where(FeedEntry.record_id.in_(record_ids))
    visible = visible_clause(kind, filters.viewer)
    if visible is not None:
        statement = statement.where(FeedEntry.record_id.in_(select(kind.model.id).where(visible)))
    order = FeedEntry.id.desc() if filters.newest_first else FeedEntry.id.asc()
    rows = db.session.scalars(
        statement.order_by(order).offset((page - 1) * per_page).limit(per_page + 1)
        .options(joinedload(FeedEntry.author))
    ).all()
    return rows[:per_page], len(rows) > per_page


def get_note(entity, record_id, note_id):
    """The note `note_id` on the record `record_id` of `entity`; NotFound otherwise."""
    kind_of(entity)
    note = db.session.get(FeedEntry, note_id) if is_id(note_id) and is_id(record_id) else None
    if note is None or (note.entity, note.record_id, note.kind) != (entity, record_id, NOTE):
        raise NotFound(note_id)
    return note


def check_note(entity, record_id, text, author=None):
    """The note's text as kept (feed.parse_note), saving nothing; ValidationError naming `text` and/or
    `record_id` when the text is empty or too long or there is no such record of `entity`.

    With `author`, their rights hold: a record they may not view is no such record, and one their
    edit right does not reach takes no note from them."""
    errors = {}
    try:
        text = feed.parse_note(text)
    except ValidationError as invalid:
        errors.update(invalid.errors)
    record = db.session.get(kind_of(entity).model, record_id) if is_id(record_id) else None
    if record is None or (author is not None and not may_view(author, entity, record)):
        errors["record_id"] = _l("There is no such record.")
    elif author is not None and not allowed(author, entity, "edit", record):
        errors["record_id"] = _l("Your rights do not let you add notes to this record.")
    if errors:
        raise ValidationError(errors)
    return text


def add_notes(entity, batch, author):
    """Add a note for each `(record_id, text)` of `batch` to that record's feed, all in one transaction.

    ValidationError (its `position` the item's) as check_note (the author's rights holding), checked again
    under the write lock so the records are still there on commit: then none of the batch is saved.
    Returns the FeedEntry rows.
    """
    with db.immediate() as session:
        added = []
        for position, (record_id, text) in enumerate(batch):
            try:
                text = check_note(entity, record_id, text, author)
            except ValidationError as invalid:
                raise ValidationError(invalid.errors, position) from None
            added.append(feed.add_entry(session, entity, record_id, NOTE, author, text=text))
        session.flush()
        return added
