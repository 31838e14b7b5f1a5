"""Signing in: the password check, throttling of failures, and the sessions a sign-in starts.

Throttling. Before any password is checked, an attempt reserves its place in up to three
counters, each an atomic upsert that returns the new count, in one write transaction
(BEGIN IMMEDIATE on SQLite, row locks on PostgreSQL):

- the e-mail from this address: at most LOGIN_MAX_FAILURES (5);
- this address, over all e-mails: at most LOGIN_MAX_FAILURES_PER_ADDRESS (20);
- the e-mail, over all addresses except the ones the account is known at:
  at most LOGIN_MAX_FAILURES_PER_ACCOUNT (50).

The attempt that brings a counter to its limit locks that counter for LOGIN_LOCK_SECONDS
(60) as it starts; an attempt past any limit is refused without checking the password, and
its reservation is rolled back, so it stores nothing. When a lock has run out, the next
attempt is let through and locks again as it starts: one more guess per lock period until a
success. So however many attempts run in parallel, at most the limit are ever checked.
The right password clears this e-mail's counter at this address and the address's counter,
and makes the address known to the account for LOGIN_KNOWN_ADDRESS_DAYS (30). Failures at a
known address neither count toward nor wait for the account-wide counter: a stranger who
locks an account, from one address or from many, does not lock its owner out of the places
they sign in from; from a new address the owner waits like everyone else.

The address is `request.remote_addr` as the WSGI server saw it; an IPv6 address counts as
its /64 network (one host usually has the whole network). Behind a reverse proxy that is the
proxy's address, so every client would share one: wrap the WSGI app in werkzeug's ProxyFix,
trusting exactly the proxies in front; X-Forwarded-For is never read otherwise. Keys are
SHA-256 digests, and e-mails or passwords longer than any real one are refused before
anything is stored.

Sessions. A sign-in stores a row per browser (the digest of a random token); the session
and remember-me cookies carry `<user id>:<session version>:<token>`. Signing out deletes the
row, so a copied cookie stops working; a session unused for SESSION_IDLE_DAYS ends.
"""
import hashlib
import ipaddress
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import DateTime, Integer, and_, bindparam, delete, or_, select, text, update
from sqlalchemy.exc import OperationalError
from werkzeug.security import check_password_hash, generate_password_hash

from monitor.activity.wording import deactivation_message, inactive_message
from monitor.clock import utcnow
from monitor.db import db
from monitor.models import LoginThrottle, User, UserSession
from monitor.services.users import MAX_EMAIL_LENGTH, MAX_PASSWORD_LENGTH, find_user, normalize_email

PAIR, ADDRESS, ACCOUNT, KNOWN = "pair", "address", "account", "known"
KEEP_COUNTERS = timedelta(days=1)
SEEN_EVERY = timedelta(minutes=1)
TOKEN_BYTES = 32
_TOKEN_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
_DUMMY_HASHES = {}

# One attempt more for a counter. Past its lock, the count restarts at the limit: the next
# attempt locks again as it starts. The upsert style of every counter but activity's (see
# services/rate_limits.py): a portable text() statement through the ORM session.
_RESERVE = text(
    "INSERT INTO login_throttle (key, kind, attempts, locked_until, updated_at) "
    "VALUES (:key, :scope, 1, CASE WHEN 1 >= :limit THEN :lock_until END, :now) "
    "ON CONFLICT (key) DO UPDATE SET "
    "attempts = CASE WHEN login_throttle.locked_until <= :now THEN :limit "
    "ELSE login_throttle.attempts + 1 END, "
    "locked_until = CASE WHEN login_throttle.locked_until <= :now THEN :lock_until "
    "WHEN login_throttle.attempts + 1 >= :limit THEN COALESCE(login_throttle.locked_until, :lock_until) "
    "ELSE login_throttle.locked_until END, "
    "updated_at = :now "
    "RETURNING attempts, locked_until"
).bindparams(
    bindparam("lock_until", type_=DateTime()), bindparam("now", type_=DateTime()),
).columns(attempts=Integer(), locked_until=DateTime())

_MARK_KNOWN = text(
    "INSERT INTO login_throttle (key, kind, attempts, locked_until, updated_at) "
    "VALUES (:key, :scope, 0, NULL, :now) ON CONFLICT (key) DO UPDATE SET updated_at = :now"
).bindparams(bindparam("now", type_=DateTime()))


class SignInRefused(Exception):
    """Sign-in refused; the message says why (shown on the form)."""


def authenticate(email, password, address):
    """Return the user for these credentials or raise SignInRefused with the reason.

    `address` is the client's address (request.remote_addr).
    """
    email = normalize_email(email)
    password = password or ""
    if len(email) > MAX_EMAIL_LENGTH or len(password) > MAX_PASSWORD_LENGTH:
        raise SignInRefused(_("Wrong e-mail or password."))  # no such account; nothing is stored
    network = client_network(address)
    _reserve_attempt(email, network, utcnow())
    user = find_user(email)
    if user is None:
        _check_against_dummy(password)  # as long as a wrong password: no telling who has an account
        raise SignInRefused(_("Wrong e-mail or password."))
    if not user.check_password(password):
        raise SignInRefused(_("Wrong e-mail or password."))
    _clear_after_success(email, network, utcnow())
    if not user.active:
        raise SignInRefused(inactive_reason(user))
    return user


def inactive_reason(user):
    """Why a deactivated user cannot sign in: the monitoring limit, or an administrator."""
    return deactivation_message(user) or inactive_message(user)


def client_network(address):
    """What the throttle counts an address as: an IPv4 address, an IPv6 /64 network."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return "unknown"
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _key(scope, *parts):
    return hashlib.sha256("\n".join((scope, *parts)).encode()).hexdigest()


def _reserve_attempt(email, network, now):
    """Count this attempt in its counters; SignInRefused (nothing stored) when one is past its limit."""
    config = current_app.config
    lock_until = now + timedelta(seconds=config["LOGIN_LOCK_SECONDS"])
    counters = [
        (PAIR, _key(PAIR, email, network), config["LOGIN_MAX_FAILURES"]),
        (ADDRESS, _key(ADDRESS, network), config["LOGIN_MAX_FAILURES_PER_ADDRESS"]),
    ]
    with db.immediate() as session:
        if not _is_known(session, email, network, now):
            counters.append((ACCOUNT, _key(ACCOUNT, email), config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]))
        for scope, key, limit in counters:
            attempts, locked_until = session.execute(_RESERVE, {
                "key": key, "scope": scope, "limit": limit, "lock_until": lock_until, "now": now,
            }).one()
            if attempts > limit:  # raising rolls the whole reservation back
                seconds = max(1, int((locked_until - now).total_seconds()) + 1)
                raise SignInRefused(
                    _("Too many failed sign-ins. Try again in %(seconds)d seconds.", seconds=seconds)
                )


def _is_known(session, email, network, now):
    since = now - timedelta(days=current_app.config["LOGIN_KNOWN_ADDRESS_DAYS"])
    return session.scalar(select(LoginThrottle.key).where(
        LoginThrottle.key == _key(KNOWN, email, network), LoginThrottle.updated_at >= since)) is not None


def _clear_after_success(email, network, now):
    with db.immediate() as session:
        session.execute(delete(LoginThrottle).where(
            LoginThrottle.key.in_((_key(PAIR, email, network), _key(ADDRESS, network)))))
        session.execute(_MARK_KNOWN, {"key": _key(KNOWN, email, network), "scope": KNOWN, "now": now})


def _check_against_dummy(password):
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash(secrets.token_hex(16), method=method)
    check_password_hash(_DUMMY_HASHES[method], password)


def stale_throttles(now):
    """The statement that drops counters a day quiet, and addresses no longer known."""
    known_since = now - timedelta(days=current_app.config["LOGIN_KNOWN_ADDRESS_DAYS"])
    return delete(LoginThrottle).where(or_(
        and_(LoginThrottle.scope != KNOWN, LoginThrottle.updated_at < now - KEEP_COUNTERS),
        and_(LoginThrottle.scope == KNOWN, LoginThrottle.updated_at < known_since),
    ))


def start_session(user):
    """Store a new session for this user (ending their least recently used past the cap)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    key = UserSession.key_for(token)
    now = utcnow()
    others_kept = (
        select(UserSession.id).where(UserSession.user_id == user.id, UserSession.id != key)
        .order_by(UserSession.last_seen_at.desc(), UserSession.created_at.desc(), UserSession.id)
        .limit(current_app.config["SESSIONS_PER_USER"] - 1)
    )
    with db.immediate() as session:
        session.add(UserSession(id=key, user_id=user.id, created_at=now, last_seen_at=now))
        session.flush()
        session.execute(delete(UserSession).where(
            UserSession.user_id == user.id, UserSession.id != key, UserSession.id.not_in(others_kept)))
    user.session_token = token


def is_session_token(token):
    """Whether `token` could be one start_session made (so nothing else is looked up)."""
    return 20 <= len(token) <= 64 and set(token) <= _TOKEN_CHARACTERS


def session_user(user_id, version, token):
    """The user of this stored session (active or not), or None when it has ended.

    A live session is marked as seen at most once a minute, not on every request.
    """
    key = UserSession.key_for(token)
    row = db.session.execute(
        select(User, UserSession.last_seen_at).join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.id == key, User.id == user_id)
    ).first()
    if row is None:
        return None
    user, last_seen = row
    now = utcnow()
    if last_seen < now - timedelta(days=current_app.config["SESSION_IDLE_DAYS"]):
        return None
    user.session_token = token
    # Flask-Login loads the user at the start of a request (login_required, the blueprints'
    # guards), before the view opens a transaction of its own, so this write commits nothing else.
    if user.active and user.session_version == version and now - last_seen >= SEEN_EVERY:
        _mark_seen(key, now)
    return user


def _mark_seen(key, now):
    """Best effort: a database that cannot take the write (read-only, locked) must not refuse a read."""
    try:
        with db.immediate() as session:
            session.execute(update(UserSession).where(UserSession.id == key).values(last_seen_at=now))
    except OperationalError as error:
        current_app.logger.warning("Session not marked as seen: %s", error)


def end_session(user):
    """Sign-out: this session ends for good, whichever cookie carries it."""
    if user.session_token is None:
        return
    with db.immediate() as session:
        session.execute(delete(UserSession).where(UserSession.id == UserSession.key_for(user.session_token)))


def stale_sessions(now):
    """The statement that drops sessions unused for SESSION_IDLE_DAYS."""
    idle_since = now - timedelta(days=current_app.config["SESSION_IDLE_DAYS"])
    return delete(UserSession).where(UserSession.last_seen_at < idle_since)
