"""The pipeline board: a column per status, each with its newest deals and the totals of all its deals."""
from dataclasses import dataclass, replace

from sqlalchemy import func, select

from monitor.db import db
from monitor.models import Deal, Status
from monitor.services.records.conditions import where_clauses
from monitor.services.records.kinds import KINDS
from monitor.services.records.lists import PER_PAGE, ListFilters, load, page_ids

BOARD_RELATIONS = ("tags", "company")  # what a board tile shows


@dataclass
class BoardColumn:
    """One status of the pipeline board: its newest deals and the totals of all its deals."""

    status: Status
    deals: list
    count: int
    total_price: int


def board(pipeline, filters=ListFilters(), per_column=PER_PAGE):  # noqa: B008 (frozen)
    """The pipeline's statuses in order as BoardColumns, each with up to `per_column` newest matching deals."""
    kind = KINDS["leads"]
    conditions = where_clauses(kind, replace(filters, pipelines=(pipeline.id,), stages=(), statuses=()), ordered=True)
    totals = {
        status_id: (count, total or 0)
        for status_id, count, total in db.session.execute(
            select(Deal.status_id, func.count(), func.sum(Deal.price)).where(*conditions).group_by(Deal.status_id)
        )
    }
    column_ids = [
        page_ids(kind, [*conditions, Deal.status_id == status.id], filters.order, 1, per_column)[:per_column]
        for status in pipeline.statuses
    ]
    deals = {deal.id: deal for deal in load(kind, [i for ids in column_ids for i in ids], BOARD_RELATIONS)}
    return [
        BoardColumn(status, [deals[i] for i in ids], *totals.get(status.id, (0, 0)))
        for status, ids in zip(pipeline.statuses, column_ids, strict=True)
    ]
