"""Reference data the API serves besides records: the account, pipelines with statuses, tags."""
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from monitor.db import db
from monitor.models import Account, Pipeline, Tag
from monitor.models.crm import tag_key
from monitor.services.errors import NotFound

# Tags are kept per entity kind under the singular name.
TAG_ENTITIES = {"leads": "lead", "contacts": "contact", "companies": "company", "customers": "customer"}


def get_account():
    """The installation's one account."""
    account = db.session.get(Account, 1)
    if account is None:
        raise NotFound("account")
    return account


def list_pipelines():
    """Every pipeline with its statuses, main first, by sort order."""
    query = (select(Pipeline).options(selectinload(Pipeline.statuses))
             .order_by(Pipeline.is_main.desc(), Pipeline.sort, Pipeline.id))
    return db.session.scalars(query).all()


def get_pipeline(pipeline_id):
    """One pipeline with its statuses; NotFound otherwise."""
    pipeline = db.session.get(Pipeline, pipeline_id, options=[selectinload(Pipeline.statuses)])
    if pipeline is None:
        raise NotFound(pipeline_id)
    return pipeline


def list_tags(entity, page, limit, name_query=None, ids=None):
    """One page of an entity kind's tags by name, and whether another page follows.

    `entity` is the API's plural name (`leads`...); `name_query` matches part of the name
    (compared by the tag's folded key, so "вип" finds "ВИП"), `ids` keeps only those tags.
    """
    query = select(Tag).where(Tag.entity == TAG_ENTITIES[entity])
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
        select(Tag.id, Tag.name).where(Tag.id.in_(set(tag_ids)), Tag.entity == TAG_ENTITIES[entity])
    )
    return dict(rows.all())
