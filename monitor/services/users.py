"""Creating and editing users, their rights, their exemption from monitoring and the Activity flag.

At least one active administrator always remains: the rule is checked inside the write
transaction, with the active administrators' rows locked (FOR NO KEY UPDATE on PostgreSQL,
SQLite's write lock), so two administrators demoting each other at once leave one.

Rights per entity (SPEC §10) are saved with the rest: one audit triple per changed cell of the
matrix ("rights-leads-view": "all" → "own"). Changes of rights and exemptions are audited
(monitor/activity/audit.py) in the transaction that makes them: who, when, old → new, and why for an exemption.
"""
from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from werkzeug.security import generate_password_hash

from monitor.activity import audit, reactivate_user
from monitor.db import db
from monitor.inputs import CONTROL_CHARACTERS, is_id
from monitor.models import ActivityEvent, User, UserSession
from monitor.models.users import NEW_USER_RIGHTS
from monitor.services.errors import Forbidden, NotFound, ValidationError
from monitor.services.records import rights as record_rights

MIN_PASSWORD_LENGTH = 8
# Longer than any real value; checked before anything is hashed or stored.
MAX_NAME_LENGTH = 200
MAX_EMAIL_LENGTH = 254
MAX_PASSWORD_LENGTH = 1024
MAX_REASON_LENGTH = 300  # users.exempt_reason


def normalize_email(email):
    """Lower-case, trimmed e-mail: the key users are found by."""
    return (email or "").strip().lower()


def is_valid_email(email):
    """Whether `email` is a syntactically valid address, on any domain: `ivan@corp.local`, `ops@localhost`.

    email_validator refuses special-use names (.local, localhost, .test, …) whatever its switches, since it
    assumes globally deliverable mail; a self-hosted team's mail may live there. Such a name is checked as a
    same-length ordinary one, so every other rule (local part, characters, lengths) still holds.
    """
    address = email or ""
    local, _at, domain = address.rpartition("@")
    lowered = domain.lower()
    for name in SPECIAL_USE_DOMAIN_NAMES:
        if lowered == name or lowered.endswith("." + name):
            address = f"{local}@{domain[:len(domain) - len(name)]}{'x' * len(name)}"
            break
    try:
        validate_email(address, check_deliverability=False, globally_deliverable=False)
    except EmailNotValidError:
        return False
    return True


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


def _errors(user, name, email, password, creating):
    """Field errors of a user's name, e-mail and password (an empty dict when all is well)."""
    errors = {}
    if not (name or "").strip():
        errors["name"] = _l("This field is required.")
    elif len(name.strip()) > MAX_NAME_LENGTH:
        errors["name"] = _l("At most %(n)d characters.", n=MAX_NAME_LENGTH)
    if not is_valid_email(email):
        errors["email"] = _l("Enter a valid e-mail address.")
    else:
        other = find_user(email)
        if other is not None and other is not user:
            errors["email"] = _l("Another user already has this e-mail.")
    password_error = _password_error(password, required=creating)
    if password_error:
        errors["password"] = password_error
    return errors


def _password_error(password, required):
    if not password:
        return _l("This field is required.") if required else None
    if len(password) < MIN_PASSWORD_LENGTH:
        return _l("The password must be at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return _l("At most %(n)d characters.", n=MAX_PASSWORD_LENGTH)
    return None


def create_user(name, email, password, is_admin=False, can_export=False, active=True, monitoring_exempt=False,
                exempt_reason=None, created_by=None, rights=None):
    """Add a user; ValidationError for an empty name, a bad or taken e-mail, a short password, an exemption
    without a reason, a right that is not "all", "own" or "none".

    `rights` ({entity: {right: scope}}) defaults to what a new user starts with (view all, edit all,
    delete own). Made by an administrator in the console (`created_by`), the rights (those other than
    a new user's defaults) and the exemption it starts with are audited; made from the shell or by the
    demo data, they are not.
    """
    errors = _errors(None, name, email, password, creating=True)
    errors.update(rights_errors(rights))
    exemption_errors, exempt_reason = _check_exemption(None, monitoring_exempt, exempt_reason, created_by)
    errors.update(exemption_errors)
    if errors:
        raise ValidationError(errors)
    user = User(
        name=name.strip(),
        email=normalize_email(email),
        is_admin=is_admin,
        can_export=can_export,
        active=active,
        monitoring_exempt=bool(monitoring_exempt),
        exempt_reason=exempt_reason if monitoring_exempt else None,
        rights=record_rights.dump(rights) if rights is not None else NEW_USER_RIGHTS,
    )
    user.set_password(password, current_app.config["PASSWORD_HASH_METHOD"])
    with db.immediate() as session:
        session.add(user)
        if created_by is not None:
            session.flush()  # the audit names the new user by id
            audit.record_change(session, ActivityEvent.RIGHTS_CHANGED, user.id, created_by,
                                [("is_admin", False, bool(is_admin)), ("can_export", False, bool(can_export)),
                                 *_cell_changes(record_rights.NEW_USER, rights or record_rights.NEW_USER)])
            if monitoring_exempt:
                audit.record_change(session, ActivityEvent.EXEMPTED, user.id, created_by,
                                    [("monitoring_exempt", False, True)], reason=exempt_reason)
    return user


def update_user(user, name, email, password, is_admin, can_export, active, acting_user=None,
                monitoring_exempt=None, exempt_reason=None, rights=None):
    """Save an administrator's edit of a user. An empty password leaves it unchanged, `monitoring_exempt=None`
    the exemption and `rights=None` the rights per entity; an administrator who stays one keeps the rights
    stored (they have all of them anyway), so the matrix they are shown never overwrites them.

    Ticking Activity on a deactivated user goes through the activity service, which
    also restarts their counts; unticking it, or setting a password, ends every session
    of theirs (but the acting administrator's own current one). The last active
    administrator keeps both the right and Activity (ValidationError by the field);
    an acting administrator who lost their right meanwhile gets Forbidden. Nobody changes
    their own exemption. Changed rights and exemptions are audited in the same transaction.
    """
    errors = _errors(user, name, email, password, creating=False)
    errors.update(_own_rights_errors(user, is_admin, active, acting_user))
    errors.update(rights_errors(rights))
    if monitoring_exempt is not None:
        exemption_errors, exempt_reason = _check_exemption(user, monitoring_exempt, exempt_reason, acting_user)
        errors.update(exemption_errors)
    if errors:
        raise ValidationError(errors)
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
        if user.is_admin and is_admin:
            rights = None
        _set_rights(session, user, bool(is_admin), bool(can_export), rights, acting_user)
        if monitoring_exempt is not None:
            _set_exemption(session, user, bool(monitoring_exempt), exempt_reason, acting_user)
        if password_hash:
            _set_password(session, user, password_hash, acting_user)
        if was_active and not active:
            user.active = False
            user.session_version = User.session_version + 1
            audit.record_change(session, ActivityEvent.RIGHTS_CHANGED, user.id, acting_user,
                                [("active", True, False)])
    if not was_active and active:
        reactivate_user(user, by=acting_user)
    return user


def reactivate(user, acting_user):
    """One-click reactivation: the same as ticking Activity (counts restart, the history names who).

    False, and nothing written, when the user is already active.
    """
    if user.active:
        return False
    reactivate_user(user, by=acting_user)
    return True


def _own_rights_errors(user, is_admin, active, acting_user):
    if acting_user is not None and acting_user.id == user.id and (not active or not is_admin):
        return {"is_active" if not active else "is_admin": _l(
            "You cannot deactivate yourself or remove your own administrator right."
        )}
    return {}


def _check_exemption(user, exempt, reason, acting_user):
    """(field errors, the reason as stored) of an exemption ticked or not; `user` is None for a new user.

    The reason is one line (runs of whitespace become one space), at most MAX_REASON_LENGTH
    characters, and required when the exemption is ticked.
    """
    text = reason or ""
    if CONTROL_CHARACTERS.search(text):
        return {"exempt_reason": _l("Remove the control characters.")}, None
    text = " ".join(text.split())
    errors = {}
    if len(text) > MAX_REASON_LENGTH:
        errors["exempt_reason"] = _l("At most %(n)d characters.", n=MAX_REASON_LENGTH)
    elif exempt and not text:
        errors["exempt_reason"] = _l("Say why this user is exempt from monitoring.")
    own = user is not None and acting_user is not None and acting_user.id == user.id
    if own and (bool(exempt) != user.monitoring_exempt or (exempt and text != (user.exempt_reason or ""))):
        errors["monitoring_exempt"] = _l("You cannot change your own exemption: ask another administrator.")
    return errors, text or None


def rights_errors(rights):
    """Field errors of a rights matrix ({entity: {right: scope}}, None for none given), by the cell's field
    name ("rights-leads-view"): every kind and right must be there, each exactly "all", "own" or "none"."""
    if rights is None:
        return {}
    errors = {}
    for entity in record_rights.ALL:
        given = rights.get(entity) if isinstance(rights, dict) and isinstance(rights.get(entity), dict) else {}
        for right in record_rights.RIGHTS:
            if given.get(right) not in record_rights.SCOPES:
                errors[f"rights-{entity}-{right}"] = _l("Choose All, Own or None.")
    return errors


def _cell_changes(old, new):
    """(field, old, new) of every cell of the rights matrix, for the audit (it keeps those that differ)."""
    return [(f"rights-{entity}-{right}", old[entity][right], new[entity][right])
            for entity in record_rights.ALL for right in record_rights.RIGHTS]


def _set_rights(session, user, is_admin, can_export, rights, by):
    """Save the administrator flag, the export right and (unless None) the rights per entity, audited."""
    changes = [("is_admin", user.is_admin, is_admin), ("can_export", user.can_export, can_export)]
    if rights is not None:
        changes += _cell_changes(record_rights.load(user.rights), rights)
        user.rights = record_rights.dump(rights)
    audit.record_change(session, ActivityEvent.RIGHTS_CHANGED, user.id, by, changes)
    user.is_admin, user.can_export = is_admin, can_export


def _set_exemption(session, user, exempt, reason, by):
    """Save the exemption; ticking it (or giving a new reason) is EXEMPTED with the reason, unticking it
    UNEXEMPTED, with a reason only when one other than the old one was typed."""
    was_exempt, old_reason = user.monitoring_exempt, user.exempt_reason
    if exempt and (not was_exempt or reason != old_reason):
        audit.record_change(session, ActivityEvent.EXEMPTED, user.id, by, [("monitoring_exempt", was_exempt, True)],
                            reason=reason)
    elif was_exempt and not exempt:
        audit.record_change(session, ActivityEvent.UNEXEMPTED, user.id, by, [("monitoring_exempt", True, False)],
                            reason=reason if reason != old_reason else None)
    user.monitoring_exempt = exempt
    user.exempt_reason = reason if exempt else None


def _set_password(session, user, password_hash, acting_user):
    """A new password ends the user's sessions, but the acting administrator's own current one."""
    user.password_hash = password_hash
    user.session_version = User.session_version + 1
    own = acting_user is not None and acting_user.id == user.id
    end_sessions(session, user.id, keep_token=acting_user.session_token if own else None)


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
