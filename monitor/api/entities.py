"""Leads, contacts, companies and customers: lists, one element, and creating and editing leads.

Everything that returns records is charged to the activity monitor *before* it is sent:
a list page counts its elements, one element by id is charged by activity.charge_record
(a card view; from a mobile app a list element), and a write charges the records it links
anew (activity.charge_new_links).

Rights per entity (SPEC §10) hold here as on the web: a list holds only the records the token's
user may view (the query leaves the others out), one record out of reach is a 403 that charges
nothing, `_embedded` names only viewable records, and a lead is edited only within the edit right
(writes.check_batch; a record the user may not view cannot be linked: it is an unknown record).
"""
from flask import abort, g, request
from flask_login import current_user

from monitor import activity
from monitor.api import API, bp, params, shapes, writes
from monitor.api.responses import found_or_none, hal, no_content, page_links, self_links
from monitor.services import records

ENTITIES = "<kind:entity>"  # a record kind's name (monitor.routing)
RECORD_ID = "<id:record_id>"


@bp.get(f"{API}/{ENTITIES}")
def record_list(entity):
    """One page of records: page, limit, query, with, order[...] and filter[...]; 204 when empty."""
    page, limit = params.page_and_limit(request.args)
    filters = params.list_filters(entity, request.args, current_user)
    embed = params.embeds(entity, request.args)
    rows, has_next = records.query_list(entity, filters, page, limit, relations=shapes.relations(embed, entity))
    if not rows:
        return no_content()
    activity.charge(current_user, g.api_channel, elements=len(rows), origin=activity.Origin.of(request))
    return hal({
        "_page": page, "_links": page_links(page, has_next),
        "_embedded": {entity: [shapes.record(entity, row, embed, current_user) for row in rows]},
    })


@bp.get(f"{API}/{ENTITIES}/{RECORD_ID}")
def record_detail(entity, record_id):
    """One record alone; 204 (and nothing counted) for an unknown id, 403 (nothing counted) for one out of reach."""
    embed = params.embeds(entity, request.args)
    record = found_or_none(records.get_record, entity, record_id)
    if record is None:
        return no_content()
    records.require(current_user, entity, "view", record)
    activity.charge_record(current_user, g.api_channel, entity, record.id, origin=activity.Origin.of(request))
    return hal(shapes.record(entity, record, embed, current_user))


@bp.post(f"{API}/leads")
def lead_create():
    """Create leads from an array, all or none; answers their ids by request_id.

    Creating counts nothing, except the existing records a lead links (activity.charge_new_links).
    """
    checked = writes.check_batch(writes.json_body(list), user=current_user)
    _charge_links(checked)
    created = writes.save_batch(checked, lambda: records.create_records(
        "leads", [data for _rid, _none, data in checked], acting_user=current_user))
    return hal({
        "_links": self_links(f"{API}/leads"),
        "_embedded": {"leads": [shapes.ref("leads", lead.id, request_id=rid)
                                for (rid, _none, _data), lead in zip(checked, created, strict=True)]},
    })


@bp.patch(f"{API}/leads")
def lead_update_many():
    """Edit leads from an array of objects with their ids, all or none; only new links count."""
    checked = writes.check_batch(writes.json_body(list), find_record=writes.existing_lead, user=current_user)
    _charge_links(checked)
    saved = writes.save_batch(checked, lambda: records.update_records(
        "leads", [(lead, data) for _rid, lead, data in checked], acting_user=current_user))
    return hal({
        "_links": self_links(f"{API}/leads"),
        "_embedded": {"leads": [shapes.ref("leads", lead.id, request_id=rid, updated_at=shapes.unix(lead.updated_at))
                                for (rid, _lead, _data), lead in zip(checked, saved, strict=True)]},
    })


@bp.patch(f"{API}/leads/{RECORD_ID}")
def lead_update(record_id):
    """Edit one lead; 404 for an unknown id, 403 for one the user's edit right does not reach; only new links count."""
    lead = found_or_none(records.get_record, "leads", record_id)
    if lead is None:
        abort(404, f"There is no lead with id {record_id}.")
    records.require(current_user, "leads", "view", lead)
    records.require(current_user, "leads", "edit", lead)
    checked = writes.check_batch([writes.json_body(dict)], find_record=lambda _item: lead, user=current_user)
    _charge_links(checked)
    writes.save_batch(checked, lambda: records.update_record("leads", lead, checked[0][2], acting_user=current_user))
    return hal(shapes.ref("leads", lead.id, updated_at=shapes.unix(lead.updated_at)))


def _charge_links(checked):
    """Charge what the checked batch links anew, before saving it."""
    activity.charge_new_links(current_user, g.api_channel, "leads", [(data, lead) for _rid, lead, data in checked],
                              origin=activity.Origin.of(request))
