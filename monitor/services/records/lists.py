"""Reading records: list pages and counts, the combined list, one record and the records linked to it."""
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Optional

from sqlalchemy import and_, func, literal, select, union_all
from sqlalchemy.orm import joinedload, selectinload, with_parent

from monitor.db import db
from monitor.inputs import is_id
from monitor.services import search, tags
from monitor.services.errors import NotFound
from monitor.services.records import totals
from monitor.services.records.conditions import search_ids, search_matches, where_clauses
from monitor.services.records.kinds import COMBINED, COMBINED_KINDS, ENTITY_OF_MODEL, KINDS, kind_of
from monitor.services.records.ordering import (  # noqa: F401 (ORDER_FIELDS: re-exported, records.ORDER_FIELDS)
    COMBINED_FIELDS,
    ORDER_FIELDS,
    directed,
    order_clauses,
    segments,
)
from monitor.services.records.rights import Viewer, visible_clause

PER_PAGE = 50
# A search's count streams at most this many of its matches, this many at a time (_count_search).
SEARCH_COUNT_BUDGET = 20_000
SEARCH_COUNT_BATCH = 1000


@dataclass(frozen=True)
class ListFilters:
    """A list's selection. Every field is optional; all given ones must hold together.

    q             search text: name, phone, e-mail (deals and customers also match by
                  their contacts' and company's name, phone and e-mail); a short query
                  (search.is_short: "a", "iv") finds the record's own fields starting with it
    tags          tag names; the record must carry every one (case-insensitive)
    responsible   user ids; any of them
    pipelines     pipeline ids; any of them (deals only)
    statuses      status ids; any of them (deals only)
    stages        (pipeline_id, status_id) pairs; any of them (deals only)
    state         "open" | "won" | "lost": deals in that state; contacts and companies
                  with at least one such deal (customers: ignored)
    price_from, price_to      inclusive bounds on `price` (deals) or `next_price` (customers)
    created_from, created_to  inclusive bounds (naive UTC datetimes)
    updated_from, updated_to  inclusive bounds (naive UTC datetimes)
    ids           record ids; any of them
    links         (entity, id) pairs: records linked to each of these records, e.g.
                  (("companies", 5),) the deals, contacts or customers of company 5
    order         ((field, "asc" | "desc"), ...), field one of created_at, updated_at, id,
                  name and the kind's price column; ties are broken by id in the last
                  direction. Or one pair of "status" (deals: stage order, newest first
                  within a stage) or "next_date" (customers: empty dates last).
                  ordering.sort_order builds it from a list's `sort`. Default: newest first.
    Filters that do not apply to an entity are ignored.
    """

    q: str = ""
    tags: tuple[str, ...] = ()
    responsible: tuple[int, ...] = ()
    pipelines: tuple[int, ...] = ()
    statuses: tuple[int, ...] = ()
    stages: tuple[tuple[int, int], ...] = ()
    state: Optional[str] = None
    price_from: Optional[int] = None
    price_to: Optional[int] = None
    created_from: Optional[datetime] = None
    created_to: Optional[datetime] = None
    updated_from: Optional[datetime] = None
    updated_to: Optional[datetime] = None
    ids: tuple[int, ...] = ()
    links: tuple[tuple[str, int], ...] = ()
    order: tuple[tuple[str, str], ...] = (("created_at", "desc"),)
    # Whose rights limit the selection (rights.Viewer.of(user)); None: no one's (the services' own reads).
    viewer: Optional[Viewer] = None


def query_list(entity, filters=ListFilters(), page=1, per_page=PER_PAGE, relations=None):  # noqa: B008
    """One page of records of `entity` matching `filters`: returns (rows, has_more).

    entity     "leads" | "contacts" | "companies" | "customers"
    filters    a ListFilters (default: everything, newest first)
    page       1-based page number; a page past the end gives ([], False)
    per_page   rows per page (the web shows 50, the API up to 250)
    relations  relationship names to load with the rows (default: Kind.eager, what a list shows)
    ValueError for an unknown entity, a page or per_page below 1, or an order the entity lacks.
    """
    kind = kind_of(entity)
    ids = page_ids(kind, where_clauses(kind, filters), filters.order, page, per_page, filters)
    return load(kind, ids[:per_page], relations), len(ids) > per_page


def count_list(entity, filters=ListFilters(), limit=None):  # noqa: B008 (frozen)
    """How many records of `entity` match `filters`.

    Exact and cheap when `counts_exactly` (read from record_totals). Otherwise with `limit`,
    counting stops past it: the result is then `limit + 1`, meaning "more than `limit`".
    """
    kind = kind_of(entity)
    if totals.answerable(kind, filters):
        return totals.count(kind, filters)
    if limit is not None and totals.answerable(kind, replace(filters, q="")):
        counted = _count_search(kind, filters, limit)
        if counted is not None:
            return counted
    matching = select(kind.model.id).where(*where_clauses(kind, filters))
    if limit is not None:
        matching = matching.limit(limit + 1)
    return db.session.scalar(select(func.count()).select_from(matching.subquery()))


def _count_search(kind, filters, limit):
    """count_list of a search narrowed at most by what record_totals answers (responsible, stage, rights),
    read from the search index itself: its matches streamed, each counted once, the rest of the selection
    checked a batch at a time, stopping past `limit`. None when more than SEARCH_COUNT_BUDGET matches go by
    before it ends (a rare combination: the caller then counts over the records)."""
    others = where_clauses(kind, replace(filters, q=""))
    few = search_matches(kind, filters.q)
    if few is not None:
        return min(limit + 1, db.session.scalar(select(func.count()).where(kind.model.id.in_(few), *others)))
    matches = search_ids(kind.name, filters.q)
    seen, counted = set(), 0
    # Rows fetched as read, not all at once: Core on SQLite; a server-side cursor on PostgreSQL.
    result = db.session.connection().execution_options(
        stream_results=True, max_row_buffer=SEARCH_COUNT_BATCH).execute(matches)
    try:
        while len(seen) <= SEARCH_COUNT_BUDGET:
            batch = {record_id for (record_id,) in result.fetchmany(SEARCH_COUNT_BATCH)}
            if not batch:
                return counted
            new = batch - seen
            seen |= new
            if others:
                new = db.session.scalars(select(kind.model.id).where(kind.model.id.in_(new), *others)).all()
            counted += len(new)
            if counted > limit:
                return limit + 1
        return None
    finally:
        result.close()


def counts_exactly(entity, filters=ListFilters()):  # noqa: B008 (frozen)
    """Whether count_list (or count_combined, entity COMBINED) reads this count from the totals the
    database keeps: exact at any size, at the cost of a few dozen rows."""
    entities = COMBINED_KINDS if entity == COMBINED else (entity,)
    return all(totals.answerable(kind_of(name), filters) for name in entities)


def page_ids(kind, conditions, order, page, per_page, filters=None):
    """The ids of one page plus one more (to tell whether more exist), read from the indexes only.

    The order's segments (ordering.segments) are read in turn: a segment wholly before the
    page is skipped by counting it (capped at what is left to skip), so a page reads the rows
    before it once and its own rows, as the newest-first list does. `filters` leaves out
    the stages of a status order it cannot match.
    """
    if page < 1 or per_page < 1:
        raise ValueError("page and per_page start at 1")
    skip, wanted = (page - 1) * per_page, per_page + 1
    parts = segments(kind, order, filters)
    ids = []
    for number, part in enumerate(parts, start=1):
        matching = select(kind.model.id).where(*conditions, *part.conditions)
        if skip and number < len(parts):
            present = db.session.scalar(select(func.count()).select_from(matching.limit(skip).subquery()))
            if present < skip:
                skip -= present
                continue
        ids += db.session.scalars(matching.order_by(*part.order_by).offset(skip).limit(wanted - len(ids))).all()
        skip = 0
        if len(ids) == wanted:
            break
    return ids


def load(kind, ids, relations=None):
    """The records with these ids, in this order, with `relations` loaded."""
    if not ids:
        return []
    statement = select(kind.model).where(kind.model.id.in_(ids)).options(*_eager(kind, relations))
    loaded = {record.id: record for record in db.session.scalars(statement)}
    return [loaded[record_id] for record_id in ids if record_id in loaded]


def iter_records(entity, filters=ListFilters(), batch=1000):  # noqa: B008 (frozen)
    """Every record matching `filters`, in list order, fetched `batch` rows at a time (constant memory)."""
    kind = kind_of(entity)
    conditions = where_clauses(kind, filters)
    for part in segments(kind, filters.order, filters):
        statement = (
            select(kind.model)
            .where(*conditions, *part.conditions)
            .order_by(*part.order_by)
            .options(*_eager(kind))
            .execution_options(yield_per=batch)
        )
        yield from db.session.scalars(statement)


def autocomplete(entity, query, limit=10, viewer=None):
    """Up to `limit` newest records of `entity` whose name, phone or e-mail matches `query`.

    `viewer` (rights.Viewer): only records they may view (a view right of none finds nothing).
    """
    if not search.words(query):
        return []
    rows, _more = query_list(entity, ListFilters(q=query, viewer=viewer), 1, limit)
    return rows


def query_combined(filters=ListFilters(), page=1, per_page=PER_PAGE):  # noqa: B008 (frozen)
    """Contacts and companies together in `filters.order`: ([(entity, record), ...], has_more).

    The order is one pair of created_at, updated_at or name (ValueError otherwise), ties by id.
    """
    if page < 1 or per_page < 1:
        raise ValueError("page and per_page start at 1")
    if len(filters.order) != 1 or filters.order[0][0] not in COMBINED_FIELDS:
        raise ValueError(f"the combined list cannot be ordered by {filters.order!r}")
    field, direction = filters.order[0]
    depth = page * per_page + 1
    sides = []
    for entity in COMBINED_KINDS:
        kind = KINDS[entity]
        # Each side walks its own index and stops at the rows this page can need (~51 on page 1).
        side = (
            select(literal(entity).label("entity"), kind.model.id.label("id"),
                   getattr(kind.model, field).label("sort_key"))
            .where(*where_clauses(kind, filters))
            .order_by(*order_clauses(kind, filters.order))
            .limit(depth)
            .subquery()
        )
        sides.append(select(side))
    merged = union_all(*sides).subquery()
    found = db.session.execute(
        select(merged.c.entity, merged.c.id)
        .order_by(directed(merged.c.sort_key, direction), directed(merged.c.id, direction), merged.c.entity)
        .offset((page - 1) * per_page)
        .limit(per_page + 1)
    ).all()
    page_rows = found[:per_page]
    loaded = {}
    for entity in COMBINED_KINDS:
        ids = [record_id for name, record_id in page_rows if name == entity]
        loaded.update({(entity, record.id): record for record in load(KINDS[entity], ids)})
    return [(entity, loaded[entity, record_id]) for entity, record_id in page_rows], len(found) > per_page


def count_combined(filters=ListFilters(), limit=None):  # noqa: B008 (frozen)
    """How many contacts and companies together match `filters` (see count_list for `limit`)."""
    return sum(count_list(entity, filters, limit) for entity in COMBINED_KINDS)


def _eager(kind, relations=None):
    """Loader options: collections by a second SELECT ... IN, single records joined in."""
    options = []
    for relation in kind.eager if relations is None else relations:
        attribute = getattr(kind.model, relation)
        many = attribute.property.uselist
        options.append(selectinload(attribute) if many else joinedload(attribute))
    return options


# -- One record and what links to it ---------------------------------------------------------------


def get_record(entity, record_id):
    """The record of `entity` with this id; NotFound otherwise."""
    model = kind_of(entity).model
    record = db.session.get(model, record_id) if is_id(record_id) else None
    if record is None:
        raise NotFound(record_id)
    return record


def linked(record, relation, limit=PER_PAGE, relations=(), viewer=None):
    """Up to `limit` newest records linked to `record` through `relation` (e.g. "deals"), and their number.

    `relations`: relationships of those records to load with them (what the rows show), not one by one.
    `viewer` (rights.Viewer): only the linked records they may view are read and counted.
    """
    attribute = getattr(type(record), relation)
    target = attribute.property.mapper.class_
    kind = KINDS[ENTITY_OF_MODEL[target]]
    condition = with_parent(record, attribute)
    visible = visible_clause(kind, viewer)
    if visible is not None:
        condition = and_(condition, visible)
    rows = db.session.scalars(
        select(target).where(condition).order_by(target.created_at.desc(), target.id.desc()).limit(limit)
        .options(*_eager(kind, relations))
    ).all()
    if len(rows) < limit:
        return rows, len(rows)  # all of them: no need to count
    return rows, db.session.scalar(select(func.count()).select_from(target).where(condition))


def suggest_tags(entities, text):
    """Names of tags of these entities containing `text`, for the filter panel's tag picker (tags.suggest)."""
    return tags.suggest([kind_of(entity).singular for entity in entities], text)
