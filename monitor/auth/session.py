"""How a request finds its user: the database decides on every request."""
from flask import flash, g, redirect, request, url_for
from flask_babel import lazy_gettext as _l

from monitor.db import db
from monitor.extensions import login_manager
from monitor.models import User
from monitor.numbers import is_digits

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please sign in to open this page.")
login_manager.login_message_category = "info"
# "basic": a session whose client (address, browser) changes is no longer "fresh". "strong"
# would sign it out, which also throws out users whose mobile network changes address.
login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(session_id):
    """Active user whose session version matches; anyone else is signed out."""
    user_id, _sep, version = session_id.partition(":")
    if not is_digits(user_id, 9) or not is_digits(version):
        return None
    user = db.session.get(User, int(user_id))
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
    from monitor.services.signin import inactive_reason

    if wants_problem_json():
        return problem(401, "Authorization required")
    user = g.get("deactivated_user")
    if user is not None:
        flash(inactive_reason(user), "error")
    else:
        flash(login_manager.login_message, login_manager.login_message_category)
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
