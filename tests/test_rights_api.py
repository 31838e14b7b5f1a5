"""Rights per entity in the API (SPEC §10, issue 13): lists, one record, `_embedded`, lead writes, notes, tasks.

The `crm` fixture's records: odd deals (leads[0], leads[2], ...) and every contact and customer are the
user's, even deals and the company Nord (linked to deal 1, its contacts and the customers) the admin's.
The user's rights are set per test: only their own deals, or no companies. 403s charge nothing.
"""
from calendar import timegm
from datetime import datetime

import pytest
from sqlalchemy import select

from monitor.db import db
from monitor.models import FeedEntry, Task, User
from monitor.services import feed, tasks
from tests.fixtures_api import assert_hal, assert_problem, no_api_rate_limit
from tests.fixtures_rights import NO_COMPANIES, OWN_DEALS, rights_with, set_rights

pytestmark = no_api_rate_limit
DUE = timegm(datetime(2026, 12, 1, 15, 0).utctimetuple())


def ids(body, key):
    return [item["id"] for item in body["_embedded"][key]]


def embedded_ids(body, key):
    return [item["id"] for item in body["_embedded"].get(key, [])]


def charged(charges):
    return [(call["elements"], call["cards"]) for call in charges]


def add_note(app, entity, record_id, text):
    with app.app_context():
        return feed.add_note(entity, record_id, text, None).id


def add_task(app, author_id, text, entity=None, record_id=None, responsible=None):
    with app.app_context():
        author = db.session.get(User, author_id)
        data = {"text": text, "due_at": datetime(2026, 12, 1), "responsible": responsible or author_id,
                "entity": entity, "record_id": record_id}
        return tasks.create_task(data, author, "UTC").id


def notes_in(app):
    with app.app_context():
        return [(entry.record_id, entry.text)
                for entry in db.session.scalars(select(FeedEntry).where(FeedEntry.kind == "note"))]


def task_rows(app):
    with app.app_context():
        return [(task.text, task.is_done) for task in db.session.scalars(select(Task).order_by(Task.id))]


# -- Lists and one record -------------------------------------------------------------------------

def test_a_list_holds_and_charges_only_the_users_own_deals_and_admins_see_all(api, admin_api, crm, app, user,
                                                                              charges):
    set_rights(app, user, OWN_DEALS)
    body = assert_hal(api.get("leads?limit=250"))
    assert sorted(ids(body, "leads")) == sorted(crm.leads[0::2])
    assert charged(charges) == [(6, [])]
    assert api.get(f"leads?filter[id]={crm.leads[1]}").status_code == 204  # asked by id: still left out
    assert sorted(ids(assert_hal(admin_api.get("leads?limit=250")), "leads")) == sorted(crm.leads)


def test_a_record_out_of_reach_is_403_and_charges_nothing(api, admin_api, crm, app, user, charges):
    set_rights(app, user, OWN_DEALS)
    assert_problem(api.get(f"leads/{crm.leads[1]}"), 403)
    assert charges == []
    assert assert_hal(api.get(f"leads/{crm.leads[0]}"))["id"] == crm.leads[0]
    assert charged(charges) == [(0, [("leads", crm.leads[0])])]
    assert assert_hal(admin_api.get(f"leads/{crm.leads[1]}"))["id"] == crm.leads[1]
    assert api.get("leads/999999").status_code == 204  # unknown stays 204


def test_a_user_who_may_view_no_companies_gets_none_listed_linked_or_embedded(api, admin_api, crm, app, user,
                                                                             charges):
    set_rights(app, user, NO_COMPANIES)
    assert api.get("companies").status_code == 204
    assert_problem(api.get(f"companies/{crm.companies[0]}"), 403)
    assert charges == []
    deal = assert_hal(api.get(f"leads/{crm.leads[0]}?with=contacts"))
    assert deal["_embedded"]["companies"] == [] and embedded_ids(deal, "contacts") == crm.contacts[:2]
    contacts = assert_hal(api.get("contacts"))["_embedded"]["contacts"]
    assert [item["_embedded"]["companies"] for item in contacts] == [[], [], []]
    customers = assert_hal(api.get("customers?with=companies,contacts"))["_embedded"]["customers"]
    assert [item["_embedded"]["companies"] for item in customers] == [[], []]
    admin_deal = assert_hal(admin_api.get(f"leads/{crm.leads[0]}"))
    assert embedded_ids(admin_deal, "companies") == [crm.companies[0]]


def test_embedded_deals_are_only_those_the_user_may_view(api, admin_api, crm, app, user):
    assert_hal(admin_api.patch(f"leads/{crm.leads[1]}", json={"_embedded": {"contacts": [{"id": crm.contacts[0]}]}}))
    set_rights(app, user, OWN_DEALS)
    contact = assert_hal(api.get(f"contacts/{crm.contacts[0]}?with=leads"))
    assert embedded_ids(contact, "leads") == [crm.leads[0]]
    company = assert_hal(api.get(f"companies/{crm.companies[0]}?with=leads"))
    assert crm.leads[1] not in embedded_ids(company, "leads")
    assert sorted(embedded_ids(assert_hal(admin_api.get(f"contacts/{crm.contacts[0]}?with=leads")), "leads")) == \
        sorted(crm.leads[:2])


def test_users_show_each_users_rights(admin_api, app, user):
    set_rights(app, user, OWN_DEALS)
    shown = assert_hal(admin_api.get(f"users/{user}"))["rights"]
    assert (shown["leads"]["view"], shown["leads"]["edit"], shown["contacts"]["view"]) == ("M", "M", "A")


# -- Lead writes ----------------------------------------------------------------------------------

def test_a_lead_out_of_reach_is_not_edited_one_is_403_in_a_batch_unknown(api, crm, app, user, charges):
    set_rights(app, user, OWN_DEALS)
    assert_problem(api.patch(f"leads/{crm.leads[1]}", json={"name": "Mine now"}), 403)
    response = api.patch("leads", json=[{"id": crm.leads[0], "name": "Fine"},
                                        {"id": crm.leads[1], "name": "Mine now", "request_id": "x"}])
    body = assert_problem(response, 400)
    [entry] = body["validation-errors"]
    assert entry["request_id"] == "x" and entry["errors"][0]["code"] == "NotFound"
    assert "Deal 2" not in response.get_data(as_text=True)
    own_name = assert_hal(api.get(f"leads/{crm.leads[0]}"))["name"]
    assert own_name == "Deal 1" and charges[-1]["cards"] == [("leads", crm.leads[0])]
    assert all(call["elements"] == 0 for call in charges)


def test_a_lead_viewable_but_not_editable_is_403_and_a_400_by_its_request_id(api, crm, app, user, charges):
    set_rights(app, user, rights_with(leads={"edit": "own"}))
    assert_problem(api.patch(f"leads/{crm.leads[1]}", json={"name": "Mine now"}), 403)
    body = assert_problem(api.patch("leads", json=[{"id": crm.leads[1], "name": "Mine now", "request_id": "y"}]), 400)
    assert body["validation-errors"][0]["errors"][0]["code"] == "Forbidden"
    assert charges == []
    assert assert_hal(api.patch(f"leads/{crm.leads[0]}", json={"name": "Own edit"}))["id"] == crm.leads[0]


def test_linking_a_company_the_user_may_not_view_is_an_unknown_company(api, crm, app, user, charges):
    set_rights(app, user, NO_COMPANIES)
    hidden = crm.companies[1]
    response = api.post("leads", json=[{"name": "New", "_embedded": {"companies": [{"id": hidden}]}}])
    error = assert_problem(response, 400)["validation-errors"][0]["errors"][0]
    unknown = assert_problem(api.post("leads", json=[{"name": "New", "_embedded": {"companies": [{"id": 99999}]}}]),
                             400)["validation-errors"][0]["errors"][0]
    assert (error["path"], error["detail"]) == ("_embedded.companies", f"There is no company with id {hidden}.")
    assert (unknown["path"], unknown["detail"]) == ("_embedded.companies", "There is no company with id 99999.")
    assert_problem(api.patch(f"leads/{crm.leads[2]}", json={"_embedded": {"companies": [{"id": hidden}]}}), 400)
    assert charges == []
    assert api.get("leads?query=New").status_code == 204
    # The company deal 1 already links stays linked through an edit that sends it again.
    assert_hal(api.patch(f"leads/{crm.leads[0]}", json={"name": "Deal one",
                                                         "_embedded": {"companies": [{"id": crm.companies[0]}]}}))


def test_linking_a_contact_the_user_may_not_view_is_an_unknown_contact(api, admin_api, crm, app, user):
    set_rights(app, user, rights_with(contacts={"view": "none"}))
    response = api.post("leads", json=[{"name": "New", "_embedded": {"contacts": [{"id": crm.contacts[2]}]}}])
    error = assert_problem(response, 400)["validation-errors"][0]["errors"][0]
    assert (error["path"], error["detail"]) == ("_embedded.contacts", f"There is no contact with id {crm.contacts[2]}.")
    assert_hal(admin_api.post("leads", json=[{"name": "New", "_embedded": {"contacts": [{"id": crm.contacts[2]}]}}]))


# -- Notes ----------------------------------------------------------------------------------------

def test_notes_of_deals_out_of_reach_are_neither_listed_nor_read_nor_added(api, admin_api, crm, app, user, charges):
    mine = add_note(app, "leads", crm.leads[0], "Mine")
    theirs = add_note(app, "leads", crm.leads[1], "Theirs")
    set_rights(app, user, OWN_DEALS)
    assert ids(assert_hal(api.get("leads/notes")), "notes") == [mine]
    assert charged(charges) == [(1, [])]
    charges.clear()
    assert api.get(f"leads/notes?filter[entity_id]={crm.leads[1]}").status_code == 204
    assert_problem(api.get(f"leads/{crm.leads[1]}/notes"), 403)
    assert_problem(api.get(f"leads/{crm.leads[1]}/notes/{theirs}"), 403)
    assert_problem(api.post(f"leads/{crm.leads[1]}/notes", json=[{"note_type": "common", "params": {"text": "x"}}]),
                   403)
    body = assert_problem(api.post("leads/notes", json=[
        {"entity_id": crm.leads[1], "note_type": "common", "params": {"text": "x"}}]), 400)
    assert body["validation-errors"][0]["errors"][0]["detail"] == "There is no such record."
    assert charges == [] and len(notes_in(app)) == 2
    assert sorted(ids(assert_hal(admin_api.get("leads/notes")), "notes")) == sorted([mine, theirs])


def test_adding_a_note_needs_the_edit_right(api, crm, app, user):
    set_rights(app, user, rights_with(leads={"edit": "own"}))
    note = [{"note_type": "common", "params": {"text": "x"}}]
    assert_problem(api.post(f"leads/{crm.leads[1]}/notes", json=note), 403)
    body = assert_problem(api.post("leads/notes", json=[{**note[0], "entity_id": crm.leads[1]}]), 400)
    assert body["validation-errors"][0]["errors"][0]["path"] == "entity_id"
    assert notes_in(app) == []
    assert_hal(api.post(f"leads/{crm.leads[0]}/notes", json=note))
    assert notes_in(app) == [(crm.leads[0], "x")]


# -- Tasks ----------------------------------------------------------------------------------------

def test_tasks_about_records_out_of_reach_are_not_listed_read_or_changed(api, admin_api, crm, app, user, admin,
                                                                          charges):
    own = add_task(app, admin, "About my deal", "leads", crm.leads[0], responsible=user)
    hidden = add_task(app, admin, "About their deal", "leads", crm.leads[1], responsible=user)
    nothing = add_task(app, admin, "About nothing", responsible=user)
    set_rights(app, user, OWN_DEALS)
    assert sorted(ids(assert_hal(api.get("tasks")), "tasks")) == sorted([own, nothing])
    assert charged(charges) == [(1, [])]
    charges.clear()
    assert api.get(f"tasks?filter[entity_type]=leads&filter[entity_id]={crm.leads[1]}").status_code == 204
    assert_problem(api.get(f"tasks/{hidden}"), 403)
    assert_problem(api.patch(f"tasks/{hidden}", json={"is_completed": True}), 403)
    body = assert_problem(api.patch("tasks", json=[{"id": hidden, "text": "x", "request_id": "h"}]), 400)
    assert body["validation-errors"][0]["errors"][0]["code"] == "NotFound"
    assert charges == [] and task_rows(app)[1] == ("About their deal", False)
    assert len(ids(assert_hal(admin_api.get("tasks")), "tasks")) == 3


def test_a_task_is_about_a_record_the_user_may_view_only(api, crm, app, user):
    set_rights(app, user, OWN_DEALS)
    body = assert_problem(api.post("tasks", json=[{"text": "x", "complete_till": DUE, "entity_type": "leads",
                                                   "entity_id": crm.leads[1]}]), 400)
    assert body["validation-errors"][0]["errors"][0] == {
        "code": "InvalidValue", "path": "entity_id", "detail": "There is no such record."}
    mine = add_task(app, user, "Mine")
    assert_problem(api.patch(f"tasks/{mine}", json={"entity_type": "leads", "entity_id": crm.leads[1]}), 400)
    assert task_rows(app) == [("Mine", False)]


@pytest.mark.parametrize("responsible_is_user", [False, True])
def test_a_task_is_changed_by_its_responsible_user_author_or_an_admin(api, admin_api, crm, app, user, admin,
                                                                      make_user, responsible_is_user):
    other = make_user("Otto Other")
    task = add_task(app, admin, "Plan", responsible=user if responsible_is_user else other)
    response = api.patch(f"tasks/{task}", json={"is_completed": True})
    if responsible_is_user:
        assert_hal(response)
    else:
        assert_problem(response, 403)
        body = assert_problem(api.patch("tasks", json=[{"id": task, "is_completed": True}]), 400)
        assert body["validation-errors"][0]["errors"][0]["code"] == "Forbidden"
        assert_hal(admin_api.patch(f"tasks/{task}", json={"text": "Plan it"}))
    assert task_rows(app)[0][1] is responsible_is_user
