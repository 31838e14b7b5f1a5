"""The pipeline board: a column per status of one pipeline, one column's further pages, moving deals (SPEC §3, §10).

The board and a column's page charge the deals they show, like a list page, before rendering.
A move charges nothing: it names only the deal the user moved. The board's fetch asks for JSON
(`Accept: application/json`) and gets JSON answers, problems included; a form gets a page.
A move needs the view and edit rights on the deal (records.require): 403, a page or a problem.
"""
from urllib.parse import parse_qsl, urlsplit

from flask import flash, get_template_attribute, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from monitor.auth.views import safe_next
from monitor.crm import bp, entities, filters
from monitor.crm.display import status_name
from monitor.crm.views import acting_user, charge_elements, panel_context
from monitor.errors import problem
from monitor.services import pipelines, records
from monitor.services.errors import Forbidden, NotFound, ValidationError
from monitor.services.records.board import board_column, move_deal, stage_totals

MAX_NEXT = 2000  # longer is no board's address: ignored
ONE_COLUMN_AT_A_TIME = _l("Further pages show one column: add the status of the column.")


@bp.route("/leads/pipeline/<id:pipeline_id>")
def board(pipeline_id):
    """The pipeline board: a column per status, up to 50 newest deals each; with `status`, that column's `page`."""
    entity = entities.get("leads")
    pipeline = pipelines.get_pipeline(pipeline_id)
    listing = filters.read_listing(entity.name, request.args, acting_user())
    columns, has_more = [], False
    if not listing.errors:
        try:
            columns, has_more = _columns(pipeline, listing)
        except ValidationError as invalid:
            listing.errors.update(invalid.errors)
    if listing.errors:
        return _board_page(entity, pipeline, [], listing, False), 400
    charge_elements(sum(len(column.deals) for column in columns))
    return _board_page(entity, pipeline, columns, listing, has_more)


def _columns(pipeline, listing):
    """Every column's first page, or (with `status`) page `page` of that column: (columns, has_more)."""
    if not listing.filters.statuses:
        if listing.page > 1:
            raise ValidationError({"page": ONE_COLUMN_AT_A_TIME})
        return records.board(pipeline, listing.filters), False
    column, has_more = board_column(pipeline, listing.filters.statuses[0], listing.filters, listing.page)
    return [column], has_more


def _board_page(entity, pipeline, columns, listing, has_more):
    one_column = bool(listing.filters and listing.filters.statuses)
    return render_template(
        "crm/board.html", pipeline=pipeline, columns=columns, one_column=one_column, has_more=has_more,
        **panel_context(entity, listing),
    )


@bp.route("/leads/<id:deal_id>/status", methods=["POST"])
def deal_status(deal_id):
    """Move a deal to `status_id` of `pipeline_id` (default: its own pipeline); charges nothing."""
    wants_json = _wants_json()
    back = _local_next()
    try:
        deal = records.get_record("leads", deal_id)
        records.require(acting_user(), "leads", "view", deal)
        records.require(acting_user(), "leads", "edit", deal)
        move = move_deal(deal, request.form.get("status_id"), request.form.get("pipeline_id"), acting_user())
    except Forbidden:
        if not wants_json:
            raise  # the app's 403 page
        return problem(403, _("Your rights do not reach this record. Ask an administrator if you need them."))
    except NotFound:
        if not wants_json:
            raise  # the app's 404 page
        return problem(404, _("This deal does not exist any more."))
    except ValidationError as invalid:
        return _refused(invalid.errors, deal_id, back, wants_json)
    if wants_json:
        return jsonify(_moved(move, back))
    # The deal is not named: the move charges nothing, and its id alone is no view of it.
    flash(_("The deal has been moved to %(status)s.", status=status_name(move.status)), "success")
    return redirect(back or url_for("crm.record_card", entity_name="leads", record_id=move.deal.id))


def _wants_json():
    """Whether the caller (the board's fetch) asked for JSON rather than a page."""
    return request.accept_mimetypes.best_match(("text/html", "application/json")) == "application/json"


def _local_next():
    """The form's `next` when it is a local path of a sane length, else None."""
    target = request.form.get("next", "")
    return safe_next(target) if len(target) <= MAX_NEXT else None


def _refused(errors, deal_id, back, wants_json):
    """400: a problem for the board's fetch, a page saying why (and where to go back) for a form."""
    message = " ".join(str(text) for text in errors.values())
    if wants_json:
        return problem(400, message, errors={name: str(text) for name, text in errors.items()})
    card = url_for("crm.record_card", entity_name="leads", record_id=deal_id)
    return render_template("crm/move_refused.html", message=message, back=back, card=card), 400


def _moved(move, back):
    """The move's JSON: the deal's stage now, and the totals of the columns it left and joined on the board."""
    deal = move.deal
    totals = stage_totals([move.was, (deal.pipeline_id, deal.status_id)], _board_filters(back))
    summary = get_template_attribute("crm/_board.html", "totals")
    return {
        "id": deal.id, "pipeline_id": deal.pipeline_id, "status_id": deal.status_id,
        "columns": [
            {"pipeline_id": pipeline_id, "status_id": status_id, "count": count, "price": price,
             "summary": str(summary(count, price))}
            for (pipeline_id, status_id), (count, price) in totals.items()
        ],
    }


def _board_filters(back):
    """The filters of the board the move was made on (its address is `next`), so its totals stay comparable;
    with a bad parameter there, the whole board the user may view (never more than their rights reach)."""
    listing = filters.read_listing("leads", MultiDict(parse_qsl(urlsplit(back or "").query)), acting_user())
    return listing.filters if not listing.errors else records.ListFilters(viewer=records.Viewer.of(acting_user()))
