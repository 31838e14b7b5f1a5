"""Bulk actions from a list page (SPEC §10): `POST /<entity>/bulk` with `ids` (repeatable), `action`, `value`.

All or nothing (services.records.bulk). A delete first answers a confirmation page that says how
many records and names none; only a `confirm` (`yes`, or `1`/`true`/`on`) deletes. Nothing here shows a record, so
nothing is charged. Bad input is a 400 page saying why, with the way back to the list; success
goes back to the list page the records were ticked on (`next`, a local path only) with a flash.
The form is CSRF-protected like every form (a missing token is the app's 400).
"""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import ngettext

from monitor.auth.views import safe_next
from monitor.crm import bp, entities
from monitor.crm.views import acting_user
from monitor.services import records
from monitor.services.errors import ValidationError
from monitor.services.records import bulk as bulk_actions

MAX_NEXT = 2000  # longer is no list's address: ignored
# What a confirmation may send: the page's own button sends "yes"; a checkbox or a script "1", "true" or "on".
CONFIRMED = ("yes", "1", "true", "on")

# What a list says it did, and asks before a delete: entity -> phrase -> count -> text.
PHRASES = {
    "leads": {
        "updated": lambda n: ngettext("%(num)s deal updated.", "%(num)s deals updated.", n),
        "deleted": lambda n: ngettext("%(num)s deal deleted.", "%(num)s deals deleted.", n),
        "confirm": lambda n: ngettext("Delete %(num)s deal?", "Delete %(num)s deals?", n),
    },
    "contacts": {
        "updated": lambda n: ngettext("%(num)s contact updated.", "%(num)s contacts updated.", n),
        "deleted": lambda n: ngettext("%(num)s contact deleted.", "%(num)s contacts deleted.", n),
        "confirm": lambda n: ngettext("Delete %(num)s contact?", "Delete %(num)s contacts?", n),
    },
    "companies": {
        "updated": lambda n: ngettext("%(num)s company updated.", "%(num)s companies updated.", n),
        "deleted": lambda n: ngettext("%(num)s company deleted.", "%(num)s companies deleted.", n),
        "confirm": lambda n: ngettext("Delete %(num)s company?", "Delete %(num)s companies?", n),
    },
    "customers": {
        "updated": lambda n: ngettext("%(num)s customer updated.", "%(num)s customers updated.", n),
        "deleted": lambda n: ngettext("%(num)s customer deleted.", "%(num)s customers deleted.", n),
        "confirm": lambda n: ngettext("Delete %(num)s customer?", "Delete %(num)s customers?", n),
    },
}


@bp.app_template_global()
def bulk_actions_for(entity_name):
    """The bulk actions a list offers (list.html draws its toolbar from them); none on the combined list."""
    return bulk_actions.actions_for(entity_name) if entity_name in records.KINDS else ()


@bp.route("/<kind:entity_name>/bulk", methods=["POST"])
def record_bulk(entity_name):
    """Apply one action to the ticked records, all or nothing; a delete asks to confirm first."""
    entity = entities.get(entity_name)
    back = _local_next() or url_for("crm.record_list", entity_name=entity.name)
    form = request.form
    try:
        bulk = bulk_actions.plan(entity.name, form.getlist("ids"), form.get("action", ""), form.getlist("value"),
                                 acting_user())
        if bulk.action == "delete" and form.get("confirm", "").strip().lower() not in CONFIRMED:
            question = PHRASES[entity.name]["confirm"](len(bulk.records))
            return render_template("crm/bulk_confirm.html", entity=entity, bulk=bulk, question=question, back=back)
        done = bulk_actions.apply(bulk, acting_user())
    except ValidationError as invalid:
        message = " ".join(str(text) for text in invalid.errors.values())
        return render_template("crm/bulk_confirm.html", entity=entity, refused=message, back=back), 400
    flash(_summary(entity.name, bulk, done), "success")
    return redirect(back)


def _summary(entity_name, bulk, done):
    """"3 deals updated. 2 needed no change." / "5 deals deleted." """
    if bulk.action == "delete":
        return PHRASES[entity_name]["deleted"](done)
    text = PHRASES[entity_name]["updated"](done)
    if bulk.unchanged:
        text += " " + ngettext("%(num)s needed no change.", "%(num)s needed no change.", bulk.unchanged)
    return text


def _local_next():
    """The form's `next` when it is a local path of a sane length, else None."""
    target = request.form.get("next", "")
    return safe_next(target) if len(target) <= MAX_NEXT else None
