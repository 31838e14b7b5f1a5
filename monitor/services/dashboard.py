"""The home page: a user's own use against the limits, the open deals per stage and the user's open tasks.

It reads numbers only; it never charges. Rights per entity (SPEC §10) hold in the numbers too: the
deals per stage are those the viewer may view, and the user's tasks leave out those about records
they may not view (a hidden record is never counted).
"""
from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlalchemy import and_, case, func, or_, select

from monitor.activity.settings import get_settings, plan_allows_monitoring
from monitor.activity.usage import current_windows
from monitor.clock import utcnow
from monitor.db import db
from monitor.models import ActivityCount, Pipeline, Status, Task
from monitor.models.activity import CARD, LIST
from monitor.models.crm import LOST_STATUS_ID, WON_STATUS_ID
from monitor.services.pipelines import list_pipelines
from monitor.services.records import ListFilters, Viewer
from monitor.services.records.totals import by_stage
from monitor.services.tasks import visible_tasks

CLOSED_STATUS_IDS = (WON_STATUS_ID, LOST_STATUS_ID)


@dataclass(frozen=True)
class OwnUse:
    """What one user has used of one limit in its current window."""

    counter: str  # "card" or "list"
    period: str  # "hour" or "day"
    used: int
    limit: Optional[int]  # None: no limit
    resets_at: datetime  # naive UTC: when the window ends and the count starts again

    @property
    def at_limit(self):
        return self.limit is not None and self.used >= self.limit

    @property
    def over_limit(self):
        return self.limit is not None and self.used > self.limit


@dataclass(frozen=True)
class OwnUsage:
    """The user's use of every limit, and how the account treats a reached one."""

    counting: bool  # False when the plan has no monitoring: nothing is counted
    action: str  # "deactivate" or "notify"
    timezone: str  # the account's: windows reset at local HH:00 and 00:00
    meters: list


def own_usage(user):
    """The user's own counts in the current windows against each limit: one query on top of the settings."""
    settings = get_settings()
    windows = current_windows(settings)
    rows = db.session.execute(
        select(ActivityCount.counter, ActivityCount.total).where(
            ActivityCount.user_id == user.id,
            or_(*(and_(ActivityCount.counter == counter, ActivityCount.window_start == start)
                  for counter, (start, _end) in windows.items())),
        )
    )
    used = dict(rows.all())
    meters = [OwnUse(counter, settings.period(counter), used.get(counter, 0), settings.limit(counter),
                     windows[counter][1])
              for counter in (CARD, LIST)]
    return OwnUsage(plan_allows_monitoring(), settings.action, settings.timezone, meters)


@dataclass(frozen=True)
class StageTotal:
    """The open deals of one stage: how many and their prices' sum."""

    status: Status
    count: int
    total_price: int


@dataclass(frozen=True)
class PipelineTotals:
    """A pipeline's open stages in order, with their totals."""

    pipeline: Pipeline
    stages: list

    @property
    def count(self):
        return sum(stage.count for stage in self.stages)

    @property
    def total_price(self):
        return sum(stage.total_price for stage in self.stages)


def open_deals_by_stage(viewer=None):
    """Every pipeline's open stages (not won, not lost) with the number and sum of their deals.

    The totals come from record_totals (records.totals: a few dozen rows at any number of deals); the
    pipelines and stages from the pipelines service. Only numbers leave here: no deal is loaded, so the
    home page names no record.
    viewer: records.Viewer whose view right limits the deals counted (None: every deal).
    """
    totals = by_stage(ListFilters(state="open", viewer=viewer))
    return [
        PipelineTotals(pipeline, [
            StageTotal(status, *totals.get((pipeline.id, status.id), (0, 0)))
            for status in pipeline.statuses if status.id not in CLOSED_STATUS_IDS
        ])
        for pipeline in list_pipelines()
    ]


@dataclass(frozen=True)
class OwnTasks:
    """How many open tasks a user is responsible for, and how many of them are overdue."""

    open: int
    overdue: int


def own_tasks(user, now=None):
    """The user's open tasks and the overdue ones among them: one counting query, no task or record loaded.

    Tasks about records the user may not view are not counted."""
    now = now or utcnow()
    visible = visible_tasks(Viewer.of(user))
    open_count, overdue = db.session.execute(
        select(func.count(), func.coalesce(func.sum(case((Task.due_at < now, 1), else_=0)), 0))
        .where(Task.responsible_user_id == user.id, Task.is_done.is_(False),
               *(() if visible is None else (visible,)))
    ).one()
    return OwnTasks(open_count, overdue)
