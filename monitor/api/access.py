"""Before every API view: the bearer token and its user, the rate limit, the mobile app's version.

The API is stateless: the token's user becomes `current_user` for this request only, and
requests under /api/ and /oauth2/ get an empty session that is never saved, so no cookie
is read or set whatever the client sends.
"""
from flask import current_app, g, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from werkzeug.exceptions import Unauthorized

from monitor.api import bp, clients
from monitor.api.responses import ApiValidationError
from monitor.errors import problem
from monitor.services import rate_limits, tokens

RATE_LIMIT_PER_SECOND = 7
API_PATHS = ("/api/", "/oauth2/")


def is_api_path(path):
    """Paths the API answers (problem+json, no session)."""
    return path.startswith(API_PATHS)


class StatelessSession(SecureCookieSession):
    """The session of an API request: starts empty, is never saved."""


class ApiAwareSessionInterface(SecureCookieSessionInterface):
    """Cookie sessions for the browser; none for the API."""

    def open_session(self, app, request):
        if is_api_path(request.path):
            return StatelessSession()
        return super().open_session(app, request)

    def save_session(self, app, session, response):
        if isinstance(session, StatelessSession):
            return None
        return super().save_session(app, session, response)


@bp.record_once
def _stateless_api(state):
    state.app.session_interface = ApiAwareSessionInterface()


@bp.before_request
def authenticate():
    """Let the request through as the token's user, or answer 401, 429, 400 or 426."""
    g._login_user = current_app.login_manager.anonymous_user()  # Flask-Login: no session lookup
    token = _bearer_token()
    g._login_user = g.api_user = token.user
    limit = current_app.config.get("API_RATE_LIMIT", RATE_LIMIT_PER_SECOND)
    try:
        rate_limits.count_request(token.id, limit)
    except rate_limits.RateLimited as limited:
        return problem(429, f"Too many requests: at most {limit} per second per token.",
                       headers={"Retry-After": str(limited.retry_after)})
    g.api_channel = clients.channel_for(request.headers.get(clients.HEADER))
    return None


def _bearer_token():
    authorization = request.authorization
    if authorization is None or authorization.type != "bearer" or not authorization.token:
        raise Unauthorized("Send the header Authorization: Bearer <token>.")
    try:
        return tokens.verify(authorization.token)
    except tokens.TokenRefused as refused:
        raise Unauthorized(str(refused)) from None


@bp.errorhandler(ApiValidationError)
def _validation_error(error):
    return error.response()
