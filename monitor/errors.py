"""Error pages: HTML for the browser, problem+json under /api."""
import logging
import sqlite3
from contextlib import suppress

from flask import jsonify, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import Forbidden, HTTPException, InternalServerError, NotFound

from monitor.services import errors as service_errors

log = logging.getLogger(__name__)

# What SQLite says (in the DB-API's own message) -> what the operator has to fix.
DATABASE_PROBLEMS = (
    ("readonly database", _l("its file or folder is read-only")),
    ("database or disk is full", _l("the disk is full")),
    ("database is locked", _l("it is locked by another process")),
    ("unable to open database file", _l("its file cannot be opened")),
)
BARE_PAGE = (
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>503 · Tally CRM</title>'
    '<link rel="stylesheet" href="{css}"></head><body class="bare"><main class="content">'
    '<section class="panel narrow error-page"><h1>503</h1><p class="error-message">{message}</p>'
    "</section></main></body></html>"
)


def wants_problem_json():
    """API paths answer problem+json, everything else HTML."""
    return request.path.startswith(("/api/", "/oauth2/"))


def wants_json():
    """The API, or a page's fetch that asks for JSON rather than a page (the record picker, the board)."""
    if wants_problem_json():
        return True
    return request.accept_mimetypes.best_match(("text/html", "application/json")) == "application/json"


def problem(status, detail, title=None, headers=None, **extra):
    """A problem+json response in amoCRM's shape."""
    body = {
        "title": title or _http_title(status),
        "type": f"https://httpstatus.es/{status}",
        "status": status,
        "detail": detail,
        **extra,
    }
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if status == 401:
        response.headers.setdefault("WWW-Authenticate", 'Bearer realm="Tally CRM API"')
    return response


def _http_title(status):
    from werkzeug.http import HTTP_STATUS_CODES

    return HTTP_STATUS_CODES.get(status, "Error")


def init_app(app):
    """Register the handlers."""
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(service_errors.NotFound, _not_found)
    app.register_error_handler(service_errors.Forbidden, _forbidden)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(OperationalError, _database_error)
    app.register_error_handler(sqlite3.OperationalError, _database_error)
    app.register_error_handler(InternalServerError, _internal_error)


def _csrf_error(error):
    if wants_problem_json():
        return problem(400, error.description)
    message = _("The form expired or was sent from elsewhere. Reload the page and try again.")
    return render_template("errors/error.html", code=400, message=message), 400


def _not_found(_error):
    # The one 404 path: views let the services' NotFound through (the API paths that answer
    # 204 for an unknown id catch it themselves).
    return _http_error(NotFound())


def _forbidden(_error):
    # The one 403 for a right the user lacks (services raise Forbidden: rights per entity).
    return _http_error(Forbidden(_("Your rights do not reach this record. Ask an administrator if you need them.")))


def _http_error(error):
    # Keep the exception's own headers (Allow on a 405, Retry-After, ...).
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    if wants_problem_json():
        return problem(error.code, error.description, headers=headers)
    page = render_template("errors/error.html", code=error.code, message=_error_message(error))
    return page, error.code, headers


def _database_error(error):
    reason = database_problem(error)
    if reason is None:
        raise error  # not the operator's kind of problem: the usual 500
    return database_unavailable(error, reason)


def _internal_error(error):
    # An error after the view (a hook saving the session, say) reaches here unhandled.
    reason = database_problem(error.original_exception)
    if reason is not None:
        return database_unavailable(error.original_exception, reason)
    if wants_problem_json():
        return problem(500, "Internal server error")
    return render_template("errors/error.html", code=500, message=_error_message(error)), 500


def _error_message(error):
    messages = {
        400: _("The request was not understood."),
        403: _("You do not have access to this page."),
        404: _("This page does not exist."),
        405: _("This method is not allowed here."),
        413: _("What was sent is too large for this server."),
        500: _("Something went wrong on our side."),
    }
    description = getattr(error, "description", None)
    if description and description != type(error).description:
        return description  # a message the view chose for this case
    return messages.get(error.code, description or _("Error"))


def database_problem(error):
    """The operator's problem an OperationalError names (a lazy string), or None for any other error."""
    if not isinstance(error, (OperationalError, sqlite3.OperationalError)):
        return None
    message = str(getattr(error, "orig", None) or error).lower()  # the driver's words, not the SQL's values
    return next((reason for marker, reason in DATABASE_PROBLEMS if marker in message), None)


def database_unavailable(error, reason):
    """503: the database cannot be written (read-only, full disk, locked, missing): logged, and said so."""
    from monitor.db import db

    log.error("The database cannot be written: %s", getattr(error, "orig", None) or error, exc_info=error)
    with suppress(Exception):
        db.session.rollback()  # the page reads the signed-in user and the bell
    try:
        return _database_answer(reason, page=True)
    except Exception:  # the page itself needed the database: answer without it
        log.warning("The error page could not use the database either; answering a bare page")
        with force_locale("en"):
            return _database_answer(reason, page=False)


def _database_answer(reason, page):
    message = _("The database cannot be written: %(reason)s. The server's operator has to fix this; "
                "try again later.", reason=reason)
    if wants_problem_json():
        return problem(503, message)
    if page:
        return render_template("errors/error.html", code=503, message=message), 503
    css = url_for("static", filename="css/app.css")
    return BARE_PAGE.format(css=css, message=escape(message)), 503, {"Content-Type": "text/html; charset=utf-8"}
