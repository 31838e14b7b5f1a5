"""Tags of records: names compared by a key folded in Python, found and created in bulk, suggested by part.

SQLite's lower() folds ASCII only, so tag names are compared by `Tag.key`
(monitor.models.crm.tag_key: stripped and casefolded), unique per entity kind:
"ВИП", "вип" and " Вип " are one tag, shown as first written.
"""
from sqlalchemy import case, insert, select
from sqlalchemy.exc import IntegrityError

from monitor.db import db
from monitor.models import Tag
from monitor.models.crm import MAX_TAG_NAME, tag_key

# A record carries at most this many tags, and a save names at most this many: a save of
# thousands of tags held the write lock for seconds and bloated every page that shows them.
MAX_TAGS = 50
MAX_SUGGESTIONS = 20

__all__ = ["MAX_TAGS", "MAX_TAG_NAME", "MAX_SUGGESTIONS", "tag_key", "resolve", "tagged_ids", "suggest"]


def resolve(tag_entity, names):
    """Tag objects of `tag_entity` for `names` (distinct keys), in that order, creating the missing ones.

    One indexed SELECT for them all and one INSERT of the missing ones; when another
    request created one of them meanwhile (PostgreSQL), the SELECT runs again and the
    still-missing ones are inserted (a KeyError there was a 500).
    """
    if not names:
        return []
    by_key = _existing(tag_entity, names)
    for _attempt in range(3):  # each retry finds at least one more tag another request created
        missing = [name for name in names if tag_key(name) not in by_key]
        if not missing:
            break
        try:
            with db.session.begin_nested():
                created = db.session.scalars(
                    insert(Tag).returning(Tag),
                    [{"entity": tag_entity, "name": name, "key": tag_key(name)} for name in missing],
                ).all()
            by_key.update({tag.key: tag for tag in created})
        except IntegrityError:  # one of them was created meanwhile by another request
            by_key = _existing(tag_entity, names)
    return [by_key[tag_key(name)] for name in names]


def _existing(tag_entity, names):
    keys = [tag_key(name) for name in names]
    found = db.session.scalars(select(Tag).where(Tag.entity == tag_entity, Tag.key.in_(keys)))
    return {tag.key: tag for tag in found}


def tagged_ids(tag_entity, link_table, record_column, name):
    """A SELECT of the ids of records carrying the tag `name` (case-insensitive, any script)."""
    return (
        select(record_column)
        .join(Tag, Tag.id == link_table.c.tag_id)
        .where(Tag.entity == tag_entity, Tag.key == tag_key(name))
    )


def suggest(tag_entities, text, limit=MAX_SUGGESTIONS):
    """Up to `limit` names of tags of these entity kinds containing `text`, those starting with it first.

    Tags are not records: suggesting them reveals no record, so nothing is counted.
    """
    key = tag_key(text or "")[:3 * MAX_TAG_NAME]
    if not key:
        return []
    starts = case((Tag.key.startswith(key, autoescape=True), 0), else_=1)
    rows = db.session.execute(
        select(Tag.key, Tag.name)
        .where(Tag.entity.in_(tag_entities), Tag.key.contains(key, autoescape=True))
        .order_by(starts, Tag.key, Tag.id)
        .limit(limit * len(tag_entities))
    ).all()
    names, seen = [], set()
    for row_key, name in rows:
        if row_key not in seen:  # a contact's and a company's tag of one name are offered once
            seen.add(row_key)
            names.append(name)
    return names[:limit]
