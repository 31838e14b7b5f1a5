"""The pipeline board: a column per status with its newest deals and the totals of all its deals,
one column's further pages ("Show more"), and moving a deal to another status.

Nothing here charges the activity monitor: the views charge the deals they show. A move names
no record the user has not seen, so it charges nothing.
"""
from dataclasses import dataclass, replace

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from monitor.db import db
from monitor.inputs import InvalidValue, parse_id
from monitor.models import Deal, Status
from monitor.services import pipelines
from monitor.services.errors import NotFound, ValidationError
from monitor.services.records import totals
from monitor.services.records.conditions import where_clauses
from monitor.services.records.kinds import KINDS
from monitor.services.records.lists import PER_PAGE, ListFilters, load, page_ids
from monitor.services.records.writes import update_record

BOARD_RELATIONS = ("tags", "company")  # what a board tile shows
# The move's form fields, and update_record's names for the same values.
MOVE_FIELDS = {"pipeline": "pipeline_id", "status": "status_id"}


@dataclass
class BoardColumn:
    """One status of the pipeline board: its deals shown and the totals of all its deals."""

    status: Status
    deals: list
    count: int
    total_price: int


def board(pipeline, filters=ListFilters(), per_column=PER_PAGE):  # noqa: B008 (frozen)
    """The pipeline's statuses in order as BoardColumns, each with its first `per_column` matching deals
    in `filters.order` (newest first by default)."""
    kind = KINDS["leads"]
    conditions = _conditions(pipeline, filters)
    column_totals = _totals(pipeline, filters, conditions)
    column_ids = [_column_ids(pipeline, status, conditions, filters, 1, per_column)[:per_column]
                  for status in pipeline.statuses]
    deals = {deal.id: deal for deal in load(kind, [i for ids in column_ids for i in ids], BOARD_RELATIONS)}
    return [
        BoardColumn(status, [deals[i] for i in ids], *column_totals.get(status.id, (0, 0)))
        for status, ids in zip(pipeline.statuses, column_ids, strict=True)
    ]


def board_column(pipeline, status_id, filters=ListFilters(), page=1, per_page=PER_PAGE):  # noqa: B008 (frozen)
    """Page `page` of one column (the board's "Show more"): (BoardColumn, whether more pages follow).

    ValidationError ({"status": ...}) when the status is not one of the pipeline's.
    """
    status = next((each for each in pipeline.statuses if each.id == status_id), None)
    if status is None:
        raise ValidationError({"status": _l("This status is not in the pipeline %(name)s.", name=pipeline.name)})
    kind = KINDS["leads"]
    conditions = _conditions(pipeline, filters)
    ids = _column_ids(pipeline, status, conditions, filters, page, per_page)
    count, total = _totals(pipeline, filters, [*conditions, Deal.status_id == status.id], status).get(status.id, (0, 0))
    return BoardColumn(status, load(kind, ids[:per_page], BOARD_RELATIONS), count, total), len(ids) > per_page


def stage_totals(stages, filters=ListFilters()):  # noqa: B008 (frozen)
    """{(pipeline id, status id): (deals, sum of their prices)} of these stages' deals matching `filters`.

    What a board's column heads show, for the columns a move changed.
    """
    filters = replace(filters, pipelines=(), statuses=(), stages=tuple(stages))
    if totals.answerable(KINDS["leads"], filters):
        found = totals.by_stage(filters)
    else:
        found = db.session.execute(
            select(Deal.pipeline_id, Deal.status_id, func.count(), func.sum(Deal.price))
            .where(*where_clauses(KINDS["leads"], filters)).group_by(Deal.pipeline_id, Deal.status_id)
        )
        found = {(pipeline_id, status_id): (count, total or 0) for pipeline_id, status_id, count, total in found}
    return {stage: found.get(stage, (0, 0)) for stage in stages}


@dataclass
class Move:
    """A deal moved: the deal, the Status it is in now, and the (pipeline id, status id) it left."""

    deal: Deal
    status: Status
    was: tuple


def move_deal(deal, status_id, pipeline_id=None, acting_user=None):
    """Put `deal` in a status of a pipeline (default: its own) through update_record; returns a Move.

    `status_id` and `pipeline_id` as sent (text or int). ValidationError keyed by the form's
    fields (`status_id`, `pipeline_id`) when the status is missing, not a number or not in the
    pipeline, the deal is already there, or the pipeline does not exist. NotFound when the deal was deleted meanwhile.
    """
    pipeline = _pipeline(deal, pipeline_id)
    try:
        status = parse_id(str(status_id or "").strip(), _l("Choose a status from the list."))
    except InvalidValue as invalid:
        raise ValidationError({"status_id": invalid.args[0]}) from None
    if status is None:
        raise ValidationError({"status_id": _l("Choose the status to move the deal to.")})
    chosen = next((each for each in pipeline.statuses if each.id == status), None)
    if chosen is None:
        raise ValidationError({"status_id": _l("This status is not in the pipeline %(name)s.", name=pipeline.name)})
    was = (deal.pipeline_id, deal.status_id)
    if was == (pipeline.id, status):  # nothing to move; its answer would only tell the columns' totals
        raise ValidationError({"status_id": _l("The deal is already in this status.")})
    try:
        return Move(update_record("leads", deal, {"pipeline": pipeline.id, "status": status}, acting_user), chosen, was)
    except ValidationError as invalid:  # the pipeline changed meanwhile (checked again under the write lock)
        errors = {MOVE_FIELDS.get(name, name): message for name, message in invalid.errors.items()}
        raise ValidationError(errors) from None


def _pipeline(deal, pipeline_id):
    """The pipeline a move names (its statuses loaded), or the deal's own; ValidationError for no such one."""
    try:
        chosen = parse_id(str(pipeline_id or "").strip())
        return pipelines.get_pipeline(deal.pipeline_id if chosen is None else chosen)
    except (InvalidValue, NotFound):
        raise ValidationError({"pipeline_id": _l("There is no such pipeline.")}) from None


def _conditions(pipeline, filters):
    """The board's filters within the pipeline; the columns, not a status filter, pick statuses."""
    return where_clauses(KINDS["leads"], replace(filters, pipelines=(pipeline.id,), stages=(), statuses=()))


def _column_ids(pipeline, status, conditions, filters, page, per_page):
    """The ids of one page of a column plus one more (lists.page_ids), in the board's order."""
    column = replace(filters, pipelines=(pipeline.id,), statuses=(status.id,), stages=())  # one stage to read
    return page_ids(KINDS["leads"], [*conditions, Deal.status_id == status.id], filters.order, page, per_page, column)


def _totals(pipeline, filters, conditions, status=None):
    """{status id: (deals, sum of their prices)} of the pipeline's deals (in `status` only, if given) meeting
    `filters` (as `conditions`): from record_totals when it can answer, else one grouped query over the deals."""
    within = replace(filters, pipelines=(pipeline.id,), stages=(), statuses=(status.id,) if status else ())
    if totals.answerable(KINDS["leads"], within):
        return {status_id: found for (_pipeline, status_id), found in totals.by_stage(within).items()}
    found = db.session.execute(
        select(Deal.status_id, func.count(), func.sum(Deal.price)).where(*conditions).group_by(Deal.status_id)
    )
    return {status_id: (count, total or 0) for status_id, count, total in found}
