"""The tasks pages (SPEC §10): the list, a new task, marking one done; each card's tasks and home's counts.

The list charges, before rendering, one list element per row that names a record; rows about nothing
count nothing and an empty page charges nothing. A card's tasks name only that card's record: part of
the card view, no charge of their own. Home shows numbers only.

Rights per entity (SPEC §10): the list leaves out, in its query, the tasks about records the user may
not view; a new task about such a record is "There is no such record."; a task is completed by its
responsible user, its author, an administrator or whoever holds the edit right on its record (403
otherwise; the record's feed says who did); home counts only the deals and tasks the user may view.
"""
from dataclasses import dataclass

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from monitor.activity import account_timezone
from monitor.activity.windows import local_time
from monitor.auth.views import safe_next
from monitor.clock import utcnow
from monitor.crm.entities import record_lists
from monitor.crm.views import acting_user, charge_elements
from monitor.forms import show_errors
from monitor.models.work import MAX_TASK_TEXT
from monitor.services import dashboard, tasks, users
from monitor.services.errors import ValidationError
from monitor.tasks import bp, forms

MAX_NEXT = 2000  # a longer `next` is no page of this app: ignored
CARD_DONE_SHOWN = 5  # a card lists its latest done tasks, this many
FLASHED_TEXT = 80  # how much of a task's text a message repeats


@bp.route("")
def index():
    """The tasks: the user's open ones by default, soonest due first; 50 a page."""
    query = forms.read_query(request.args, acting_user())
    if query.errors:
        return _list_page(query), 400
    rows, has_more = tasks.list_tasks(query.filters, account_timezone(), query.page)
    named = tasks.named_records(rows)
    charge_elements(sum((task.entity, task.record_id) in named for task in rows))
    return _list_page(query, rows, named, has_more)


def _list_page(query, rows=(), named=None, has_more=False):
    return render_template("tasks/list.html", query=query, rows=rows, named=named or {}, has_more=has_more,
                           users=users.list_users(), kinds=kind_names(), zone=account_timezone(),
                           per_page=tasks.PER_PAGE)


@bp.route("/new", methods=["GET", "POST"])
def new():
    """A new task's form (GET: prefilled from `entity`, `record_id`, `next`); POST creates it."""
    form = forms.TaskForm() if request.method == "POST" else _prefilled_form()
    _offer_choices(form)
    if form.validate_on_submit():
        try:
            task = tasks.create_task(form.task_data(), acting_user(), account_timezone())
        except ValidationError as invalid:
            show_errors(form, invalid.errors)
        else:
            flash(_("The task has been added."), "success")
            return redirect(local_next(form.next.data) or _card_url(task) or url_for("tasks.index"))
    back = local_next(form.next.data) or url_for("tasks.index")
    return render_template("tasks/new.html", form=form, back=back, zone=account_timezone()), (
        400 if form.is_submitted() else 200)


def _prefilled_form():
    args = request.args
    return forms.TaskForm(due_at=default_due(account_timezone()), responsible=str(current_user.id),
                          entity=args.get("entity", ""), record_id=args.get("record_id", ""),
                          next=local_next(args.get("next")) or "")


def _offer_choices(form):
    form.responsible.choices = [(str(person.id), person.name) for person in users.list_users("active")]
    form.entity.choices = [("", _("Nothing in particular")), *kind_names().items()]


def _card_url(task):
    if task.entity is None:
        return None
    return url_for("crm.record_card", entity_name=task.entity, record_id=task.record_id)


@bp.route("/<id:task_id>/done", methods=["POST"])
def done(task_id):
    """Mark a task done (once: a second click changes nothing); back to a local `next`, else the tasks."""
    task = tasks.complete_task(task_id, acting_user())  # an unknown id: NotFound, the 404 page
    flash(_("Done: \u201c%(text)s\u201d.", text=shorten_text(task.text)), "success")
    return redirect(local_next(request.form.get("next")) or url_for("tasks.index"))


def local_next(target):
    """`target` when it is a local path of a sane length (as sign-in's next=), else None."""
    return safe_next(target) if target and len(target) <= MAX_NEXT else None


def shorten_text(text):
    """A task's text as a message repeats it: its first FLASHED_TEXT characters."""
    return text if len(text) <= FLASHED_TEXT else text[:FLASHED_TEXT - 1] + "\u2026"


def kind_names():
    """Each record kind's name for one record ("Deal", "Contact", ...), keyed by the kind."""
    return {entity.name: entity.one for entity in record_lists()}


def default_due(zone):
    """A new task is due by the end of today, local time, unless the user says otherwise."""
    return local_time(utcnow(), zone, "%Y-%m-%d")


@dataclass(frozen=True)
class CardTasks:
    """What a card's tasks panel shows: open tasks (soonest first), whether more are open, the latest done ones."""

    open: list
    more_open: bool
    done: list
    default_due: str
    max_text: int = MAX_TASK_TEXT


@bp.app_template_global()
def record_tasks(entity, record_id):
    """A card's tasks, for templates/crm/_card_tasks.html (no charge: they name only the card's record)."""
    zone = account_timezone()
    open_tasks, more_open, done_tasks = tasks.record_tasks(entity, record_id, done_shown=CARD_DONE_SHOWN)
    return CardTasks(open_tasks, more_open, done_tasks, default_due(zone))


@bp.app_template_global()
def own_task_counts():
    """The signed-in user's open and overdue tasks, as numbers (the home page)."""
    return dashboard.own_tasks(current_user)


@bp.app_template_test("changeable")
def changeable(task):
    """`{% if task is changeable %}`: the signed-in user may complete it (tasks.may_change)."""
    return tasks.may_change(acting_user(), task)


@bp.app_template_test("overdue")
def overdue(task):
    """`{% if task is overdue %}`: an open task whose due time has passed."""
    return tasks.is_overdue(task)
