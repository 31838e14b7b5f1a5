"""Counts and sums of prices read from `record_totals` instead of counted over the records (SPEC §12).

`record_totals` (migration 0012) holds, per kind, responsible user and — deals — stage, how many
records there are and the sum of their prices; database triggers keep it exact in every writing
transaction. A selection that narrows only by who is responsible, by the viewer's rights and — deals —
by pipeline, status or state is `answerable` here: its count, and a board's totals per status, are a
sum over a few dozen rows, the same at a hundred deals and at a million. Any other filter (search,
tags, prices, dates, ids, links) needs the records themselves.
"""
from dataclasses import replace

from sqlalchemy import false, func, select

from monitor.db import db
from monitor.models import Deal, RecordTotal
from monitor.services import search
from monitor.services.records.conditions import stage_clauses, state_clause
from monitor.services.records.kinds import KINDS

# The ListFilters fields record_totals can answer; any other one set needs the records themselves.
TOTALS_FIELDS = ("responsible", "pipelines", "statuses", "stages", "state", "viewer", "order")


def answerable(kind, filters):
    """Whether `filters` on `kind` (records.Kind) can be counted from record_totals (a search text with no
    words in it, e.g. only control characters, searches nothing)."""
    nothing = type(filters)()
    rest = replace(filters, **{name: getattr(nothing, name) for name in TOTALS_FIELDS})
    if not search.words(rest.q):
        rest = replace(rest, q="")
    if rest != nothing:
        return False
    # Contacts and companies "in a state" are those with such a deal: a question about deals.
    return filters.state is None or not kind.by_state or kind.model is Deal


def count(kind, filters):
    """How many records of `kind` match `filters` (answerable ones only; ValueError otherwise)."""
    # int(): PostgreSQL sums a bigint as a numeric (Decimal).
    return int(db.session.scalar(select(func.coalesce(func.sum(RecordTotal.records), 0))
                                 .where(*_where(kind, filters))))


def by_stage(filters):
    """{(pipeline id, status id): (deals, sum of their prices)} of the deals matching `filters`
    (answerable ones only), stages with no such deal left out."""
    found = db.session.execute(
        select(RecordTotal.pipeline_id, RecordTotal.status_id, func.sum(RecordTotal.records),
               func.sum(RecordTotal.price))
        .where(*_where(KINDS["leads"], filters))
        .group_by(RecordTotal.pipeline_id, RecordTotal.status_id)
    )
    return {(pipeline_id, status_id): (int(records), int(price)) for pipeline_id, status_id, records, price in found
            if records}


def _where(kind, filters):
    if not answerable(kind, filters):
        raise ValueError("these filters need the records themselves")
    conditions = [RecordTotal.entity == kind.name, *_by_user(kind, filters)]
    return conditions if kind.model is not Deal else conditions + _by_stage(filters)


def _by_user(kind, filters):
    """The viewer's rights (as rights.visible_clause) and the responsible users chosen."""
    conditions = []
    if filters.viewer is not None:
        reach = filters.viewer.view(kind.name)
        if reach == "own" and filters.viewer.user_id is not None:
            conditions.append(RecordTotal.responsible_user_id == filters.viewer.user_id)
        elif reach != "all":
            conditions.append(false())
    if filters.responsible:  # 0 keeps records with no responsible user here: no user has that id
        conditions.append(RecordTotal.responsible_user_id.in_([user_id for user_id in filters.responsible if user_id]))
    return conditions


def _by_stage(filters):
    """Pipelines, statuses, stages and state, as the deals' own conditions read them."""
    conditions = stage_clauses(filters, RecordTotal.pipeline_id, RecordTotal.status_id)
    if filters.state is not None:
        conditions.append(state_clause(filters.state, RecordTotal.status_id))
    return conditions
