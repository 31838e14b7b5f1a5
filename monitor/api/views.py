"""Reference endpoints: account, users, pipelines and statuses, tags; and the OAuth2 endpoint that is not there."""
from math import ceil

from flask import abort, request
from flask_login import current_user

from monitor.api import API, bp, params, shapes
from monitor.api.entities import ENTITIES
from monitor.api.responses import found_or_none, hal, no_content, page_links, self_links
from monitor.services import catalog, pipelines, users


@bp.post("/oauth2/access_token")
def access_token():
    """Tally CRM issues long-lived tokens only; OAuth2 clients get a problem+json 401, never a page."""
    abort(401, "OAuth2 is not offered: use a long-lived token made at /settings/api-tokens.")


@bp.get(f"{API}/account")
def account():
    """The account and who is asking."""
    return hal(shapes.account(catalog.get_account(), current_user))


def _require_admin():
    if not current_user.is_admin:
        abort(403, "Only an administrator's token may read users.")


@bp.get(f"{API}/users")
def user_list():
    """Users of the account (administrators' tokens only), paged like every list."""
    _require_admin()
    page, limit = params.page_and_limit(request.args)
    everyone = users.list_users()
    rows = everyone[(page - 1) * limit:page * limit]
    if not rows:
        return no_content()
    return hal({
        "_total_items": len(everyone), "_page": page, "_page_count": ceil(len(everyone) / limit),
        "_links": page_links(page, page * limit < len(everyone)),
        "_embedded": {"users": [shapes.user(row) for row in rows]},
    })


@bp.get(f"{API}/users/<id:user_id>")
def user_detail(user_id):
    """One user (administrators' tokens only); 204 for an unknown id."""
    _require_admin()
    user = found_or_none(users.get_user, user_id)
    return no_content() if user is None else hal(shapes.user(user))


@bp.get(f"{API}/leads/pipelines")
def pipeline_list():
    """Every pipeline with its statuses."""
    rows = pipelines.list_pipelines()
    return hal({
        "_total_items": len(rows), "_links": self_links(f"{API}/leads/pipelines"),
        "_embedded": {"pipelines": [shapes.pipeline(row) for row in rows]},
    })


@bp.get(f"{API}/leads/pipelines/<id:pipeline_id>")
def pipeline_detail(pipeline_id):
    """One pipeline with its statuses; 204 for an unknown id."""
    pipeline = found_or_none(pipelines.get_pipeline, pipeline_id)
    return no_content() if pipeline is None else hal(shapes.pipeline(pipeline))


@bp.get(f"{API}/leads/pipelines/<id:pipeline_id>/statuses")
def status_list(pipeline_id):
    """The statuses of one pipeline; 204 for an unknown pipeline."""
    pipeline = found_or_none(pipelines.get_pipeline, pipeline_id)
    if pipeline is None:
        return no_content()
    return hal({
        "_total_items": len(pipeline.statuses),
        "_links": self_links(f"{API}/leads/pipelines/{pipeline_id}/statuses"),
        "_embedded": {"statuses": [shapes.status(row) for row in pipeline.statuses]},
    })


@bp.get(f"{API}/{ENTITIES}/tags")
def tag_list(entity):
    """One page of an entity kind's tags (`query`, `filter[id]`, `filter[name]`); 204 when none."""
    page, limit = params.page_and_limit(request.args)
    filters = params.bracket_tree(request.args, "filter")
    ids = params.whole_numbers(filters["id"], "filter[id]") if "id" in filters else None
    name = params.values_of(filters["name"], "filter[name]")[0] if "name" in filters else request.args.get("query")
    tags, has_next = catalog.list_tags(entity, page, limit, name_query=name, ids=ids)
    if not tags:
        return no_content()
    return hal({"_page": page, "_links": page_links(page, has_next),
                "_embedded": {"tags": [shapes.tag(row) for row in tags]}})
