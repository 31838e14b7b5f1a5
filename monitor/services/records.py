"""CRM records: the list query layer (filters, search, paging), the board, and saving and deleting.

Plain functions with explicit arguments, used by the web views and the API alike.
Entities are named as in the URLs: "leads" (deals), "contacts", "companies", "customers".
Nothing here counts views: callers charge `monitor.activity` for what they show.
"""
import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Optional

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import Table, and_, func, inspect, literal, or_, select, union_all
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import joinedload, selectinload, with_parent

from monitor.clock import utcnow
from monitor.db import db
from monitor.models import Company, Contact, Customer, Deal, Pipeline, Status, User
from monitor.models.crm import (
    LOST_STATUS_ID,
    WON_STATUS_ID,
    company_tags,
    contact_tags,
    customer_contacts,
    customer_tags,
    deal_contacts,
    lead_tags,
)
from monitor.numbers import is_digits
from monitor.services import search, tags
from monitor.services.errors import NotFound, ValidationError

PER_PAGE = 50
BOARD_RELATIONS = ("tags", "company")  # what a board tile shows
# A search matching at most this many records is resolved to its ids first; a larger one
# is checked row by row while walking the list in order (no sort of every match).
FEW_MATCHES = 500
STATES = ("open", "won", "lost")
ORDER_FIELDS = ("created_at", "updated_at", "id")
MAX_AMOUNT = 2_000_000_000  # fits a 32-bit INTEGER column on PostgreSQL too
CLOSED_STATUSES = (WON_STATUS_ID, LOST_STATUS_ID)
MAX_ID = 2**31 - 1  # ids are INTEGER columns; a bigger number names no record
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Kind:
    """What the query layer knows about one entity."""

    name: str
    model: type
    tag_entity: str
    tag_table: Table
    search_columns: tuple[str, ...]
    fields: tuple[str, ...]
    eager: tuple[str, ...]
    price_column: Optional[str] = None
    # A table linking records to contacts: (table, record column, contact column).
    contacts_link: Optional[tuple[Table, str, str]] = None
    # Deals and customers are also found by the name, phone or e-mail of their contacts and company.
    search_linked: bool = False
    # Lists filtered by a linked record: linked entity -> this model's relationship to it.
    links: tuple[tuple[str, str], ...] = ()

    @property
    def tag_column(self):
        return self.tag_table.c[f"{self.tag_entity}_id"]


KINDS = {
    "leads": Kind(
        "leads", Deal, "lead", lead_tags, ("name",),
        fields=("name", "price", "pipeline", "status", "responsible", "company", "contacts", "tags"),
        eager=("tags", "responsible_user", "company", "contacts", "status", "pipeline"),
        price_column="price", contacts_link=(deal_contacts, "deal_id", "contact_id"), search_linked=True,
        links=(("companies", "company"), ("contacts", "contacts")),
    ),
    "contacts": Kind(
        "contacts", Contact, "contact", contact_tags, ("name", "phone", "email"),
        fields=("name", "phone", "email", "position", "company", "responsible", "tags"),
        eager=("tags", "responsible_user", "company"),
        links=(("companies", "company"), ("leads", "deals"), ("customers", "customers")),
    ),
    "companies": Kind(
        "companies", Company, "company", company_tags, ("name", "phone", "email"),
        fields=("name", "phone", "email", "web", "address", "responsible", "tags"),
        eager=("tags", "responsible_user"),
    ),
    "customers": Kind(
        "customers", Customer, "customer", customer_tags, ("name",),
        fields=("name", "next_price", "next_date", "company", "contacts", "responsible", "tags"),
        eager=("tags", "responsible_user", "company", "contacts"),
        price_column="next_price", contacts_link=(customer_contacts, "customer_id", "contact_id"),
        search_linked=True, links=(("companies", "company"), ("contacts", "contacts")),
    ),
}
ENTITY_OF_MODEL = {kind.model: name for name, kind in KINDS.items()}


def kind_of(entity):
    """The Kind of an entity name; ValueError for an unknown one."""
    try:
        return KINDS[entity]
    except KeyError:
        raise ValueError(f"unknown entity {entity!r}") from None


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
    order         ((field, "asc" | "desc"), ...), field one of created_at, updated_at, id;
                  ties are broken by id in the last direction. Default: newest first.
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


# -- Reading lists ---------------------------------------------------------------------------


def query_list(entity, filters=ListFilters(), page=1, per_page=PER_PAGE, relations=None):  # noqa: B008
    """One page of records of `entity` matching `filters`: returns (rows, has_more).

    entity     "leads" | "contacts" | "companies" | "customers"
    filters    a ListFilters (default: everything, newest first)
    page       1-based page number; a page past the end gives ([], False)
    per_page   rows per page (the web shows 50, the API up to 250)
    relations  relationship names to load with the rows (default: Kind.eager, what a list shows)
    ValueError for an unknown entity, a page or per_page below 1, or an unknown order field.
    """
    kind = kind_of(entity)
    ids = _page_ids(kind, _conditions(kind, filters, ordered=True), filters.order, page, per_page)
    return _load(kind, ids[:per_page], relations), len(ids) > per_page


def count_list(entity, filters=ListFilters(), limit=None):  # noqa: B008 (frozen)
    """How many records of `entity` match `filters`.

    With `limit`, counting stops past it: the result is then `limit + 1`, meaning "more
    than `limit`" (a cheap answer for filters that match a large part of the table).
    """
    kind = kind_of(entity)
    matching = select(kind.model.id).where(*_conditions(kind, filters))
    if limit is not None:
        matching = matching.limit(limit + 1)
    return db.session.scalar(select(func.count()).select_from(matching.subquery()))


def _page_ids(kind, conditions, order, page, per_page):
    """The ids of one page plus one more (to tell whether more exist), read from the indexes only."""
    if page < 1 or per_page < 1:
        raise ValueError("page and per_page start at 1")
    statement = (
        select(kind.model.id)
        .where(*conditions)
        .order_by(*_order(kind, order))
        .offset((page - 1) * per_page)
        .limit(per_page + 1)
    )
    return db.session.scalars(statement).all()


def _load(kind, ids, relations=None):
    """The records with these ids, in this order, with `relations` loaded."""
    if not ids:
        return []
    statement = select(kind.model).where(kind.model.id.in_(ids)).options(*_eager(kind, relations))
    loaded = {record.id: record for record in db.session.scalars(statement)}
    return [loaded[record_id] for record_id in ids if record_id in loaded]


def iter_records(entity, filters=ListFilters(), batch=1000):  # noqa: B008 (frozen)
    """Every record matching `filters`, in list order, fetched `batch` rows at a time (constant memory)."""
    kind = kind_of(entity)
    statement = (
        select(kind.model)
        .where(*_conditions(kind, filters, ordered=True))
        .order_by(*_order(kind, filters.order))
        .options(*_eager(kind))
        .execution_options(yield_per=batch)
    )
    yield from db.session.scalars(statement)


def autocomplete(entity, query, limit=10):
    """Up to `limit` newest records of `entity` whose name, phone or e-mail matches `query`."""
    if not search.words(query):
        return []
    rows, _more = query_list(entity, ListFilters(q=query), 1, limit)
    return rows


def query_combined(filters=ListFilters(), page=1, per_page=PER_PAGE):  # noqa: B008 (frozen)
    """Contacts and companies together, newest first: ([(entity, record), ...], has_more)."""
    if page < 1 or per_page < 1:
        raise ValueError("page and per_page start at 1")
    depth = page * per_page + 1
    sides = []
    for entity in ("contacts", "companies"):
        kind = KINDS[entity]
        # Each side stops at the rows this page can need, so page 1 reads ~51 rows per side.
        side = (
            select(literal(entity).label("entity"), kind.model.id.label("id"),
                   kind.model.created_at.label("created_at"))
            .where(*_conditions(kind, filters, ordered=True))
            .order_by(kind.model.created_at.desc(), kind.model.id.desc())
            .limit(depth)
            .subquery()
        )
        sides.append(select(side))
    merged = union_all(*sides).subquery()
    found = db.session.execute(
        select(merged.c.entity, merged.c.id)
        .order_by(merged.c.created_at.desc(), merged.c.id.desc(), merged.c.entity)
        .offset((page - 1) * per_page)
        .limit(per_page + 1)
    ).all()
    page_rows = found[:per_page]
    loaded = {}
    for entity in ("contacts", "companies"):
        ids = [record_id for name, record_id in page_rows if name == entity]
        loaded.update({(entity, record.id): record for record in _load(KINDS[entity], ids)})
    return [(entity, loaded[entity, record_id]) for entity, record_id in page_rows], len(found) > per_page


def count_combined(filters=ListFilters(), limit=None):  # noqa: B008 (frozen)
    """How many contacts and companies together match `filters` (see count_list for `limit`)."""
    return count_list("contacts", filters, limit) + count_list("companies", filters, limit)


@dataclass
class BoardColumn:
    """One status of the pipeline board: its newest deals and the totals of all its deals."""

    status: Status
    deals: list
    count: int
    total_price: int


def get_pipeline(pipeline_id):
    """The pipeline with this id, its statuses in order; NotFound otherwise."""
    pipeline = db.session.get(Pipeline, pipeline_id) if 0 < pipeline_id <= MAX_ID else None
    if pipeline is None:
        raise NotFound(pipeline_id)
    return pipeline


def board(pipeline, filters=ListFilters(), per_column=PER_PAGE):  # noqa: B008 (frozen)
    """The pipeline's statuses in order as BoardColumns, each with up to `per_column` newest matching deals."""
    kind = KINDS["leads"]
    conditions = _conditions(kind, replace(filters, pipelines=(pipeline.id,), stages=(), statuses=()), ordered=True)
    totals = {
        status_id: (count, total or 0)
        for status_id, count, total in db.session.execute(
            select(Deal.status_id, func.count(), func.sum(Deal.price)).where(*conditions).group_by(Deal.status_id)
        )
    }
    column_ids = [
        _page_ids(kind, [*conditions, Deal.status_id == status.id], filters.order, 1, per_column)[:per_column]
        for status in pipeline.statuses
    ]
    deals = {deal.id: deal for deal in _load(kind, [i for ids in column_ids for i in ids], BOARD_RELATIONS)}
    return [
        BoardColumn(status, [deals[i] for i in ids], *totals.get(status.id, (0, 0)))
        for status, ids in zip(pipeline.statuses, column_ids, strict=True)
    ]


def _eager(kind, relations=None):
    """Loader options: collections by a second SELECT ... IN, single records joined in."""
    options = []
    for relation in kind.eager if relations is None else relations:
        attribute = getattr(kind.model, relation)
        many = attribute.property.uselist
        options.append(selectinload(attribute) if many else joinedload(attribute))
    return options


def _order(kind, order):
    clauses = []
    for field, direction in order:
        if field not in ORDER_FIELDS or direction not in ("asc", "desc"):
            raise ValueError(f"cannot order by {field!r} {direction!r}")
        column = getattr(kind.model, field)
        clauses.append(column.desc() if direction == "desc" else column.asc())
    last = order[-1][1] if order else "desc"
    if not any(field == "id" for field, _direction in order):
        clauses.append(kind.model.id.desc() if last == "desc" else kind.model.id.asc())
    return clauses


# -- Conditions: one small builder per filter ----------------------------------------------------


def _conditions(kind, filters, ordered=False):
    """WHERE clauses for `filters`; `ordered`: for a query that walks the list order (a page)."""
    conditions = _by_search(kind, filters.q, ordered)
    for build in (_by_ids, _by_links, _by_tags, _by_responsible, _by_stage, _by_state, _by_price, _by_dates):
        conditions.extend(build(kind, filters))
    return conditions


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


def _by_search(kind, query, ordered):
    matches = search_ids(kind.name, query)
    if matches is None:
        return []
    column = list(matches.subquery().c)[0]
    found = db.session.scalars(select(column).limit(FEW_MATCHES + 1)).all()
    if len(found) <= FEW_MATCHES:
        return [kind.model.id.in_(found)]
    if ordered:
        # `id + 0` keeps SQLite from looking every match up by id and sorting them all: it
        # walks the list's own order (the created_at index) and stops after one page.
        return [(kind.model.id + 0).in_(matches)]
    return [kind.model.id.in_(matches)]


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
    return [
        kind.model.id.in_(tags.tagged_ids(kind.tag_entity, kind.tag_table, kind.tag_column, name))
        for name in filters.tags
    ]


def _by_responsible(kind, filters):
    return [kind.model.responsible_user_id.in_(filters.responsible)] if filters.responsible else []


def _by_stage(kind, filters):
    if kind.model is not Deal:
        return []
    conditions = []
    if filters.pipelines:
        conditions.append(Deal.pipeline_id.in_(filters.pipelines))
    if filters.statuses:
        conditions.append(Deal.status_id.in_(filters.statuses))
    if filters.stages:
        conditions.append(or_(*(
            and_(Deal.pipeline_id == pipeline_id, Deal.status_id == status_id)
            for pipeline_id, status_id in filters.stages
        )))
    return conditions


def _state_condition(state):
    if state == "won":
        return Deal.status_id == WON_STATUS_ID
    if state == "lost":
        return Deal.status_id == LOST_STATUS_ID
    if state == "open":
        return Deal.status_id.notin_(CLOSED_STATUSES)
    raise ValueError(f"unknown state {state!r}")


def _by_state(kind, filters):
    if filters.state is None:
        return []
    condition = _state_condition(filters.state)
    if kind.model is Deal:
        return [condition]
    if kind.model is Contact:
        with_deal = select(deal_contacts.c.contact_id).join(Deal, Deal.id == deal_contacts.c.deal_id)
        return [Contact.id.in_(with_deal.where(condition))]
    if kind.model is Company:
        return [Company.id.in_(select(Deal.company_id).where(condition))]
    return []


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


# -- One record: cards -----------------------------------------------------------------------------


def get_record(entity, record_id):
    """The record of `entity` with this id; NotFound otherwise."""
    model = kind_of(entity).model
    record = db.session.get(model, record_id) if 0 < record_id <= MAX_ID else None
    if record is None:
        raise NotFound(record_id)
    return record


def linked(record, relation, limit=PER_PAGE, relations=()):
    """Up to `limit` newest records linked to `record` through `relation` (e.g. "deals"), and their number.

    `relations`: relationships of those records to load with them (what the rows show), not one by one.
    """
    attribute = getattr(type(record), relation)
    target = attribute.property.mapper.class_
    condition = with_parent(record, attribute)
    rows = db.session.scalars(
        select(target).where(condition).order_by(target.created_at.desc(), target.id.desc()).limit(limit)
        .options(*_eager(KINDS[ENTITY_OF_MODEL[target]], relations))
    ).all()
    if len(rows) < limit:
        return rows, len(rows)  # all of them: no need to count
    return rows, db.session.scalar(select(func.count()).select_from(target).where(condition))


def check_record(entity, data, record=None):
    """Validate `data` as create_record (record None) or update_record would, saving nothing.

    Lets a caller check a whole batch before saving any of it. ValidationError on bad input.
    """
    kind = kind_of(entity)
    if record is None:
        _validated(kind, kind.model(), {"name": "", **data})
    else:
        _validated(kind, record, data)


def newly_linked(entity, data, record=None):
    """Validate `data` as check_record does; return how many records it links that `record` does not yet.

    The company and contacts a save links are shown by name on the card it leads to, so a
    caller charges them as list elements before saving (a new record: every linked one).
    """
    kind = kind_of(entity)
    values = _validated(kind, record if record is not None else kind.model(), data)
    count = 0
    company = values.get("company")
    if company is not None and (record is None or record.company_id != company.id):
        count += 1
    if values.get("contacts"):
        already = {contact.id for contact in record.contacts} if record is not None else set()
        count += len({contact.id for contact in values["contacts"]} - already)
    return count


def create_record(entity, data, acting_user=None):
    """Add a record of `entity` from `data` (field -> value; strings as typed, or typed values).

    Fields per entity are `KINDS[entity].fields`; `name` is required. Deals land in the
    main pipeline's first status unless `pipeline`/`status` say otherwise; the responsible
    user defaults to `acting_user`. ValidationError maps fields to messages.
    """
    return create_records(entity, [data], acting_user)[0]


def create_records(entity, batch, acting_user=None):
    """Add a record of `entity` for each `data` of `batch`, all in one transaction (see create_record).

    A ValidationError on any of them saves none.
    """
    kind = kind_of(entity)
    # The write lock from the first read: the linked records checked are still there on commit.
    with db.immediate() as session:
        return _each(batch, lambda data: _create(session, kind, data, acting_user))


def _create(session, kind, data, acting_user):
    data = {"name": "", **data}
    if "responsible" not in data and acting_user is not None:
        data["responsible"] = acting_user.id
    record = kind.model()
    values = _with_tags(kind, _validated(kind, record, data))
    session.add(record)
    with session.no_autoflush:  # the record is complete only once every value is applied
        _apply(kind, record, values)
    session.flush()
    return record


def update_record(entity, record, data, acting_user=None):
    """Save changes to `record` from `data` (only the fields present).

    ValidationError on bad input; NotFound when the record was deleted meanwhile.
    """
    return update_records(entity, [(record, data)], acting_user)[0]


def update_records(entity, batch, acting_user=None):
    """Save each `(record, data)` of `batch` as update_record does, all in one transaction."""
    kind = kind_of(entity)
    with db.immediate() as session:
        return _each(batch, lambda item: _update(session, kind, *item))


def _each(batch, save):
    """`save` applied to every item in order; a ValidationError names the item's position."""
    saved = []
    for position, item in enumerate(batch):
        try:
            saved.append(save(item))
        except ValidationError as invalid:
            raise ValidationError(invalid.errors, position) from None
    return saved


def _update(session, kind, record, data):
    _reload(session, record)  # as it is now, under the write lock: its links may have changed
    values = _with_tags(kind, _validated(kind, record, data))
    _apply(kind, record, values)
    record.updated_at = utcnow()  # tags and links change no column of the record itself
    session.flush()
    return record


def delete_record(entity, record):
    """Delete the record; its links and tags go with it, linked records stay. NotFound when already gone."""
    kind_of(entity)
    with db.immediate() as session:
        _reload(session, record)
        session.delete(record)


def _reload(session, record):
    """Read the record again inside the current transaction; NotFound when it was deleted meanwhile."""
    record_id = inspect(record).identity[0]
    try:
        session.refresh(record)
    except InvalidRequestError:
        raise NotFound(record_id) from None
    for relation in ("tags", "contacts"):
        if hasattr(record, relation):
            session.expire(record, [relation])


def suggest_tags(entities, text):
    """Names of tags of these entities containing `text`, for the filter panel's tag picker (tags.suggest)."""
    return tags.suggest([kind_of(entity).tag_entity for entity in entities], text)


# -- Validating input ----------------------------------------------------------------------------


class InvalidValue(Exception):
    """One field's value is refused; the message says why."""


def _text(limit, required=False):
    def parse(value):
        text = without_control_characters(str(value or "")).strip()
        if required and not text:
            raise InvalidValue(_l("This field is required."))
        if len(text) > limit:
            raise InvalidValue(_l("At most %(n)d characters.", n=limit))
        return text or None

    return parse


def without_control_characters(text):
    """`text` without NUL and other control characters (PostgreSQL refuses NUL in text)."""
    return CONTROL_CHARACTERS.sub("", text)


def parse_amount(value):
    """A whole, non-negative amount: 15000, "15000", "15 000"; None when empty."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise InvalidValue(_l("Enter a whole number, e.g. 15000."))
    text = str(value).replace(" ", "").replace("\u00a0", "")
    if not is_digits(text):
        raise InvalidValue(_l("Enter a whole number, e.g. 15000."))
    amount = int(text)
    if amount > MAX_AMOUNT:
        raise InvalidValue(_l("At most %(n)d.", n=MAX_AMOUNT))
    return amount


def parse_date(value):
    """A date: a date object or "YYYY-MM-DD"; None when empty."""
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    if not text:
        return None
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidValue(_l("Enter a date as YYYY-MM-DD.")) from None


def _email(value):
    text = _text(254)(value)
    if text is None:
        return None
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        raise InvalidValue(_l("Enter a valid e-mail address.")) from None


def _phone(value):
    text = _text(50)(value)
    if text is not None and sum(is_digits(char) for char in text) < 3:
        raise InvalidValue(_l("Enter a phone number, e.g. +7 916 123-45-67."))
    return text


def _record_id(value):
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID:
        return value
    text = str(value or "").strip().lstrip("#")
    if not text:
        return None
    if not is_digits(text) or int(text) > MAX_ID:
        raise InvalidValue(_l("Choose from the list or enter a number (the record's id)."))
    return int(text)


def _responsible(value):
    user_id = _record_id(value)
    if user_id is not None and db.session.get(User, user_id) is None:
        raise InvalidValue(_l("There is no such user."))
    return user_id


def _company(value):
    company_id = _record_id(value)
    if company_id is None:
        return None
    company = db.session.get(Company, company_id)
    if company is None:
        raise InvalidValue(_l("There is no company with id %(id)d.", id=company_id))
    return company


def _id_list(value):
    if isinstance(value, (list, tuple)):
        parts = value
    else:
        parts = str(value or "").replace(";", ",").replace(" ", ",").split(",")
    ids = []
    for part in parts:
        record_id = _record_id(part)
        if record_id is not None and record_id not in ids:
            ids.append(record_id)
    return ids


def _contacts(value):
    ids = _id_list(value)
    found = db.session.scalars(select(Contact).where(Contact.id.in_(ids))).all() if ids else []
    missing = sorted(set(ids) - {contact.id for contact in found})
    if missing:
        raise InvalidValue(_l("There is no contact with id %(ids)s.", ids=", ".join(map(str, missing))))
    by_id = {contact.id: contact for contact in found}
    return [by_id[record_id] for record_id in ids]


def parse_tag_names(value):
    """Tag names from "vip, web" or a list; trimmed, without repeats (by tags.tag_key), at most tags.MAX_TAGS."""
    parts = value if isinstance(value, (list, tuple)) else str(value or "").split(",")
    names, seen = [], set()
    for part in parts:
        name = without_control_characters(str(part)).strip()
        if len(name) > tags.MAX_TAG_NAME:
            raise InvalidValue(_l("A tag has at most %(n)d characters.", n=tags.MAX_TAG_NAME))
        if name and tags.tag_key(name) not in seen:
            if len(names) == tags.MAX_TAGS:
                raise InvalidValue(_l("A record has at most %(n)d tags.", n=tags.MAX_TAGS))
            seen.add(tags.tag_key(name))
            names.append(name)
    return names


PARSERS = {
    "name": _text(255, required=True),
    "price": parse_amount,
    "next_price": parse_amount,
    "next_date": parse_date,
    "phone": _phone,
    "email": _email,
    "position": _text(200),
    "web": _text(255),
    "address": _text(500),
    "responsible": _responsible,
    "company": _company,
    "contacts": _contacts,
    "tags": parse_tag_names,
}


def _validated(kind, record, data):
    """Parse every field of `data` this entity has; ValidationError with all the errors at once."""
    values, errors = {}, {}
    for field in kind.fields:
        if field in data and field in PARSERS:
            try:
                values[field] = PARSERS[field](data[field])
            except InvalidValue as invalid:
                errors[field] = invalid.args[0]
    if kind.model is Deal and ("pipeline" in data or "status" in data or record.pipeline_id is None):
        _validate_stage(record, data, values, errors)
    if errors:
        raise ValidationError(errors)
    return values


def _validate_stage(deal, data, values, errors):
    """Pipeline and status together: the status must belong to the pipeline."""
    try:
        pipeline_id = _record_id(data.get("pipeline")) or deal.pipeline_id or _main_pipeline_id()
    except InvalidValue:
        errors["pipeline"] = _l("There is no such pipeline.")
        return
    pipeline = db.session.get(Pipeline, pipeline_id)
    if pipeline is None:
        errors["pipeline"] = _l("There is no such pipeline.")
        return
    try:
        status_id = _record_id(data.get("status"))
    except InvalidValue:
        status_id = -1
    if status_id is None:
        status_id = deal.status_id if deal.pipeline_id == pipeline.id else pipeline.statuses[0].id
    if status_id not in {status.id for status in pipeline.statuses}:
        errors["status"] = _l("This status is not in the pipeline %(name)s.", name=pipeline.name)
        return
    values["stage"] = (pipeline.id, status_id)


def _main_pipeline_id():
    return db.session.scalar(select(Pipeline.id).order_by(Pipeline.is_main.desc(), Pipeline.sort, Pipeline.id))


# -- Applying validated values -----------------------------------------------------------------------

PLAIN_FIELDS = ("name", "price", "next_price", "next_date", "phone", "email", "position", "web", "address")


def _apply(kind, record, values):
    """Set validated values (tags already resolved to Tag objects) on the record."""
    for field in PLAIN_FIELDS:
        if field in values:
            value = values[field]
            setattr(record, field, 0 if value is None and field in ("price", "next_price") else value)
    if "responsible" in values:
        record.responsible_user_id = values["responsible"]
    if "company" in values:
        record.company = values["company"]
    if "contacts" in values:
        record.contacts = values["contacts"]
    if "tags" in values:
        record.tags = values["tags"]
    if "stage" in values:
        _move(record, *values["stage"])


def _move(deal, pipeline_id, status_id):
    """Put a deal in a stage; closing it stamps closed_at, reopening clears it."""
    was_closed = deal.status_id in CLOSED_STATUSES
    deal.pipeline_id, deal.status_id = pipeline_id, status_id
    if status_id in CLOSED_STATUSES and not was_closed:
        deal.closed_at = utcnow()
    elif status_id not in CLOSED_STATUSES:
        deal.closed_at = None


def _with_tags(kind, values):
    """`values` with tag names turned into Tag objects (before the record joins the session)."""
    if "tags" in values:
        values["tags"] = tags.resolve(kind.tag_entity, values["tags"])
    return values

