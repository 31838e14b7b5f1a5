"""Rights per entity walked over every record route of the URL map (SPEC §10, issue 13 item 3).

Two users besides the administrator: OWN may view, edit and delete only their own deals (the rest all),
NOCO may view no companies (the rest all). Every route that reads or writes records is called as each of
them; each answer names and charges only the records the user may view, a card out of reach is 403 and
charges nothing, and a refused write changes nothing. A record route added to the app that this walk does
not list fails `test_every_record_route_is_walked`, so no future route is forgotten.
"""
import csv
import io
import re
from copy import deepcopy
from datetime import datetime

import pytest
from sqlalchemy import func, select

from monitor.db import db
from monitor.models import FeedEntry, Task, User
from monitor.services import feed, tasks
from monitor.services.records import rights
from tests.fixtures_api import Api, no_api_rate_limit
from tests.fixtures_crm import row_links

pytestmark = no_api_rate_limit
OWN_RIGHTS = deepcopy(rights.ALL) | {"leads": {"view": "own", "edit": "own", "delete": "own"}}
NOCO_RIGHTS = deepcopy(rights.ALL) | {"companies": {"view": "none", "edit": "all", "delete": "all"}}
# Strings that must never reach each user: hidden records' names, and the notes and tasks about them.
HIDDEN = {"own": ("Admin deal", "Noco deal", "Orphan deal", "Secret errand", "Admin errand", "Admin note"),
          "noco": ("Acme Holding", "Company errand", "Company note")}
# Endpoints under the record paths that read and write no record (catalogs, the account, users, tags).
EXEMPT = {"api.access_token", "api.account", "api.pipeline_list", "api.pipeline_detail", "api.status_list",
          "api.user_list", "api.user_detail", "api.tag_list", "crm.tag_suggestions"}
COVERED = {
    "auth.index", "crm.record_list", "crm.board", "crm.record_card", "crm.record_new", "crm.record_delete",
    "crm.record_autocomplete", "crm.record_export", "crm.record_bulk", "crm.note_add", "crm.deal_status",
    "crm.preset_save", "crm.preset_delete", "tasks.index", "tasks.new", "tasks.done",
    "api.record_list", "api.record_detail", "api.note_list", "api.note_detail", "api.note_create",
    "api.lead_create", "api.lead_update", "api.lead_update_many",
    "api.task_list", "api.task_detail", "api.task_create", "api.task_update", "api.task_update_many",
}
# A path under a record kind, the tasks, the API or home, or any path naming a kind (monitor.routing's converters).
RECORD_PATH = re.compile(r"^/(api/|leads|contacts|companies|customers|tasks|$)|<(kind|list):")
TILE = re.compile(r'<li class="tile" data-id="(\d+)">')
TASK_ROW = re.compile(r'<tr class="task[^"]*" data-task="(\d+)">')
DUE = 1796137200  # 2026-12-01 15:00 UTC


def record_endpoints(app):
    """Every endpoint of the crm, tasks and api blueprints, home, and any rule under a record path."""
    return {rule.endpoint for rule in app.url_map.iter_rules()
            if rule.endpoint.split(".")[0] in ("crm", "tasks", "api") or RECORD_PATH.search(rule.rule)}


def test_every_record_route_is_walked(app):
    found = record_endpoints(app)
    assert found - EXEMPT - COVERED == set(), "a record route the rights walk does not cover"
    assert found >= COVERED | EXEMPT  # no stale names either


@pytest.fixture
def world(app, admin, make_user, crm_builder):
    """A company and a contact linked to the deals: OWN's, NOCO's, 50 of the administrator's; nobody's (no company)."""
    own = make_user("Owen Own", "owen@example.com", export=True, rights=OWN_RIGHTS)
    noco = make_user("Nina Noco", "nina@example.com", export=True, rights=NOCO_RIGHTS)
    company = crm_builder.company("Acme Holding", responsible=str(admin))
    contact = crm_builder.contact("Kim Contact", responsible=str(admin), company=str(company))
    links = {"company": str(company), "contacts": str(contact)}
    own_deal = crm_builder.deal("Own deal", responsible=str(own), **links)
    noco_deal = crm_builder.deal("Noco deal", responsible=str(noco), **links)
    orphan = crm_builder.deal("Orphan deal", responsible="", contacts=str(contact))  # nobody's, no company
    admin_deals = crm_builder.many("leads", 50, prefix="Admin deal", responsible=str(admin), **links)
    customer = crm_builder.customer("Cora Customer", responsible=str(admin), **links)
    assert crm_builder.get("leads", orphan)["responsible_user_id"] is None
    with app.app_context():
        def task(text, entity, record_id, responsible):
            data = {"text": text, "due_at": datetime(2026, 12, 1), "responsible": responsible,
                    "entity": entity, "record_id": record_id}
            return tasks.create_task(data, db.session.get(User, admin), "UTC").id

        task_ids = {"own": task("Ring the client", "leads", own_deal, own),
                    "secret": task("Secret errand", "leads", admin_deals[0], own),
                    "admin": task("Admin errand", "leads", admin_deals[1], admin),
                    "company": task("Company errand", "companies", company, noco),
                    "free": task("Free errand", None, None, own)}
        notes = {"own": feed.add_note("leads", own_deal, "Own note", None).id,
                 "admin": feed.add_note("leads", admin_deals[0], "Admin note", None).id,
                 "company": feed.add_note("companies", company, "Company note", None).id}
    every_deal = [own_deal, noco_deal, orphan, *admin_deals]
    return {"admin": admin, "own": own, "noco": noco, "company": company, "contact": contact, "customer": customer,
            "deals": every_deal, "own_deal": own_deal, "noco_deal": noco_deal, "admin_deals": admin_deals,
            "tasks": task_ids, "notes": notes, "pipeline": crm_builder.pipelines()[0]}


class Walk:
    """Calls routes as one user, recording each answer's body, endpoint and charges."""

    def __init__(self, app, client, charges, api):
        self.app, self.client, self.charges, self.api = app, client, charges, api
        self.bodies, self.endpoints, self.adapter = [], set(), app.url_map.bind("localhost")

    def call(self, method, path, api=False, **kwargs):
        self.charges.clear()
        self.endpoints.add(self.adapter.match(path.split("?")[0], method)[0])
        caller = self.api if api else self.client
        response = getattr(caller, method.lower())(path, **kwargs)
        assert response.status_code < 500, (path, response.status_code)
        self.bodies.append((path, response.get_data(as_text=True)))
        return response, list(self.charges)

    def refused(self, method, path, statuses=(403,), **kwargs):
        """A call that must be refused with one of `statuses` and charge nothing."""
        response, charged = self.call(method, path, **kwargs)
        assert response.status_code in statuses, (path, response.status_code)
        assert charged == [], path
        return response

    def count(self, model, *where):
        with self.app.app_context():
            return db.session.scalar(select(func.count()).select_from(model).where(*where))


def elements(charged):
    return sum(call["elements"] for call in charged)


def visible_sets(world, who):
    """{entity: ids the user may view} and the ids of the tasks they may see."""
    deals = [world["own_deal"]] if who == "own" else world["deals"]
    seen = {"leads": set(deals), "contacts": {world["contact"]}, "customers": {world["customer"]},
            "companies": set() if who == "noco" else {world["company"]}}
    hidden_tasks = {"own": ("secret", "admin"), "noco": ("company",)}[who]
    return seen, {task_id for name, task_id in world["tasks"].items() if name not in hidden_tasks}


@pytest.mark.parametrize("who", ["own", "noco"])
def test_every_record_route_names_and_charges_only_what_the_user_may_view(
        app, client, auth, charges, make_token, world, who):
    auth.login({"own": "owen@example.com", "noco": "nina@example.com"}[who])
    walk = Walk(app, client, charges, Api(client, make_token(world[who])))
    seen, seen_tasks = visible_sets(world, who)
    walk_web_lists(walk, world, seen)
    walk_cards(walk, world, seen)
    walk_web_writes(walk, world, seen, who)
    walk_tasks_and_home(walk, world, seen, seen_tasks, who)
    walk_api(walk, world, seen, seen_tasks, who)
    assert walk.endpoints >= COVERED, COVERED - walk.endpoints
    for path, body in walk.bodies:
        for hidden in HIDDEN[who]:
            assert hidden not in body, (path, hidden)


def test_the_administrator_is_shown_every_name_the_walk_hides(client, auth, signed_in_admin, world):
    """The walk's absence checks can fail: the same pages name the hidden records to an administrator."""
    pages = "".join(client.get(path).get_data(as_text=True) for path in (
        "/leads?q=deal", "/leads?q=Noco", "/leads?q=Orphan", "/contacts", f"/leads/{world['own_deal']}",
        "/tasks?responsible=all",
        f"/leads/{world['admin_deals'][0]}", f"/companies/{world['company']}"))
    for hidden in (*HIDDEN["own"], *HIDDEN["noco"]):
        assert hidden in pages, hidden


def walk_web_lists(walk, world, seen):
    """Lists, search, presets, sorting, the combined list, the board, pickers and export."""
    for path in ("/leads", "/contacts", "/companies", "/customers", "/contacts-companies", "/leads?q=deal",
                 "/leads?preset=open", "/leads?sort=name&dir=asc", "/customers?q=Kim",
                 f"/leads?contact={world['contact']}"):
        response, charged = walk.call("GET", path)
        shown = row_links(response.get_data(as_text=True))
        assert response.status_code == 200 and all(record_id in seen[entity] for entity, record_id in shown), path
        assert elements(charged) == len(shown) and all(call["cards"] == [] for call in charged), path
    page, _charged = walk.call("GET", "/leads")
    total = len(seen["leads"])
    assert f"{total} record{'s' if total > 1 else ''} found" in page.get_data(as_text=True)
    pipeline, statuses = world["pipeline"]
    for path in (f"/leads/pipeline/{pipeline}", f"/leads/pipeline/{pipeline}?status={statuses[0]}"):
        response, charged = walk.call("GET", path)
        tiles = [int(deal_id) for deal_id in TILE.findall(response.get_data(as_text=True))]
        assert tiles and set(tiles) <= seen["leads"] and elements(charged) == len(tiles), path
        assert f"{total} deal{'s' if total > 1 else ''} \u00b7" in response.get_data(as_text=True), path
    for entity, query in (("leads", "deal"), ("contacts", "Kim"), ("companies", "Acme"), ("customers", "Cora")):
        response, charged = walk.call("GET", f"/{entity}/autocomplete?q={query}")
        found = {item["id"] for item in response.get_json()}
        assert found == set(sorted(seen[entity])[:10]) or (len(found) == 10 and found <= seen[entity]), entity
        assert elements(charged) == len(found)
    for entity in ("leads", "contacts", "companies", "customers"):
        response, charged = walk.call("GET", f"/{entity}/export.csv")
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
        assert response.status_code == 200 and len(rows) - 1 == len(seen[entity]) and charged == [], entity


def walk_cards(walk, world, seen):
    """Every record's card: viewable ones charge one card and show only viewable linked records; others 403."""
    records = [("leads", deal) for deal in world["deals"]] + [
        ("contacts", world["contact"]), ("companies", world["company"]), ("customers", world["customer"])]
    for entity, record_id in records:
        if record_id not in seen[entity]:
            walk.refused("GET", f"/{entity}/{record_id}")
            walk.refused("GET", f"/{entity}/{record_id}/delete")
            continue
        response, charged = walk.call("GET", f"/{entity}/{record_id}")
        assert response.status_code == 200 and charged == [
            {"user": charged[0]["user"], "channel": "web", "cards": [(entity, record_id)], "elements": 0}]
    page = walk.call("GET", f"/contacts/{world['contact']}")[0].get_data(as_text=True)
    deals = page.split('related-deals">', 1)[1].split("</section>", 1)[0]
    panel_ids = {int(deal_id) for deal_id in re.findall(r'href="/leads/(\d+)"', deals)}
    count = len(seen["leads"])
    assert panel_ids <= seen["leads"] and f'<span class="count-badge">{count}</span>' in deals
    assert ("related-more" in deals) == (count > 50)
    if count > 50:
        assert f"and {count - 50} more" in deals
    response, charged = walk.call("GET", f"/leads/{world['own_deal']}/delete")
    assert response.status_code == 200 and [call["cards"] for call in charged] == [[("leads", world["own_deal"])]]


def walk_web_writes(walk, world, seen, who):
    """Saves, deletes, notes, moves, new records and bulk actions out of reach: refused, nothing changed."""
    hidden = [(entity, record_id) for entity, ids in (("leads", world["deals"]), ("companies", [world["company"]]))
              for record_id in ids if record_id not in seen[entity]]
    notes_before = walk.count(FeedEntry, FeedEntry.kind == "note")
    for entity, record_id in hidden[:3]:
        walk.refused("POST", f"/{entity}/{record_id}", data={"name": "Taken"})
        walk.refused("POST", f"/{entity}/{record_id}/delete")
        walk.refused("POST", f"/{entity}/{record_id}/notes", data={"text": "Mine now"})
        if entity == "leads":
            walk.refused("POST", f"/leads/{record_id}/status", data={"status_id": world["pipeline"][1][1]})
        bulk = {"ids": [str(record_id)], "action": "delete", "confirm": "yes"}
        walk.refused("POST", f"/{entity}/bulk", statuses=(400, 403), data=bulk)
    assert walk.count(FeedEntry, FeedEntry.kind == "note") == notes_before
    for entity, record_id in hidden:
        assert walk.count(records_model(entity), records_model(entity).id == record_id) == 1
    deals_before = walk.count(records_model("leads"))
    new_deal = {"name": "Sneaky deal", "responsible": str(world["admin"])} if who == "own" else {
        "name": "Sneaky deal", "company": str(world["company"])}
    assert walk.call("GET", "/leads/new")[0].status_code == 200
    refused = walk.refused("POST", "/leads/new", statuses=(200, 400), data=new_deal)  # the form again, by the field
    if who == "own":
        assert "only records you are responsible for" in refused.get_data(as_text=True)
    assert walk.count(records_model("leads")) == deals_before
    response, _charged = walk.call("POST", "/leads/presets", data={"name": "Deals", "query": "q=deal"})
    preset = int(re.search(r"preset=(\d+)", response.headers["Location"]).group(1))
    response, charged = walk.call("GET", f"/leads?preset={preset}")
    shown = row_links(response.get_data(as_text=True))
    assert shown and {record_id for _entity, record_id in shown} <= seen["leads"] and elements(charged) == len(shown)
    assert walk.call("POST", f"/leads/presets/{preset}/delete")[0].status_code == 302
    assert walk.call("POST", f"/leads/{world['own_deal']}/notes", data={"text": "Called"})[0].status_code == 302
    mine = world["own_deal" if who == "own" else "noco_deal"]
    moved, charged = walk.call("POST", f"/leads/{mine}/status", data={"status_id": world["pipeline"][1][1]},
                               headers={"Accept": "application/json"})
    assert moved.status_code == 200 and moved.get_json()["id"] == mine and charged == []


def records_model(entity):
    from monitor.services.records import KINDS
    return KINDS[entity].model


def walk_tasks_and_home(walk, world, seen, seen_tasks, who):
    """The tasks page, a new task about a hidden record, completing one out of reach, home's numbers."""
    response, charged = walk.call("GET", "/tasks?responsible=all")
    rows = {int(task_id) for task_id in TASK_ROW.findall(response.get_data(as_text=True))}
    assert rows == seen_tasks and elements(charged) == len(rows - {world["tasks"]["free"]})
    hidden_task = world["tasks"]["admin" if who == "own" else "company"]
    target = ("leads", world["admin_deals"][2]) if who == "own" else ("companies", world["company"])
    assert walk.call("GET", f"/tasks/new?entity={target[0]}&record_id={target[1]}")[0].status_code == 200
    before = walk.count(Task)
    walk.refused("POST", "/tasks/new", statuses=(400,), data={
        "text": "Sneaky task", "due_at": "2026-12-01", "responsible": str(world[who]), "entity": target[0],
        "record_id": str(target[1])})
    assert walk.count(Task) == before
    walk.refused("POST", f"/tasks/{hidden_task}/done", statuses=(403, 404))
    assert walk.count(Task, Task.id == hidden_task, Task.is_done.is_(True)) == 0
    response, charged = walk.call("GET", "/")
    page = response.get_data(as_text=True)
    assert sum(int(count) for count in re.findall(r'<tr data-status="\d+" data-count="(\d+)"', page)) == len(
        seen["leads"]) and charged == []
    own_open = {"own": 2, "noco": 0}[who]  # Ring the client and Free errand; NOCO's one task is about the company
    assert f'data-open="{own_open}"' in page


def walk_api(walk, world, seen, seen_tasks, who):
    """API lists and embeds, one record, notes and tasks, and writes out of reach."""
    cards = {"leads": [world["own_deal"], world["admin_deals"][0]], "contacts": [world["contact"]],
             "companies": [world["company"]], "customers": [world["customer"]]}
    for entity in ("leads", "contacts", "companies", "customers"):
        response, charged = walk.call("GET", f"/api/v4/{entity}?limit=250&with=leads,contacts,companies,customers",
                                      api=True)
        items = response.get_json()["_embedded"][entity] if response.status_code == 200 else []
        assert {item["id"] for item in items} == seen[entity] and elements(charged) == len(items), entity
        for item in items:
            for embedded, links in item.get("_embedded", {}).items():
                if embedded in seen:
                    assert {link["id"] for link in links} <= seen[embedded], (entity, embedded)
        for record_id in cards[entity]:
            if record_id in seen[entity]:
                response, charged = walk.call("GET", f"/api/v4/{entity}/{record_id}?with=contacts", api=True)
                assert response.status_code == 200 and [call["cards"] for call in charged] == [[(entity, record_id)]]
            else:
                walk.refused("GET", f"/api/v4/{entity}/{record_id}", api=True)
    for entity in ("leads", "companies"):
        response, charged = walk.call("GET", f"/api/v4/{entity}/notes", api=True)
        notes = response.get_json()["_embedded"]["notes"] if response.status_code == 200 else []
        assert {note["entity_id"] for note in notes} <= seen[entity] and elements(charged) == len(notes)
    hidden_entity, hidden_id, hidden_note = (("leads", world["admin_deals"][0], world["notes"]["admin"])
                                             if who == "own" else
                                             ("companies", world["company"], world["notes"]["company"]))
    walk.refused("GET", f"/api/v4/{hidden_entity}/{hidden_id}/notes", api=True)
    walk.refused("GET", f"/api/v4/{hidden_entity}/{hidden_id}/notes/{hidden_note}", api=True)
    note = [{"note_type": "common", "params": {"text": "Mine now"}}]
    notes_before = walk.count(FeedEntry, FeedEntry.kind == "note")
    walk.refused("POST", f"/api/v4/{hidden_entity}/{hidden_id}/notes", api=True, json=note)
    walk.refused("POST", f"/api/v4/{hidden_entity}/notes", statuses=(400, 403), api=True,
                 json=[{**note[0], "entity_id": hidden_id}])
    assert walk.count(FeedEntry, FeedEntry.kind == "note") == notes_before
    deals_before = walk.count(records_model("leads"))
    lead = ({"name": "Sneaky", "responsible_user_id": world["admin"]} if who == "own" else
            {"name": "Sneaky", "_embedded": {"companies": [{"id": world["company"]}]}})
    walk.refused("POST", "/api/v4/leads", statuses=(400, 403), api=True, json=[lead])
    assert walk.count(records_model("leads")) == deals_before
    hidden_deal = world["admin_deals"][0] if who == "own" else None
    if hidden_deal:
        walk.refused("PATCH", f"/api/v4/leads/{hidden_deal}", api=True, json={"name": "Taken"})
        walk.refused("PATCH", "/api/v4/leads", statuses=(400, 403), api=True, json=[{"id": hidden_deal, "name": "T"}])
    else:  # NOCO may not link the company anew
        walk.refused("PATCH", f"/api/v4/leads/{world['deals'][2]}",
                     statuses=(400,), api=True, json={"_embedded": {"companies": [{"id": world["company"]}]}})
        walk.refused("PATCH", "/api/v4/leads", statuses=(400,), api=True,
                     json=[{"id": world["deals"][2], "_embedded": {"companies": [{"id": world["company"]}]}}])
    response, charged = walk.call("GET", "/api/v4/tasks?limit=250&filter[is_completed]=0", api=True)
    listed = {task["id"] for task in response.get_json()["_embedded"]["tasks"]}
    assert listed <= seen_tasks and listed, listed
    hidden_task = world["tasks"]["admin" if who == "own" else "company"]
    walk.refused("GET", f"/api/v4/tasks/{hidden_task}", statuses=(403, 404), api=True)
    tasks_before = walk.count(Task)
    walk.refused("POST", "/api/v4/tasks", statuses=(400, 403), api=True, json=[{
        "text": "Sneaky", "complete_till": DUE, "entity_type": hidden_entity, "entity_id": hidden_id}])
    assert walk.count(Task) == tasks_before
    walk.refused("PATCH", f"/api/v4/tasks/{hidden_task}", statuses=(403, 404), api=True, json={"is_completed": True})
    walk.refused("PATCH", "/api/v4/tasks", statuses=(400, 403, 404), api=True,
                 json=[{"id": hidden_task, "is_completed": True}])
    assert walk.count(Task, Task.id == hidden_task, Task.is_done.is_(True)) == 0
