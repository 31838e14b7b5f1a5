"""The pipeline board: a column per status of one pipeline (SPEC §3, §10).

The board charges the deals it shows, like a list page.
"""
from flask import render_template, request

from monitor.crm import bp, entities, filters
from monitor.crm.views import acting_user, charge_elements, panel_context
from monitor.services import pipelines, records


@bp.route("/leads/pipeline/<id:pipeline_id>")
def board(pipeline_id):
    """The pipeline board: a column per status, up to 50 newest deals each."""
    entity = entities.get("leads")
    pipeline = pipelines.get_pipeline(pipeline_id)
    listing = filters.read_listing(entity.name, request.args, acting_user())
    if listing.errors:
        return _board_page(entity, pipeline, [], listing), 400
    columns = records.board(pipeline, listing.filters)
    charge_elements(sum(len(column.deals) for column in columns))
    return _board_page(entity, pipeline, columns, listing)


def _board_page(entity, pipeline, columns, listing):
    return render_template(
        "crm/board.html", pipeline=pipeline, columns=columns, **panel_context(entity, listing),
    )
