"""How a request finds its user: the database decides on every request."""
from flask import flash, g, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import user_logged_out

from monitor.extensions import login_manager
from monitor.inputs import is_digits
from monitor.services import signin

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please sign in to open this page.")
login_manager.login_message_category = "info"
# "basic": a session whose client (address, browser) changes is no longer "fresh". "strong"
# would sign it out, which also throws out users whose mobile network changes address.
login_manager.session_protection = "basic"
# The id of a user whose session ended because the account was deactivated: /login says why (and whom to ask)
# on every visit until someone signs in, wherever the refusal happened (a page, a fetch, a later click).
DEACTIVATED_KEY = "deactivated_user_id"


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
    from monitor.errors import problem, wants_problem_json

    if wants_problem_json():
        return problem(401, "Authorization required")
    user = g.get("deactivated_user")
    if user is not None:
        remember_deactivation(user)  # /login says it in its one place for errors, not as a flash
    elif DEACTIVATED_KEY not in session:  # else signed out by a refusal already: /login says why
        flash(login_manager.login_message, login_manager.login_message_category)
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def remember_deactivation(user):
    """Keep, in this browser's session, that its user's session ended because the account is deactivated."""
    session[DEACTIVATED_KEY] = user.id


def deactivation_note():
    """Why the last user of this browser was signed out, while their account is still deactivated; else None."""
    from monitor.activity.wording import inactive_message
    from monitor.db import db
    from monitor.models import User

    user_id = session.get(DEACTIVATED_KEY)
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or user.active:
        session.pop(DEACTIVATED_KEY, None)  # let back in meanwhile (or gone): nothing to explain
        return None
    return inactive_message(user)


def forget_deactivation():
    """Someone signed in: the note about the last one is done."""
    session.pop(DEACTIVATED_KEY, None)


@user_logged_out.connect
def _note_a_deactivated_sign_out(_app, user=None, **_extra):
    # A refusal by activity monitoring signs its user out (monitor/activity/handlers.py): the next page says why.
    if user is not None and getattr(user, "is_authenticated", False) and not user.active:
        remember_deactivation(user)
