"""The CRM workspace: cards, lists, the pipeline board, presets and export for every entity."""
from flask import Blueprint
from flask_login import login_required

from monitor import routing

bp = Blueprint("crm", __name__)
bp.record_once(routing.register_converters)  # before the views add rules that use them


@bp.before_request
@login_required
def require_login():
    """Every CRM page is for signed-in users only."""


from monitor.crm import board, bulk, display, notes, views  # noqa: E402,F401  (template filters, routes)
