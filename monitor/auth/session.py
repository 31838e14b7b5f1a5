"""How a request finds its user: the database decides on every request."""
from flask import flash, g, redirect, request, url_for
from flask_babel import lazy_gettext as _l

from monitor.extensions import login_manager
from monitor.inputs import is_digits
from monitor.services import signin

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please sign in to open this page.")
login_manager.login_message_category = "info"
# "basic": a session whose client (address, browser) changes is no longer "fresh". "strong"
# would sign it out, which also throws out users whose mobile network changes address.
login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(session_id):
    """The active user of a stored session whose version matches; anyone else is signed out.

    `session_id` is `<user id>:<session version>:<token>` (monitor/services/signin.py). Ids
    of the older `<user id>:<version>` form match no session: those users sign in again.
    """
    parts = session_id.split(":")
    if len(parts) != 3:
        return None
    user_id, version, token = parts
    if not is_digits(user_id, 9) or not is_digits(version) or not signin.is_session_token(token):
        return None
    user = signin.session_user(int(user_id), int(version), token)
    if user is None:
        return None
    if not user.active:
        g.deactivated_user = user  # the sign-in page will say why
        return None
    if user.session_version != int(version):
        return None
    return user


@login_manager.unauthorized_handler
def unauthorized():
    """Send the browser to sign in, saying why when the account was deactivated."""
    from monitor.activity.wording import inactive_message
    from monitor.errors import problem, wants_problem_json

    if wants_problem_json():
        return problem(401, "Authorization required")
    user = g.get("deactivated_user")
    if user is not None:
        flash(inactive_message(user), "error")
    else:
        flash(login_manager.login_message, login_manager.login_message_category)
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
