"""The JSON API in amoCRM's v4 shape: `/api/v4/...` and `/oauth2/access_token`, bearer tokens only."""
from flask import Blueprint

from monitor import routing
from monitor.extensions import csrf

API = "/api/v4"

bp = Blueprint("api", __name__)
bp.record_once(routing.register_converters)  # before the views add rules that use them
# Requests carry a bearer token, never a cookie: there is nothing for a cross-site form to ride on.
csrf.exempt(bp)

from monitor.api import access, entities, notes, tasks, views  # noqa: E402,F401
