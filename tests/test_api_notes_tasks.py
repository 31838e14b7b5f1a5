"""Notes and tasks through the API (API.md "Notes and tasks"): amoCRM's shapes, paging, filters, writes, charges."""
from calendar import timegm
from datetime import datetime

import pytest
from sqlalchemy import select

from monitor.db import db
from monitor.models import FeedEntry, Task
from monitor.models.work import MAX_NOTE, MAX_TASK_TEXT
from monitor.services import records
from tests.fixtures_api import HOST, assert_hal, assert_problem, no_api_rate_limit

pytestmark = no_api_rate_limit

NOTE_KEYS = {
    "id", "entity_id", "created_by", "updated_by", "created_at", "updated_at", "responsible_user_id", "group_id",
    "note_type", "params", "account_id", "_links",
}
TASK_KEYS = {
    "id", "created_by", "updated_by", "created_at", "updated_at", "responsible_user_id", "group_id", "entity_id",
    "entity_type", "duration", "is_completed", "task_type_id", "text", "result", "complete_till", "account_id",
    "_links",
}
DUE = timegm(datetime(2026, 12, 1, 15, 0).utctimetuple())


def href(path):
    return {"href": f"{HOST}{path}"}


def ids(body, key):
    return [item["id"] for item in body["_embedded"][key]]


def common(text, entity_id=None, **extra):
    item = {"note_type": "common", "params": {"text": text}, **extra}
    return item if entity_id is None else {"entity_id": entity_id, **item}


def notes_in(app, **where):
    """(record id, text) of every feed note, oldest first."""
    with app.app_context():
        query = select(FeedEntry).where(FeedEntry.kind == "note").filter_by(**where).order_by(FeedEntry.id)
        return [(entry.record_id, entry.text) for entry in db.session.scalars(query)]


def add_notes(api, entity, items):
    body = assert_hal(api.post(f"{entity}/notes", json=items))
    return ids(body, "notes")


def tasks_in(app):
    """(text, due as Unix, responsible, entity, record id, done) of every task, oldest first."""
    with app.app_context():
        return [(task.text, timegm(task.due_at.utctimetuple()), task.responsible_user_id, task.entity,
                 task.record_id, task.is_done) for task in db.session.scalars(select(Task).order_by(Task.id))]


def add_tasks(api, items):
    body = assert_hal(api.post("tasks", json=items))
    return ids(body, "tasks")


# -- Notes --------------------------------------------------------------------------------------

def test_a_note_posted_to_a_lead_comes_back_in_amocrms_shape(api, crm, app, user, clock):
    lead = crm.leads[0]
    body = assert_hal(api.post("leads/notes", json=[common("Call back after 18:00", lead, request_id="mine")]))
    [ref] = body["_embedded"]["notes"]
    assert body["_links"] == {"self": href("/api/v4/leads/notes")}
    assert ref == {"id": ref["id"], "entity_id": lead, "request_id": "mine",
                   "_links": {"self": href(f"/api/v4/leads/{lead}/notes/{ref['id']}")}}
    listed = assert_hal(api.get(f"leads/{lead}/notes"))
    [note] = listed["_embedded"]["notes"]
    now = timegm(clock().utctimetuple())
    assert set(note) == NOTE_KEYS
    assert note == {
        "id": ref["id"], "entity_id": lead, "created_by": user, "updated_by": user, "created_at": now,
        "updated_at": now, "responsible_user_id": user, "group_id": 0, "note_type": "common",
        "params": {"text": "Call back after 18:00"}, "account_id": 1,
        "_links": {"self": href(f"/api/v4/leads/{lead}/notes/{ref['id']}")},
    }
    assert assert_hal(api.get(f"leads/{lead}/notes/{ref['id']}")) == note
    assert notes_in(app) == [(lead, "Call back after 18:00")]


def test_only_the_feeds_notes_are_notes(api, crm, app):
    """The lead's feed also says it was created and changed; those lines are not notes."""
    lead = crm.leads[0]
    assert_hal(api.patch(f"leads/{lead}", json={"price": 5}))
    with app.app_context():
        kinds = set(db.session.scalars(select(FeedEntry.kind).where(FeedEntry.record_id == lead)))
    assert {"created", "field"} <= kinds
    assert api.get(f"leads/{lead}/notes").status_code == 204
    assert api.get("leads/notes").status_code == 204
    [note_id] = add_notes(api, "leads", [common("A note", lead)])
    assert ids(assert_hal(api.get("leads/notes")), "notes") == [note_id]


def test_notes_post_to_a_record_path_and_every_kind_has_notes(api, crm, app):
    for entity, record in (("leads", crm.leads[1]), ("contacts", crm.contacts[0]),
                           ("companies", crm.companies[0]), ("customers", crm.customers[0])):
        body = assert_hal(api.post(f"{entity}/{record}/notes", json=[common(f"On {entity}"),
                                                                     common("Again", record)]))
        assert [item["entity_id"] for item in body["_embedded"]["notes"]] == [record, record]
        listed = assert_hal(api.get(f"{entity}/notes"))
        assert [note["params"]["text"] for note in listed["_embedded"]["notes"]] == ["Again", f"On {entity}"]
        assert notes_in(app, entity=entity) == [(record, f"On {entity}"), (record, "Again")]


def test_note_lists_page_filter_and_order(api, crm):
    first, second = crm.leads[0], crm.leads[1]
    made = add_notes(api, "leads", [common(f"Note {number}", first if number % 2 else second)
                                    for number in range(1, 6)])
    newest = made[::-1]
    page = assert_hal(api.get("leads/notes?limit=2&page=2"))
    assert ids(page, "notes") == newest[2:4] and page["_page"] == 2
    assert page["_links"]["next"] == href("/api/v4/leads/notes?limit=2&page=3")
    assert "next" not in assert_hal(api.get("leads/notes?limit=2&page=3"))["_links"]
    assert api.get("leads/notes?limit=2&page=4").status_code == 204
    assert ids(assert_hal(api.get(f"leads/notes?filter[entity_id]={first}")), "notes") == newest[::2]
    assert ids(assert_hal(api.get(f"leads/notes?filter[entity_id][]={first}&filter[entity_id][]={second}")),
               "notes") == newest
    assert ids(assert_hal(api.get(f"leads/notes?filter[id][0]={made[0]}&filter[id][1]={made[3]}")),
               "notes") == [made[3], made[0]]
    assert ids(assert_hal(api.get(f"leads/{second}/notes?filter[id]={made[1]}")), "notes") == [made[1]]
    assert api.get(f"leads/{first}/notes?filter[id]={made[1]}").status_code == 204
    assert ids(assert_hal(api.get("leads/notes?order[id]=asc")), "notes") == made
    assert ids(assert_hal(api.get("leads/notes?filter[note_type]=common")), "notes") == newest
    assert ids(assert_hal(api.get("leads/notes?filter[note_type][]=call_in&filter[note_type][]=common")),
               "notes") == newest
    assert api.get("leads/notes?filter[note_type]=call_in").status_code == 204
    assert api.get("contacts/notes").status_code == 204


def test_a_note_by_id_belongs_to_its_record_and_kind(api, crm):
    [note_id] = add_notes(api, "leads", [common("Mine", crm.leads[0])])
    assert assert_hal(api.get(f"leads/{crm.leads[0]}/notes/{note_id}"))["id"] == note_id
    for path in (f"leads/{crm.leads[1]}/notes/{note_id}", f"contacts/{crm.leads[0]}/notes/{note_id}",
                 f"leads/{crm.leads[0]}/notes/999999", f"leads/{crm.leads[0]}/notes/99999999999999999999",
                 f"leads/99999999999999999999/notes/{note_id}"):
        response = api.get(path)
        assert response.status_code == 204 and response.data == b"", path
    assert api.get("leads/99999999999999999999/notes").status_code == 204


@pytest.mark.parametrize("query,path", [
    ("filter[note_type]=telegram", "filter[note_type]"),
    ("filter[entity_id]=x", "filter[entity_id]"),
    ("filter[id][a]=1", "filter[id]"),
    ("filter[updated_at][from]=1", "filter[updated_at]"),
    ("order[name]=asc", "order[name]"),
    ("order[id]=up", "order[id]"),
    ("limit=251", "limit"),
    ("page=0", "page"),
])
def test_bad_note_list_parameters_are_400(api, crm, query, path):
    body = assert_problem(api.get(f"leads/notes?{query}"), 400)
    assert body["validation-errors"][0]["errors"][0]["path"] == path


def test_the_record_path_takes_no_entity_filter(api, crm):
    body = assert_problem(api.get(f"leads/{crm.leads[0]}/notes?filter[entity_id]={crm.leads[0]}"), 400)
    assert body["validation-errors"][0]["errors"][0]["code"] == "NotSupportedChoice"


@pytest.mark.parametrize("item,path", [
    ("a note", ""),
    ({"note_type": "common", "params": {"text": "No record"}}, "entity_id"),
    ({"entity_id": "5", "note_type": "common", "params": {"text": "x"}}, "entity_id"),
    ({"entity_id": 999_999, "note_type": "common", "params": {"text": "x"}}, "entity_id"),
    ({"entity_id": 2**40, "note_type": "common", "params": {"text": "x"}}, "entity_id"),
    ({"entity_id": True, "note_type": "common", "params": {"text": "x"}}, "entity_id"),
    ({"entity_id": "LEAD", "params": {"text": "x"}}, "note_type"),
    ({"entity_id": "LEAD", "note_type": "call_in", "params": {"text": "x"}}, "note_type"),
    ({"entity_id": "LEAD", "note_type": "common"}, "params.text"),
    ({"entity_id": "LEAD", "note_type": "common", "params": "x"}, "params.text"),
    ({"entity_id": "LEAD", "note_type": "common", "params": {"text": 5}}, "params.text"),
    ({"entity_id": "LEAD", "note_type": "common", "params": {"text": " \x00 "}}, "params.text"),
    ({"entity_id": "LEAD", "note_type": "common", "params": {"text": "x" * (MAX_NOTE + 1)}}, "params.text"),
])
def test_bad_notes_are_400_and_nothing_of_the_batch_is_saved(api, crm, app, item, path):
    if isinstance(item, dict) and item.get("entity_id") == "LEAD":
        item = {**item, "entity_id": crm.leads[0]}
    response = api.post("leads/notes", json=[common("Would be fine", crm.leads[1]), item])
    entry = assert_problem(response, 400)["validation-errors"][0]
    assert entry["request_id"] == "1" and entry["errors"][0]["path"] == path
    assert notes_in(app) == []


@pytest.mark.parametrize("data", ['{"entity_id": 1}', "[]", "[" + ",".join(['{"entity_id": 1}'] * 251) + "]", "[",
                                  "5"])
def test_note_bodies_that_are_no_batch_are_400(api, crm, app, data):
    response = api.client.post("/api/v4/leads/notes", data=data,
                               headers={**api.headers(), "Content-Type": "application/json"})
    assert assert_problem(response, 400)["validation-errors"][0]["errors"][0]["path"] == "body"
    assert notes_in(app) == []


def test_a_note_for_another_record_than_the_paths_is_400_and_a_missing_record_404(api, crm, app):
    body = assert_problem(api.post(f"leads/{crm.leads[0]}/notes", json=[common("x", crm.leads[1])]), 400)
    assert body["validation-errors"][0]["errors"][0]["path"] == "entity_id"
    assert_problem(api.post("leads/999999/notes", json=[common("x")]), 404)
    assert_problem(api.post("leads/99999999999999999999/notes", json=[common("x")]), 404)
    assert notes_in(app) == []


def test_a_record_deleted_between_check_and_save_saves_none_of_the_notes(api, crm, app, monkeypatch):
    from monitor.api import notes as api_notes

    checked = api_notes.note_item

    def check_then_lose_the_record(entity, item, record_id=None):
        result = checked(entity, item, record_id)
        if item["params"]["text"] == "Lost":
            with app.app_context():
                records.delete_records(entity, [records.get_record(entity, result[0])])
        return result

    monkeypatch.setattr(api_notes, "note_item", check_then_lose_the_record)
    response = api.post("leads/notes", json=[common("Kept", crm.leads[0]),
                                             common("Lost", crm.leads[1], request_id="b")])
    entry = assert_problem(response, 400)["validation-errors"][0]
    assert entry["request_id"] == "b" and entry["errors"][0]["path"] == "entity_id"
    assert notes_in(app) == []


def test_note_lists_charge_one_element_per_note_and_writes_nothing(api, crm, charges):
    made = add_notes(api, "leads", [common(f"Note {number}", crm.leads[number]) for number in range(3)])
    assert charges == []
    assert_hal(api.get("leads/notes"))
    assert_hal(api.get(f"leads/notes?limit=2&filter[entity_id]={crm.leads[0]}"))
    assert_hal(api.get(f"leads/{crm.leads[2]}/notes/{made[2]}"))
    assert api.get("contacts/notes").status_code == 204
    assert api.get(f"leads/{crm.leads[0]}/notes/{made[2]}").status_code == 204
    assert [(call["channel"], call["elements"], call["cards"]) for call in charges] == [
        ("api", 3, []), ("api", 1, []), ("api", 1, [])]


# -- Tasks --------------------------------------------------------------------------------------

def test_a_task_comes_back_in_amocrms_shape(api, crm, app, user, admin, clock):
    body = assert_hal(api.post("tasks", json=[
        {"text": "Send the offer", "complete_till": DUE, "entity_type": "leads", "entity_id": crm.leads[0],
         "request_id": "offer"},
        {"text": "Plan the week", "complete_till": DUE + 60, "responsible_user_id": admin, "task_type_id": 2,
         "duration": 0},
    ]))
    first, second = body["_embedded"]["tasks"]
    assert body["_links"] == {"self": href("/api/v4/tasks")}
    assert first == {"id": first["id"], "request_id": "offer", "_links": {"self": href(f"/api/v4/tasks/{first['id']}")}}
    assert second["request_id"] == "1"
    task = assert_hal(api.get(f"tasks/{first['id']}"))
    now = timegm(clock().utctimetuple())
    assert set(task) == TASK_KEYS
    assert task == {
        "id": first["id"], "created_by": user, "updated_by": 0, "created_at": now, "updated_at": now,
        "responsible_user_id": user, "group_id": 0, "entity_id": crm.leads[0], "entity_type": "leads",
        "duration": 0, "is_completed": False, "task_type_id": 1, "text": "Send the offer", "result": [],
        "complete_till": DUE, "account_id": 1, "_links": {"self": href(f"/api/v4/tasks/{first['id']}")},
    }
    other = assert_hal(api.get(f"tasks/{second['id']}"))
    assert (other["entity_id"], other["entity_type"], other["responsible_user_id"], other["task_type_id"]) == (
        None, None, admin, 1)
    assert tasks_in(app) == [("Send the offer", DUE, user, "leads", crm.leads[0], False),
                             ("Plan the week", DUE + 60, admin, None, None, False)]
    assert api.get("tasks/999999").status_code == 204
    assert api.get("tasks/99999999999999999999").status_code == 204


def test_task_lists_page_and_filter(api, crm, user, admin):
    made = add_tasks(api, [
        {"text": "A", "complete_till": DUE + 3, "entity_type": "leads", "entity_id": crm.leads[0]},
        {"text": "B", "complete_till": DUE + 1, "responsible_user_id": admin},
        {"text": "C", "complete_till": DUE + 2, "entity_type": "contacts", "entity_id": crm.contacts[0],
         "is_completed": True},
        {"text": "D", "complete_till": DUE + 4, "entity_type": "leads", "entity_id": crm.leads[1]},
    ])
    a, b, c, d = made
    soonest = [b, c, a, d]
    assert ids(assert_hal(api.get("tasks")), "tasks") == soonest
    page = assert_hal(api.get("tasks?limit=3"))
    assert ids(page, "tasks") == soonest[:3] and page["_links"]["next"] == href("/api/v4/tasks?limit=3&page=2")
    assert ids(assert_hal(api.get("tasks?limit=3&page=2")), "tasks") == [d]
    assert api.get("tasks?limit=3&page=3").status_code == 204
    for query, expected in (
        ("filter[is_completed]=1", [c]), ("filter[is_completed]=0", [b, a, d]), ("filter[is_completed]=true", [c]),
        (f"filter[responsible_user_id]={admin}", [b]), (f"filter[responsible_user_id][]={user}", [c, a, d]),
        ("filter[entity_type]=leads", [a, d]), ("filter[entity_type]=contacts", [c]),
        (f"filter[entity_type]=leads&filter[entity_id][0]={crm.leads[1]}", [d]),
        (f"filter[entity_type]=leads&filter[entity_id][0]={crm.leads[1]}&filter[entity_id][1]={crm.leads[0]}",
         [a, d]),
        (f"filter[id][]={a}&filter[id][]={b}", [b, a]), (f"filter[id]={c}&filter[is_completed]=0", None),
        ("filter[entity_type]=customers", None),
    ):
        response = api.get(f"tasks?{query}")
        if expected is None:
            assert response.status_code == 204, query
        else:
            assert ids(assert_hal(response), "tasks") == expected, query


@pytest.mark.parametrize("query,path", [
    ("filter[entity_id]=1", "filter[entity_id]"),
    ("filter[entity_type]=deals", "filter[entity_type]"),
    ("filter[entity_type][]=leads&filter[entity_type][]=contacts", "filter[entity_type]"),
    ("filter[is_completed]=yes", "filter[is_completed]"),
    ("filter[responsible_user_id]=me", "filter[responsible_user_id]"),
    ("filter[task_type_id]=1", "filter[task_type_id]"),
    ("limit=1000", "limit"),
    ("page=-1", "page"),
])
def test_bad_task_list_parameters_are_400(api, crm, query, path):
    body = assert_problem(api.get(f"tasks?{query}"), 400)
    assert body["validation-errors"][0]["errors"][0]["path"] == path


def test_patch_a_task_and_complete_it_then_a_batch(api, crm, app, user, admin, clock):
    [task_id, other] = add_tasks(api, [
        {"text": "Call", "complete_till": DUE, "entity_type": "leads", "entity_id": crm.leads[0]},
        {"text": "Other", "complete_till": DUE},
    ])
    clock.advance(minutes=5)
    body = assert_hal(api.patch(f"tasks/{task_id}", json={"text": "Call Maria", "complete_till": DUE + 3600,
                                                          "responsible_user_id": admin}))
    assert body == {"id": task_id, "updated_at": timegm(clock().utctimetuple()),
                    "_links": {"self": href(f"/api/v4/tasks/{task_id}")}}
    assert_hal(api.patch(f"tasks/{task_id}", json={"is_completed": True}))
    assert tasks_in(app)[0] == ("Call Maria", DUE + 3600, admin, "leads", crm.leads[0], True)
    with app.app_context():
        done = db.session.scalars(select(FeedEntry).where(FeedEntry.kind == "task_done")).all()
        assert [(entry.record_id, entry.linked_id, entry.text) for entry in done] == [
            (crm.leads[0], task_id, "Call Maria")]
    batch = assert_hal(api.patch("tasks", json=[{"id": task_id, "is_completed": False},
                                               {"id": other, "text": "Renamed", "request_id": "x"}]))
    assert [(item["id"], item["request_id"]) for item in batch["_embedded"]["tasks"]] == [
        (task_id, "0"), (other, "x")]
    assert [(row[0], row[-1]) for row in tasks_in(app)] == [("Call Maria", False), ("Renamed", False)]


def test_patch_errors_save_nothing(api, crm, app):
    [task_id] = add_tasks(api, [{"text": "Call", "complete_till": DUE}])
    before = tasks_in(app)
    assert_problem(api.patch("tasks/999999", json={"text": "x"}), 404)
    assert_problem(api.patch("tasks/99999999999999999999", json={"text": "x"}), 404)
    assert_problem(api.patch(f"tasks/{task_id}", json=[{"text": "x"}]), 400)
    body = assert_problem(api.patch(f"tasks/{task_id}", json={"text": ""}), 400)
    assert body["validation-errors"][0]["errors"][0]["path"] == "text"
    batch = assert_problem(api.patch("tasks", json=[{"id": task_id, "text": "Fine"}, {"id": 999_999, "text": "x"},
                                                    {"text": "no id"}, {"id": task_id, "complete_till": "soon"}]), 400)
    assert [(entry["request_id"], entry["errors"][0]["path"]) for entry in batch["validation-errors"]] == [
        ("1", "id"), ("2", "id"), ("3", "complete_till")]
    assert batch["validation-errors"][0]["errors"][0]["code"] == "NotFound"
    assert tasks_in(app) == before


@pytest.mark.parametrize("change,path", [
    ({"text": None}, "text"),
    ({"text": 5}, "text"),
    ({"text": "  "}, "text"),
    ({"text": "x" * (MAX_TASK_TEXT + 1)}, "text"),
    ({"complete_till": None}, "complete_till"),
    ({"complete_till": "2026-12-01"}, "complete_till"),
    ({"complete_till": -1}, "complete_till"),
    ({"complete_till": 1.5e9}, "complete_till"),
    ({"complete_till": True}, "complete_till"),
    ({"complete_till": 10**12}, "complete_till"),
    ({"responsible_user_id": 999_999}, "responsible_user_id"),
    ({"responsible_user_id": "me"}, "responsible_user_id"),
    ({"responsible_user_id": None}, "responsible_user_id"),
    ({"entity_type": "leads"}, "entity_id"),
    ({"entity_id": 1}, "entity_type"),
    ({"entity_type": "deals", "entity_id": 1}, "entity_type"),
    ({"entity_type": "leads", "entity_id": 999_999}, "entity_id"),
    ({"entity_type": "leads", "entity_id": 2**40}, "entity_id"),
    ({"is_completed": "yes"}, "is_completed"),
    ({"task_type_id": 3}, "task_type_id"),
    ({"task_type_id": True}, "task_type_id"),
    ({"task_type": "call"}, "task_type"),
    ({"duration": 3600}, "duration"),
    ({"result": {"text": "Called"}}, "result"),
])
def test_bad_tasks_are_400_and_nothing_of_the_batch_is_saved(api, crm, app, change, path):
    item = {"text": "Call", "complete_till": DUE, **change}
    response = api.post("tasks", json=[{"text": "Would be fine", "complete_till": DUE}, item])
    entry = assert_problem(response, 400)["validation-errors"][0]
    assert entry["request_id"] == "1" and entry["errors"][0]["path"] == path
    assert tasks_in(app) == []


@pytest.mark.parametrize("body", [{"text": "x", "complete_till": 1}, [], [{"text": "x", "complete_till": 1}] * 251,
                                  [5], ["task"]])
def test_task_bodies_that_are_no_batch_of_objects_are_400(api, crm, app, body):
    assert_problem(api.post("tasks", json=body), 400)
    assert tasks_in(app) == []


def test_a_completed_result_is_refused_and_the_task_stays_open(api, crm, app):
    [task_id] = add_tasks(api, [{"text": "Call", "complete_till": DUE}])
    body = assert_problem(api.patch(f"tasks/{task_id}", json={"is_completed": True, "result": {"text": "Done"}}), 400)
    assert body["validation-errors"][0]["errors"][0]["path"] == "result"
    assert tasks_in(app)[0][-1] is False


def test_a_record_deleted_between_check_and_save_saves_none_of_the_tasks(api, crm, app, monkeypatch):
    from monitor.api import tasks as api_tasks

    checked = api_tasks._checked

    def check_then_lose_the_record(item, zone, task=None):
        result = checked(item, zone, task)
        if item.get("request_id") == "lost":
            with app.app_context():
                records.delete_records("leads", [records.get_record("leads", item["entity_id"])])
        return result

    monkeypatch.setattr(api_tasks, "_checked", check_then_lose_the_record)
    response = api.post("tasks", json=[
        {"text": "Kept", "complete_till": DUE},
        {"text": "Lost", "complete_till": DUE, "entity_type": "leads", "entity_id": crm.leads[1], "request_id": "lost"},
    ])
    entry = assert_problem(response, 400)["validation-errors"][0]
    assert entry["request_id"] == "lost" and entry["errors"][0]["path"] == "entity_id"
    assert tasks_in(app) == []


def test_task_lists_charge_only_the_tasks_that_name_a_record(api, crm, charges):
    named, plain = add_tasks(api, [
        {"text": "About a deal", "complete_till": DUE, "entity_type": "leads", "entity_id": crm.leads[0]},
        {"text": "About nothing", "complete_till": DUE + 1},
    ])
    assert_hal(api.patch(f"tasks/{named}", json={"is_completed": True}))
    assert charges == []
    assert_hal(api.get("tasks"))
    assert_hal(api.get(f"tasks/{named}"))
    assert_hal(api.get(f"tasks/{plain}"))
    assert_hal(api.get("tasks?filter[is_completed]=0"))
    assert [call["elements"] for call in charges if call["elements"] or call["cards"]] == [1, 1]
    assert all(call["channel"] == "api" and call["cards"] == [] for call in charges)


def test_a_patch_with_null_entity_detaches_the_task_and_leaving_it_out_keeps_it(api, crm, app):
    """Found in review: explicit nulls answered 200 and changed nothing."""
    lead = crm.leads[0]
    [task_id] = add_tasks(api, [{"text": "Call", "complete_till": DUE, "entity_type": "leads", "entity_id": lead}])
    assert_hal(api.patch(f"tasks/{task_id}", json={"text": "Call again"}))
    assert tasks_in(app)[0][3:5] == ("leads", lead)
    body = assert_hal(api.patch(f"tasks/{task_id}", json={"entity_type": None, "entity_id": None}))
    assert body["id"] == task_id
    assert tasks_in(app)[0][3:5] == (None, None)
