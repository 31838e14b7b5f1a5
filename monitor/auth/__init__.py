"""Signing in and out, the session loader, and each user's own profile."""
from flask import Blueprint

bp = Blueprint("auth", __name__)

from monitor.auth import views  # noqa: E402,F401
