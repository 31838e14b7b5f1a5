"""Every CRM response that shows records charges the activity monitor, and only those."""
import pytest

from tests.fixtures_crm import ENTITIES, row_names


@pytest.mark.parametrize("entity", ENTITIES)
def test_card_charges_one_card_view_before_rendering(client, signed_in, crm_builder, charges, entity):
    record_id = crm_builder.create(entity, name="Seen")
    assert client.get(f"/{entity}/{record_id}").status_code == 200
    assert charges == [{"user": signed_in, "channel": "web", "cards": [(entity, record_id)], "elements": 0}]


@pytest.mark.parametrize("entity", ENTITIES)
def test_saving_a_card_charges_nothing_and_a_refused_save_charges_the_card(client, signed_in, crm_builder,
                                                                          charges, entity):
    record_id = crm_builder.create(entity, name="Edited")
    assert client.post(f"/{entity}/{record_id}", data={"name": "Edited again"}).status_code == 302
    assert charges == []
    assert client.post(f"/{entity}/{record_id}", data={"name": ""}).status_code == 200
    assert charges == [{"user": signed_in, "channel": "web", "cards": [(entity, record_id)], "elements": 0}]


def test_company_card_with_its_contacts_and_deals_is_one_card_view(client, signed_in, crm_builder, charges):
    company = crm_builder.company("Big firm")
    contacts = [crm_builder.contact(f"Person {n}", company=company) for n in range(3)]
    crm_builder.deal("Firm deal", company=company, contacts=",".join(map(str, contacts)))
    page = client.get(f"/companies/{company}").get_data(as_text=True)
    assert "Person 2" in page and "Firm deal" in page
    assert [charge["cards"] for charge in charges] == [[("companies", company)]]
    assert charges[0]["elements"] == 0


@pytest.mark.parametrize("entity", ENTITIES)
def test_list_page_charges_the_number_of_rows_it_shows(client, signed_in, crm_builder, charges, entity):
    crm_builder.many(entity, 53)
    client.get(f"/{entity}")
    client.get(f"/{entity}?page=2")
    client.get(f"/{entity}?page=9")
    client.get(f"/{entity}?q=nothing-matches-this")
    assert [charge["elements"] for charge in charges] == [50, 3, 0, 0]
    assert all(charge["cards"] == [] and charge["channel"] == "web" for charge in charges)


def test_combined_list_and_board_charge_what_they_show(client, signed_in, crm_builder, charges):
    (main, statuses), _other = crm_builder.pipelines()
    crm_builder.many("contacts", 2)
    crm_builder.many("companies", 3)
    crm_builder.many("leads", 4, pipeline=main, status=statuses[0])
    crm_builder.many("leads", 2, pipeline=main, status=142)
    client.get("/contacts-companies")
    client.get(f"/leads/pipeline/{main}")
    assert [charge["elements"] for charge in charges] == [5, 6]


def test_autocomplete_returns_at_most_10_and_charges_them(client, signed_in, crm_builder, charges):
    crm_builder.many("companies", 12, prefix="Nordic")
    crm_builder.company("Other")
    response = client.get("/companies/autocomplete?q=nordic")
    found = response.get_json()
    assert len(found) == 10 and {item["name"] for item in found} <= {f"Nordic {n}" for n in range(1, 13)}
    assert set(found[0]) == {"id", "name", "hint"}
    assert client.get("/companies/autocomplete?q=").get_json() == []
    assert [charge["elements"] for charge in charges] == [10, 0]


def test_export_and_not_found_and_new_charge_nothing(client, exporter, crm_builder, charges):
    crm_builder.many("leads", 3)
    client.get("/leads/export.csv").get_data()
    client.get("/leads/999")
    client.get("/leads/new")
    client.get("/leads?page=abc")
    assert charges == []


def test_delete_confirmation_shows_the_record_so_it_is_a_card_view(client, signed_in, crm_builder, charges):
    deal = crm_builder.deal("To delete")
    client.get(f"/leads/{deal}/delete")
    assert [charge["cards"] for charge in charges] == [[("leads", deal)]]


def test_list_past_the_limit_is_refused_and_shows_no_rows(client, signed_in, crm_builder, set_limits):
    crm_builder.many("contacts", 60)
    set_limits(list_limit=70, list_period="day")
    assert len(row_names(client.get("/contacts").data)) == 50
    refused = client.get("/contacts?page=1")  # 50 more would pass 70
    assert refused.status_code == 403
    assert row_names(refused.data) == []


def test_card_limit_counts_each_card_once_and_refuses_past_it(client, signed_in, crm_builder, set_limits):
    first, second, third = crm_builder.many("leads", 3, prefix="Card")
    set_limits(card_limit=2, card_period="hour")
    assert client.get(f"/leads/{first}").status_code == 200
    assert client.get(f"/leads/{first}").status_code == 200  # the same card again is free
    assert client.get(f"/leads/{second}").status_code == 200
    beyond = client.get(f"/leads/{third}")  # the second card reached the limit: served, then the session ended
    assert beyond.status_code == 302 and "/login" in beyond.location and b"Card 3" not in beyond.data


def test_linking_records_by_id_charges_them_as_list_elements_before_saving(client, signed_in, crm_builder,
                                                                          charges):
    """The card a save leads to names the records it linked: the no-JS picker must not read the base for free."""
    contacts = crm_builder.many("contacts", 3, prefix="Linked")
    company = crm_builder.company("Linked firm")
    links = {"contacts": ",".join(map(str, contacts)), "company": str(company)}
    created = client.post("/leads/new", data={"name": "Linking", **links})
    assert created.status_code == 302
    assert charges == [{"user": signed_in, "channel": "web", "cards": [], "elements": 4}]
    deal = int(created.location.rsplit("/", 1)[1])
    assert client.post(f"/leads/{deal}", data={"name": "Linking", **links}).status_code == 302
    assert len(charges) == 1  # the same links again show nothing new
    more = crm_builder.many("contacts", 2, prefix="More")
    client.post(f"/leads/{deal}", data={"name": "Linking", "contacts": ",".join(map(str, [contacts[0], *more]))})
    assert charges[-1]["elements"] == 2
    client.post(f"/leads/{deal}", data={"name": "", "contacts": str(contacts[1])})  # refused: nothing linked
    assert [charge["elements"] for charge in charges] == [4, 2, 0] and charges[-1]["cards"] == [("leads", deal)]
    client.post("/contacts/new", data={"name": "Joiner", "company": str(company)})
    assert charges[-1]["elements"] == 1


def test_linking_past_the_list_limit_is_refused_and_saves_nothing(client, signed_in, crm_builder, set_limits, app):
    from sqlalchemy import func, select

    from monitor.db import db
    from monitor.models import Deal

    contacts = crm_builder.many("contacts", 12, prefix="Harvest")
    set_limits(list_limit=10, list_period="day")
    refused = client.post("/leads/new", data={"name": "Harvest", "contacts": ",".join(map(str, contacts))})
    assert refused.status_code == 403 and b"Harvest 1" not in refused.data
    with app.app_context():
        assert db.session.scalar(select(func.count(Deal.id))) == 0
