"""Tasks in batches, all or none (the API's POST and PATCH /tasks): one transaction for the whole batch.

Each task is created or changed by the tasks service's own rules (tasks.add_task,
tasks.change_task); a ValidationError on any of them names its position and saves none.
"""
from monitor.db import db
from monitor.services import tasks
from monitor.services.records.writes import each_of_batch


def create_tasks(batch, author, zone):
    """Create a task for each `(data, done)` of `batch` (data as tasks.create_task takes it); returns them."""
    with db.immediate() as session:
        return each_of_batch(batch, lambda item: tasks.add_task(session, item[0], author, zone, done=item[1]))


def update_tasks(batch, acting_user, zone):
    """Change each `(task, data)` of `batch` as tasks.update_task does; returns the tasks.

    NotFound (the task's id) when one was deleted meanwhile; then none of the batch is saved.
    """
    with db.immediate() as session:
        return each_of_batch(batch, lambda item: tasks.change_task(session, item[0], item[1], acting_user, zone))

