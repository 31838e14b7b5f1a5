"""The administrators' console: rights and users, activity monitoring, API tokens."""
from flask import Blueprint, abort
from flask_login import current_user, login_required

from monitor import routing

bp = Blueprint("settings", __name__, url_prefix="/settings")
bp.record_once(routing.register_converters)  # before the views add rules that use them


@bp.before_request
@login_required
def require_admin():
    """Every /settings URL is for administrators only."""
    if not current_user.is_admin:
        abort(403)


from monitor.settings import activity, api_tokens, evidence, mail, views  # noqa: E402,F401
