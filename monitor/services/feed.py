"""Each card's feed: notes people write and what changed on the record, newest first (SPEC §10).

Entries are written in the transaction that makes the change (`add_entry` with the caller's
session), so a change and its feed line are saved together or not at all. A note is the
one entry written on its own (`add_note`). A record's entries go when the record goes
(`delete_for`). Nothing here charges the activity monitor: the feed is part of the card view.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload

from monitor.db import db
from monitor.inputs import without_control_characters
from monitor.models import FeedEntry
from monitor.models.work import FEED_KINDS, MAX_FEED_VALUE, MAX_NOTE
from monitor.services.errors import ValidationError
from monitor.services.records.kinds import kind_of

FEED_PAGE = 20


def parse_note(text):
    """A note as typed, trimmed; ValidationError({"text": ...}) when empty or over MAX_NOTE characters."""
    text = without_control_characters(text or "").strip()
    if not text:
        raise ValidationError({"text": _l("Write the note first.")})
    if len(text) > MAX_NOTE:
        raise ValidationError({"text": _l("A note holds at most %(n)s characters.", n=f"{MAX_NOTE:,}")})
    return text


def add_note(entity, record_id, text, author):
    """Add a note to a record's feed in its own transaction; returns the FeedEntry. ValidationError on bad text."""
    kind_of(entity)
    text = parse_note(text)
    with db.immediate() as session:
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
    """Delete the feeds of these records (they are being deleted) in the caller's transaction."""
    session.execute(delete(FeedEntry).where(FeedEntry.entity == entity, FeedEntry.record_id.in_(record_ids)))


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
