"""Query planning: a list's selection (ListFilters) as WHERE clauses, one small builder per filter."""
from sqlalchemy import and_, event, or_, select, union_all
from sqlalchemy.orm import Session

from monitor.db import db
from monitor.models import Company, Contact, Deal
from monitor.models.crm import LOST_STATUS_ID, WON_STATUS_ID, deal_contacts
from monitor.services import search, tags
from monitor.services.records.kinds import KINDS, kind_of
from monitor.services.records.rights import visible_clause

# A search matching at most this many records is resolved to its ids first; a larger one
# is checked row by row while walking the list in order (no sort of every match).
FEW_MATCHES = 500
# Where few_matches keeps its answers in the session (Session.info).
FEW_MATCHES_KEY = "tally.few_matches"
STATES = ("open", "won", "lost")
CLOSED_STATUSES = (WON_STATUS_ID, LOST_STATUS_ID)


def where_clauses(kind, filters):
    """WHERE clauses for `filters`, each usable both by a page walking its list order and by a count."""
    conditions = _by_viewer(kind, filters) + _by_search(kind, filters.q)
    for build in (_by_ids, _by_links, _by_tags, _by_responsible, _by_stage, _by_state, _by_price, _by_dates):
        conditions.extend(build(kind, filters))
    return conditions


def _by_viewer(kind, filters):
    """Only what the user may view (rights per entity): the one place a list, count or search is narrowed."""
    clause = visible_clause(kind, filters.viewer)
    return [] if clause is None else [clause]


def _by_ids(kind, filters):
    return [kind.model.id.in_(filters.ids)] if filters.ids else []


def _by_links(kind, filters):
    relations = dict(kind.links)
    conditions = []
    for entity, record_id in filters.links:
        if entity in relations:
            attribute = getattr(kind.model, relations[entity])
            target = attribute.property.mapper.class_
            linked_ids = select(kind.model.id).join(attribute).where(target.id == record_id)
            conditions.append(kind.model.id.in_(linked_ids))
    return conditions


def _by_search(kind, query):
    if search_ids(kind.name, query) is None:
        return []
    found = search_matches(kind, query)
    return [kind.model.id.in_(found) if found is not None else search_clause(kind, query)]


def search_matches(kind, query):
    """The ids of the `kind` records the search `query` finds (repeats possible) when they are at most
    FEW_MATCHES, else None; [] for no query."""
    matches = search_ids(kind.name, query)
    return [] if matches is None else few_matches(matches, ("search", kind.name, query))


def few_matches(matches, key):
    """The ids the SELECT `matches` finds when they are at most FEW_MATCHES, else None.

    Few matches are read at once and a page sorts just those; with many, a page walks its list
    order (an index) testing each row and stops after the page, and a capped count after its cap,
    instead of gathering every match first (SPEC §12). The answer is kept under `key` in the session
    until it next writes: a list page and its count ask the same question.
    """
    known = db.session.info.setdefault(FEW_MATCHES_KEY, {})
    if key not in known:
        column = list(matches.subquery().c)[0]
        found = db.session.scalars(select(column).limit(FEW_MATCHES + 1)).all()
        known[key] = found if len(found) <= FEW_MATCHES else None
    return known[key]


@event.listens_for(Session, "after_flush")
@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_matches(session, *_context):
    """What a session wrote may change what a search or tag finds."""
    session.info.pop(FEW_MATCHES_KEY, None)


def search_clause(kind, query):
    """The WHERE clause of search_ids tested on each row of `kind` (its own fields, its contacts', its company's)."""
    own = search.row_matches(kind.model, kind.search_columns, query)
    if not kind.search_linked or search.is_short(query):
        return own
    link, record_column, contact_column = kind.contacts_link
    by_contact = (
        select(link.c[record_column]).join(Contact, Contact.id == link.c[contact_column])
        .where(link.c[record_column] == kind.model.id,
               search.row_matches(Contact, KINDS["contacts"].search_columns, query))
        .exists()
    )
    by_company = (
        select(Company.id)
        .where(Company.id == kind.model.company_id,
               search.row_matches(Company, KINDS["companies"].search_columns, query))
        .exists()
    )
    return or_(own, by_contact, by_company)


def search_ids(entity, query):
    """A SELECT of the ids of `entity` records the search `query` finds (None for no query)."""
    kind = kind_of(entity)
    own = search.matching_ids(entity, kind.model, kind.search_columns, query)
    if own is None or not kind.search_linked or search.is_short(query):
        return own  # a short query is a quick jump by the start of a name: the record's own fields only
    contacts = KINDS["contacts"]
    companies = KINDS["companies"]
    link, record_column, contact_column = kind.contacts_link
    by_contact = select(link.c[record_column]).where(link.c[contact_column].in_(
        search.matching_ids("contacts", Contact, contacts.search_columns, query)
    ))
    by_company = select(kind.model.id).where(kind.model.company_id.in_(
        search.matching_ids("companies", Company, companies.search_columns, query)
    ))
    return union_all(own, by_contact, by_company)


def _by_tags(kind, filters):
    conditions = []
    for name in filters.tags:
        tagged = tags.tagged_ids(kind.singular, kind.tag_table, kind.tag_column, name)
        found = few_matches(tagged, ("tag", kind.name, name))
        conditions.append(kind.model.id.in_(found) if found is not None
                          else tagged.where(kind.tag_column == kind.model.id).exists())
    return conditions


def _by_responsible(kind, filters):
    return [kind.model.responsible_user_id.in_(filters.responsible)] if filters.responsible else []


def _by_stage(kind, filters):
    return stage_clauses(filters) if kind.model is Deal else []


def stage_clauses(filters, pipeline_id=Deal.pipeline_id, status_id=Deal.status_id):
    """The pipelines, statuses and stages of `filters` as WHERE clauses on these columns: the deals' own,
    or record_totals' (totals.py answers the same question from there)."""
    conditions = []
    if filters.pipelines:
        conditions.append(pipeline_id.in_(filters.pipelines))
    if filters.statuses:
        conditions.append(status_id.in_(filters.statuses))
    if filters.stages:
        conditions.append(or_(*(
            and_(pipeline_id == pipeline, status_id == status) for pipeline, status in filters.stages
        )))
    return conditions


def state_clause(state, status_id=Deal.status_id):
    """Deals in `state` ("open", "won", "lost") as a WHERE clause on this status column."""
    if state == "won":
        return status_id == WON_STATUS_ID
    if state == "lost":
        return status_id == LOST_STATUS_ID
    if state == "open":
        return status_id.notin_(CLOSED_STATUSES)
    raise ValueError(f"unknown state {state!r}")


def in_state(status_id, state):
    """Whether a deal in this status is in `state` ("open", "won", "lost"): state_clause in Python."""
    if state not in STATES:
        raise ValueError(f"unknown state {state!r}")
    return {"won": status_id == WON_STATUS_ID, "lost": status_id == LOST_STATUS_ID}.get(
        state, status_id not in CLOSED_STATUSES)


def _by_state(kind, filters):
    if filters.state is None:
        return []
    condition = state_clause(filters.state)
    if not kind.by_state:
        return []
    if kind.model is Contact:
        with_deal = select(deal_contacts.c.contact_id).join(Deal, Deal.id == deal_contacts.c.deal_id)
        return [Contact.id.in_(with_deal.where(condition))]
    if kind.model is Company:
        return [Company.id.in_(select(Deal.company_id).where(condition))]
    return [condition]


def _by_price(kind, filters):
    if kind.price_column is None:
        return []
    column = getattr(kind.model, kind.price_column)
    conditions = []
    if filters.price_from is not None:
        conditions.append(column >= filters.price_from)
    if filters.price_to is not None:
        conditions.append(column <= filters.price_to)
    return conditions


def _by_dates(kind, filters):
    bounds = (
        (kind.model.created_at, filters.created_from, filters.created_to),
        (kind.model.updated_at, filters.updated_from, filters.updated_to),
    )
    conditions = []
    for column, start, end in bounds:
        if start is not None:
            conditions.append(column >= start)
        if end is not None:
            conditions.append(column <= end)
    return conditions
