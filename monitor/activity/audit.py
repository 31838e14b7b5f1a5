"""The audit of the rules themselves (SPEC §9): who changed the activity settings, an exemption,
rights or an API token, when, and the old → new values.

Audit entries are ActivityEvent rows (so /settings/activity/history lists them with the
deactivations), written in the transaction that makes the change: `user_id` is whom the change
concerns (the acting administrator for account settings), `by_user_id` who made it, `details`
JSON: {"changes": [[field, old, new], ...], "reason": "..."}.
"""
import json

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from monitor.clock import utcnow
from monitor.models import ActivityEvent

AUDITED = (ActivityEvent.EXEMPTED, ActivityEvent.UNEXEMPTED, ActivityEvent.SETTINGS_CHANGED,
           ActivityEvent.RIGHTS_CHANGED, ActivityEvent.TOKEN_CREATED, ActivityEvent.TOKEN_REVOKED)
# How a changed field is named in the history.
FIELDS = {
    "card_limit": _l("Card views limit"), "card_period": _l("Card views period"),
    "list_limit": _l("List elements limit"), "list_period": _l("List elements period"),
    "action": _l("Action"), "timezone": _l("Time zone"), "warn_percent": _l("Warning at (%)"),
    "warn_admins": _l("Warn administrators"), "is_admin": _l("Administrator"), "can_export": _l("Export"),
    "active": _l("Activity"), "monitoring_exempt": _l("Exempt from monitoring"), "token": _l("API token"),
    # Rights per entity (SPEC §10): a cell of the rights matrix, its old and new scope.
    "rights-leads-view": _l("Deals: view"), "rights-leads-edit": _l("Deals: edit"),
    "rights-leads-delete": _l("Deals: delete"),
    "rights-contacts-view": _l("Contacts: view"), "rights-contacts-edit": _l("Contacts: edit"),
    "rights-contacts-delete": _l("Contacts: delete"),
    "rights-companies-view": _l("Companies: view"), "rights-companies-edit": _l("Companies: edit"),
    "rights-companies-delete": _l("Companies: delete"),
    "rights-customers-view": _l("Customers: view"), "rights-customers-edit": _l("Customers: edit"),
    "rights-customers-delete": _l("Customers: delete"),
}
# How a right's scope is named in the history (only for the rights matrix's fields).
SCOPES = {"all": _l("all"), "own": _l("own"), "none": _l("none")}


def record_change(session, event, subject_id, by, changes=(), reason=None):
    """Add an audit event for the fields that differ among `changes` ((field, old, new) triples).

    Returns the event, or None when nothing changed and there is no reason to keep.
    """
    changed = [[field, _text(old), _text(new)] for field, old, new in changes if old != new]
    if not changed and not reason:
        return None
    details = {"changes": changed}
    if reason:
        details["reason"] = reason
    entry = ActivityEvent(event=event, user_id=subject_id, by_user_id=by.id if by is not None else None,
                          created_at=utcnow(), details=json.dumps(details, ensure_ascii=False))
    session.add(entry)
    return entry


def changes_of(event):
    """[(field label, old, new)] of an audit event, in the reader's language."""
    details = json.loads(event.details) if event.details else {}
    words = {"yes": gettext("yes"), "no": gettext("no")}
    return [(FIELDS.get(field, field), *(_word(field, value, words) for value in (old, new)))
            for field, old, new in details.get("changes", [])]


def _word(field, value, words):
    """A changed value in the reader's language: yes/no, or a right's scope (all/own/none)."""
    if field.startswith("rights-"):
        return str(SCOPES.get(value, value))
    return words.get(value, value)


def reason_of(event):
    return (json.loads(event.details) if event.details else {}).get("reason")


def _text(value):
    """A value as the history shows it: empty for none, yes/no for booleans."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
