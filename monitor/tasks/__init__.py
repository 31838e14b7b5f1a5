"""Tasks (SPEC §10): the tasks page, adding a task, marking one done, and each card's tasks."""
from flask import Blueprint
from flask_login import login_required

from monitor import routing

bp = Blueprint("tasks", __name__, url_prefix="/tasks")
bp.record_once(routing.register_converters)  # before the views add rules that use them


@bp.before_request
@login_required
def require_login():
    """Every tasks page is for signed-in users only."""


from monitor.tasks import views  # noqa: E402,F401  (routes, template globals)
