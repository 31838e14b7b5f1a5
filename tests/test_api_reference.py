"""Shapes of the endpoints that return no records: account, users, pipelines and statuses, tags (API.md)."""
from calendar import timegm

import pytest

from monitor.db import db
from monitor.models import Account, Tag
from monitor.services import pipelines
from tests.fixtures_api import HOST, assert_hal, assert_problem, no_api_rate_limit

pytestmark = no_api_rate_limit


def test_account_shape(api, app, user):
    body = assert_hal(api.get("account"))
    with app.app_context():
        account = db.session.get(Account, 1)
        created = timegm(account.created_at.utctimetuple())
    assert body == {
        "id": 1, "name": "Tally CRM", "subdomain": "tally", "created_at": created, "current_user_id": user,
        "country": None, "currency": None, "customers_mode": "periodicity", "is_unsorted_on": False,
        "is_loss_reason_enabled": False, "_links": {"self": {"href": f"{HOST}/api/v4/account"}},
    }


def test_users_list_shape(admin_api, admin, user):
    body = assert_hal(admin_api.get("users"))
    assert (body["_total_items"], body["_page"], body["_page_count"]) == (2, 1, 1)
    assert body["_links"] == {"self": {"href": f"{HOST}/api/v4/users?page=1"},
                              "first": {"href": f"{HOST}/api/v4/users?page=1"}}
    ada, ulla = body["_embedded"]["users"]
    assert ada["id"] == admin and ulla["id"] == user
    assert ulla == {
        "id": user, "name": "Ulla User", "email": "ulla@example.com", "lang": "en",
        "rights": {
            **{entity: {"view": "A", "edit": "A", "add": "A", "delete": "A", "export": "D"}
               for entity in ("leads", "contacts", "companies", "customers")},
            "is_admin": False, "is_free": False, "is_active": True, "group_id": None, "role_id": None,
        },
        "_links": {"self": {"href": f"{HOST}/api/v4/users/{user}"}},
    }
    assert ada["rights"]["is_admin"] is True and ada["rights"]["leads"]["export"] == "A"


def test_users_are_paged(admin_api, admin, make_user):
    for name in ("Bea", "Cid", "Dan"):
        make_user(name)
    first = assert_hal(admin_api.get("users?limit=3"))
    assert len(first["_embedded"]["users"]) == 3 and first["_page_count"] == 2
    assert first["_links"]["next"] == {"href": f"{HOST}/api/v4/users?limit=3&page=2"}
    second = assert_hal(admin_api.get("users?limit=3&page=2"))
    assert len(second["_embedded"]["users"]) == 1 and "next" not in second["_links"]
    assert second["_links"]["prev"] == {"href": f"{HOST}/api/v4/users?limit=3&page=1"}
    empty = admin_api.get("users?limit=3&page=3")
    assert empty.status_code == 204 and empty.data == b"" and "Content-Type" not in empty.headers


def test_one_user_and_an_unknown_id(admin_api, user):
    assert assert_hal(admin_api.get(f"users/{user}"))["email"] == "ulla@example.com"
    assert admin_api.get("users/999").status_code == 204
    assert admin_api.get("users/99999999999999999999").status_code == 204


def test_pipelines_shape_with_won_and_lost_in_each(api, app):
    with app.app_context():
        pipelines.create_pipeline("Partners", ["Application", "Trial"])
        db.session.commit()
    body = assert_hal(api.get("leads/pipelines"))
    assert body["_total_items"] == 2
    assert body["_links"] == {"self": {"href": f"{HOST}/api/v4/leads/pipelines"}}
    sales, partners = body["_embedded"]["pipelines"]
    assert (sales["name"], sales["is_main"]) == ("Sales", True)
    assert (partners["name"], partners["is_main"]) == ("Partners", False)
    for pipeline in (sales, partners):
        assert set(pipeline) >= {"id", "name", "sort", "is_main", "is_archive", "_links", "_embedded"}
        assert pipeline["_links"]["self"]["href"] == f"{HOST}/api/v4/leads/pipelines/{pipeline['id']}"
        statuses = pipeline["_embedded"]["statuses"]
        assert [status["id"] for status in statuses][-2:] == [142, 143]
        for status in statuses:
            assert set(status) >= {"id", "name", "sort", "pipeline_id", "color", "type"}
            assert status["pipeline_id"] == pipeline["id"] and status["type"] == 0
            assert status["color"].startswith("#")
    assert [status["name"] for status in partners["_embedded"]["statuses"]] == [
        "Application", "Trial", "Closed - won", "Closed - lost"]


def test_one_pipeline_and_its_statuses(api):
    pipeline = assert_hal(api.get("leads/pipelines/1"))
    assert pipeline["id"] == 1 and pipeline["name"] == "Sales"
    statuses = assert_hal(api.get("leads/pipelines/1/statuses"))
    assert statuses["_total_items"] == len(pipeline["_embedded"]["statuses"]) == 6
    assert statuses["_embedded"]["statuses"] == pipeline["_embedded"]["statuses"]
    assert statuses["_links"]["self"]["href"] == f"{HOST}/api/v4/leads/pipelines/1/statuses"


def test_unknown_pipeline_is_204(api):
    assert api.get("leads/pipelines/99").status_code == 204
    assert api.get("leads/pipelines/99/statuses").status_code == 204
    assert api.get("leads/pipelines/99999999999999999999").status_code == 204
    assert api.get("leads/pipelines/99999999999999999999/statuses").status_code == 204


@pytest.fixture
def tags(app):
    """Three lead tags and one contact tag; returns {name: id} of the lead tags."""
    with app.app_context():
        rows = [Tag(entity="lead", name=name, color=color)
                for name, color in (("web", None), ("vip", "#ff0000"), ("wholesale", None))]
        db.session.add_all([*rows, Tag(entity="contact", name="partner")])
        db.session.commit()
        return {row.name: row.id for row in rows}


def test_tags_shape_are_per_entity_and_sorted_by_name(api, tags):
    body = assert_hal(api.get("leads/tags"))
    assert body["_page"] == 1
    assert body["_embedded"]["tags"] == [
        {"id": tags["vip"], "name": "vip", "color": "#ff0000"},
        {"id": tags["web"], "name": "web", "color": None},
        {"id": tags["wholesale"], "name": "wholesale", "color": None},
    ]
    assert [tag["name"] for tag in assert_hal(api.get("contacts/tags"))["_embedded"]["tags"]] == ["partner"]
    assert api.get("companies/tags").status_code == 204
    assert api.get("customers/tags").status_code == 204


def test_tags_are_paged_with_next_only_when_more_exist(api, tags):
    first = assert_hal(api.get("leads/tags?limit=2"))
    assert first["_links"]["next"]["href"] == f"{HOST}/api/v4/leads/tags?limit=2&page=2"
    second = assert_hal(api.get("leads/tags?limit=2&page=2"))
    assert [tag["name"] for tag in second["_embedded"]["tags"]] == ["wholesale"]
    assert "next" not in second["_links"]
    assert api.get("leads/tags?limit=2&page=3").status_code == 204


@pytest.mark.parametrize("encoding", ["filter[id]={vip}", "filter[id][]={vip}", "filter[id][0]={vip}"])
def test_tags_filter_by_id_in_every_encoding(api, tags, encoding):
    body = assert_hal(api.get("leads/tags?" + encoding.format(vip=tags["vip"])))
    assert [tag["name"] for tag in body["_embedded"]["tags"]] == ["vip"]


def test_tags_filter_by_several_ids_and_by_name(api, tags):
    both = assert_hal(api.get(f"leads/tags?filter[id][0]={tags['vip']}&filter[id][1]={tags['web']}"))
    assert [tag["name"] for tag in both["_embedded"]["tags"]] == ["vip", "web"]
    named = assert_hal(api.get("leads/tags?query=WH"))
    assert [tag["name"] for tag in named["_embedded"]["tags"]] == ["wholesale"]
    assert [tag["name"] for tag in assert_hal(api.get("leads/tags?filter[name]=we"))["_embedded"]["tags"]] == ["web"]
    assert api.get("leads/tags?query=%25").status_code == 204  # a literal %, not a wildcard


@pytest.mark.parametrize("query", ["filter[id][\u00b2]=1", "filter[id]=\u00b2", "limit=\u00b2", "page=" + "1" * 5000])
def test_tags_refuse_numbers_that_are_not_ascii_digits_with_a_400(api, tags, query):
    assert_problem(api.get(f"leads/tags?{query}"), 400)


def test_unknown_tag_entity_is_404(api):
    assert_problem(api.get("tasks/tags"), 404)
