"""CRM pages: one set of views for deals, contacts, companies and customers, driven by crm.entities.

Every page that shows records charges the activity monitor before rendering:
a card charges one card view, a list, the board and the picker charge the
number of records they show. Export charges nothing. `<kind:...>` and `<list:...>`
match the names in the record kinds registry (monitor.routing). A record or preset that is
not there (NotFound from the services) is the app's one 404 page (monitor.errors).

Rights per entity (SPEC §10) are checked through records.require before anything is charged:
a card needs the view right (403 otherwise, counting nothing), a save the edit right, a new
record an edit right that is not none (with "own": the user is responsible for it), a delete
the delete right. Lists, pickers and panels read through the user's Viewer.
"""
from urllib.parse import parse_qsl

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from monitor import activity
from monitor.crm import bp, entities, export, filters, forms
from monitor.forms import show_errors
from monitor.inputs import InvalidValue, parse_page
from monitor.services import feed, pipelines, presets, records, users
from monitor.services.errors import ValidationError
from monitor.services.records import values as record_values


def acting_user():
    return current_user._get_current_object()


def charge_card(entity, record):
    activity.charge_record(acting_user(), "web", entity.name, record.id, origin=activity.Origin.of(request))


def charge_elements(count):
    activity.charge(acting_user(), "web", elements=count, origin=activity.Origin.of(request))


def panel_context(entity, listing):
    """What the filter panel offers: users, pipelines, presets (tags come from the tag picker)."""
    return {
        "entity": entity,
        "listing": listing,
        "users": users.list_users(),
        "pipelines": pipelines.list_pipelines() if "pipeline" in entity.panel else [],
        "saved_presets": presets.saved_presets(current_user.id, entity.name),
        "preset_form": forms.PresetForm(query=listing.saved_query()),
        "per_page": records.PER_PAGE,
        "count_limit": entities.COUNT_LIMIT,
    }


@bp.route("/<list:entity_name>")
def record_list(entity_name):
    """A list page: 50 records, newest first, with the filter panel."""
    entity = entities.get(entity_name)
    listing = filters.read_listing(entity.name, request.args, acting_user())
    if listing.errors:
        return render_template("crm/list.html", rows=[], total=0, capped=False, has_more=False,
                               **panel_context(entity, listing)), 400
    rows, has_more = entity.page(listing.filters, listing.page)
    charge_elements(len(rows))
    # The total only beside rows, which are charged: an empty page must not tell how many records match.
    total, capped = entity.count(listing.filters) if rows else (0, False)
    return render_template("crm/list.html", rows=rows, total=total, capped=capped, has_more=has_more,
                           **panel_context(entity, listing))


@bp.route("/<kind:entity_name>/new", methods=["GET", "POST"])
def record_new(entity_name):
    """A new record's card; saving creates it."""
    entity = entities.get(entity_name)
    records.require(acting_user(), entity.name, "edit")
    form = forms.record_form(entity, responsible_id=current_user.id)
    if form.validate_on_submit():
        record = _save(entity, form)
        if record is not None:
            flash(_("%(what)s \u201c%(name)s\u201d has been created.", what=entity.one, name=record.name), "success")
            return redirect(url_for("crm.record_card", entity_name=entity.name, record_id=record.id))
    return render_template("crm/card.html", entity=entity, form=form, record=None, related=[])


@bp.route("/<kind:entity_name>/<id:record_id>", methods=["GET", "POST"])
def record_card(entity_name, record_id):
    """A record's card: every field, its linked records and its feed; saving edits it."""
    entity = entities.get(entity_name)
    record = records.get_record(entity.name, record_id)
    records.require(acting_user(), entity.name, "view", record)
    if request.method == "POST":
        records.require(acting_user(), entity.name, "edit", record)
    form = forms.record_form(entity, record, user=acting_user())
    if form.validate_on_submit() and _save(entity, form, record) is not None:
        flash(_("%(what)s \u201c%(name)s\u201d has been saved.", what=entity.one, name=record.name), "success")
        return redirect(url_for("crm.record_card", entity_name=entity.name, record_id=record.id))
    return show_card(entity, record, form=form)


def show_card(entity, record, form=None, note_form=None, status=200):
    """Charge one card view, then render the card with the page of its feed `?feed_page=` asks for.

    The feed is part of the card view: it charges nothing more. A bad feed_page is a 400, charged nothing.
    """
    try:
        feed_page = parse_page(request.args.get("feed_page", ""))
    except InvalidValue:
        abort(400, description=_("The feed's page (feed_page) is a whole number from 1."))
    charge_card(entity, record)
    page = render_template(
        "crm/card.html", entity=entity, record=record,
        form=form or forms.record_form(entity, record, user=acting_user()),
        related=entity.related_panels(record, acting_user()), feed=feed.card_feed(entity.name, record.id, feed_page),
        note_form=note_form or forms.NoteForm(formdata=None),
    )
    return page, status


def _save(entity, form, record=None):
    """Create (record None) or update from the form; None, with the errors on the form, when refused.

    What the save links anew is charged first (activity.charge_new_links): past a limit nothing is saved.
    A record deleted meanwhile is NotFound: the 404 page. Links the user may not view: see record_values.
    """
    user = acting_user()
    data = record_values.with_hidden_links(user, record, form.record_data())
    try:
        record_values.check_links(user, data, record)
        if record is None:
            record_values.check_owner(user, entity.name, data)
        activity.charge_new_links(user, "web", entity.name, [(data, record)], origin=activity.Origin.of(request))
        if record is None:
            return records.create_record(entity.name, data, acting_user())
        return records.update_record(entity.name, record, data, acting_user())
    except ValidationError as invalid:
        show_errors(form, invalid.errors)
    return None


@bp.route("/<kind:entity_name>/<id:record_id>/delete", methods=["GET", "POST"])
def record_delete(entity_name, record_id):
    """Asks to confirm (GET), then deletes (POST)."""
    entity = entities.get(entity_name)
    record = records.get_record(entity.name, record_id)
    records.require(acting_user(), entity.name, "view", record)
    records.require(acting_user(), entity.name, "delete", record)
    form = forms.DeleteForm()
    if form.validate_on_submit():
        name = record.name
        records.delete_record(entity.name, record)  # deleted meanwhile: NotFound, the 404 page
        flash(_("%(what)s \u201c%(name)s\u201d has been deleted.", what=entity.one, name=name), "success")
        return redirect(url_for("crm.record_list", entity_name=entity.name))
    charge_card(entity, record)
    return render_template("crm/delete.html", entity=entity, record=record, form=form)


@bp.route("/<kind:entity_name>/autocomplete")
def record_autocomplete(entity_name):
    """Up to 10 records matching `q`, as JSON, for the pickers in the card forms."""
    entity = entities.get(entity_name)
    rows = records.autocomplete(entity.name, request.args.get("q", ""), viewer=records.Viewer.of(acting_user()))
    charge_elements(len(rows))
    return jsonify([
        {"id": row.id, "name": row.name, "hint": getattr(row, "email", None) or getattr(row, "phone", None) or ""}
        for row in rows
    ])


@bp.route("/<list:entity_name>/tags")
def tag_suggestions(entity_name):
    """Up to 20 names of the list's tags containing `q`, as JSON, for the filter panel's tag picker.

    Tags are not records, so nothing is charged.
    """
    entity = entities.get(entity_name)
    return jsonify(records.suggest_tags(entity.record_entities, request.args.get("q", "")))


@bp.route("/<kind:entity_name>/export.csv")
def record_export(entity_name):
    """Every record the list's parameters select, as CSV; needs the export right."""
    entity = entities.get(entity_name)
    if not current_user.can_export:
        abort(403, description=_("Exporting needs the export right. Ask an administrator to give it to you."))
    listing = filters.read_listing(entity.name, request.args, acting_user())
    if listing.errors:
        abort(400, description="; ".join(str(message) for message in listing.errors.values()))
    return export.csv_response(entity, listing.filters, acting_user())


@bp.route("/<list:entity_name>/presets", methods=["POST"])
def preset_save(entity_name):
    """Save the list's current filter as a named preset of the user's."""
    entity = entities.get(entity_name)
    form = forms.PresetForm()
    query = form.query.data or ""
    listing = filters.read_listing(entity.name, MultiDict(parse_qsl(query)), acting_user())
    if not form.validate_on_submit() or listing.errors:
        abort(400)
    try:
        preset = presets.save_preset(current_user.id, entity.name, form.name.data, listing.saved_query())
    except ValidationError as invalid:
        flash(" ".join(str(message) for message in invalid.errors.values()), "error")
        return redirect(f"{url_for('crm.record_list', entity_name=entity.name)}?{query}")  # the list as it was
    flash(_("Preset \u201c%(name)s\u201d has been saved.", name=preset.name), "success")
    return redirect(url_for("crm.record_list", entity_name=entity.name, preset=preset.id))


@bp.route("/<list:entity_name>/presets/<id:preset_id>/delete", methods=["POST"])
def preset_delete(entity_name, preset_id):
    """Delete one of the user's saved presets."""
    entity = entities.get(entity_name)
    if not forms.DeleteForm().validate_on_submit():
        abort(400)
    preset = presets.delete_preset(current_user.id, entity.name, preset_id)
    flash(_("Preset \u201c%(name)s\u201d has been deleted.", name=preset.name), "success")
    return redirect(url_for("crm.record_list", entity_name=entity.name))
