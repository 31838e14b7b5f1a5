"""Long-lived API tokens: create (the secret is shown once), verify, revoke, list.

A token is `tly_` plus 43 URL-safe characters (256 random bits). Only its SHA-256 is
stored: with that much entropy a fast hash is as safe as a slow one, and verifying a
request costs one indexed lookup.

Creating and revoking a token is audited (monitor/activity/audit.py) in the same transaction:
the token's name, whose it is, its expiry and who did it; never the secret.
"""
import hashlib
import secrets
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from monitor.activity import audit
from monitor.activity.settings import get_settings
from monitor.activity.windows import local_time
from monitor.activity.wording import deactivation_message
from monitor.clock import utcnow
from monitor.db import db
from monitor.inputs import is_id
from monitor.models import ActivityEvent, ApiToken, User
from monitor.services.errors import NotFound, ValidationError

PREFIX = "tly_"
MAX_NAME_LENGTH = 100
MIN_DAYS = 1
MAX_DAYS = 3650
DEFAULT_DAYS = 365
# last_used_at is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenRefused(Exception):
    """The bearer token cannot be used; the message says why (it goes into the 401 detail)."""


def hash_token(plain):
    """The stored form of a token."""
    return hashlib.sha256(plain.encode("utf-8")).hexdigest()


def _check(user, name, days):
    errors = {}
    if user is None:
        errors["user_id"] = _l("Choose a user.")
    elif not user.active:
        errors["user_id"] = _l("This user is deactivated: tick Activity for them first.")
    if not (name or "").strip():
        errors["name"] = _l("This field is required.")
    elif len(name.strip()) > MAX_NAME_LENGTH:
        errors["name"] = _l("At most %(n)d characters.", n=MAX_NAME_LENGTH)
    if isinstance(days, bool) or not isinstance(days, int) or not MIN_DAYS <= days <= MAX_DAYS:
        errors["days"] = _l("Enter a whole number of days from %(low)d to %(high)d.", low=MIN_DAYS, high=MAX_DAYS)
    if errors:
        raise ValidationError(errors)


def create_token(user_id, name, days, created_by=None):
    """Make a token for a user valid `days` days; returns (token, plain secret), the secret only this once.

    `created_by` is the administrator who made it (None from the server's shell).
    """
    plain = PREFIX + secrets.token_urlsafe(32)
    with db.immediate() as session:
        # Read under the write lock: a user deactivated meanwhile gets no token.
        user = session.get(User, user_id, populate_existing=True) if is_id(user_id) else None
        _check(user, name, days)
        now = utcnow()
        token = ApiToken(
            user_id=user.id, name=name.strip(), token_hash=hash_token(plain), hint=plain[-4:],
            created_by_id=created_by.id if created_by is not None else None,
            created_at=now, expires_at=now + timedelta(days=days),
        )
        session.add(token)
        audit.record_change(session, ActivityEvent.TOKEN_CREATED, user.id, created_by,
                            [("token", None, token.name), ("expires_at", None, _expiry(token))])
    return token, plain


def _expiry(token):
    """When a token expires, as the history keeps it: in the account's time zone, naming it."""
    zone = get_settings().timezone
    return f"{local_time(token.expires_at, zone, '%Y-%m-%d %H:%M')} ({zone})"


def verify(plain):
    """The token (with its user) this secret names, if it may be used now; TokenRefused otherwise."""
    token = None
    if plain and plain.startswith(PREFIX):
        token = db.session.scalar(
            select(ApiToken).options(joinedload(ApiToken.user)).where(ApiToken.token_hash == hash_token(plain))
        )
    if token is None:
        raise TokenRefused("Unknown token")
    now = utcnow()
    if not token.user.active:  # first: say why (monitoring also revokes the tokens it stops)
        raise TokenRefused(_user_deactivated(token.user))
    status = token.status(now)
    if status != "active":
        raise TokenRefused(f"The token is {status}")
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        # A write of its own (BEGIN IMMEDIATE): upgrading the read above could fail under load.
        with db.immediate() as session:
            session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
        set_committed_value(token, "last_used_at", now)
    return token


def _user_deactivated(user):
    return str(deactivation_message(user) or "The token's user is deactivated")


def revoke(token_id, by=None):
    """Revoke a token for good (revoking it again changes nothing); NotFound for an unknown id.

    `by` is the administrator who revoked it, named in the history.
    """
    with db.immediate() as session:
        token = session.get(ApiToken, token_id, populate_existing=True) if is_id(token_id) else None
        if token is None:
            raise NotFound(token_id)
        if token.revoked_at is None:
            token.revoked_at = utcnow()
            audit.record_change(session, ActivityEvent.TOKEN_REVOKED, token.user_id, by, [("token", token.name, None)])
    return token


def revoked_by_monitoring(token_list):
    """Ids of the tokens among `token_list` that activity monitoring revoked.

    A deactivation revokes its user's tokens with the very moment it records
    (monitor/activity/service.py writes both with one `now`), so a token revoked at the time
    of its user's deactivation was revoked by it: no column of its own is needed.
    """
    revoked = [token for token in token_list if token.revoked_at is not None]
    if not revoked:
        return set()
    moments = {tuple(row) for row in db.session.execute(
        select(ActivityEvent.user_id, ActivityEvent.created_at)
        .where(ActivityEvent.event == ActivityEvent.DEACTIVATED,
               ActivityEvent.user_id.in_({token.user_id for token in revoked}),
               ActivityEvent.created_at.in_({token.revoked_at for token in revoked}))
    )}
    return {token.id for token in revoked if (token.user_id, token.revoked_at) in moments}


def list_tokens():
    """Every token with its user, newest first."""
    query = select(ApiToken).options(joinedload(ApiToken.user)).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    return db.session.scalars(query).all()

