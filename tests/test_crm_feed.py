"""The card feed (SPEC §10): what changed, by whom and when, notes, paging, and what it costs to see it."""
import html
import re
from datetime import datetime

import pytest
from sqlalchemy import func, select

from monitor.db import db
from monitor.models import FeedEntry, User
from monitor.services import feed, records
from monitor.services.errors import ValidationError
from tests.conftest import csrf_token_of, sign_in

ENTRY = re.compile(r'<li class="feed-entry feed-(\w+)">(.*?)</li>', re.S)
TAG = re.compile(r"<[^>]+>")
WHEN = re.compile(r" ?\d{4}-\d\d-\d\d \d\d:\d\d ?")


def feed_lines(page):
    """(kind, the entry as plain text) of each feed entry on a card, top to bottom."""
    text = page if isinstance(page, str) else page.get_data(as_text=True)
    return [(kind, " ".join(html.unescape(TAG.sub(" ", body)).split())) for kind, body in ENTRY.findall(text)]


def feed_changes(page):
    """(kind, what the entry says after its author and time) of each feed entry on a card, top to bottom."""
    return [(kind, WHEN.split(text, 1)[-1]) for kind, text in feed_lines(page)]


def feed_section(page):
    text = page if isinstance(page, str) else page.get_data(as_text=True)
    return text.split('id="feed"', 1)[1]


def stored_entries(app, entity, record_id, kind=None):
    """The record's feed entries as kept: (kind, field, old, new, linked_id, text, author_id), oldest first."""
    with app.app_context():
        query = select(FeedEntry).where(FeedEntry.entity == entity, FeedEntry.record_id == record_id)
        if kind:
            query = query.where(FeedEntry.kind == kind)
        return [(row.kind, row.field, row.old_value, row.new_value, row.linked_id, row.text, row.author_id)
                for row in db.session.scalars(query.order_by(FeedEntry.id))]


def deal_form(**values):
    """Everything the deal card's form posts (a browser sends every field), with these values."""
    return {"name": "Supply", "price": "", "pipeline": "", "status": "", "responsible": "", "company": "",
            "contacts": "", "tags": "", **values}


def test_creating_through_the_form_is_the_first_entry_with_its_author(client, signed_in, crm_builder):
    contact = crm_builder.contact("Ivan Petrov")
    created = client.post("/leads/new", data=deal_form(price="1000", contacts=str(contact)))
    deal = int(created.headers["Location"].rsplit("/", 1)[1])
    lines = feed_lines(client.get(f"/leads/{deal}"))  # the clock stands where the builder left it
    assert lines == [
        ("linked", "Linked Ulla User 2026-01-01 09:00 Contact: Ivan Petrov"),
        ("created", "Created Ulla User 2026-01-01 09:00"),
    ]
    contact_lines = feed_lines(client.get(f"/contacts/{contact}"))
    assert contact_lines[0] == ("linked", "Linked Ulla User 2026-01-01 09:00 Deal: Supply")


def test_editing_several_fields_writes_each_change_old_to_new_as_people_read_it(client, signed_in, crm_builder, admin):
    deal = crm_builder.deal("Supply", price="1000", responsible=str(signed_in), tags="old")
    response = client.post(f"/leads/{deal}", data=deal_form(
        name="Big supply", price="2000", responsible=str(admin), tags="Web, vip"), follow_redirects=True)
    assert "has been saved" in response.get_data(as_text=True)
    changes = [text for kind, text in feed_changes(response) if kind == "field"]
    assert changes == [
        "Tags: old \u2192 vip, Web",
        "Responsible: Ulla User \u2192 Ada Admin",
        "Price: 1,000 \u20bd \u2192 2,000 \u20bd",
        "Name: Supply \u2192 Big supply",
    ]
    assert stored_entries(crm_builder.app, "leads", deal, "field")[1] == (
        "field", "price", "1000", "2000", None, None, signed_in)  # kept raw, shown as money


def test_saving_the_same_values_again_writes_nothing(client, signed_in, crm_builder):
    deal = crm_builder.deal("Supply", price="1000", tags="vip")
    before = stored_entries(crm_builder.app, "leads", deal)
    client.post(f"/leads/{deal}", data=deal_form(price="1 000", tags="VIP"))
    assert stored_entries(crm_builder.app, "leads", deal) == before


def test_customer_amounts_and_dates_read_as_money_and_dates(client, signed_in, crm_builder):
    customer = crm_builder.customer("Monthly box", next_price="900")
    form = {"name": "Monthly box", "next_price": "1500", "next_date": "2026-12-01", "company": "", "contacts": "",
            "responsible": "", "tags": ""}
    lines = feed_changes(client.post(f"/customers/{customer}", data=form, follow_redirects=True))
    assert [text for _kind, text in lines[:2]] == [
        "Next purchase date: \u2014 \u2192 Dec 1, 2026", "Next purchase: 900 \u20bd \u2192 1,500 \u20bd"]


def test_status_change_reads_pipeline_and_status(client, signed_in, crm_builder):
    deal = crm_builder.deal("Supply")
    (main, statuses), (partners, partner_statuses) = crm_builder.pipelines()
    client.post(f"/leads/{deal}", data=deal_form(pipeline=str(main), status=str(statuses[1])))
    client.post(f"/leads/{deal}", data=deal_form(pipeline=str(partners), status=str(partner_statuses[1])))
    assert [text for kind, text in feed_changes(client.get(f"/leads/{deal}")) if kind == "status"] == [
        "Status: Sales: Negotiation \u2192 Partners: Trial",
        "Status: Sales: First contact \u2192 Sales: Negotiation",
    ]


def test_linking_and_unlinking_a_contact_shows_on_both_cards_as_links(client, signed_in, crm_builder):
    contact = crm_builder.contact("Ivan Petrov")
    deal = crm_builder.deal("Supply")
    client.post(f"/leads/{deal}", data=deal_form(contacts=str(contact)))
    client.post(f"/leads/{deal}", data=deal_form(contacts=""))
    deal_page = client.get(f"/leads/{deal}").get_data(as_text=True)
    assert feed_changes(deal_page)[:2] == [
        ("unlinked", "Contact: Ivan Petrov"), ("linked", "Contact: Ivan Petrov")]
    assert f'<a class="feed-linked" href="/contacts/{contact}">Ivan Petrov</a>' in feed_section(deal_page)
    contact_page = client.get(f"/contacts/{contact}").get_data(as_text=True)
    assert feed_changes(contact_page)[:2] == [
        ("unlinked", "Deal: Supply"), ("linked", "Deal: Supply")]
    assert f'<a class="feed-linked" href="/leads/{deal}">Supply</a>' in feed_section(contact_page)
    assert stored_entries(crm_builder.app, "contacts", contact, "linked") == [
        ("linked", "leads", None, "Supply", deal, None, signed_in)]


def test_a_contacts_company_shows_on_the_company_card(client, signed_in, crm_builder):
    first, second = crm_builder.company("Volga Foods"), crm_builder.company("Nord Trading")
    contact = crm_builder.contact("Olga Orlova", company=first)
    form = {"name": "Olga Orlova", "phone": "", "email": "", "position": "", "company": str(second),
            "responsible": "", "tags": ""}
    client.post(f"/contacts/{contact}", data=form)
    assert [kind for kind, _text in feed_lines(client.get(f"/companies/{first}"))] == ["unlinked", "linked", "created"]
    assert feed_changes(client.get(f"/companies/{second}"))[0] == ("linked", "Contact: Olga Orlova")
    assert [kind for kind, _text in feed_lines(client.get(f"/contacts/{contact}"))] == [
        "linked", "unlinked", "linked", "created"]


def test_a_deleted_records_feed_goes_and_others_name_it_without_a_link(client, signed_in, crm_builder):
    contact = crm_builder.contact("Ivan Petrov")
    deal = crm_builder.deal("Short-lived", contacts=str(contact))
    client.post(f"/leads/{deal}/notes", data={"text": "Gone soon"})
    assert len(stored_entries(crm_builder.app, "leads", deal)) == 3
    assert client.post(f"/leads/{deal}/delete").status_code == 302
    assert stored_entries(crm_builder.app, "leads", deal) == []
    contact_feed = feed_section(client.get(f"/contacts/{contact}"))
    assert '<span class="feed-linked">Short-lived</span>' in contact_feed and f"/leads/{deal}" not in contact_feed


def test_an_api_edit_is_in_the_feed_by_the_tokens_user(client, api, crm_builder, auth, admin, user):
    deal = crm_builder.deal("Supply", price="1000")
    assert api.patch(f"leads/{deal}", json={"price": 5000, "name": "API supply"}).status_code == 200
    auth.login("ada@example.com")
    lines = feed_lines(client.get(f"/leads/{deal}"))
    assert [text for _kind, text in lines[:2]] == [
        "Changed Ulla User 2026-01-01 09:00 Price: 1,000 \u20bd \u2192 5,000 \u20bd",
        "Changed Ulla User 2026-01-01 09:00 Name: Supply \u2192 API supply",
    ]


def test_a_save_refused_by_validation_writes_nothing(client, signed_in, crm_builder, app):
    deal = crm_builder.deal("Supply")
    before = stored_entries(app, "leads", deal)
    response = client.post(f"/leads/{deal}", data=deal_form(name="Renamed", price="lots"))
    assert 'id="price-error"' in response.get_data(as_text=True)
    assert stored_entries(app, "leads", deal) == before


def test_a_batch_with_one_bad_record_writes_no_entry_for_any(app, crm_builder):
    first, second = crm_builder.deal("First"), crm_builder.deal("Second")
    before = stored_entries(app, "leads", first)
    with app.app_context():
        batch = [(records.get_record("leads", first), {"name": "Renamed"}),
                 (records.get_record("leads", second), {"price": "lots"})]
        with pytest.raises(ValidationError):
            records.update_records("leads", batch, db.session.scalar(select(User).limit(1)))
    assert stored_entries(app, "leads", first) == before
    assert crm_builder.get("leads", first)["name"] == "First"


def test_changes_made_without_an_acting_user_have_no_author(client, signed_in, crm_builder, app):
    deal = crm_builder.deal("Supply")
    with app.app_context():
        records.update_records("leads", [(records.get_record("leads", deal), {"price": "700"})])
    assert stored_entries(app, "leads", deal, "field") == [("field", "price", "0", "700", None, None, None)]
    newest = feed_lines(client.get(f"/leads/{deal}"))[0]
    assert newest == ("field", "Changed 2026-01-01 09:00 Price: 0 \u20bd \u2192 700 \u20bd")  # no author named


def test_a_note_is_added_escaped_with_its_line_breaks(client, signed_in, crm_builder):
    deal = crm_builder.deal("Supply")
    response = client.post(f"/leads/{deal}/notes", data={"text": "  Call <b>Monday</b>\nthen send the offer  "})
    assert response.status_code == 302 and response.headers["Location"] == f"/leads/{deal}#feed"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The note has been added." in page
    assert '<p class="feed-text">Call &lt;b&gt;Monday&lt;/b&gt;\nthen send the offer</p>' in page
    assert feed_lines(page)[0][1].startswith("Note Ulla User ")


@pytest.mark.parametrize("text, message", [
    ("", "This field is required."),
    (" \n\t ", "This field is required."),
    ("x" * 10_001, "A note holds at most 10,000 characters."),
])
def test_a_bad_note_shows_the_card_again_with_the_message_and_saves_nothing(client, signed_in, crm_builder, charges,
                                                                          text, message):
    deal = crm_builder.deal("Supply")
    response = client.post(f"/leads/{deal}/notes", data={"text": text})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'<div class="error" id="note-text-error">{message}</div>' in page
    assert 'name="name"' in page and "Supply" in page  # the card itself, charged as one card view
    assert charges == [{"user": signed_in, "channel": "web", "cards": [("leads", deal)], "elements": 0}]
    assert stored_entries(crm_builder.app, "leads", deal, "note") == []


def test_a_note_of_exactly_the_longest_length_is_kept(client, signed_in, crm_builder):
    deal = crm_builder.deal("Supply")
    assert client.post(f"/leads/{deal}/notes", data={"text": "y" * 10_000}).status_code == 302
    assert stored_entries(crm_builder.app, "leads", deal, "note")[0][5] == "y" * 10_000


def test_a_note_for_an_unknown_record_is_404(client, signed_in, crm_builder):
    assert client.post("/leads/4242/notes", data={"text": "Hello"}).status_code == 404
    assert client.post("/widgets/1/notes", data={"text": "Hello"}).status_code == 404
    with crm_builder.app.app_context():
        assert db.session.scalar(select(func.count(FeedEntry.id))) == 0


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_a_note_needs_the_csrf_token(client, user, crm_builder):
    deal = crm_builder.deal("Supply")
    sign_in(client, csrf_token=csrf_token_of(client.get("/login")))
    assert client.post(f"/leads/{deal}/notes", data={"text": "No token"}).status_code == 400
    assert stored_entries(crm_builder.app, "leads", deal, "note") == []
    token = csrf_token_of(feed_section(client.get(f"/leads/{deal}")))  # the note form's own token
    assert client.post(f"/leads/{deal}/notes", data={"text": "With token", "csrf_token": token}).status_code == 302
    assert stored_entries(crm_builder.app, "leads", deal, "note")[0][5] == "With token"


def test_the_feed_pages_by_twenty_newest_first(client, signed_in, crm_builder, app):
    deal = crm_builder.deal("Supply")
    with app.app_context():
        for number in range(1, 25):
            feed.add_note("leads", deal, f"Note {number}", None)
    first = client.get(f"/leads/{deal}").get_data(as_text=True)
    assert [text for _kind, text in feed_lines(first)] == [f"Note 2026-01-01 09:00 Note {n}" for n in range(24, 4, -1)]
    assert f'<a rel="next" href="/leads/{deal}?feed_page=2#feed">Older \u2192</a>' in first
    assert 'rel="prev"' not in first
    second = client.get(f"/leads/{deal}?feed_page=2").get_data(as_text=True)
    assert [text.rsplit(" ", 1)[-1] for _kind, text in feed_lines(second)] == ["4", "3", "2", "1", "09:00"]
    assert feed_lines(second)[-1][0] == "created"
    assert f'<a rel="prev" href="/leads/{deal}#feed">\u2190 Newer</a>' in second and 'rel="next"' not in second
    third = client.get(f"/leads/{deal}?feed_page=3").get_data(as_text=True)
    assert feed_lines(third) == [] and "No older entries." in third
    assert f'href="/leads/{deal}?feed_page=2#feed"' in third


@pytest.mark.parametrize("feed_page", ["abc", "0", "-1", "1.5", "1000001", "9" * 40])
def test_a_bad_feed_page_is_400_and_charges_nothing(client, signed_in, crm_builder, charges, feed_page):
    deal = crm_builder.deal("Supply")
    response = client.get(f"/leads/{deal}?feed_page={feed_page}")
    assert response.status_code == 400
    assert "The feed's page (feed_page) is a whole number from 1." in html.unescape(response.get_data(as_text=True))
    assert charges == []


@pytest.mark.parametrize("query", ["", "?feed_page=2"])
def test_the_feed_is_part_of_the_card_view_and_costs_nothing_more(client, signed_in, crm_builder, app, charges, query):
    contact = crm_builder.contact("Ivan Petrov")
    deal = crm_builder.deal("Supply", contacts=str(contact))
    with app.app_context():
        for number in range(30):
            feed.add_note("leads", deal, f"Note {number}", None)
    assert client.get(f"/leads/{deal}{query}").status_code == 200
    assert charges == [{"user": signed_in, "channel": "web", "cards": [("leads", deal)], "elements": 0}]


def test_adding_a_note_charges_only_the_card_it_goes_back_to(client, signed_in, crm_builder, charges):
    deal = crm_builder.deal("Supply")
    client.post(f"/leads/{deal}/notes", data={"text": "Hello"})
    assert charges == []
    client.get(f"/leads/{deal}")
    assert charges == [{"user": signed_in, "channel": "web", "cards": [("leads", deal)], "elements": 0}]


def test_times_read_in_the_accounts_zone(client, signed_in, crm_builder, clock, set_limits):
    set_limits(timezone="Asia/Vladivostok")  # UTC+10, no daylight saving
    deal = crm_builder.deal("Supply")
    clock.set(datetime(2026, 11, 27, 22, 15))
    client.post(f"/leads/{deal}/notes", data={"text": "Late call"})
    lines = feed_lines(client.get(f"/leads/{deal}"))
    assert lines == [("note", "Note Ulla User 2026-11-28 08:15 Late call"),
                     ("created", "Created 2026-01-01 19:00")]


def test_a_deleted_records_name_stays_in_other_feeds_but_never_links_to_a_record_given_its_id(
        client, signed_in, crm_builder):
    """Found in review: SQLite gives the highest id again, and the contact's feed linked the old deal's
    entry to the new deal."""
    contact = crm_builder.contact("Ivan Petrov")
    secret = crm_builder.deal("Secret deal", contacts=[contact])
    with client.application.app_context():
        records.delete_record("leads", records.get_record("leads", secret))
    other = crm_builder.deal("Other deal")
    assert other == secret  # the id is given again
    section = feed_section(client.get(f"/contacts/{contact}").get_data(as_text=True))
    assert "Secret deal" in section
    assert f'href="/leads/{other}">Secret deal' not in section
    assert stored_entries(crm_builder.app, "contacts", contact, "linked")[0][4] is None


def test_saving_the_same_values_again_changes_neither_the_feed_nor_the_last_change(client, signed_in, crm_builder,
                                                                                   clock):
    """Found in review: an unchanged save moved "Updated" (and the deal up a list sorted by it) with no feed line."""
    contact = crm_builder.contact("Ivan Petrov")
    deal = crm_builder.deal("Supply", price=1000, contacts=[contact], tags="vip")
    before = crm_builder.get("leads", deal)
    clock.advance(hours=1)
    form = deal_form(price="1000", contacts=str(contact), tags="vip", pipeline=str(before["pipeline_id"]),
                     status=str(before["status_id"]), responsible=str(before["responsible_user_id"] or ""))
    assert client.post(f"/leads/{deal}", data=form).status_code == 302
    assert crm_builder.get("leads", deal)["updated_at"] == before["updated_at"]
    assert [kind for kind, *_rest in stored_entries(crm_builder.app, "leads", deal)] == ["created", "linked"]
    clock.advance(hours=1)
    assert client.post(f"/leads/{deal}", data={**form, "tags": "vip, new"}).status_code == 302
    assert crm_builder.get("leads", deal)["updated_at"] > before["updated_at"]
