"""In-app notifications: the bell in the header and /notifications."""
from flask import Blueprint

from monitor import routing

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
bp.record_once(routing.register_converters)  # before the views add rules that use them

from monitor.notifications import views  # noqa: E402,F401
