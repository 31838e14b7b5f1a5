"""Tasks (SPEC §10): something to do by a time, for a user, about a record or about nothing in particular.

Times are kept as naive UTC. A due time typed as "YYYY-MM-DD HH:MM" is read in the account's
time zone (`zone`); a bare "YYYY-MM-DD" means the end of that local day (23:59), as amoCRM's
"all day" tasks. The `due` windows (`overdue`, `today`, `week`) are local days too.
Nothing here charges the activity monitor: the tasks page charges the records its rows name.

Rights per entity (SPEC §10): a task about a record is as hidden as its record. A list narrowed by
`TaskFilters.viewer` leaves out the tasks about records the viewer may not view (tasks about nothing
stay); a task's record must be one its author (or whoever changes it) may view, else it is "no such
record"; and a task is changed or completed only by someone who may see it and is its responsible
user, its author, an administrator, or holds the edit right on its record (`may_change`).
"""
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Optional
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import joinedload

from monitor.clock import utcnow
from monitor.db import db
from monitor.inputs import InvalidValue, is_id, parse_id, without_control_characters
from monitor.models import Task, User
from monitor.models.work import MAX_TASK_TEXT
from monitor.services import feed
from monitor.services.errors import Forbidden, NotFound, ValidationError
from monitor.services.records.kinds import KINDS
from monitor.services.records.lists import PER_PAGE, load
from monitor.services.records.rights import Viewer, allowed, may_view, visible_clause

DUE_WINDOWS = ("overdue", "today", "week")
DUE_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d")
# The latest due date a task takes (a typo such as 20266 is refused, not stored).
MAX_YEAR = 2200


@dataclass(frozen=True)
class TaskFilters:
    """Which tasks a list shows. responsible: user ids (any; empty = everybody's); done: False open,
    True done, None both; due: one of DUE_WINDOWS or None; entity + record_id: one record's tasks
    (entity alone: about any record of that kind; record_ids: about any of these records of `entity`);
    ids: only these tasks (empty = any); viewer: whose view right limits the tasks about records
    (records.Viewer; None: nobody's)."""

    responsible: tuple[int, ...] = ()
    done: Optional[bool] = False
    due: Optional[str] = None
    entity: Optional[str] = None
    record_id: Optional[int] = None
    record_ids: tuple[int, ...] = ()
    ids: tuple[int, ...] = ()
    viewer: Optional[Viewer] = None


def parse_due(text, zone):
    """A due time as typed ("YYYY-MM-DD HH:MM" local, or "YYYY-MM-DD": 23:59 that local day) as naive UTC.

    InvalidValue for anything else: other digits than ASCII, a year outside 1970..MAX_YEAR, a moment
    before 1970 in UTC (the API's Unix times start there), or a local time the clocks skip (spring forward).
    """
    text = (text or "").strip()
    if text.isascii():
        for pattern in DUE_FORMATS:
            try:
                local = datetime.strptime(text, pattern)
            except ValueError:
                continue
            if pattern == "%Y-%m-%d":
                local = local.replace(hour=23, minute=59)
            return _due_in_utc(local, zone)
    raise InvalidValue(_l("Enter the due time as YYYY-MM-DD or YYYY-MM-DD HH:MM."))


def _due_in_utc(local, zone):
    if not 1970 <= local.year <= MAX_YEAR:
        raise InvalidValue(_l("Enter the due time as YYYY-MM-DD or YYYY-MM-DD HH:MM."))
    aware = local.replace(tzinfo=ZoneInfo(zone))
    moment = aware.astimezone(UTC)
    if moment.astimezone(ZoneInfo(zone)).replace(tzinfo=None) != local:
        raise InvalidValue(_l("The clocks skip this time in %(zone)s: choose another.", zone=zone))
    if moment.year < 1970:
        raise InvalidValue(_l("Enter the due time as YYYY-MM-DD or YYYY-MM-DD HH:MM."))
    return moment.replace(tzinfo=None)


def due_bounds(window, zone, now=None):
    """(start, end) in naive UTC of a `due` window; either may be None (open)."""
    now = now or utcnow()
    local_now = now.replace(tzinfo=UTC).astimezone(ZoneInfo(zone))
    midnight = datetime(local_now.year, local_now.month, local_now.day, tzinfo=ZoneInfo(zone))

    def utc(moment):
        return moment.astimezone(UTC).replace(tzinfo=None)

    def day_after(days):  # local midnight `days` days later, safe across a DST change
        later = (midnight + timedelta(days=days, hours=12)).date()
        return utc(datetime(later.year, later.month, later.day, tzinfo=ZoneInfo(zone)))

    if window == "overdue":
        return None, now
    if window == "today":
        return utc(midnight), day_after(1)
    if window == "week":
        return utc(midnight), day_after(7)
    raise ValueError(f"unknown due window {window!r}")


def check_task(data, zone, task=None, user=None):
    """The task's values from `data` (text, due_at, responsible, entity, record_id; strings as typed or
    typed values), validated; ValidationError maps fields to messages. On an edit (`task`), absent fields stay.
    With `user`, a record they may not view is "There is no such record." (as one that is not there).
    """
    errors, values = {}, {}
    if task is None or "text" in data:
        text = without_control_characters(str(data.get("text") or "")).strip()
        if not text:
            errors["text"] = _l("This field is required.")
        elif len(text) > MAX_TASK_TEXT:
            errors["text"] = _l("A task holds at most %(n)s characters.", n=f"{MAX_TASK_TEXT:,}")
        values["text"] = text
    if task is None or "due_at" in data:
        due = data.get("due_at")
        try:
            values["due_at"] = due if isinstance(due, datetime) else parse_due(due, zone)
        except InvalidValue as invalid:
            errors["due_at"] = invalid.args[0]
    if task is None or "responsible" in data:
        values["responsible"] = _responsible(data.get("responsible"), errors)
    if data.get("entity") not in (None, "") or data.get("record_id") not in (None, ""):
        values["entity"], values["record_id"] = _record(data.get("entity"), data.get("record_id"), errors, user)
    elif task is not None and "entity" in data:  # an edit saying "about nothing" (both empty)
        values["entity"], values["record_id"] = None, None
    if errors:
        raise ValidationError(errors)
    return values


def _responsible(value, errors):
    try:
        user_id = value if isinstance(value, int) else parse_id(str(value or "").strip())
    except InvalidValue:
        user_id = None
    user = db.session.get(User, user_id) if is_id(user_id) else None
    if user is None:
        errors["responsible"] = _l("Choose who is to do it.")
        return None
    return user.id


def _record(entity, record_id, errors, user=None):
    if entity not in KINDS:
        errors["entity"] = _l("Choose the kind of record: deal, contact, company or customer.")
        return None, None
    if record_id is None or str(record_id).strip() == "":
        errors["record_id"] = _l("Enter the number of the record the task is about.")
        return None, None
    try:
        record_id = record_id if isinstance(record_id, int) else parse_id(str(record_id).strip())
    except InvalidValue:
        record_id = None
    record = db.session.get(KINDS[entity].model, record_id) if is_id(record_id) else None
    if record is None or (user is not None and not may_view(user, entity, record)):
        errors["record_id"] = _l("There is no such record.")
        return None, None
    return entity, record_id


def task_record(task):
    """The record a task is about, or None (about nothing, or its record is gone)."""
    return None if task.entity is None else db.session.get(KINDS[task.entity].model, task.record_id)


def may_see(user, task):
    """Whether `user` may see this task: it is about nothing, or about a record they may view."""
    return task.entity is None or may_view(user, task.entity, task_record(task))


def may_change(user, task):
    """Whether `user` may change or complete this task: they may see it and are its responsible user,
    its author, an administrator, or hold the edit right on its record."""
    if user is None or not may_see(user, task):
        return False
    if getattr(user, "is_admin", False) or user.id in (task.responsible_user_id, task.author_id):
        return True
    return task.entity is not None and allowed(user, task.entity, "edit", task_record(task))


def require_change(user, task):
    """`may_change`, or Forbidden (the app's 403)."""
    if not may_change(user, task):
        raise Forbidden(("tasks", "edit", task.id))


def create_task(data, author, zone):
    """Create a task from `data` (see check_task); `responsible` defaults to the author. Returns the Task."""
    data = dict(data)
    if data.get("responsible") in (None, "") and author is not None:
        data["responsible"] = author.id
    with db.immediate() as session:  # checked under the write lock: the record is still there on commit
        return _insert(session, check_task(data, zone, user=author), author)


def add_task(session, data, author, zone, done=False):
    """create_task inside the caller's write transaction (`db.immediate()`), which commits it;
    `done`: the task is created done (a line in its record's feed says so), as the demo data shows one."""
    data = dict(data)
    if data.get("responsible") in (None, "") and author is not None:
        data["responsible"] = author.id
    task = _insert(session, check_task(data, zone, user=author), author)
    if done:
        _set_done(session, task, True, author)
    return task


def _insert(session, values, author):
    task = Task(text=values["text"], due_at=values["due_at"], responsible_user_id=values["responsible"],
                author_id=getattr(author, "id", None), entity=values.get("entity"),
                record_id=values.get("record_id"))
    session.add(task)
    session.flush()
    return task


def update_task(task, data, acting_user, zone):
    """Change a task's text, due time, responsible user or done flag (`is_done`); only the fields given."""
    with db.immediate() as session:
        return change_task(session, task, data, acting_user, zone)


def change_task(session, task, data, acting_user, zone):
    """update_task inside the caller's write transaction (`db.immediate()`), which commits it.

    The task is read again under the write lock first; NotFound when it was deleted meanwhile
    (with its record), Forbidden when `acting_user` may not change it (`may_change`; None: nobody's
    rights), ValidationError on bad input.
    """
    if session.get(Task, task.id, populate_existing=True) is None:
        raise NotFound(task.id)
    if acting_user is not None:
        require_change(acting_user, task)
    values = check_task(data, zone, task, acting_user)
    for field in ("text", "due_at", "entity", "record_id"):
        if field in values:
            setattr(task, field, values[field])
    if "responsible" in values:
        task.responsible_user_id = values["responsible"]
    if "is_done" in data and bool(data["is_done"]) != task.is_done:
        _set_done(session, task, bool(data["is_done"]), acting_user)
    task.updated_at = utcnow()
    return task


def complete_task(task_id, acting_user):
    """Mark a task done (once: completing a done task changes nothing). NotFound for an unknown id,
    Forbidden when `acting_user` may not change it (`may_change`)."""
    task = get_task(task_id)
    require_change(acting_user, task)
    with db.immediate() as session:
        # The flag is set by the database, so two clicks at once write one feed line.
        done = session.execute(
            update(Task).where(Task.id == task.id, Task.is_done.is_(False))
            .values(is_done=True, done_at=utcnow(), updated_at=utcnow()).returning(Task.id)
        ).first()
        if done is not None and task.entity is not None:
            feed.add_entry(session, task.entity, task.record_id, "task_done", acting_user, linked_id=task.id,
                           text=task.text)
    db.session.refresh(task)
    return task


def _set_done(session, task, done, acting_user):
    task.is_done, task.done_at = done, (utcnow() if done else None)
    if done and task.entity is not None:
        feed.add_entry(session, task.entity, task.record_id, "task_done", acting_user, linked_id=task.id,
                       text=task.text)


def get_task(task_id):
    """The task with this id; NotFound otherwise."""
    task = db.session.get(Task, task_id) if is_id(task_id) else None
    if task is None:
        raise NotFound(task_id)
    return task


def _conditions(filters, zone, now=None):
    conditions = []
    if filters.responsible:
        conditions.append(Task.responsible_user_id.in_(filters.responsible))
    if filters.done is not None:
        conditions.append(Task.is_done.is_(filters.done))
    if filters.due is not None:
        start, end = due_bounds(filters.due, zone, now)
        if start is not None:
            conditions.append(Task.due_at >= start)
        conditions.append(Task.due_at < end)
    return conditions + _record_conditions(filters)


def visible_tasks(viewer):
    """The WHERE clause leaving out the tasks about records `viewer` may not view; None when none is left out."""
    if viewer is None or viewer.sees_everything:
        return None
    shown = [Task.entity.is_(None)]
    for kind in KINDS.values():
        if viewer.view(kind.name) == "all":
            shown.append(Task.entity == kind.name)
        elif viewer.view(kind.name) == "own":
            shown.append(and_(Task.entity == kind.name,
                              Task.record_id.in_(select(kind.model.id).where(visible_clause(kind, viewer)))))
    return or_(*shown)


def _record_conditions(filters):
    conditions = [Task.id.in_(filters.ids)] if filters.ids else []
    visible = visible_tasks(filters.viewer)
    if visible is not None:
        conditions.append(visible)
    if filters.entity is not None:
        conditions.append(Task.entity == filters.entity)
    if filters.record_id is not None:
        conditions.append(Task.record_id == filters.record_id)
    if filters.record_ids:
        conditions.append(Task.record_id.in_(filters.record_ids))
    return conditions


def list_tasks(filters, zone, page=1, per_page=PER_PAGE):
    """One page of tasks, soonest due first (done ones: latest done first): (tasks, has_more)."""
    if page < 1 or per_page < 1:
        raise ValueError("page and per_page start at 1")
    order = (Task.done_at.desc(), Task.id.desc()) if filters.done else (Task.due_at.asc(), Task.id.asc())
    rows = db.session.scalars(
        select(Task).where(*_conditions(filters, zone)).order_by(*order)
        .offset((page - 1) * per_page).limit(per_page + 1)
        .options(joinedload(Task.responsible_user))
    ).all()
    return rows[:per_page], len(rows) > per_page


def count_tasks(filters, zone, now=None):
    """How many tasks `filters` select (for the home page: open and overdue)."""
    return db.session.scalar(select(func.count()).select_from(Task).where(*_conditions(filters, zone, now)))


def record_tasks(entity, record_id, open_shown=PER_PAGE, done_shown=5):
    """One record's tasks in one query: (open ones soonest due first, whether more are open, the latest done)."""
    about = (Task.entity == entity, Task.record_id == record_id)
    open_ids = (select(Task.id).where(*about, Task.is_done.is_(False))
                .order_by(Task.due_at, Task.id).limit(open_shown + 1))
    done_ids = (select(Task.id).where(*about, Task.is_done.is_(True))
                .order_by(Task.done_at.desc(), Task.id.desc()).limit(done_shown))
    rows = db.session.scalars(
        select(Task).where(or_(Task.id.in_(open_ids), Task.id.in_(done_ids)))
        .options(joinedload(Task.responsible_user))
    ).all()
    open_tasks = sorted((task for task in rows if not task.is_done), key=lambda task: (task.due_at, task.id))
    done = sorted((task for task in rows if task.is_done), key=lambda task: (task.done_at, task.id), reverse=True)
    return open_tasks[:open_shown], len(open_tasks) > open_shown, done


def named_records(tasks):
    """The records the tasks are about, loaded with one query per kind: {(entity, id): record}."""
    wanted = {}
    for task in tasks:
        if task.entity is not None:
            wanted.setdefault(task.entity, set()).add(task.record_id)
    found = {}
    for entity, ids in wanted.items():
        for record in load(KINDS[entity], sorted(ids), relations=()):
            found[entity, record.id] = record
    return found


def is_overdue(task, now=None):
    """Whether an open task's due time has passed."""
    return not task.is_done and task.due_at < (now or utcnow())


def delete_for(session, entity, record_ids):
    """Delete the tasks about these records (they are being deleted) in the caller's transaction."""
    session.execute(delete(Task).where(Task.entity == entity, Task.record_id.in_(record_ids)))


__all__ = [
    "DUE_WINDOWS", "PER_PAGE", "TaskFilters", "add_task", "change_task", "check_task", "complete_task",
    "count_tasks", "create_task", "delete_for", "due_bounds", "get_task", "is_overdue", "list_tasks",
    "may_change", "may_see", "named_records", "parse_due", "record_tasks", "require_change", "task_record",
    "update_task", "visible_tasks",
]
