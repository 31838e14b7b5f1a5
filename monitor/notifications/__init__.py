"""In-app notifications: the bell in the header and /notifications."""
from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

from monitor.notifications import views  # noqa: E402,F401
