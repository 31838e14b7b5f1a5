"""Reference data the API serves besides records and pipelines (services.pipelines): the account, tags."""
from sqlalchemy import select

from monitor.db import db
from monitor.models import Account, Tag
from monitor.models.crm import tag_key
from monitor.services.errors import NotFound
from monitor.services.records import KINDS


def get_account():
    """The installation's one account."""
    account = db.session.get(Account, 1)
    if account is None:
        raise NotFound("account")
    return account


def list_tags(entity, page, limit, name_query=None, ids=None):
    """One page of an entity kind's tags by name, and whether another page follows.

    `entity` is the API's plural name (`leads`...); `name_query` matches part of the name
    (compared by the tag's folded key, so "вип" finds "ВИП"), `ids` keeps only those tags.
    """
    query = select(Tag).where(Tag.entity == KINDS[entity].singular)
    if name_query and tag_key(name_query):
        query = query.where(Tag.key.contains(tag_key(name_query), autoescape=True))
    if ids:
        query = query.where(Tag.id.in_(ids))
    rows = db.session.scalars(query.order_by(Tag.name, Tag.id).offset((page - 1) * limit).limit(limit + 1)).all()
    return rows[:limit], len(rows) > limit


def tag_names_by_id(entity, tag_ids):
    """{id: name} of the entity kind's tags with these ids (unknown ids are left out), in one query."""
    if not tag_ids:
        return {}
    rows = db.session.execute(
        select(Tag.id, Tag.name).where(Tag.id.in_(set(tag_ids)), Tag.entity == KINDS[entity].singular)
    )
    return dict(rows.all())
