"""Rights per entity on every web CRM path (SPEC §10, issue 13): lists, the board, cards, saves, new records,
deletes, notes, moves, linked panels, pickers, autocomplete, bulk actions and export, walked with a user who may
view only their own deals and one who may view no companies; what each path shows, charges and refuses."""
import csv
import io

import pytest
from sqlalchemy import select

from monitor.db import db
from monitor.models import FeedEntry
from tests.fixtures_crm import row_names
from tests.fixtures_rights import NO_COMPANIES, OWN_DEALS, rights_with

HIDDEN = 'class="muted linked-hidden" title="hidden"'


@pytest.fixture
def world(make_user, crm_builder):
    """Owen may view only his own deals, Nina no companies, Olga owns the rest; both deals share company and contact."""
    owen = make_user("Owen Own", "owen@example.com", export=True, rights=OWN_DEALS)
    nina = make_user("Nina None", "nina@example.com", export=True, rights=NO_COMPANIES)
    olga = make_user("Olga Other", "olga@example.com")
    company = crm_builder.company("Hidden Holding", responsible=str(olga))
    contact = crm_builder.contact("Kate Contact", responsible=str(olga), company=str(company))
    mine = crm_builder.deal("Mine deal", responsible=str(owen), company=str(company), contacts=str(contact))
    theirs = crm_builder.deal("Theirs deal", responsible=str(olga), company=str(company), contacts=str(contact))
    pipeline = crm_builder.pipelines()[0]
    return {"owen": owen, "nina": nina, "olga": olga, "company": company, "contact": contact, "mine": mine,
            "theirs": theirs, "pipeline": pipeline[0], "statuses": pipeline[1]}


def as_user(auth, email):
    auth.logout()
    assert auth.login(email).status_code in (200, 302)


def read_csv(response):
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def notes_on(app, entity, record_id):
    with app.app_context():
        return db.session.scalars(select(FeedEntry.text).where(
            FeedEntry.entity == entity, FeedEntry.record_id == record_id, FeedEntry.kind == "note")).all()


def test_own_deals_user_lists_boards_searches_and_exports_only_their_deals(client, auth, world, charges):
    as_user(auth, "owen@example.com")
    page = client.get("/leads").get_data(as_text=True)
    assert row_names(page) == ["Mine deal"] and "Theirs deal" not in page
    board = client.get(f"/leads/pipeline/{world['pipeline']}").get_data(as_text=True)
    assert "Mine deal" in board and "Theirs deal" not in board
    found = client.get("/leads/autocomplete?q=deal").get_json()
    assert [item["name"] for item in found] == ["Mine deal"]
    assert [call["elements"] for call in charges] == [1, 1, 1]
    rows = read_csv(client.get("/leads/export.csv"))
    assert [row[1] for row in rows[1:]] == ["Mine deal"]


@pytest.mark.parametrize("panel_card", ["contacts", "companies"])
def test_linked_deal_panels_show_and_count_only_viewable_deals(client, auth, world, charges, panel_card):
    as_user(auth, "owen@example.com")
    record_id = world["contact"] if panel_card == "contacts" else world["company"]
    page = client.get(f"/{panel_card}/{record_id}").get_data(as_text=True)
    deals = page.split('related-deals">', 1)[1].split("</section>", 1)[0]
    assert "Mine deal" in deals and "Theirs deal" not in deals
    assert '<span class="count-badge">1</span>' in deals
    assert charges == [{"user": world["owen"], "channel": "web", "cards": [(panel_card, record_id)], "elements": 0}]


def test_cards_out_of_reach_are_403_and_charge_nothing(client, auth, world, charges, app):
    as_user(auth, "owen@example.com")
    theirs = world["theirs"]
    assert client.get(f"/leads/{theirs}").status_code == 403
    assert client.post(f"/leads/{theirs}", data={"name": "Taken"}).status_code == 403
    assert client.get(f"/leads/{theirs}/delete").status_code == 403
    assert client.post(f"/leads/{theirs}/delete").status_code == 403
    assert client.post(f"/leads/{theirs}/notes", data={"text": "Mine now"}).status_code == 403
    assert charges == []
    assert notes_on(app, "leads", theirs) == []
    as_user(auth, "olga@example.com")
    assert "Theirs deal" in client.get(f"/leads/{theirs}").get_data(as_text=True)  # nothing was changed or deleted


def test_own_card_opens_saves_and_takes_notes(client, auth, world, charges, crm_builder, app):
    as_user(auth, "owen@example.com")
    mine = world["mine"]
    page = client.get(f"/leads/{mine}").get_data(as_text=True)
    assert "Mine deal" in page and f"/leads/{mine}/delete" in page
    assert charges == [{"user": world["owen"], "channel": "web", "cards": [("leads", mine)], "elements": 0}]
    assert client.post(f"/leads/{mine}", data={"name": "Mine renamed"}).status_code == 302
    assert crm_builder.get("leads", mine)["name"] == "Mine renamed"
    assert client.post(f"/leads/{mine}/notes", data={"text": "Called"}).status_code == 302
    assert notes_on(app, "leads", mine) == ["Called"]


def test_view_without_edit_or_delete_shows_the_card_but_refuses_changes(client, auth, make_user, world, app,
                                                                          crm_builder):
    make_user("Rita Read", "rita@example.com", rights=rights_with(leads={"edit": "none", "delete": "none"}))
    as_user(auth, "rita@example.com")
    theirs = world["theirs"]
    page = client.get(f"/leads/{theirs}").get_data(as_text=True)
    assert "Theirs deal" in page and f"/leads/{theirs}/delete" not in page and ">Save</button>" not in page
    assert client.post(f"/leads/{theirs}", data={"name": "Changed"}).status_code == 403
    assert client.post(f"/leads/{theirs}/notes", data={"text": "Hi"}).status_code == 403
    assert client.post(f"/leads/{theirs}/delete").status_code == 403
    assert client.get("/leads/new").status_code == 403
    assert "+ New deal" not in client.get("/leads").get_data(as_text=True)
    assert crm_builder.get("leads", theirs)["name"] == "Theirs deal" and notes_on(app, "leads", theirs) == []


def test_board_move_needs_the_edit_right(client, auth, world, crm_builder):
    as_user(auth, "owen@example.com")
    theirs, target = world["theirs"], world["statuses"][1]
    assert client.post(f"/leads/{theirs}/status", data={"status_id": target}).status_code == 403
    answer = client.post(f"/leads/{theirs}/status", data={"status_id": target},
                         headers={"Accept": "application/json"})
    assert answer.status_code == 403 and answer.mimetype == "application/problem+json"
    assert "Theirs deal" not in answer.get_data(as_text=True)
    assert crm_builder.get("leads", theirs)["status_id"] == world["statuses"][0]
    moved = client.post(f"/leads/{world['mine']}/status", data={"status_id": target},
                        headers={"Accept": "application/json"})
    assert moved.status_code == 200 and crm_builder.get("leads", world["mine"])["status_id"] == target


def test_new_record_with_edit_own_must_be_the_users_own(client, auth, world, crm_builder):
    as_user(auth, "owen@example.com")
    refused = client.post("/leads/new", data={"name": "For Olga", "responsible": str(world["olga"])})
    assert refused.status_code == 200  # the form again, with the error by the field
    assert "only records you are responsible for" in refused.get_data(as_text=True)
    created = client.post("/leads/new", data={"name": "For me", "responsible": str(world["owen"])})
    assert created.status_code == 302
    assert crm_builder.get("leads", int(created.headers["Location"].rsplit("/", 1)[1]))["name"] == "For me"


def test_hidden_company_is_never_named_in_rows_tiles_cards_or_exports(client, auth, world, charges):
    as_user(auth, "nina@example.com")
    for path in ("/leads", "/contacts", "/contacts-companies", f"/leads/pipeline/{world['pipeline']}"):
        page = client.get(path).get_data(as_text=True)
        assert "Hidden Holding" not in page, path
    listed = client.get("/leads").get_data(as_text=True)
    assert row_names(listed) == ["Theirs deal", "Mine deal"] and HIDDEN in listed
    card = client.get(f"/leads/{world['mine']}").get_data(as_text=True)
    assert "Hidden Holding" not in card and f"/companies/{world['company']}" not in card and HIDDEN in card
    assert "Kate Contact" in card  # the contact is theirs to see
    assert client.get("/companies").get_data(as_text=True).count('<td class="col-link">') == 0
    assert client.get("/companies/autocomplete?q=hidden").get_json() == []
    charged = len(charges)
    assert client.get(f"/companies/{world['company']}").status_code == 403
    assert len(charges) == charged
    exported = read_csv(client.get("/leads/export.csv"))
    company_column = exported[0].index("Company")
    assert {row[company_column] for row in exported[1:]} == {"hidden"}
    contacts = read_csv(client.get("/contacts/export.csv"))
    assert contacts[1][contacts[0].index("Company")] == "hidden"


def test_a_save_keeps_a_hidden_link_and_cannot_link_a_hidden_record(client, auth, world, crm_builder):
    lonely = crm_builder.deal("Lonely deal")
    as_user(auth, "nina@example.com")
    mine = world["mine"]
    assert client.post(f"/leads/{mine}", data={"name": "Renamed", "company": "", "contacts": ""}).status_code == 302
    kept = crm_builder.get("leads", mine)
    assert kept["name"] == "Renamed" and kept["company_id"] == world["company"]
    refused = client.post(f"/leads/{lonely}", data={"name": "Lonely deal", "company": str(world["company"])})
    assert refused.status_code == 200
    assert f"There is no company with id {world['company']}." in refused.get_data(as_text=True)
    assert crm_builder.get("leads", lonely)["company_id"] is None


def test_bulk_actions_treat_hidden_records_as_unknown_and_refuse_out_of_reach(client, auth, world, make_user,
                                                                            crm_builder):
    as_user(auth, "owen@example.com")
    ids = [str(world["mine"]), str(world["theirs"])]
    hidden = client.post("/leads/bulk", data={"ids": ids, "action": "add_tag", "value": "vip"})
    assert hidden.status_code == 400 and "Theirs deal" not in hidden.get_data(as_text=True)
    assert "do not exist" in hidden.get_data(as_text=True)
    make_user("Vera View", "vera@example.com", rights=rights_with(leads={"edit": "own", "delete": "own"}))
    as_user(auth, "vera@example.com")
    for action, value in (("add_tag", "vip"), ("delete", None)):
        data = {"ids": ids, "action": action, "confirm": "yes", **({"value": value} if value else {})}
        refused = client.post("/leads/bulk", data=data)
        text = refused.get_data(as_text=True)
        assert refused.status_code == 400 and f"rights do not reach record {world['mine']}" in text
    assert crm_builder.get("leads", world["theirs"])["tags"] == [] and crm_builder.get("leads", world["mine"])


def test_administrators_are_unaffected(client, auth, world, admin):
    as_user(auth, "ada@example.com")
    page = client.get("/leads").get_data(as_text=True)
    assert row_names(page) == ["Theirs deal", "Mine deal"] and "Hidden Holding" in page and HIDDEN not in page
    assert client.get(f"/companies/{world['company']}").status_code == 200
    names = [item["name"] for item in client.get("/companies/autocomplete?q=hidden").get_json()]
    assert names == ["Hidden Holding"]
    answer = client.post("/leads/bulk", data={"ids": [str(world["theirs"])], "action": "add_tag", "value": "vip"})
    assert answer.status_code == 302  # done: back to the list
