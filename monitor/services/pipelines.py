"""Pipelines and their statuses: creating them, and the one place that reads them."""
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from monitor.db import db
from monitor.inputs import is_id
from monitor.models import Account, Pipeline, Status
from monitor.models.crm import LOST_STATUS_ID, WON_STATUS_ID
from monitor.services.errors import NotFound

# amoCRM numbers ordinary statuses account-wide; keep them clear of 142/143.
FIRST_STATUS_ID = 1000
DEFAULT_STAGES = ("First contact", "Negotiation", "Decision making", "Contract discussion")
STAGE_COLORS = ("#99ccff", "#ffff99", "#ffcc66", "#ff9966", "#ccff99", "#dddddd")
# Main first, then by sort order: how every list of pipelines reads, and which one is the default.
PIPELINE_ORDER = (Pipeline.is_main.desc(), Pipeline.sort, Pipeline.id)


def create_pipeline(name, stage_names, is_main=False):
    """Add a pipeline with these open stages followed by Closed - won (142) and Closed - lost (143)."""
    with db.immediate() as session:
        return add_pipeline(session, name, stage_names, is_main)


def add_pipeline(session, name, stage_names, is_main=False):
    """create_pipeline inside the caller's write transaction (`db.immediate()`), which commits it."""
    # Read under the write lock: two pipelines made at once must not get the same status ids.
    sort = (session.scalar(select(func.max(Pipeline.sort))) or 0) + 10
    pipeline = Pipeline(name=name, sort=sort, is_main=is_main)
    next_id = max(
        FIRST_STATUS_ID,
        (session.scalar(select(func.max(Status.id)).where(Status.id.notin_((WON_STATUS_ID, LOST_STATUS_ID)))) or 0) + 1,
    )
    for position, stage in enumerate(stage_names):
        pipeline.statuses.append(
            Status(id=next_id + position, name=str(stage), sort=(position + 1) * 10,
                   color=STAGE_COLORS[position % 4])
        )
    pipeline.statuses.append(Status(id=WON_STATUS_ID, name="Closed - won", sort=10000, color=STAGE_COLORS[4]))
    pipeline.statuses.append(Status(id=LOST_STATUS_ID, name="Closed - lost", sort=11000, color=STAGE_COLORS[5]))
    session.add(pipeline)
    session.flush()
    return pipeline


def ensure_account():
    """A new database gets the account and a default pipeline, so deals can be created at once."""
    with db.immediate() as session:
        if session.get(Account, 1) is None:
            session.add(Account(id=1, name="Tally CRM", subdomain="tally"))
        if session.scalar(select(func.count(Pipeline.id))) == 0:
            add_pipeline(session, "Sales", DEFAULT_STAGES, is_main=True)


def list_pipelines():
    """Every pipeline with its statuses, main first, by sort order."""
    query = select(Pipeline).options(selectinload(Pipeline.statuses)).order_by(*PIPELINE_ORDER)
    return db.session.scalars(query).all()


def get_pipeline(pipeline_id):
    """The pipeline with this id, its statuses in order; NotFound otherwise."""
    pipeline = (db.session.get(Pipeline, pipeline_id, options=[selectinload(Pipeline.statuses)])
                if is_id(pipeline_id) else None)
    if pipeline is None:
        raise NotFound(pipeline_id)
    return pipeline


def main_pipeline_id():
    """The id of the pipeline new deals land in by default: the main one (else the first)."""
    return db.session.scalar(select(Pipeline.id).order_by(*PIPELINE_ORDER))
