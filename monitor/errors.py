"""Error pages: HTML for the browser, problem+json under /api."""
from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError


def wants_problem_json():
    """API paths answer problem+json, everything else HTML."""
    return request.path.startswith(("/api/", "/oauth2/"))


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

    @app.errorhandler(CSRFError)
    def _csrf_error(error):
        if wants_problem_json():
            return problem(400, error.description)
        message = _("The form expired or was sent from elsewhere. Reload the page and try again.")
        return render_template("errors/error.html", code=400, message=message), 400

    @app.errorhandler(HTTPException)
    def _http_error(error):
        # Keep the exception's own headers (Allow on a 405, Retry-After, ...).
        headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
        if wants_problem_json():
            return problem(error.code, error.description, headers=headers)
        page = render_template("errors/error.html", code=error.code, message=_error_message(error))
        return page, error.code, headers

    @app.errorhandler(InternalServerError)
    def _internal_error(error):
        if wants_problem_json():
            return problem(500, "Internal server error")
        return render_template("errors/error.html", code=500, message=_error_message(error)), 500


def _error_message(error):
    messages = {
        400: _("The request was not understood."),
        403: _("You do not have access to this page."),
        404: _("This page does not exist."),
        405: _("This method is not allowed here."),
        500: _("Something went wrong on our side."),
    }
    description = getattr(error, "description", None)
    if description and description != type(error).description:
        return description  # a message the view chose for this case
    return messages.get(error.code, description or _("Error"))
