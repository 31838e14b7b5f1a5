"""Operations: the health check a monitor polls, and backing up and restoring the database."""
from flask import Blueprint

bp = Blueprint("ops", __name__)

from monitor.ops import views  # noqa: E402,F401
