"""List order (SPEC §10 "Sorting"): the sorts each list offers, and how each reads a page from an index.

An order is read as segments, one after the other, each walked along an index:
- most orders are one segment: the column's index, ties broken by id;
- `status` is one segment per stage in stage order (pipelines as everywhere, main first,
  then each pipeline's statuses in order; reversed for "desc"), each walking the
  (pipeline, status, created) index newest first, so no sort of every deal;
- `next_date` is the dated customers, then the undated ones (empty dates last both ways).
A page skips whole segments by a capped count (lists.page_ids), so it reads what it skips
and what it shows, like the newest-first list, and never sorts the table.
"""
from dataclasses import dataclass

from sqlalchemy import select

from monitor.db import db
from monitor.models import Customer, Deal, Status
from monitor.services.pipelines import PIPELINE_ORDER
from monitor.services.records.conditions import in_state
from monitor.services.records.kinds import COMBINED, COMBINED_KINDS, kind_of

# What a list's `sort` parameter names (SPEC §10), in the order they are offered.
SORTS = ("created", "updated", "name", "price", "status", "next_date")
DIRECTIONS = ("asc", "desc")
# The fields the API's order[...] takes (API.md); the web's sorts add the rest.
ORDER_FIELDS = ("created_at", "updated_at", "id")
# The combined list merges two kinds by a column both have.
COMBINED_FIELDS = ("created_at", "updated_at", "name")


@dataclass(frozen=True)
class Segment:
    """A part of a list in order: the rows meeting `conditions`, ordered by `order_by`."""

    conditions: tuple
    order_by: tuple


def sorts(entity):
    """The sorts the list of `entity` (a kind or the combined list) offers, e.g. ("created", "updated", "name")."""
    if entity == COMBINED:
        return tuple(sort for sort in SORTS if _field(kind_of(COMBINED_KINDS[0]), sort) in COMBINED_FIELDS)
    kind = kind_of(entity)
    return tuple(sort for sort in SORTS if _field(kind, sort) is not None)


def sort_order(entity, sort, direction):
    """The ListFilters.order of the list of `entity` sorted by `sort` in `direction` ("asc" | "desc").

    ValueError when the list does not offer that sort or the direction is neither.
    """
    if sort not in sorts(entity) or direction not in DIRECTIONS:
        raise ValueError(f"{entity} cannot be sorted by {sort!r} {direction!r}")
    kind = kind_of(COMBINED_KINDS[0] if entity == COMBINED else entity)
    return ((_field(kind, sort), direction),)


def _field(kind, sort):
    """The order field of `sort` for this kind, or None when the kind has no such thing."""
    return {
        "created": "created_at",
        "updated": "updated_at",
        "name": "name",
        "price": kind.price_column,
        "status": "status" if kind.model is Deal else None,
        "next_date": "next_date" if kind.model is Customer else None,
    }[sort]


def segments(kind, order, filters=None):
    """The Segments that read records of `kind` in `order` ((field, direction), ...).

    `filters` (a ListFilters), when given, leaves out the stages it cannot match. ValueError for
    an order the kind does not have; `status` and `next_date` are orders of their own (one pair).
    """
    special = {"status": _by_stage, "next_date": _by_next_date}
    if order and order[0][0] in special:
        (field, direction), *rest = order
        if rest or direction not in DIRECTIONS or _field(kind, field) is None:
            raise ValueError(f"cannot order {kind.name} by {order!r}")
        return special[field](kind, direction, filters)
    return [Segment((), order_clauses(kind, order))]


def order_clauses(kind, order):
    """ORDER BY clauses for `order` on one index; ties broken by id in the last direction."""
    orderable = (*ORDER_FIELDS, "name", *((kind.price_column,) if kind.price_column else ()))
    clauses = []
    for field, direction in order:
        if field not in orderable or direction not in DIRECTIONS:
            raise ValueError(f"cannot order {kind.name} by {field!r} {direction!r}")
        clauses.append(directed(getattr(kind.model, field), direction))
    if not any(field == "id" for field, _direction in order):
        clauses.append(directed(kind.model.id, order[-1][1] if order else "desc"))
    return tuple(clauses)


def directed(column, direction):
    """`column` ascending or descending."""
    return column.desc() if direction == "desc" else column.asc()


def _by_stage(_kind, direction, filters):
    newest = (Deal.created_at.desc(), Deal.id.desc())
    parts = [
        Segment((Deal.pipeline_id == pipeline_id, Deal.status_id == status_id), newest)
        for pipeline_id, status_id in stages(filters)
    ]
    return parts[::-1] if direction == "desc" else parts


def _by_next_date(_kind, direction, _filters):
    return [
        Segment((Customer.next_date.is_not(None),), (directed(Customer.next_date, direction),
                                                     directed(Customer.id, direction))),
        Segment((Customer.next_date.is_(None),), (directed(Customer.id, direction),)),
    ]


def stages(filters=None):
    """Every (pipeline id, status id) in stage order: pipelines main first, then by sort; statuses by sort.

    With `filters`, only the stages its pipelines, statuses, stages and state let through.
    """
    found = db.session.execute(
        select(Status.pipeline_id, Status.id).join(Status.pipeline).order_by(*PIPELINE_ORDER, Status.sort, Status.pk)
    ).all()
    return [(pipeline_id, status_id) for pipeline_id, status_id in found if _allowed(filters, pipeline_id, status_id)]


def _allowed(filters, pipeline_id, status_id):
    if filters is None:
        return True
    return (
        (not filters.pipelines or pipeline_id in filters.pipelines)
        and (not filters.statuses or status_id in filters.statuses)
        and (not filters.stages or (pipeline_id, status_id) in filters.stages)
        and (filters.state is None or in_state(status_id, filters.state))
    )
