"""Lists: 50 a page newest first, paging, every filter alone and together, tags, presets, search, bad input."""
from datetime import datetime

import pytest

from monitor.crm.filters import field_label
from tests.fixtures_crm import ENTITIES, row_links, row_names


@pytest.fixture
def anna(make_user):
    return make_user("Anna Petrova", "anna@example.com")


@pytest.fixture
def boris(make_user):
    return make_user("Boris Ivanov", "boris@example.com")


@pytest.fixture
def four_deals(crm_builder, anna, boris, client, auth):
    """Alpha, Bravo, Charlie, Delta: different prices, stages, owners, tags and days; signed in as Anna."""
    (main, main_statuses), (partners, partner_statuses) = crm_builder.pipelines()
    build = crm_builder
    build.at(datetime(2026, 3, 1, 10)).deal("Alpha", price=1000, pipeline=main, status=main_statuses[0],
                                              responsible=anna, tags="vip")
    build.at(datetime(2026, 3, 5, 10)).deal("Bravo", price=5000, pipeline=main, status=142,
                                              responsible=boris, tags="vip, web")
    build.at(datetime(2026, 3, 10, 10)).deal("Charlie", price=20000, pipeline=partners, status=partner_statuses[0],
                                               responsible=anna, tags="web")
    build.at(datetime(2026, 3, 20, 10)).deal("Delta", price=50000, pipeline=partners, status=143, responsible="")
    auth.login("anna@example.com")
    return {"main": main, "partners": partners, "anna": anna, "boris": boris}


def names(client, query):
    response = client.get(f"/leads?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return set(row_names(response.data))


@pytest.mark.parametrize("entity", ENTITIES)
def test_list_shows_50_a_page_newest_first_with_paging_and_total(client, signed_in, crm_builder, entity):
    crm_builder.many(entity, 57, prefix="Rec")
    first = client.get(f"/{entity}")
    page = first.get_data(as_text=True)
    assert row_names(page) == [f"Rec {n}" for n in range(57, 7, -1)]  # exactly 50, newest first
    assert "57 records found" in page and 'href="?page=2"' in page
    second = client.get(f"/{entity}?page=2")
    assert row_names(second.data) == [f"Rec {n}" for n in range(7, 0, -1)]
    assert 'rel="next"' not in second.get_data(as_text=True)


def test_page_past_the_end_is_an_empty_list(client, signed_in, crm_builder):
    crm_builder.many("leads", 3)
    response = client.get("/leads?page=40")
    assert response.status_code == 200
    assert row_names(response.data) == [] and "Nothing here." in response.get_data(as_text=True)


@pytest.mark.parametrize("entity", ["contacts", "contacts-companies"])
def test_a_page_without_rows_tells_no_total(client, signed_in, crm_builder, charges, monkeypatch, entity):
    """Else an empty page would answer "how many match?" for any filter, and nothing is charged for it."""
    from monitor.crm import entities

    crm_builder.contact("Someone", email="someone@mail.example")
    crm_builder.contact("Someone else", email="else@mail.example")
    page = client.get(f"/{entity}?q=someone@mail.example&page=999").get_data(as_text=True)
    assert "found" not in page and "Page 999 of" not in page and "Nothing here." in page
    assert "No records on this page." in page
    assert f'<a href="/{entity}?q=someone%40mail.example">Go to page 1</a>' in page
    assert [charge["elements"] for charge in charges] == [0]

    def no_counting(*_args):
        raise AssertionError("an empty page counts nothing")

    with monkeypatch.context() as patched:
        patched.setattr(entities.Entity, "count", no_counting)
        page = client.get(f"/{entity}?q=nobody-at-all").get_data(as_text=True)
    assert "No records found." in page and "Go to page 1" not in page
    shown = client.get(f"/{entity}?q=someone@mail.example").get_data(as_text=True)
    assert "1 record found" in shown and row_names(shown) == ["Someone"]  # beside the rows it is charged for
    assert [charge["elements"] for charge in charges] == [0, 0, 1]


@pytest.mark.parametrize("query, expected", [
    ("", {"Alpha", "Bravo", "Charlie", "Delta"}),
    ("responsible={anna}", {"Alpha", "Charlie"}),
    ("pipeline={main}", {"Alpha", "Bravo"}),
    ("status=142", {"Bravo"}),
    ("price_from=5000", {"Bravo", "Charlie", "Delta"}),
    ("price_to=5000", {"Alpha", "Bravo"}),
    ("created_from=2026-03-10", {"Charlie", "Delta"}),
    ("created_to=2026-03-05", {"Alpha", "Bravo"}),
    ("tag=vip", {"Alpha", "Bravo"}),
    ("tag=VIP", {"Alpha", "Bravo"}),
    ("tag=vip&tag=web", {"Bravo"}),
    ("tag=nosuchtag", set()),
    ("q=char", {"Charlie"}),
    ("responsible={anna}&price_from=5000", {"Charlie"}),
    ("pipeline={partners}&tag=web", {"Charlie"}),
    ("created_from=2026-03-02&created_to=2026-03-10&price_to=20000", {"Bravo", "Charlie"}),
    ("q=b&pipeline={main}&status=142&responsible={boris}&tag=web&price_from=5000&price_to=5000", {"Bravo"}),
])
def test_each_filter_alone_and_combined(client, four_deals, query, expected):
    assert names(client, query.format(**four_deals)) == expected


@pytest.mark.parametrize("preset, expected", [
    ("all", {"Alpha", "Bravo", "Charlie", "Delta"}),
    ("mine", {"Alpha", "Charlie"}),
    ("open", {"Alpha", "Charlie"}),
    ("won", {"Bravo"}),
    ("lost", {"Delta"}),
])
def test_built_in_presets(client, four_deals, preset, expected):
    response = client.get(f"/leads?preset={preset}")
    assert set(row_names(response.data)) == expected
    assert f'class="chip active" href="/leads{"" if preset == "all" else "?preset=" + preset}"' in \
        response.get_data(as_text=True)


def test_preset_combines_with_the_panel(client, four_deals):
    assert names(client, "preset=open&tag=web") == {"Charlie"}
    assert names(client, "preset=mine&price_to=1000") == {"Alpha"}


def test_saved_preset_is_the_users_own_and_can_be_deleted(client, auth, four_deals, make_user):
    response = client.post("/leads/presets", data={"name": "Big VIP", "query": "tag=vip&price_from=2000"})
    assert response.status_code == 302
    preset_url = response.headers["Location"]
    preset_id = preset_url.rsplit("=", 1)[1]
    page = client.get(preset_url).get_data(as_text=True)
    assert set(row_names(page)) == {"Bravo"}
    assert "Big VIP" in page and 'value="2000"' in page  # the panel shows the preset's filter
    assert names(client, f"preset={preset_id}&price_from=0") == {"Alpha", "Bravo"}  # the request's values win
    assert f'href="/leads?preset={preset_id}">Big VIP</a>' in client.get("/leads").get_data(as_text=True)
    assert "Big VIP" not in client.get("/contacts").get_data(as_text=True)  # per entity

    make_user("Other Person", "other@example.com")
    auth.logout()
    auth.login("other@example.com")
    assert "Big VIP" not in client.get("/leads").get_data(as_text=True)
    assert client.get(f"/leads?preset={preset_id}").status_code == 400  # not theirs
    assert client.post(f"/leads/presets/{preset_id}/delete").status_code == 404

    auth.logout()
    auth.login("anna@example.com")
    assert client.post(f"/leads/presets/{preset_id}/delete").status_code == 302
    assert f'href="/leads?preset={preset_id}"' not in client.get("/leads").get_data(as_text=True)
    assert client.get(f"/leads?preset={preset_id}").status_code == 400


def test_saving_a_preset_needs_a_name(client, four_deals):
    response = client.post("/leads/presets", data={"name": " ", "query": "tag=vip"}, follow_redirects=True)
    assert "This field is required." in response.get_data(as_text=True)
    assert client.post("/leads/presets", data={"name": "Bad", "query": "price_from=x"}).status_code == 400


def test_saved_preset_keeps_a_built_in_one(client, four_deals):
    location = client.post("/leads/presets", data={"name": "Open web", "query": "preset=open&tag=web"}).location
    assert names(client, location.split("?", 1)[1]) == {"Charlie"}


@pytest.mark.parametrize("query, parameter", [
    ("page=-1", "page"),
    ("page=0", "page"),
    ("page=abc", "page"),
    ("page=99999999999", "page"),
    ("price_from=x", "price_from"),
    ("price_to=1e5", "price_to"),
    ("price_from=500&price_to=100", "price_to"),
    ("created_from=2026-13-45", "created_from"),
    ("created_to=yesterday", "created_to"),
    ("created_from=20260101", "created_from"),
    ("preset=unknown", "preset"),
    ("preset=424242", "preset"),
    ("responsible=abc", "responsible"),
    ("pipeline=x", "pipeline"),
    ("status=1.5", "status"),
    ("preset=\u00b2", "preset"),  # "²".isdigit() is true, int("²") fails
    ("preset=\u0661\u0662", "preset"),  # Arabic-Indic digits: not an id anyone typed
    ("page=\u00b2", "page"),
    ("page=" + "1" * 5000, "page"),  # int() refuses strings this long
    ("price_from=" + "9" * 5000, "price_from"),
    ("responsible=\u00b2", "responsible"),
])
def test_bad_parameters_get_a_clear_400_page_and_show_nothing(client, signed_in, crm_builder, charges, query,
                                                               parameter):
    crm_builder.deal("Visible")
    response = client.get(f"/leads?{query}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    # The summary names the field as the panel labels it ("Price, from"), not the parameter (issue 15).
    label = str(field_label(parameter, "Price"))
    assert "Some of the parameters are not valid" in page and f"<strong>{label}</strong>" in page
    assert row_names(page) == [] and 'class="filter-form"' in page
    assert charges == []


@pytest.mark.parametrize("entity", ENTITIES + ("contacts-companies",))
def test_bad_parameters_on_every_list(client, signed_in, entity):
    assert client.get(f"/{entity}?page=abc&created_from=2026-13-45").status_code == 400


def test_customers_have_no_won_preset(client, signed_in):
    assert client.get("/customers?preset=won").status_code == 400
    assert client.get("/customers?preset=mine").status_code == 200


def test_search_finds_contacts_by_phone_email_and_name(client, signed_in, crm_builder):
    ivan = crm_builder.contact("Ivan Petrov", phone="+7 916 123-45-67", email="ivan.petrov@mail.example")
    crm_builder.contact("Olga Smirnova", phone="+7 903 000-11-22", email="olga@corp.example")
    for query in ("9161234567", "123-45", "+7 (916) 123-45-67", "916 123", "ivan.petrov@mail", "IVAN", "petr",
                  "Iv", "ivan mail.example"):
        response = client.get("/contacts", query_string={"q": query})
        assert row_links(response.data) == [("contacts", ivan)], query
    assert row_names(client.get("/contacts", query_string={"q": "corp.example"}).data) == ["Olga Smirnova"]
    assert row_names(client.get("/contacts", query_string={"q": "nobody"}).data) == []


def test_search_finds_companies_by_phone_digits(client, signed_in, crm_builder):
    crm_builder.company("Nord", phone="8 (495) 765-43-21")
    assert row_names(client.get("/companies?q=4957654321").data) == ["Nord"]


def test_deals_and_customers_are_found_by_their_contact_and_company(client, signed_in, crm_builder):
    company = crm_builder.company("Volga Foods", email="office@volga.example")
    contact = crm_builder.contact("Ivan Petrov", phone="+7 916 123-45-67")
    crm_builder.deal("Supply", contacts=str(contact))
    crm_builder.deal("Pilot", company=company)
    crm_builder.deal("Unrelated")
    crm_builder.customer("Weekly box", contacts=str(contact))
    assert set(row_names(client.get("/leads?q=9161234567").data)) == {"Supply"}
    assert set(row_names(client.get("/leads?q=volga.example").data)) == {"Pilot"}
    assert set(row_names(client.get("/customers?q=petrov").data)) == {"Weekly box"}


def test_search_follows_edits_and_deletes(client, signed_in, crm_builder):
    contact = crm_builder.contact("Marta Kowalska", phone="+48 600 100 200")
    client.post(f"/contacts/{contact}", data={"name": "Marta Nowak", "phone": "+48 600 999 888"})
    assert row_names(client.get("/contacts?q=kowalska").data) == []
    assert row_names(client.get("/contacts?q=nowak").data) == ["Marta Nowak"]
    assert row_names(client.get("/contacts?q=600999888").data) == ["Marta Nowak"]
    assert row_names(client.get("/contacts?q=600100200").data) == []
    client.post(f"/contacts/{contact}/delete")
    assert row_names(client.get("/contacts?q=nowak").data) == []


def test_lists_of_the_records_linked_to_one_record(client, signed_in, crm_builder, charges):
    company, other = crm_builder.company("Hub"), crm_builder.company("Elsewhere")
    staff = [crm_builder.contact(f"Staff {n}", company=company) for n in range(3)]
    crm_builder.contact("Outsider", company=other)
    deal = crm_builder.deal("Hub deal", company=company, contacts=f"{staff[0]},{staff[1]}")
    crm_builder.deal("Other deal", contacts=str(staff[2]))
    customer = crm_builder.customer("Hub customer", company=company, contacts=str(staff[0]))
    for url, expected in ((f"/contacts?company={company}", {"Staff 0", "Staff 1", "Staff 2"}),
                          (f"/contacts?lead={deal}", {"Staff 0", "Staff 1"}),
                          (f"/contacts?customer={customer}", {"Staff 0"}),
                          (f"/leads?company={company}", {"Hub deal"}),
                          (f"/leads?contact={staff[2]}", {"Other deal"}),
                          (f"/customers?contact={staff[0]}&company={company}", {"Hub customer"})):
        assert set(row_names(client.get(url).data)) == expected, url
    assert [charge["elements"] for charge in charges] == [3, 2, 1, 1, 1, 1]
    page = client.get(f"/contacts?company={company}&q=staff").get_data(as_text=True)
    assert f"Linked to company #{company}" in page
    assert f'<input type="hidden" name="company" value="{company}">' in page  # a search keeps the link
    assert client.get("/contacts?company=abc").status_code == 400


def test_combined_list_interleaves_contacts_and_companies_by_date(client, signed_in, crm_builder):
    for number in range(1, 31):
        crm_builder.contact(f"Person {number}")
        crm_builder.company(f"Firm {number}")
    first = client.get("/contacts-companies")
    links = row_links(first.data)
    assert len(links) == 50
    assert [entity for entity, _id in links[:4]] == ["companies", "contacts", "companies", "contacts"]
    assert row_names(first.data)[:4] == ["Firm 30", "Person 30", "Firm 29", "Person 29"]
    page = first.get_data(as_text=True)
    assert "60 records found" in page
    assert '<span class="kind kind-contacts">Contact</span>' in page
    assert '<span class="kind kind-companies">Company</span>' in page
    assert row_names(client.get("/contacts-companies?page=2").data) == [
        name for number in range(5, 0, -1) for name in (f"Firm {number}", f"Person {number}")
    ]


def test_combined_list_applies_the_filters_to_both_kinds(client, signed_in, crm_builder):
    crm_builder.contact("Tagged person", tags="partner")
    crm_builder.company("Tagged firm", tags="partner")
    crm_builder.company("Plain firm")
    assert set(row_names(client.get("/contacts-companies?tag=partner").data)) == {"Tagged person", "Tagged firm"}
    assert row_names(client.get("/contacts-companies?q=plain").data) == ["Plain firm"]


def test_contacts_open_preset_means_contacts_with_an_open_deal(client, signed_in, crm_builder):
    with_open = crm_builder.contact("Has open deal")
    with_won = crm_builder.contact("Has won deal")
    crm_builder.contact("No deals")
    crm_builder.deal("Open one", contacts=str(with_open))
    crm_builder.deal("Won one", contacts=str(with_won), status=142)
    assert row_names(client.get("/contacts?preset=open").data) == ["Has open deal"]
    assert row_names(client.get("/contacts?preset=won").data) == ["Has won deal"]


def test_list_rows_are_plain_card_links_with_tags_as_chips_and_money(client, signed_in, crm_builder):
    deal = crm_builder.deal("Chip deal", price="250000", tags="vip")
    page = client.get("/leads").get_data(as_text=True)
    assert f'<a href="/leads/{deal}">Chip deal</a>' in page
    assert '<span class="tag">vip</span>' in page
    assert "250,000\u00a0\u20bd" in page


def test_broad_filter_says_more_than_the_count_limit(client, signed_in, crm_builder, monkeypatch):
    from monitor.crm import entities

    monkeypatch.setattr(entities, "COUNT_LIMIT", 5)
    crm_builder.many("leads", 8, tags="web")
    filtered = client.get("/leads?tag=web").get_data(as_text=True)
    assert "More than 5 records found" in filtered and "Page 1 of" not in filtered
    assert len(row_names(filtered)) == 8
    assert "8 records found" in client.get("/leads").get_data(as_text=True)  # unfiltered: exact


def test_search_with_many_matches_walks_the_list_order(client, signed_in, crm_builder, monkeypatch):
    from monitor.services.records import conditions

    monkeypatch.setattr(conditions, "FEW_MATCHES", 3)
    crm_builder.many("leads", 7, prefix="Supply")
    crm_builder.deal("Other")
    page = client.get("/leads?q=supply").get_data(as_text=True)
    assert row_names(page) == [f"Supply {n}" for n in range(7, 0, -1)]
    assert "7 records found" in page


@pytest.mark.parametrize("query", ['"', "AND", "*", ")(", "NEAR(a b)", "x\x00y", "%", "_", "\\", "a" * 500, "💥"])
def test_search_syntax_and_odd_characters_are_plain_text(client, signed_in, crm_builder, query):
    crm_builder.deal("Plain deal")
    response = client.get("/leads", query_string={"q": query, "tag": "x\x00"})
    assert response.status_code == 200
    assert row_names(response.data) == []


def test_percent_and_underscore_are_not_wildcards(client, signed_in, crm_builder):
    crm_builder.contact("100% sure", email="under_score@example.com")
    crm_builder.contact("1000 sure", email="underXscore@example.com")
    crm_builder.contact("%a start", email="percent@example.com")
    crm_builder.contact("xa start", email="plain@example.com")
    assert row_names(client.get("/contacts", query_string={"q": "00%"}).data) == ["100% sure"]
    assert row_names(client.get("/contacts", query_string={"q": "r_s"}).data) == ["100% sure"]
    assert row_names(client.get("/contacts", query_string={"q": "%a"}).data) == ["%a start"]
    assert row_names(client.get("/contacts", query_string={"q": "_a"}).data) == []


@pytest.mark.parametrize("query, expected", [
    ("a", {"Anna Smirnova", "alex@corp.example"}),
    ("A", {"Anna Smirnova", "alex@corp.example"}),
    ("an", {"Anna Smirnova"}),
    ("AN", {"Anna Smirnova"}),
    ("sm", set()),  # inside a name: three characters or more are needed
    ("+7", {"Phone only"}),
    ("ив", {"Иван Петров"}),
    ("ИВ", {"Иван Петров"}),
    ("li", {"Li Na"}),
    ("li n", {"Li Na"}),  # every word short: the whole query is the start
    ("li x", set()),
])
def test_one_or_two_characters_find_the_names_phones_and_emails_that_start_with_them(
        client, signed_in, crm_builder, query, expected):
    crm_builder.contact("Anna Smirnova", email="anna.s@corp.example")
    crm_builder.contact("Nobody Special", email="alex@corp.example")
    crm_builder.contact("Phone only", phone="+7 916 123-45-67")
    crm_builder.contact("Иван Петров")
    crm_builder.contact("Li Na")
    found = row_names(client.get("/contacts", query_string={"q": query}).data)
    names = {"Nobody Special": "alex@corp.example"}
    assert {names.get(name, name) for name in found} == expected


def test_short_search_of_deals_is_by_their_own_name_and_says_so(client, signed_in, crm_builder):
    contact = crm_builder.contact("Anna Smirnova")
    crm_builder.deal("Apple supply")
    crm_builder.deal("Pilot", contacts=str(contact))
    assert row_names(client.get("/leads?q=ap").data) == ["Apple supply"]
    assert row_names(client.get("/leads?q=an").data) == []  # a contact's name needs three characters or more
    assert row_names(client.get("/leads?q=ann").data) == ["Pilot"]
    page = client.get("/leads").get_data(as_text=True)
    assert 'title="One or two characters find the names, phones and e-mails that start with them' in page


def test_combined_panel_offers_contact_and_company_tags(client, signed_in, crm_builder):
    crm_builder.contact("Tagged person", tags="people-only")
    crm_builder.company("Tagged firm", tags="firms-only")
    page = client.get("/contacts-companies").get_data(as_text=True)
    assert 'data-tag-source="/contacts-companies/tags"' in page  # the panel's tag picker asks there
    assert client.get("/contacts-companies/tags?q=only").get_json() == ["firms-only", "people-only"]
    assert client.get("/contacts/tags?q=only").get_json() == ["people-only"]
