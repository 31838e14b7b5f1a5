"""The new-task form and the tasks page's query parameters.

Fields are text as typed: the tasks service parses and validates them (monitor.services.tasks.check_task),
so a refused value comes back exactly as the user entered it.
"""
from dataclasses import dataclass, field
from typing import Optional
from urllib.parse import urlencode

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField

from monitor.inputs import InvalidValue, parse_id, parse_page
from monitor.models.work import MAX_TASK_TEXT
from monitor.services import records, tasks
from monitor.services.errors import NotFound
from monitor.services.users import get_user

# The query parameters of GET /tasks (SPEC §10) and the values `done` takes.
PARAMETERS = ("responsible", "due", "done", "page")
DONE_VALUES = {"0": False, "1": True}
EVERYBODY = "all"  # responsible=all: every user's tasks
DUE_HINT = _l("YYYY-MM-DD, or YYYY-MM-DD HH:MM; a date alone means by the end of that day")


class TaskForm(FlaskForm):
    """A new task: what, by when, who; optionally about one record (`entity` + `record_id`)."""

    text = TextAreaField(_l("Task"), render_kw={"rows": 3, "maxlength": MAX_TASK_TEXT})
    due_at = StringField(_l("Due"), description=DUE_HINT,
                         render_kw={"placeholder": "YYYY-MM-DD HH:MM", "autocomplete": "off"})
    responsible = SelectField(_l("Responsible"), validate_choice=False)
    entity = SelectField(_l("About"), validate_choice=False)
    record_id = StringField(_l("Record"), description=_l("The record's number, as in its card's address"),
                            render_kw={"inputmode": "numeric", "autocomplete": "off"})
    next = HiddenField()

    def task_data(self):
        """The typed values, keyed as the tasks service expects."""
        return {name: self[name].data for name in ("text", "due_at", "responsible", "entity", "record_id")}


@dataclass
class TasksQuery:
    """GET /tasks's parameters read: the filters and page they select, the values as typed, and what is wrong."""

    filters: Optional[tasks.TaskFilters]
    page: int
    values: dict
    errors: dict = field(default_factory=dict)

    def value(self, name):
        return self.values.get(name, "")

    def query(self, **changes):
        """This query as a URL's "?..." with `changes` (None drops a parameter); "" when nothing is left."""
        params = {**self.values, **{name: value for name, value in changes.items()}}
        kept = [(name, params[name]) for name in PARAMETERS if params.get(name) not in (None, "")]
        return "?" + urlencode(kept) if kept else ""


def read_query(args, user):
    """The tasks page's parameters (`responsible`, `due`, `done`, `page`); the user's open tasks by default,
    only those `user` may see (tasks about records they may not view are left out by the query)."""
    values = {name: args.get(name, "").strip() for name in PARAMETERS}
    errors = {}
    responsible = _responsible(values["responsible"], user, errors)
    due = values["due"] or None
    if due is not None and due not in tasks.DUE_WINDOWS:
        errors["due"] = _l("Choose overdue, today or week.")
    done = DONE_VALUES.get(values["done"] or "0")
    if done is None:
        errors["done"] = _l("Choose 0 (open tasks) or 1 (done ones).")
    try:
        page = parse_page(values["page"])
    except InvalidValue as invalid:
        errors["page"], page = invalid.args[0], 1
    filters = None if errors else tasks.TaskFilters(responsible=responsible, done=done, due=due,
                                                    viewer=records.Viewer.of(user))
    return TasksQuery(filters, page, values, errors)


def _responsible(text, user, errors):
    """The user ids whose tasks to show: the signed-in user's by default, everybody's for "all"."""
    if not text:
        return (user.id,)
    if text == EVERYBODY:
        return ()
    try:
        return (get_user(parse_id(text, _l("Choose a user from the list.")) or 0).id,)
    except InvalidValue as invalid:
        errors["responsible"] = invalid.args[0]
    except NotFound:
        errors["responsible"] = _l("There is no such user.")
    return ()
