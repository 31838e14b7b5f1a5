"""The tasks pages."""
from flask import render_template

from monitor.tasks import bp


@bp.route("")
def index():
    """The signed-in user's open tasks."""
    return render_template("tasks/list.html")
