"""Leads, contacts, companies, customers through the API: shapes (API.md), paging, filters, writes."""
import json
from calendar import timegm
from datetime import datetime

import pytest
from sqlalchemy import func, select

from monitor.db import db
from monitor.models import Deal, Tag
from monitor.services import demo
from tests.conftest import recorded_statements
from tests.fixtures_api import HOST, assert_hal, assert_problem, no_api_rate_limit

pytestmark = no_api_rate_limit

LEAD_KEYS = {
    "id", "name", "price", "responsible_user_id", "group_id", "status_id", "pipeline_id", "loss_reason_id",
    "source_id", "created_by", "updated_by", "created_at", "updated_at", "closed_at", "closest_task_at",
    "is_deleted", "custom_fields_values", "score", "account_id", "labor_cost", "_links", "_embedded",
}
CONTACT_KEYS = {
    "id", "name", "first_name", "last_name", "responsible_user_id", "group_id", "created_by", "updated_by",
    "created_at", "updated_at", "closest_task_at", "is_deleted", "is_unsorted", "custom_fields_values",
    "account_id", "_links", "_embedded",
}


def ids(body, entity="leads"):
    return [item["id"] for item in body["_embedded"][entity]]


def unix(moment):
    return timegm(moment.utctimetuple())


def href(path):
    return {"href": f"{HOST}{path}"}


# -- Lists ------------------------------------------------------------------------------------------

def test_lead_list_is_newest_first_with_self_and_first_links_only(api, crm):
    body = assert_hal(api.get("leads"))
    assert body["_page"] == 1
    assert ids(body) == crm.leads[::-1]
    assert body["_links"] == {"self": href("/api/v4/leads?page=1"), "first": href("/api/v4/leads?page=1")}


def test_pages_follow_next_links_until_the_last_and_an_empty_page_is_204(api, crm):
    seen, path, pages = [], "/api/v4/leads?limit=5", []
    while path:
        body = assert_hal(api.get(path))
        pages.append(body["_page"])
        seen += ids(body)
        path = body["_links"].get("next", {}).get("href", "").replace(HOST, "")
    assert pages == [1, 2, 3] and seen == crm.leads[::-1]
    second = assert_hal(api.get("leads?limit=5&page=2"))
    assert second["_links"] == {
        "self": href("/api/v4/leads?limit=5&page=2"), "first": href("/api/v4/leads?limit=5&page=1"),
        "prev": href("/api/v4/leads?limit=5&page=1"), "next": href("/api/v4/leads?limit=5&page=3"),
    }
    empty = api.get("leads?limit=5&page=4")
    assert empty.status_code == 204 and empty.data == b""


def test_exactly_full_last_page_has_no_next_link(api, crm):
    body = assert_hal(api.get("leads?limit=6&page=2"))
    assert len(ids(body)) == 6 and "next" not in body["_links"]


def test_links_keep_every_other_parameter(api, crm):
    body = assert_hal(api.get("leads?limit=2&with=contacts&filter[responsible_user_id][]=1&order[id]=asc"))
    assert body["_links"]["next"] == href(
        "/api/v4/leads?limit=2&with=contacts&filter[responsible_user_id][]=1&order[id]=asc&page=2")


@pytest.mark.parametrize("entity", ["leads", "contacts", "companies", "customers"])
def test_every_entity_lists_and_an_empty_list_is_204(api, crm, entity):
    body = assert_hal(api.get(entity))
    assert ids(body, entity) == getattr(crm, entity)[::-1]
    assert api.get(f"{entity}?query=nothing-like-this").status_code == 204


@pytest.mark.parametrize("entity", ["leads", "contacts", "companies", "customers"])
def test_record_lists_tell_no_total(api, crm, entity):
    """A total would tell how many records match a filter beyond the page charged (API.md: `_page` only)."""
    for query in ("", "?limit=1&page=2", "?filter[id]=1"):
        response = api.get(f"{entity}{query}")
        assert response.status_code == 204 or set(assert_hal(response)) == {"_page", "_links", "_embedded"}
    assert api.get(f"{entity}?page=999").status_code == 204 and api.get(f"{entity}?page=999").data == b""


@pytest.mark.parametrize("query,path", [
    ("limit=251", "limit"), ("limit=0", "limit"), ("limit=ten", "limit"), ("page=abc", "page"),
    ("order[name]=asc", "order[name]"), ("order[id]=up", "order[id]"), ("filter[tags]=vip", "filter[tags]"),
    ("filter[created_at][since]=1", "filter[created_at][since]"),
    ("filter[created_at][from]=soon", "filter[created_at][from]"),
    ("filter[updated_at][to]=999999999999", "filter[updated_at][to]"),
    ("filter[statuses][0][status_id]=142", "filter[statuses][0]"), ("filter[statuses]=142", "filter[statuses]"),
    ("filter[id][\u00b2]=1", "filter[id]"), ("order[id][\u00b2]=asc", "order[id]"),  # "²".isdigit() is true
    ("filter[id][\u0661]=1", "filter[id]"), ("filter[id]=\u0661", "filter[id]"), ("page=" + "1" * 5000, "page"),
    ("filter[id][" + "1" * 5000 + "]=1", "filter[id]"),
])
def test_bad_list_parameters_are_400_with_validation_errors(api, crm, query, path):
    body = assert_problem(api.get(f"leads?{query}"), 400)
    assert body["validation-errors"][0]["errors"][0]["path"] == path


def test_lead_only_filters_are_refused_for_other_entities(api, crm):
    body = assert_problem(api.get("contacts?filter[pipeline_id]=1"), 400)
    assert body["validation-errors"][0]["errors"][0]["code"] == "NotSupportedChoice"


@pytest.fixture
def demo_crm(app):
    """The demo data of 500 deals: 250 contacts, 50 companies, 60 customers, linked to each other."""
    with app.app_context():
        demo.load(500, progress=lambda _line: None)


def statements_of(app, call):
    """The SQL statements (not BEGIN/COMMIT) the app's engine runs while `call()` runs, and what it returned."""
    with recorded_statements(app) as statements:
        result = call()
    transaction = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
    return [sql for sql in statements if not sql.startswith(transaction)], result


@pytest.mark.parametrize("entity, embed, size", [
    ("contacts", "leads,customers", 250), ("leads", "contacts", 250),
    ("companies", "leads,customers,contacts", 50), ("customers", "contacts,companies", 60),
])
def test_a_page_with_embedded_links_costs_a_few_statements_however_long(app, api, demo_crm, entity, embed, size):
    """The linked ids `with=` asks for are loaded for the whole page at once, not record by record."""
    assert_hal(api.get(entity))  # the token's first use of the minute also stamps last_used_at
    few, _response = statements_of(app, lambda: api.get(f"{entity}?limit=2&with={embed}"))
    statements, response = statements_of(app, lambda: api.get(f"{entity}?limit=250&with={embed}"))
    body = assert_hal(response)
    assert len(body["_embedded"][entity]) == size
    for name in embed.split(","):
        assert any(item["_embedded"][name] for item in body["_embedded"][entity]), name
    assert len(statements) == len(few) <= 10, "\n".join(statements)  # the token and rate limit included


# -- Shapes -----------------------------------------------------------------------------------------

def test_lead_shape(api, crm, app, user):
    lead_id = crm.leads[0]
    body = assert_hal(api.get(f"leads/{lead_id}"))
    assert set(body) == LEAD_KEYS
    with app.app_context():
        deal = db.session.get(Deal, lead_id)
        created, updated, tag_id = unix(deal.created_at), unix(deal.updated_at), deal.tags[0].id
    assert {key: body[key] for key in LEAD_KEYS - {"_links", "_embedded"}} == {
        "id": lead_id, "name": "Deal 1", "price": 1000, "responsible_user_id": user, "group_id": 0,
        "status_id": 1000, "pipeline_id": 1, "loss_reason_id": None, "source_id": None, "created_by": 0,
        "updated_by": 0, "created_at": created, "updated_at": updated, "closed_at": None,
        "closest_task_at": None, "is_deleted": False, "custom_fields_values": None, "score": None,
        "account_id": 1, "labor_cost": None,
    }
    assert body["_links"] == {"self": href(f"/api/v4/leads/{lead_id}")}
    assert body["_embedded"] == {
        "tags": [{"id": tag_id, "name": "web", "color": None}],
        "companies": [{"id": crm.companies[0], "_links": {"self": href(f"/api/v4/companies/{crm.companies[0]}")}}],
    }


def test_lead_contacts_are_embedded_only_with_with_contacts(api, crm):
    lead_id = crm.leads[0]
    body = assert_hal(api.get(f"leads/{lead_id}?with=contacts,nonsense"))
    maria, ivan = crm.contacts[:2]
    assert body["_embedded"]["contacts"] == [
        {"id": maria, "is_main": True, "_links": {"self": href(f"/api/v4/contacts/{maria}")}},
        {"id": ivan, "is_main": False, "_links": {"self": href(f"/api/v4/contacts/{ivan}")}},
    ]
    listed = assert_hal(api.get("leads?with=contacts&filter[id]=" + str(lead_id)))
    assert listed["_embedded"]["leads"][0]["_embedded"]["contacts"] == body["_embedded"]["contacts"]
    assert "contacts" not in assert_hal(api.get("leads"))["_embedded"]["leads"][-1]["_embedded"]


def test_closed_lead_has_closed_at(api, crm, app):
    won = assert_hal(api.get(f"leads/{crm.leads[8]}"))
    with app.app_context():
        closed = unix(db.session.get(Deal, crm.leads[8]).closed_at)
    assert won["status_id"] == 142 and won["closed_at"] == closed


def test_contact_shape_with_phone_and_email_as_custom_fields(api, crm, user):
    maria = crm.contacts[0]
    body = assert_hal(api.get(f"contacts/{maria}?with=leads,customers"))
    assert set(body) == CONTACT_KEYS
    assert (body["name"], body["first_name"], body["last_name"]) == ("Maria Smirnova", "Maria", "Smirnova")
    assert body["responsible_user_id"] == user
    codes = {field["field_code"]: field["values"][0]["value"] for field in body["custom_fields_values"]}
    assert codes == {"PHONE": "+7 903 555-12-12", "EMAIL": "maria@nord.example", "POSITION": "Buyer"}
    assert {field["field_code"]: field["values"][0].get("enum_code") for field in body["custom_fields_values"]} == {
        "PHONE": "WORK", "EMAIL": "WORK", "POSITION": None}
    embedded = body["_embedded"]
    assert embedded["tags"] == [] and [company["id"] for company in embedded["companies"]] == [crm.companies[0]]
    assert [lead["id"] for lead in embedded["leads"]] == [crm.leads[0]]
    assert sorted(customer["id"] for customer in embedded["customers"]) == crm.customers
    olga = assert_hal(api.get(f"contacts/{crm.contacts[2]}"))
    assert olga["custom_fields_values"] is None and (olga["first_name"], olga["last_name"]) == ("Olga", "")
    assert set(olga["_embedded"]) == {"tags", "companies"}


def test_company_shape(api, crm):
    nord = crm.companies[0]
    body = assert_hal(api.get(f"companies/{nord}?with=leads,customers,contacts"))
    assert set(body) == CONTACT_KEYS - {"first_name", "last_name", "is_unsorted"}
    assert {field["field_code"] for field in body["custom_fields_values"]} == {"PHONE", "EMAIL", "WEB", "ADDRESS"}
    assert [tag["name"] for tag in body["_embedded"]["tags"]] == ["vip"]
    assert [lead["id"] for lead in body["_embedded"]["leads"]] == [crm.leads[0]]
    assert sorted(item["id"] for item in body["_embedded"]["contacts"]) == crm.contacts
    assert sorted(item["id"] for item in body["_embedded"]["customers"]) == crm.customers
    bare = assert_hal(api.get(f"companies/{crm.companies[1]}"))
    assert bare["custom_fields_values"] is None and bare["_embedded"] == {"tags": []}


def test_customer_shape(api, crm):
    body = assert_hal(api.get(f"customers/{crm.customers[1]}?with=contacts,companies"))
    assert body["next_price"] == 10000
    assert body["next_date"] == unix(datetime(2026, 12, 1))
    for key in ("status_id", "periodicity", "ltv", "purchases_count", "average_check", "_links", "account_id"):
        assert key in body
    assert [item["id"] for item in body["_embedded"]["contacts"]] == crm.contacts[:1]
    assert [item["id"] for item in body["_embedded"]["companies"]] == crm.companies[:1]
    assert set(assert_hal(api.get(f"customers/{crm.customers[1]}"))["_embedded"]) == {"tags"}


@pytest.mark.parametrize("entity", ["leads", "contacts", "companies", "customers"])
def test_unknown_id_is_204(api, crm, entity):
    response = api.get(f"{entity}/99999")
    assert response.status_code == 204 and response.data == b""
    assert api.get(f"{entity}/99999999999999999999").status_code == 204  # past what a column holds


# -- Filters ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["filter[id]={}", "filter[id][]={}", "filter[id][0]={}"])
def test_filter_by_id_in_all_three_encodings(api, crm, encoding):
    assert ids(assert_hal(api.get("leads?" + encoding.format(crm.leads[4])))) == [crm.leads[4]]


@pytest.mark.parametrize("template", [
    "filter[id][]={a}&filter[id][]={b}", "filter[id][0]={a}&filter[id][1]={b}",
])
def test_filter_by_several_ids(api, crm, template):
    body = assert_hal(api.get("leads?" + template.format(a=crm.leads[1], b=crm.leads[6])))
    assert ids(body) == [crm.leads[6], crm.leads[1]]


@pytest.mark.parametrize("encoding", [
    "filter[responsible_user_id]={}", "filter[responsible_user_id][]={}", "filter[responsible_user_id][0]={}",
])
def test_filter_by_responsible_user(api, crm, user, encoding):
    assert ids(assert_hal(api.get("leads?" + encoding.format(user)))) == crm.leads[::2][::-1]


def test_filter_leads_by_pipeline_and_by_statuses(api, crm):
    partners = crm.partners_pipeline
    assert ids(assert_hal(api.get(f"leads?filter[pipeline_id]={partners}"))) == crm.leads[10:][::-1]
    won = assert_hal(api.get("leads?filter[statuses][0][pipeline_id]=1&filter[statuses][0][status_id]=142"))
    assert ids(won) == crm.leads[8:10][::-1]
    both = assert_hal(api.get(
        "leads?filter[statuses][0][pipeline_id]=1&filter[statuses][0][status_id]=142"
        "&filter[statuses][1][pipeline_id]=1&filter[statuses][1][status_id]=1001"))
    assert ids(both) == crm.leads[4:10][::-1]


def test_filter_by_created_and_updated_ranges(api, crm, app):
    with app.app_context():
        moments = [unix(db.session.get(Deal, lead_id).created_at) for lead_id in crm.leads]
    between = assert_hal(api.get(f"leads?filter[created_at][from]={moments[2]}&filter[created_at][to]={moments[4]}"))
    assert ids(between) == crm.leads[2:5][::-1]
    since = assert_hal(api.get(f"leads?filter[updated_at][from]={moments[9]}"))
    assert ids(since) == crm.leads[9:][::-1]
    until = assert_hal(api.get(f"leads?filter[updated_at][to]={moments[0]}"))
    assert ids(until) == crm.leads[:1]


def test_filter_by_price_range_search_and_order(api, crm):
    priced = assert_hal(api.get("leads?filter[price][from]=3000&filter[price][to]=5000"))
    assert ids(priced) == crm.leads[2:5][::-1]
    found = assert_hal(api.get("leads?query=Deal 1"))
    assert set(ids(found)) == {crm.leads[0], crm.leads[9], crm.leads[10], crm.leads[11]}
    assert ids(assert_hal(api.get("contacts?query=maria@nord")), "contacts") == crm.contacts[:1]
    assert ids(assert_hal(api.get("leads?order[id]=asc&limit=3"))) == crm.leads[:3]
    assert ids(assert_hal(api.get("leads?order[created_at]=asc&limit=3"))) == crm.leads[:3]
    assert ids(assert_hal(api.get("leads?order[updated_at]=desc&limit=3"))) == crm.leads[-3:][::-1]


# -- Writes -------------------------------------------------------------------------------------------

def test_post_leads_creates_a_batch_with_tags_contacts_and_company(api, crm, app, user):
    with app.app_context():
        web_tag = db.session.scalar(select(Tag.id).where(Tag.entity == "lead", Tag.name == "web"))
    response = api.post("leads", json=[
        {"name": "From the API", "price": 1500, "status_id": 142, "pipeline_id": 1, "responsible_user_id": user,
         "_embedded": {"tags": [{"name": "api"}, {"id": web_tag}], "contacts": [{"id": crm.contacts[1]}],
                       "companies": [{"id": crm.companies[1]}]}},
        {"name": "Bare", "request_id": "mine"},
    ])
    body = assert_hal(response)
    first, second = body["_embedded"]["leads"]
    assert (first["request_id"], second["request_id"]) == ("0", "mine")
    assert first["_links"]["self"] == href(f"/api/v4/leads/{first['id']}")
    created = assert_hal(api.get(f"leads/{first['id']}?with=contacts"))
    assert (created["name"], created["price"], created["status_id"], created["pipeline_id"]) == (
        "From the API", 1500, 142, 1)
    assert created["closed_at"] is not None
    assert sorted(tag["name"] for tag in created["_embedded"]["tags"]) == ["api", "web"]
    assert [item["id"] for item in created["_embedded"]["contacts"]] == [crm.contacts[1]]
    assert [item["id"] for item in created["_embedded"]["companies"]] == [crm.companies[1]]
    bare = assert_hal(api.get(f"leads/{second['id']}"))
    assert bare["responsible_user_id"] == user and bare["pipeline_id"] == 1 and bare["price"] == 0


@pytest.mark.parametrize("body,request_id,path", [
    ([{"name": "ok"}, {"name": 5}], "1", "name"),
    ([{"name": "x", "price": "100"}], "0", "price"),
    ([{"name": "x", "price": -1}], "0", "price"),
    ([{"name": "x", "price": True}], "0", "price"),
    ([{"name": "x", "status_id": 99999}], "0", "status_id"),
    ([{"name": "x", "pipeline_id": 99999}], "0", "pipeline_id"),
    ([{"name": "x", "responsible_user_id": 99999}], "0", "responsible_user_id"),
    ([{"price": 5}], "0", "name"),
    ([{"name": "x", "_embedded": {"tags": [{"id": 99999}]}}], "0", "_embedded.tags.0"),
    ([{"name": "x", "_embedded": {"contacts": [{"id": 99999}]}}], "0", "_embedded.contacts"),
    ([{"name": "x", "_embedded": {"contacts": "all"}}], "0", "_embedded"),
    (["just a string"], "0", ""),
])
def test_invalid_leads_are_400_and_nothing_of_the_batch_is_saved(api, crm, app, body, request_id, path):
    with app.app_context():
        before = db.session.scalar(select(func.count(Deal.id)))
    response = api.post("leads", json=[{"name": "Would be fine"}, *body])
    problem = assert_problem(response, 400)
    entry = problem["validation-errors"][0]
    assert entry["request_id"] == str(int(request_id) + 1)
    assert entry["errors"][0]["path"] == path
    with app.app_context():
        assert db.session.scalar(select(func.count(Deal.id))) == before


def test_a_batch_that_turns_invalid_between_check_and_save_saves_nothing(api, crm, app, monkeypatch):
    """A contact deleted while the batch is on its way: the save, one transaction, refuses it all."""
    from monitor.services import records

    monkeypatch.setattr(records, "check_record", lambda *_args: None)  # as if the contact existed when checked
    with app.app_context():
        before = db.session.scalar(select(func.count(Deal.id)))
    body = [{"name": "Fine"}, {"name": "Gone contact", "request_id": "b", "_embedded": {"contacts": [{"id": 999}]}}]
    entry = assert_problem(api.post("leads", json=body), 400)["validation-errors"][0]
    assert entry["request_id"] == "b" and entry["errors"][0]["path"] == "_embedded.contacts"
    with app.app_context():
        assert db.session.scalar(select(func.count(Deal.id))) == before


@pytest.mark.parametrize("data,content_type", [
    ("not json", "application/json"), ('{"name": "an object"}', "application/json"), ("[]", "application/json"),
    ("[" + ",".join(['{"name": "x"}'] * 251) + "]", "application/json"),
])
def test_malformed_post_bodies_are_400(api, crm, data, content_type):
    response = api.client.post("/api/v4/leads", data=data, headers={**api.headers(), "Content-Type": content_type})
    body = assert_problem(response, 400)
    assert body["validation-errors"][0]["errors"][0]["path"] == "body"


def test_patch_one_lead_and_a_batch(api, crm, clock):
    clock.advance(minutes=5)
    response = api.patch(f"leads/{crm.leads[0]}", json={"price": 777, "status_id": 143})
    body = assert_hal(response)
    assert body["id"] == crm.leads[0] and body["_links"]["self"] == href(f"/api/v4/leads/{crm.leads[0]}")
    lead = assert_hal(api.get(f"leads/{crm.leads[0]}"))
    assert (lead["price"], lead["status_id"], lead["name"]) == (777, 143, "Deal 1")
    assert lead["updated_at"] == body["updated_at"] > lead["created_at"]
    batch = assert_hal(api.patch("leads", json=[{"id": crm.leads[1], "name": "Renamed"},
                                                {"id": crm.leads[2], "pipeline_id": crm.partners_pipeline}]))
    assert [item["id"] for item in batch["_embedded"]["leads"]] == crm.leads[1:3]
    assert assert_hal(api.get(f"leads/{crm.leads[1]}"))["name"] == "Renamed"
    assert assert_hal(api.get(f"leads/{crm.leads[2]}"))["pipeline_id"] == crm.partners_pipeline


def test_writing_leads_names_no_linked_record_and_charges_only_new_links(api, crm, charges):
    """Only ids come back; but a lead's card names its links, where a card seen before opens free,
    so the existing records a write links anew count as list elements, like the web form's picker."""
    links = {"contacts": [{"id": contact} for contact in crm.contacts], "companies": [{"id": crm.companies[0]}]}
    created = assert_hal(api.post("leads", json=[{"name": "Linked", "_embedded": links}]))
    lead_id = created["_embedded"]["leads"][0]["id"]
    edited = assert_hal(api.patch(f"leads/{lead_id}", json={"_embedded": {"contacts": [{"id": crm.contacts[2]}]}}))
    many = assert_hal(api.patch("leads", json=[{"id": lead_id, "_embedded": links}]))
    plain = assert_hal(api.patch(f"leads/{lead_id}", json={"price": 7}))
    answers = json.dumps([created, edited, many, plain])
    assert not any(name in answers for name in ("Maria", "Ivan", "Olga", "Nord", "Volga", "nord.example"))
    # 3 contacts + the company; then contact 2 alone (already linked); then contacts 0 and 1 again.
    assert [(call["channel"], call["elements"], call["cards"]) for call in charges] == [("api", 4, []), ("api", 2, [])]


def test_patch_errors(api, crm):
    assert_problem(api.patch("leads/99999", json={"price": 1}), 404)
    body = assert_problem(api.patch(f"leads/{crm.leads[0]}", json={"price": "cheap"}), 400)
    assert body["validation-errors"][0]["errors"][0]["path"] == "price"
    assert_problem(api.patch(f"leads/{crm.leads[0]}", json=[{"price": 1}]), 400)
    items = [{"id": crm.leads[0], "price": 1}, {"id": 99999}, {"price": 2}]
    batch = assert_problem(api.patch("leads", json=items), 400)
    assert [entry["request_id"] for entry in batch["validation-errors"]] == ["1", "2"]
    assert assert_hal(api.get(f"leads/{crm.leads[0]}"))["price"] == 1000  # nothing of the batch saved
    assert_problem(api.patch("contacts/1", json={"name": "x"}), 405)
