"""Cards of all four entities: create, edit, errors that keep the input, 404, links, delete; saving under load."""
import html
import json
import re
import threading
from collections import Counter
from pathlib import Path

import pytest

from monitor.db import db
from monitor.services import tokens
from tests.conftest import PASSWORD, csrf_token_of, recorded_statements
from tests.fixtures_crm import ENTITIES, row_names
from tests.servers import fetch, gunicorn, signed_in_jar

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


def test_a_card_names_one_page_of_linked_records_and_links_to_the_rest(client, signed_in, crm_builder):
    members = crm_builder.many("contacts", 53, prefix="Member")
    deal = crm_builder.deal("Crowded", contacts=",".join(map(str, members)))
    page = client.get(f"/leads/{deal}").get_data(as_text=True)
    assert set(re.findall(r">(Member \d+)<", page)) == {f"Member {n}" for n in range(53, 3, -1)}  # the 50 newest
    assert f'<a class="related-more" href="/contacts?lead={deal}">and 3 more' in page
    assert f'value="{", ".join(map(str, members))}"' in page  # the picker keeps every linked id
    assert len(row_names(client.get(f"/contacts?lead={deal}&page=2").data)) == 3  # the rest, in a counted list


def test_company_card_names_its_contacts_once_and_does_not_repeat_itself(client, signed_in, crm_builder):
    company = crm_builder.company("Solo firm")
    crm_builder.contact("Only person", company=company, phone="+7 916 000-00-01")
    page = client.get(f"/companies/{company}").get_data(as_text=True)
    panels = page.split('id="feed"', 1)[0]  # the feed below says when the contact was linked
    assert panels.count(">Only person<") == 1
    panel = page.split('class="panel related related-contacts"', 1)[1].split("</section>", 1)[0]
    assert "Only person" in panel and "+7 916 000-00-01" in panel and "Solo firm" not in panel


def test_a_card_reads_its_panels_in_a_few_statements_however_many_rows(client, signed_in, crm_builder, app):
    company = crm_builder.company("Busy firm")
    for number in range(40):
        crm_builder.deal(f"Firm deal {number}", company=company, status=142 if number % 2 else "")
        crm_builder.contact(f"Firm person {number}", company=company)
    with recorded_statements(app) as statements:
        page = client.get(f"/companies/{company}").get_data(as_text=True)
    assert "Firm deal 39" in page and "Firm person 39" in page
    assert len(statements) <= 15, "\n".join(statements)


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
    ("company", "1" * 5000), ("contacts", "\u00b2"), ("price", "9" * 5000), ("responsible", "\u00b2"),
])
def test_out_of_range_values_are_field_errors(client, signed_in, crm_builder, field, value):
    response = client.post("/leads/new", data={"name": "Odd", field: value})
    assert response.status_code == 200
    assert f'id="{field}-error"' in response.get_data(as_text=True)


def test_control_characters_are_dropped_from_text(client, signed_in, crm_builder):
    response = client.post("/contacts/new", data={"name": "Zero\x00Byte", "position": "Boss\x07"})
    stored = crm_builder.get("contacts", int(response.headers["Location"].rsplit("/", 1)[1]))
    assert stored["name"] == "ZeroByte" and stored["position"] == "Boss"


# -- Saving under load: several worker processes on one SQLite file ------------------------------------

SAVERS = 3
SAVES_EACH = 20
READERS = 3


@pytest.fixture
def busy_crm(app, crm_builder, make_user, db_path):
    """Users, deals with contacts and a token, committed to the test's database for gunicorn to serve."""
    emails = [f"saver{number}@example.com" for number in range(SAVERS + READERS)]
    user_ids = [make_user(f"Saver {number}", email) for number, email in enumerate(emails)]
    contacts = crm_builder.many("contacts", 6, prefix="Person")
    deals = [crm_builder.deal(f"Deal {number}", contacts=str(contacts[number % 6])) for number in range(60)]
    with app.app_context():
        _token, secret = tokens.create_token(user_ids[0], "load test", 3650)
        db.engine.dispose()
    return {"emails": emails, "deals": deals, "contacts": contacts, "token": secret}


class LoadClients:
    """People saving cards and presets, a script editing a deal over the API, others reading lists."""

    def __init__(self, base, crm):
        self.base, self.crm = base, crm
        self.results, self.last_saved, self.lock = Counter(), {}, threading.Lock()

    def record(self, kind, status):
        with self.lock:
            self.results[kind, status] += 1

    def card_saver(self, number):
        jar = signed_in_jar(self.base, self.crm["emails"][number], PASSWORD)
        deal, contacts = self.crm["deals"][number], self.crm["contacts"]
        for version in range(SAVES_EACH):
            page = fetch(jar, f"{self.base}/leads/{deal}").body  # a read, then a write
            status = fetch(jar, f"{self.base}/leads/{deal}", {
                "csrf_token": csrf_token_of(page), "name": f"Deal {number} v{version}",
                "price": str(1000 + version), "tags": f"load, v{version % 3}",
                "contacts": ", ".join(map(str, contacts[: 1 + version % 4])),  # the links change every save
            }).status
            self.record("card save", status)
            self.last_saved[deal] = (f"Deal {number} v{version}", 1000 + version, 1 + version % 4)

    def preset_saver(self):
        jar = signed_in_jar(self.base, self.crm["emails"][SAVERS], PASSWORD)
        for version in range(SAVES_EACH):
            page = fetch(jar, f"{self.base}/leads?tag=load").body
            status = fetch(jar, f"{self.base}/leads/presets", {
                "csrf_token": csrf_token_of(page), "name": f"Preset {version}", "query": "tag=load",
            }).status
            self.record("preset save", status)

    def api_editor(self):
        deal = self.crm["deals"][-1]
        headers = {"Authorization": f"Bearer {self.crm['token']}", "Content-Type": "application/json"}
        for version in range(SAVES_EACH):
            body = json.dumps({"price": 5000 + version, "_embedded": {"tags": [{"name": "api"}]}}).encode()
            status = fetch(None, f"{self.base}/api/v4/leads/{deal}", body, headers, method="PATCH").status
            self.record("api patch", status)
        self.last_saved[deal] = (f"Deal {len(self.crm['deals']) - 1}", 5000 + SAVES_EACH - 1, 1)

    def reader(self, number):
        jar = signed_in_jar(self.base, self.crm["emails"][SAVERS + number], PASSWORD)
        for round_number in range(SAVES_EACH):
            for url in ("/leads", f"/leads?page={1 + round_number % 2}", "/contacts", "/leads?q=deal",
                        f"/leads/{self.crm['deals'][round_number]}"):
                self.record("read", fetch(jar, self.base + url).status)

    def run(self):
        threads = [threading.Thread(target=self.card_saver, args=(number,)) for number in range(SAVERS)]
        threads += [threading.Thread(target=self.reader, args=(number,)) for number in range(READERS)]
        threads += [threading.Thread(target=self.preset_saver), threading.Thread(target=self.api_editor)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)


@pytest.mark.slow
def test_parallel_card_saves_presets_and_api_edits_while_others_read_lists_never_fail(busy_crm, db_path, crm_builder):
    with gunicorn(db_path, workers=4, threads=2, env={"FLASK_API_RATE_LIMIT": "1000"}) as base:
        clients = LoadClients(base, busy_crm)
        clients.run()
    log = Path(db_path).with_suffix(".gunicorn.log").read_text()

    assert clients.results == Counter({
        ("card save", 302): SAVERS * SAVES_EACH, ("preset save", 302): SAVES_EACH,
        ("api patch", 200): SAVES_EACH, ("read", 200): READERS * SAVES_EACH * 5,
    }), clients.results
    assert "Traceback" not in log and "database is locked" not in log, log[-3000:]
    for deal, (name, price, contact_count) in clients.last_saved.items():
        stored = crm_builder.get("leads", deal)
        assert (stored["name"], stored["price"], len(stored["contact_ids"])) == (name, price, contact_count)
