"""Cards of all four entities: create, edit, errors that keep the input, 404, links, delete."""
import html

import pytest

from tests.fixtures_crm import row_names

ENTITIES = ("leads", "contacts", "companies", "customers")
# entity -> (valid input, a bad edit, the field it is bad in, the value that must come back as typed)
CASES = {
    "leads": ({"name": "Big supply", "price": "15 000"}, {"price": "lots"}, "price", "lots"),
    "contacts": (
        {"name": "Ivan Petrov", "phone": "+7 916 123-45-67", "email": "ivan@example.com", "position": "CEO"},
        {"email": "ivan-at-example"}, "email", "ivan-at-example",
    ),
    "companies": (
        {"name": "Nord Trading", "phone": "+7 495 000-00-01", "web": "nord.example", "address": "1 Neva st."},
        {"name": "  ", "web": "kept.example"}, "name", "kept.example",
    ),
    "customers": (
        {"name": "Monthly box", "next_price": "900", "next_date": "2026-12-01"},
        {"next_date": "2026-13-45"}, "next_date", "2026-13-45",
    ),
}


@pytest.mark.parametrize("entity", ENTITIES)
def test_create_then_open_the_new_card(client, signed_in, crm_builder, entity):
    valid = CASES[entity][0]
    response = client.post(f"/{entity}/new", data=valid)
    assert response.status_code == 302
    record_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = client.get(f"/{entity}/{record_id}").get_data(as_text=True)
    assert html.escape(valid["name"]) in page
    stored = crm_builder.get(entity, record_id)
    assert stored["name"] == valid["name"]
    assert stored["responsible_user_id"] == signed_in  # the creator is responsible by default
    if entity == "leads":
        assert stored["price"] == 15000
        main_pipeline, statuses = crm_builder.pipelines()[0]
        assert (stored["pipeline_id"], stored["status_id"]) == (main_pipeline, statuses[0])


@pytest.mark.parametrize("entity", ENTITIES)
def test_edit_saves_every_field(client, signed_in, crm_builder, entity):
    record_id = crm_builder.create(entity, name="Old name")
    edit = {**CASES[entity][0], "name": "New name", "tags": "vip, Web , vip"}
    response = client.post(f"/{entity}/{record_id}", data=edit, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "has been saved" in page
    assert '<span class="tag">vip</span>' in page and '<span class="tag">Web</span>' in page
    stored = crm_builder.get(entity, record_id)
    assert stored["name"] == "New name"
    assert stored["tags"] == ["Web", "vip"]


@pytest.mark.parametrize("entity", ENTITIES)
def test_invalid_edit_is_refused_with_the_error_by_the_field_and_the_input_kept(client, signed_in, crm_builder, entity):
    valid, bad, field, typed = CASES[entity]
    record_id = crm_builder.create(entity, **valid)
    response = client.post(f"/{entity}/{record_id}", data={**valid, **bad})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page  # the error sits by its field
    assert f'value="{typed}"' in page  # what the user typed comes back
    assert crm_builder.get(entity, record_id)["name"] == valid["name"]  # nothing saved


@pytest.mark.parametrize("entity", ENTITIES)
def test_invalid_new_record_is_not_created_and_keeps_the_input(client, signed_in, crm_builder, entity):
    valid, bad, field, typed = CASES[entity]
    response = client.post(f"/{entity}/new", data={**valid, **bad})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page and f'value="{typed}"' in page
    assert row_names(client.get(f"/{entity}").data) == []


@pytest.mark.parametrize("entity", ENTITIES)
def test_missing_card_is_404_and_charges_nothing(client, signed_in, charges, entity):
    assert client.get(f"/{entity}/4242").status_code == 404
    assert client.post(f"/{entity}/4242", data={"name": "x"}).status_code == 404
    assert client.get(f"/{entity}/4242/delete").status_code == 404
    assert charges == []


@pytest.mark.parametrize("entity", ENTITIES)
def test_delete_asks_for_confirmation_then_deletes(client, signed_in, crm_builder, entity):
    record_id = crm_builder.create(entity, name="Doomed")
    confirm = client.get(f"/{entity}/{record_id}/delete")
    assert confirm.status_code == 200 and "Doomed" in confirm.get_data(as_text=True)
    assert crm_builder.get(entity, record_id) is not None  # asking deletes nothing
    response = client.post(f"/{entity}/{record_id}/delete")
    assert response.status_code == 302 and response.headers["Location"] == f"/{entity}"
    assert crm_builder.get(entity, record_id) is None
    assert client.get(f"/{entity}/{record_id}").status_code == 404


def test_deal_company_and_contact_cards_link_to_each_other(client, signed_in, crm_builder):
    company = crm_builder.company("Volga Foods")
    contact = crm_builder.contact("Olga Orlova", company=company)
    deal = crm_builder.deal("Pilot order", company=company, contacts=str(contact))
    deal_page = client.get(f"/leads/{deal}").get_data(as_text=True)
    assert f'href="/companies/{company}"' in deal_page and f'href="/contacts/{contact}"' in deal_page
    company_page = client.get(f"/companies/{company}").get_data(as_text=True)
    assert f'href="/leads/{deal}"' in company_page and f'href="/contacts/{contact}"' in company_page
    contact_page = client.get(f"/contacts/{contact}").get_data(as_text=True)
    assert f'href="/leads/{deal}"' in contact_page and f'href="/companies/{company}"' in contact_page
    listed = client.get("/leads").get_data(as_text=True)
    assert f'<a href="/leads/{deal}">Pilot order</a>' in listed


def test_linking_contacts_by_id_and_refusing_unknown_ones(client, signed_in, crm_builder):
    first, second = crm_builder.contact("First"), crm_builder.contact("Second")
    customer = crm_builder.customer("Weekly")
    client.post(f"/customers/{customer}", data={"name": "Weekly", "contacts": f"{first}, #{second}"})
    assert crm_builder.get("customers", customer)["contact_ids"] == [first, second]
    response = client.post(f"/customers/{customer}", data={"name": "Weekly", "contacts": f"{first}, 9999"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="contacts-error"' in page and "9999" in page
    assert crm_builder.get("customers", customer)["contact_ids"] == [first, second]
    response = client.post(f"/customers/{customer}", data={"name": "Weekly", "company": "abc"})
    assert 'id="company-error"' in response.get_data(as_text=True)


def test_deal_refuses_unknown_pipeline_and_a_status_of_another_pipeline(client, signed_in, crm_builder):
    (main, main_statuses), (_other, other_statuses) = crm_builder.pipelines()
    deal = crm_builder.deal("Moving deal")
    response = client.post(f"/leads/{deal}", data={"name": "Moving deal", "pipeline": "999", "status": "142"})
    assert response.status_code == 200 and 'id="pipeline-error"' in response.get_data(as_text=True)
    response = client.post(f"/leads/{deal}", data={
        "name": "Moving deal", "pipeline": str(main), "status": str(other_statuses[0]),
    })
    assert response.status_code == 200 and 'id="status-error"' in response.get_data(as_text=True)
    assert crm_builder.get("leads", deal)["status_id"] == main_statuses[0]


def test_closing_a_deal_stamps_closed_at_and_reopening_clears_it(client, signed_in, crm_builder):
    (main, statuses), _other = crm_builder.pipelines()
    deal = crm_builder.deal("Closing")
    client.post(f"/leads/{deal}", data={"name": "Closing", "pipeline": str(main), "status": "142"})
    assert crm_builder.get("leads", deal)["closed_at"] is not None
    client.post(f"/leads/{deal}", data={"name": "Closing", "pipeline": str(main), "status": str(statuses[1])})
    stored = crm_builder.get("leads", deal)
    assert stored["closed_at"] is None and stored["status_id"] == statuses[1]


def test_card_shows_money_and_dates_in_the_users_language(client, auth, user, crm_builder):
    deal = crm_builder.deal("Formatted", price="1234567")
    auth.login()
    english = client.get(f"/leads/{deal}").get_data(as_text=True)
    assert "1,234,567\u00a0\u20bd" in english and "Jan 1, 2026" in english
    client.post("/profile", data={"lang-language": "ru"})
    russian = client.get(f"/leads/{deal}").get_data(as_text=True)
    assert "1\u00a0234\u00a0567\u00a0\u20bd" in russian and "янв. 2026" in russian


def test_crm_pages_need_sign_in(client, crm_builder):
    deal = crm_builder.deal("Secret")
    for url in ("/leads", f"/leads/{deal}", "/leads/pipeline/1", "/contacts-companies", "/leads/export.csv",
                "/contacts/autocomplete?q=sec"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_unknown_entity_is_404(client, signed_in):
    assert client.get("/widgets").status_code == 404
    assert client.get("/widgets/1").status_code == 404


@pytest.mark.parametrize("url", ["/leads/99999999999999999999", "/leads/99999999999999999999/delete",
                                 "/leads/pipeline/99999999999999999999", "/contacts/0"])
def test_ids_beyond_any_record_are_404(client, signed_in, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("field, value", [
    ("company", "99999999999999999999"), ("contacts", "1, 99999999999999999999"),
    ("responsible", "99999999999999999999"), ("pipeline", "99999999999999999999"),
    ("status", "99999999999999999999"), ("price", "\u0661\u0662\u0663"), ("price", "2000000001"),
])
def test_out_of_range_values_are_field_errors(client, signed_in, crm_builder, field, value):
    response = client.post("/leads/new", data={"name": "Odd", field: value})
    assert response.status_code == 200
    assert f'id="{field}-error"' in response.get_data(as_text=True)


def test_control_characters_are_dropped_from_text(client, signed_in, crm_builder):
    response = client.post("/contacts/new", data={"name": "Zero\x00Byte", "position": "Boss\x07"})
    stored = crm_builder.get("contacts", int(response.headers["Location"].rsplit("/", 1)[1]))
    assert stored["name"] == "ZeroByte" and stored["position"] == "Boss"
