"""Tasks in amoCRM's v4 shape: `GET/POST/PATCH /tasks` and `GET/PATCH /tasks/{id}` (monitor.services.tasks).

`complete_till` is a Unix time; times are kept in UTC, so the account's zone changes nothing
here (it is handed on, as every caller of the tasks service does). A list charges one list
element per task that names a record, and a task read by id one element if it names one;
tasks about no record, and writes (their answers name ids only), charge nothing.

Rights per entity (SPEC §10), decided by the tasks service: a list leaves out the tasks about records
the user may not view (tasks about nothing stay); one such task by id is a 403 that charges nothing;
a task is about a record only the user may view (another is "There is no such record."); a task is
changed by its responsible user, its author, an administrator or whoever may edit its record — by
id a 403 otherwise; in a batch a 400 by its request_id (a task the user may not see is no such task).
"""
from calendar import timegm
from datetime import UTC, datetime

from flask import abort, g, request
from flask_login import current_user

from monitor import activity
from monitor.api import API, bp, params, shapes, writes
from monitor.api.responses import ApiValidationError, found_or_none, hal, no_content, page_links, self_links
from monitor.inputs import is_id
from monitor.services import records, task_batches, tasks
from monitor.services.records import KINDS

# tasks service field -> path of the amoCRM field, for validation-errors.
ERROR_PATHS = {"text": "text", "due_at": "complete_till", "responsible": "responsible_user_id",
               "entity": "entity_type", "record_id": "entity_id"}
TASK_TYPES = (1, 2)  # amoCRM's built-in follow-up and meeting (shapes.TASK_TYPE)
LATEST_DUE = timegm((tasks.MAX_YEAR, 12, 31, 23, 59, 59))
MISSING = "There is no task with this id"
COMPLETED = {"1": True, "true": True, "0": False, "false": False}


def _completed(node, path):
    value = params.one_value(node, path).lower()
    if value not in COMPLETED:
        raise ApiValidationError.one(path, "Give 1 or 0", code="InvalidType")
    return {"done": COMPLETED[value]}


def _entity_type(node, path):
    entity = params.one_value(node, path)
    if entity not in KINDS:
        raise ApiValidationError.one(path, f"Give one of: {', '.join(KINDS)}", code="NotSupportedChoice")
    return {"entity": entity}


FILTERS = {
    "id": lambda node, path: {"ids": tuple(params.whole_numbers(node, path))},
    "responsible_user_id": lambda node, path: {"responsible": tuple(params.whole_numbers(node, path))},
    "is_completed": _completed,
    "entity_type": _entity_type,
    "entity_id": lambda node, path: {"record_ids": tuple(params.whole_numbers(node, path))},
}


def task_filters(args):
    """The TaskFilters of a list call: every task (done or not) unless `filter[...]` says otherwise."""
    values = params.filter_values(args, FILTERS)
    if "record_ids" in values and "entity" not in values:
        raise ApiValidationError.one("filter[entity_id]", "Give filter[entity_type] with it", code="InvalidType")
    return tasks.TaskFilters(**{"done": None, **values}, viewer=records.Viewer.of(current_user))


@bp.get(f"{API}/tasks")
def task_list():
    """One page of tasks, soonest due first; 204 when none."""
    page, limit = params.page_and_limit(request.args)
    rows, has_next = tasks.list_tasks(task_filters(request.args), activity.account_timezone(), page, limit)
    if not rows:
        return no_content()
    named = sum(1 for row in rows if row.entity is not None)
    activity.charge(current_user, g.api_channel, elements=named, origin=activity.Origin.of(request))
    return hal({"_page": page, "_links": page_links(page, has_next),
                "_embedded": {"tasks": [shapes.task(row) for row in rows]}})


@bp.get(f"{API}/tasks/<id:task_id>")
def task_detail(task_id):
    """One task; 204 (and nothing charged) for an unknown id, 403 (nothing charged) for one about a record
    out of the user's reach."""
    task = found_or_none(tasks.get_task, task_id)
    if task is None:
        return no_content()
    if not tasks.may_see(current_user, task):
        abort(403, "Your rights do not reach the record this task is about.")
    named = 1 if task.entity is not None else 0
    activity.charge(current_user, g.api_channel, elements=named, origin=activity.Origin.of(request))
    return hal(shapes.task(task))


@bp.post(f"{API}/tasks")
def task_create():
    """Create tasks from an array, all or none; answers their ids by request_id."""
    zone = activity.account_timezone()
    checked = writes.check_items(writes.json_body(list), lambda item: _checked(item, zone), ERROR_PATHS)
    created = writes.save_batch(
        [(rid, None, data) for rid, data in checked],
        lambda: task_batches.create_tasks([(data, data.get("is_done", False)) for _rid, data in checked],
                                          current_user, zone), ERROR_PATHS)
    return hal({"_links": self_links(f"{API}/tasks"),
                "_embedded": {"tasks": [shapes.ref("tasks", task.id, request_id=rid)
                                        for (rid, _data), task in zip(checked, created, strict=True)]}})


@bp.patch(f"{API}/tasks")
def task_update_many():
    """Edit tasks from an array of objects with their ids, all or none."""
    zone = activity.account_timezone()
    checked = writes.check_items(writes.json_body(list), lambda item: _checked(item, zone, _existing(item)),
                                 ERROR_PATHS)
    saved = _save_changes([(rid, task, data) for rid, (task, data) in checked], zone)
    return hal({"_links": self_links(f"{API}/tasks"),
                "_embedded": {"tasks": [shapes.ref("tasks", task.id, request_id=rid, updated_at=shapes.unix(
                    task.updated_at)) for (rid, _item), task in zip(checked, saved, strict=True)]}})


@bp.patch(f"{API}/tasks/<id:task_id>")
def task_update(task_id):
    """Edit one task (`is_completed: true` completes it); 404 for an unknown id, 403 for one the user may not change."""
    task = found_or_none(tasks.get_task, task_id)
    if task is None:
        abort(404, f"There is no task with id {task_id}.")
    tasks.require_change(current_user, task)
    zone = activity.account_timezone()
    [(rid, (_task, data))] = writes.check_items([writes.json_body(dict)], lambda item: _checked(item, zone, task),
                                                ERROR_PATHS)
    _save_changes([(rid, task, data)], zone)
    return hal(shapes.ref("tasks", task.id, updated_at=shapes.unix(task.updated_at)))


def _save_changes(checked, zone):
    return writes.save_batch(checked, lambda: task_batches.update_tasks(
        [(task, data) for _rid, task, data in checked], current_user, zone), ERROR_PATHS, MISSING)


def _existing(item):
    """The task a PATCH item names by its `id`; ItemErrors when there is none."""
    task_id = item.get("id") if isinstance(item, dict) else None
    if not is_id(task_id):
        raise writes.ItemErrors([("InvalidType", "id", "Give the task's id")])
    task = found_or_none(tasks.get_task, task_id)
    if task is None or not tasks.may_see(current_user, task):
        raise writes.ItemErrors([("NotFound", "id", MISSING)])
    if not tasks.may_change(current_user, task):
        raise writes.ItemErrors([("Forbidden", "id", "Your rights do not let you change this task")])
    return task


def _checked(item, zone, task=None):
    """One task object checked by the tasks service: its data (a new task), or (task, data) (an edit)."""
    data = task_data(item, creating=task is None)
    if task is None:
        data.setdefault("responsible", current_user.id)
        tasks.check_task(data, zone, user=current_user)
        return data
    tasks.check_task(data, zone, task, current_user)
    return task, data


def task_data(item, creating):
    """One task object as the tasks service's values; ItemErrors when its types are wrong.

    Creating needs `text` and `complete_till`; an edit changes only the fields it sends.
    """
    if not isinstance(item, dict):
        raise writes.ItemErrors([("InvalidType", "", "Expected an object")])
    errors, data = [], {}
    if creating or "text" in item:
        data["text"] = item.get("text")
        _expect(isinstance(data["text"], str), "text", "Expected a string", errors)
    if creating or "complete_till" in item:
        data["due_at"] = _due(item.get("complete_till"), errors)
    if "responsible_user_id" in item:
        data["responsible"] = item["responsible_user_id"]
        _expect(is_id(data["responsible"]), "responsible_user_id", "Expected a user's id", errors)
    if item.get("is_completed") is not None:
        data["is_done"] = item["is_completed"]
        _expect(isinstance(data["is_done"], bool), "is_completed", "Expected true or false", errors)
    data.update(_record(item, errors))
    _unkept(item, errors)
    if errors:
        raise writes.ItemErrors(errors)
    return data


def _expect(valid, path, detail, errors):
    if not valid:
        errors.append(("InvalidType", path, detail))


def _due(value, errors):
    if not is_whole(value) or not 0 <= value <= LATEST_DUE:
        errors.append(("InvalidType", "complete_till", f"Expected a Unix time up to {LATEST_DUE}"))
        return None
    return datetime.fromtimestamp(value, UTC).replace(tzinfo=None)


def is_whole(value):
    """An int in JSON: not a bool, not a float."""
    return type(value) is int


def _record(item, errors):
    """`entity_type` and `entity_id`, both or neither (null is neither: a task about nothing)."""
    entity, record_id = item.get("entity_type"), item.get("entity_id")
    if entity is None and record_id is None:
        # Sent as nulls: about nothing (an edit detaches the task); not sent: as it is.
        return {"entity": None, "record_id": None} if "entity_type" in item or "entity_id" in item else {}
    if not isinstance(entity, str) or not is_id(record_id):
        errors.append(("InvalidType", "entity_id" if isinstance(entity, str) else "entity_type",
                       "Give entity_type (leads, contacts, companies or customers) and entity_id together"))
        return {}
    return {"entity": entity, "record_id": record_id}


def _unkept(item, errors):
    """Fields amoCRM has and Tally does not keep: taken only with values that lose nothing."""
    for name in ("task_type_id", "task_type"):
        if item.get(name) is not None and not (is_whole(item[name]) and item[name] in TASK_TYPES):
            errors.append(("NotSupportedChoice", name, "Tally CRM has task types 1 and 2 only (it keeps them as 1)"))
    if item.get("duration") is not None and not (is_whole(item["duration"]) and item["duration"] == 0):
        errors.append(("NotSupportedChoice", "duration", "Tally CRM keeps no task durations: send 0"))
    if item.get("result") not in (None, [], {}):
        errors.append(("NotSupportedChoice", "result", "Tally CRM keeps no task results: add a note instead"))
