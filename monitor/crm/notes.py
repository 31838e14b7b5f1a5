"""Notes on a card's feed: `POST /<entity>/<id>/notes` with `text` (SPEC §10).

The form is CSRF-protected like every form (a missing token is the app's 400). A refused note
shows the card again with the message by the note field, as the card itself would be shown
(one card view charged), and saves nothing.

Adding a note is editing the card (as in amoCRM and the API): it needs the view and the edit right
on the record, else 403 and nothing charged.
"""
from flask import flash, redirect, url_for
from flask_babel import gettext as _

from monitor.crm import bp, entities, forms
from monitor.crm.views import acting_user, show_card
from monitor.forms import show_errors
from monitor.services import feed, records
from monitor.services.errors import ValidationError


@bp.route("/<kind:entity_name>/<id:record_id>/notes", methods=["POST"])
def note_add(entity_name, record_id):
    """Add a note to the record's feed and go back to its card; an unknown record is the 404 page."""
    entity = entities.get(entity_name)
    record = records.get_record(entity.name, record_id)
    records.require(acting_user(), entity.name, "view", record)
    records.require(acting_user(), entity.name, "edit", record)
    form = forms.NoteForm()
    try:
        feed.add_note(entity.name, record.id, form.text.data, acting_user())
    except ValidationError as invalid:
        show_errors(form, invalid.errors)
        return show_card(entity, record, note_form=form, status=400)
    flash(_("The note has been added."), "success")
    return redirect(url_for("crm.record_card", entity_name=entity.name, record_id=record.id, _anchor="feed"))
