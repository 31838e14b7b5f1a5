"""Signing in: password check, deactivated accounts, throttling of repeated failures."""
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import DateTime, bindparam, delete, text

from monitor.clock import utcnow
from monitor.db import db
from monitor.models import LoginThrottle
from monitor.services.users import find_user, normalize_email

_RECORD_FAILURE = text(
    "INSERT INTO login_throttle (email, failures, locked_until) VALUES (:email, 1, NULL) "
    "ON CONFLICT (email) DO UPDATE SET failures = login_throttle.failures + 1, "
    "locked_until = CASE WHEN login_throttle.failures + 1 >= :max_failures "
    "THEN :locked_until ELSE login_throttle.locked_until END"
).bindparams(bindparam("locked_until", type_=DateTime()))


class SignInRefused(Exception):
    """Sign-in refused; the message says why (shown on the form)."""


def authenticate(email, password):
    """Return the user for these credentials or raise SignInRefused with the reason."""
    email = normalize_email(email)
    now = utcnow()
    throttle = db.session.get(LoginThrottle, email)
    if throttle is not None and throttle.locked_until and throttle.locked_until > now:
        seconds = int((throttle.locked_until - now).total_seconds()) + 1
        raise SignInRefused(
            _("Too many failed sign-ins. Try again in %(seconds)d seconds.", seconds=seconds)
        )
    user = find_user(email)
    if user is None or not user.check_password(password or ""):
        _record_failure(email, now)
        raise SignInRefused(_("Wrong e-mail or password."))
    if not user.active:
        raise SignInRefused(inactive_reason(user))
    if throttle is not None:
        with db.immediate() as session:
            session.execute(delete(LoginThrottle).where(LoginThrottle.email == email))
    return user


def inactive_reason(user):
    """Why a deactivated user cannot sign in: the monitoring limit, or an administrator."""
    from monitor.activity import deactivation_message

    return deactivation_message(user) or _(
        "Your account is deactivated. Ask an administrator to tick Activity for you."
    )


def _record_failure(email, now):
    """Count a failure atomically; lock the e-mail for a while after too many."""
    config = current_app.config
    locked_until = now + timedelta(seconds=config["LOGIN_LOCK_SECONDS"])
    with db.immediate() as session:
        session.execute(_RECORD_FAILURE, {
            "email": email, "max_failures": config["LOGIN_MAX_FAILURES"], "locked_until": locked_until,
        })
