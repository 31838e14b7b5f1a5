"""Creating and editing users, their rights and the Activity flag.

At least one active administrator always remains: the rule is checked inside the write
transaction, with the active administrators' rows locked (FOR NO KEY UPDATE on PostgreSQL,
SQLite's write lock), so two administrators demoting each other at once leave one.
"""
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from werkzeug.security import generate_password_hash

from monitor.db import db
from monitor.inputs import is_id
from monitor.models import User, UserSession
from monitor.services.errors import Forbidden, NotFound, ValidationError

MIN_PASSWORD_LENGTH = 8
# Longer than any real value; checked before anything is hashed or stored.
MAX_NAME_LENGTH = 200
MAX_EMAIL_LENGTH = 254
MAX_PASSWORD_LENGTH = 1024


def normalize_email(email):
    """Lower-case, trimmed e-mail: the key users are found by."""
    return (email or "").strip().lower()


def find_user(email):
    """The user with this e-mail, or None."""
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def get_user(user_id):
    """The user with this id; NotFound otherwise (also for a number no id column holds)."""
    user = db.session.get(User, user_id) if is_id(user_id) else None
    if user is None:
        raise NotFound(user_id)
    return user


def list_users(status=None):
    """Users by name, optionally only the active or only the deactivated ones."""
    query = select(User).order_by(func.lower(User.name), User.id)
    if status == "active":
        query = query.where(User.active.is_(True))
    elif status == "deactivated":
        query = query.where(User.active.is_(False))
    return db.session.scalars(query).all()


def _check(user, name, email, password, creating):
    errors = {}
    if not (name or "").strip():
        errors["name"] = _l("Enter a name.")
    elif len(name.strip()) > MAX_NAME_LENGTH:
        errors["name"] = _l("At most %(n)d characters.", n=MAX_NAME_LENGTH)
    try:
        validate_email(email or "", check_deliverability=False)
    except EmailNotValidError:
        errors["email"] = _l("Enter a valid e-mail address.")
    else:
        other = find_user(email)
        if other is not None and other is not user:
            errors["email"] = _l("Another user already has this e-mail.")
    password_error = _password_error(password, required=creating)
    if password_error:
        errors["password"] = password_error
    if errors:
        raise ValidationError(errors)


def _password_error(password, required):
    if not password:
        return _l("Enter a password.") if required else None
    if len(password) < MIN_PASSWORD_LENGTH:
        return _l("The password must be at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return _l("At most %(n)d characters.", n=MAX_PASSWORD_LENGTH)
    return None


def create_user(name, email, password, is_admin=False, can_export=False, active=True):
    """Add a user; ValidationError for an empty name, a bad or taken e-mail, a short password."""
    _check(None, name, email, password, creating=True)
    user = User(
        name=name.strip(),
        email=normalize_email(email),
        is_admin=is_admin,
        can_export=can_export,
        active=active,
    )
    user.set_password(password, current_app.config["PASSWORD_HASH_METHOD"])
    with db.immediate() as session:
        session.add(user)
    return user


def update_user(user, name, email, password, is_admin, can_export, active, acting_user=None):
    """Save an administrator's edit of a user. An empty password leaves it unchanged.

    Ticking Activity on a deactivated user goes through the activity service, which
    also restarts their counts; unticking it, or setting a password, ends every session
    of theirs (but the acting administrator's own current one). The last active
    administrator keeps both the right and Activity (ValidationError by the field);
    an acting administrator who lost their right meanwhile gets Forbidden.
    """
    _check(user, name, email, password, creating=False)
    if acting_user is not None and acting_user.id == user.id and (not active or not is_admin):
        raise ValidationError({"is_active" if not active else "is_admin": _l(
            "You cannot deactivate yourself or remove your own administrator right."
        )})
    password_hash = (
        generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"]) if password else None
    )
    with db.immediate() as session:
        # The administrators' rows first, in id order, then the user's row, as they are now:
        # every writer takes them in the same order, so two edits wait instead of deadlocking.
        admins = _lock_active_admins(session)
        session.refresh(user, with_for_update={"key_share": True})
        _keep_an_administrator(user, admins, is_admin, active, acting_user)
        was_active = user.active
        user.name = name.strip()
        user.email = normalize_email(email)
        user.is_admin = is_admin
        user.can_export = can_export
        if password_hash:
            user.password_hash = password_hash
            user.session_version = User.session_version + 1
            own = acting_user is not None and acting_user.id == user.id
            end_sessions(session, user.id, keep_token=acting_user.session_token if own else None)
        if was_active and not active:
            user.active = False
            user.session_version = User.session_version + 1
    if not was_active and active:
        from monitor.activity import reactivate_user

        reactivate_user(user, by=acting_user)
    return user


def _lock_active_admins(session):
    """Ids of the active administrators, their rows locked until the transaction ends."""
    return set(session.scalars(
        select(User.id).where(User.is_admin.is_(True), User.active.is_(True)).order_by(User.id)
        .with_for_update(key_share=True)
    ).all())


def _keep_an_administrator(user, admins, is_admin, active, acting_user):
    if user.id in admins and not (is_admin and active) and admins <= {user.id}:
        raise ValidationError({"is_admin" if not is_admin else "is_active": _l(
            "This is the last active administrator: at least one must remain."
        )})
    if acting_user is not None and acting_user.id not in admins:
        raise Forbidden(acting_user.id)


def end_sessions(session, user_id, keep_token=None):
    """End a user's stored sessions (but the one of `keep_token`), inside the caller's transaction."""
    statement = delete(UserSession).where(UserSession.user_id == user_id)
    if keep_token is not None:
        statement = statement.where(UserSession.id != UserSession.key_for(keep_token))
    session.execute(statement)


def change_own_password(user, current_password, new_password):
    """A user's own password change; other sessions of theirs end."""
    if not user.check_password(current_password or ""):
        raise ValidationError({"current_password": _l("The current password is wrong.")})
    error = _password_error(new_password, required=True)
    if error:
        raise ValidationError({"new_password": error})
    password_hash = generate_password_hash(new_password, method=current_app.config["PASSWORD_HASH_METHOD"])
    with db.immediate() as session:
        session.add(user)
        user.password_hash = password_hash
        user.session_version = User.session_version + 1
        end_sessions(session, user.id, keep_token=user.session_token)


def set_language(user, language):
    """Save the user's interface language (None = follow the browser)."""
    if language not in current_app.config["LANGUAGES"]:
        language = None
    with db.immediate() as session:
        session.add(user)
        user.language = language
