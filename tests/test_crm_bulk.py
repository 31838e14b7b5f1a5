"""Bulk actions from a list page (POST /<entity>/bulk, SPEC §10): each action on several records with its feed
lines, all or nothing, every refused input, the delete confirmation, a local `next` only, the list's toolbar."""
import html
import re

import pytest
from sqlalchemy import select

from monitor.crm.bulk import PHRASES
from monitor.db import db
from monitor.models import FeedEntry, Pipeline, User
from monitor.models.crm import LOST_STATUS_ID, WON_STATUS_ID
from monitor.services import records
from monitor.services.errors import ValidationError
from tests.conftest import csrf_token_of, sign_in
from tests.fixtures_crm import ENTITIES, row_links

ONE = {"leads": "deal", "contacts": "contact", "companies": "company", "customers": "customer"}
MANY = {"leads": "deals", "contacts": "contacts", "companies": "companies", "customers": "customers"}
BOX = re.compile(r'<input type="checkbox" name="ids" value="(\d+)" form="bulk-form"')
ERROR = re.compile(r'<p class="error-message">([^<]*)</p>')


@pytest.fixture
def boris(make_user):
    return make_user("Boris Builder", "boris@example.com")


def bulk(client, entity, ids, action, value=None, **extra):
    data = {"ids": [str(record_id) for record_id in ids], "action": action, **extra}
    if value is not None:
        data["value"] = value
    return client.post(f"/{entity}/bulk", data=data)


def feed_lines(app, entity, record_id):
    """(kind, field, old, new, author id) of a record's feed, oldest first, creation left out."""
    with app.app_context():
        entries = db.session.scalars(select(FeedEntry).where(
            FeedEntry.entity == entity, FeedEntry.record_id == record_id, FeedEntry.kind != "created",
        ).order_by(FeedEntry.id)).all()
        return [(entry.kind, entry.field, entry.old_value, entry.new_value, entry.author_id) for entry in entries]


def snapshot(app, crm_builder, entity, ids):
    """Every column, the tags and the feed of each record: what "nothing changed" compares."""
    return [(crm_builder.get(entity, record_id), feed_lines(app, entity, record_id)) for record_id in ids]


def status_label(app, pipeline_id, status_id):
    """ "Pipeline: Status", as a status line of the feed shows a stage."""
    with app.app_context():
        pipeline = db.session.get(Pipeline, pipeline_id)
        status = next(status for status in pipeline.statuses if status.id == status_id)
        return f"{pipeline.name}: {status.name}"


def flash_after(client, response):
    """The page a bulk action redirected to, as text."""
    assert response.status_code == 302
    return html.unescape(client.get(response.headers["Location"]).get_data(as_text=True))


@pytest.mark.parametrize("entity", ENTITIES)
def test_the_list_shows_a_box_per_row_and_the_toolbar(client, signed_in, crm_builder, entity):
    ids = crm_builder.many(entity, 3, prefix="Item")
    crm_builder.create(entity, name="Not found")
    page = client.get(f"/{entity}?q=item&sort=name&dir=asc").get_data(as_text=True)
    assert [int(record_id) for record_id in BOX.findall(page)] == [record_id for _kind, record_id in row_links(page)]
    assert sorted(record_id for _kind, record_id in row_links(page)) == sorted(ids)  # card links as before
    assert f'<form method="post" action="/{entity}/bulk" id="bulk-form"' in page
    assert "data-bulk-all" in page and 'name="csrf_token"' in page.split('id="bulk-form"')[1]
    actions = re.findall(r'<option value="(\w+)">', page.split('id="bulk-action"')[1].split("</select>")[0])
    expected = ["responsible", "add_tag", "remove_tag", "status", "delete"]
    assert actions == (expected if entity == "leads" else [name for name in expected if name != "status"])
    next_value = re.search(r'name="next" value="([^"]+)"', page).group(1)
    assert html.unescape(next_value) == f"/{entity}?q=item&sort=name&dir=asc"


def test_the_combined_list_and_an_empty_list_have_no_bulk_toolbar(client, signed_in, crm_builder):
    crm_builder.contact("Ivan")
    assert "bulk-form" not in client.get("/contacts-companies").get_data(as_text=True)
    assert "bulk-form" not in client.get("/leads").get_data(as_text=True)  # no deals: nothing to tick


def test_next_keeps_the_page_the_records_were_ticked_on(client, signed_in, crm_builder):
    crm_builder.many("companies", 51)
    page = client.get("/companies?page=2").get_data(as_text=True)
    assert 'name="next" value="/companies?page=2"' in page


@pytest.mark.parametrize("entity", ENTITIES)
def test_setting_the_responsible_user_changes_each_record_and_its_feed(app, client, signed_in, crm_builder, boris,
                                                                       entity):
    ids = crm_builder.many(entity, 3)
    other = crm_builder.create(entity, name="Untouched")
    response = bulk(client, entity, ids, "responsible", str(boris), next=f"/{entity}?sort=name")
    assert response.headers["Location"] == f"/{entity}?sort=name"
    assert f"3 {MANY[entity]} updated." in flash_after(client, response)
    for record_id in ids:
        assert crm_builder.get(entity, record_id)["responsible_user_id"] == boris
        assert feed_lines(app, entity, record_id) == [("field", "responsible", None, "Boris Builder", signed_in)]
    assert crm_builder.get(entity, other)["responsible_user_id"] is None
    assert feed_lines(app, entity, other) == []


def test_a_record_already_as_asked_is_left_alone_and_counted_apart(app, client, signed_in, crm_builder, boris):
    already = crm_builder.deal("Already Boris's", responsible=boris)
    before = crm_builder.get("leads", already)
    changed = crm_builder.deal("Nobody's")
    page = flash_after(client, bulk(client, "leads", [already, changed], "responsible", str(boris)))
    assert "1 deal updated. 1 needed no change." in page
    assert crm_builder.get("leads", already)["updated_at"] == before["updated_at"]
    assert feed_lines(app, "leads", already) == []
    assert len(feed_lines(app, "leads", changed)) == 1


@pytest.mark.parametrize("entity", ENTITIES)
def test_adding_a_tag_keeps_the_other_tags_and_compares_names_case_insensitively(app, client, signed_in, crm_builder,
                                                                                  entity):
    plain = crm_builder.create(entity, name="Plain", tags="web")
    tagged = crm_builder.create(entity, name="Tagged", tags="vip, web")
    bare = crm_builder.create(entity, name="Bare")
    page = flash_after(client, bulk(client, entity, [plain, tagged, bare], "add_tag", "  VIP "))
    assert f"2 {MANY[entity]} updated. 1 needed no change." in page
    assert crm_builder.get(entity, plain)["tags"] == ["vip", "web"]  # the existing tag, as first written
    assert crm_builder.get(entity, tagged)["tags"] == ["vip", "web"]
    assert crm_builder.get(entity, bare)["tags"] == ["vip"]
    assert feed_lines(app, entity, plain) == [("field", "tags", "web", "vip, web", signed_in)]
    assert feed_lines(app, entity, bare) == [("field", "tags", None, "vip", signed_in)]
    assert feed_lines(app, entity, tagged) == []


def test_a_new_tag_is_created_as_typed(client, signed_in, crm_builder):
    ids = crm_builder.many("customers", 2)
    flash_after(client, bulk(client, "customers", ids, "add_tag", "Оптовик"))
    assert [crm_builder.get("customers", record_id)["tags"] for record_id in ids] == [["Оптовик"], ["Оптовик"]]


@pytest.mark.parametrize("entity", ENTITIES)
def test_removing_a_tag_removes_only_that_tag(app, client, signed_in, crm_builder, entity):
    both = crm_builder.create(entity, name="Both", tags="ВИП, web")
    other = crm_builder.create(entity, name="Other", tags="web")
    page = flash_after(client, bulk(client, entity, [both, other], "remove_tag", "вип"))
    assert f"1 {ONE[entity]} updated. 1 needed no change." in page
    assert crm_builder.get(entity, both)["tags"] == ["web"]
    assert crm_builder.get(entity, other)["tags"] == ["web"]
    assert feed_lines(app, entity, both) == [("field", "tags", "web, ВИП", "web", signed_in)]
    assert feed_lines(app, entity, other) == []


def test_a_status_moves_deals_into_its_pipeline_and_a_closed_one_closes_each_in_its_own(app, client, signed_in,
                                                                                         crm_builder):
    (main, statuses), (partners, partner_statuses) = crm_builder.pipelines()
    in_main = crm_builder.deal("Main deal", pipeline=main, status=statuses[0])
    in_partners = crm_builder.deal("Partner deal", pipeline=partners, status=partner_statuses[0])
    page = flash_after(client, bulk(client, "leads", [in_main, in_partners], "status", str(statuses[1])))
    assert "2 deals updated." in page
    for deal in (in_main, in_partners):
        stored = crm_builder.get("leads", deal)
        assert (stored["pipeline_id"], stored["status_id"]) == (main, statuses[1])
        kind, field, _old, new, author = feed_lines(app, "leads", deal)[-1]
        assert (kind, field, author) == ("status", "status", signed_in)
        assert new == status_label(app, main, statuses[1])
    back = crm_builder.deal("Back to partners", pipeline=main, status=statuses[0])
    flash_after(client, bulk(client, "leads", [in_partners, back], "status", str(partner_statuses[1])))
    assert {(crm_builder.get("leads", deal)["pipeline_id"]) for deal in (in_partners, back)} == {partners}
    flash_after(client, bulk(client, "leads", [in_main, in_partners], "status", str(WON_STATUS_ID)))
    won = [crm_builder.get("leads", deal) for deal in (in_main, in_partners)]
    assert [(deal["pipeline_id"], deal["status_id"]) for deal in won] == [(main, WON_STATUS_ID),
                                                                         (partners, WON_STATUS_ID)]
    assert all(deal["closed_at"] is not None for deal in won)


@pytest.mark.parametrize("entity", ENTITIES)
def test_delete_asks_first_naming_no_record_then_deletes_them_all(app, client, signed_in, crm_builder, charges,
                                                                  entity):
    ids = crm_builder.many(entity, 3, prefix="Secret")
    kept = crm_builder.create(entity, name="Kept")
    question = bulk(client, entity, ids, "delete", next=f"/{entity}?page=1")
    page = question.get_data(as_text=True)
    assert question.status_code == 200
    assert f"Delete 3 {MANY[entity]}?" in page
    assert "Secret" not in page  # it says how many, and names none
    assert sorted(int(found) for found in re.findall(r'name="ids" value="(\d+)"', page)) == sorted(ids)
    assert 'name="confirm" value="yes"' in page
    assert all(crm_builder.get(entity, record_id) is not None for record_id in ids)  # the question deletes nothing
    confirmed = bulk(client, entity, ids, "delete", confirm="yes", next=f"/{entity}?page=1")
    assert confirmed.headers["Location"] == f"/{entity}?page=1"
    assert charges == []  # neither step shows a record
    assert f"3 {MANY[entity]} deleted." in flash_after(client, confirmed)
    assert all(crm_builder.get(entity, record_id) is None for record_id in ids)
    assert all(feed_lines(app, entity, record_id) == [] for record_id in ids)
    assert crm_builder.get(entity, kept) is not None


def test_updating_charges_nothing(client, signed_in, crm_builder, boris, charges):
    ids = crm_builder.many("leads", 2)
    assert bulk(client, "leads", ids, "responsible", str(boris)).status_code == 302
    assert charges == []


def test_an_unknown_id_among_good_ones_changes_none_of_them(app, client, signed_in, crm_builder, boris):
    ids = crm_builder.many("contacts", 3)
    before = snapshot(app, crm_builder, "contacts", ids)
    response = bulk(client, "contacts", [*ids, 999_999], "responsible", str(boris))
    assert response.status_code == 400
    assert "999999" in ERROR.search(response.get_data(as_text=True)).group(1)
    assert snapshot(app, crm_builder, "contacts", ids) == before
    deleted = bulk(client, "contacts", [ids[0], ids[1]], "delete", confirm="yes")  # a delete likewise
    assert deleted.status_code == 302
    response = bulk(client, "contacts", ids, "delete", confirm="yes")
    assert response.status_code == 400
    assert crm_builder.get("contacts", ids[2]) is not None


def test_a_record_deleted_between_the_check_and_the_save_changes_none(app, crm_builder, boris):
    ids = crm_builder.many("leads", 3)
    before = snapshot(app, crm_builder, "leads", ids[:2])
    with app.test_request_context():
        acting = db.session.get(User, boris)
        planned = records.bulk.plan("leads", [str(record_id) for record_id in ids], "add_tag", ["late"], acting)
        with app.app_context():  # another request, meanwhile
            records.delete_records("leads", [records.get_record("leads", ids[2])])
        with pytest.raises(ValidationError) as refused:
            records.bulk.apply(planned, acting)
        assert "deleted meanwhile" in str(refused.value.errors["ids"])
    assert snapshot(app, crm_builder, "leads", ids[:2]) == before


def test_a_record_that_refuses_the_change_refuses_it_for_all(app, client, signed_in, crm_builder):
    full = crm_builder.customer("Full", tags=[f"tag {number}" for number in range(50)])
    plain = crm_builder.customer("Plain")
    before = snapshot(app, crm_builder, "customers", [full, plain])
    response = bulk(client, "customers", [plain, full], "add_tag", "one more")
    assert response.status_code == 400
    message = html.unescape(ERROR.search(response.get_data(as_text=True)).group(1))
    assert f"Record {full} cannot take this change" in message and "50 tags" in message
    assert "Full" not in message  # by id: the refusal names no record
    assert snapshot(app, crm_builder, "customers", [full, plain]) == before


BAD = {
    "no ids": ("leads", [], "add_tag", "vip", "Tick at least one record."),
    "501 ids": ("leads", list(range(1, 502)), "add_tag", "vip", "At most 500 records at a time."),
    "a word for an id": ("leads", ["abc"], "add_tag", "vip", "by their ids"),
    "an id past any column": ("leads", [str(2**31)], "add_tag", "vip", "by their ids"),
    "an empty id": ("leads", [""], "add_tag", "vip", "by their ids"),
    "an unknown action": ("leads", None, "merge", "vip", "Choose one of the actions"),
    "no action": ("leads", None, "", "vip", "Choose one of the actions"),
    "a status for contacts": ("contacts", None, "status", "142", "Choose one of the actions"),
    "an empty tag": ("leads", None, "add_tag", "   ", "Enter the tag's name."),
    "a 101-character tag": ("leads", None, "remove_tag", "x" * 101, "at most 100 characters"),
    "a tag with a comma": ("companies", None, "add_tag", "a, b", "no commas"),
    "an unknown user": ("customers", None, "responsible", "999999", "There is no such user."),
    "no user": ("customers", None, "responsible", "", "Choose the user who becomes responsible."),
    "a word for a user": ("customers", None, "responsible", "boss", "Choose the user who becomes responsible."),
    "an unknown status": ("leads", None, "status", "999999", "There is no such status."),
    "two values": ("leads", None, "add_tag", ["vip", "web"], "Fill in only the value the chosen action needs."),
    "too many values": ("leads", None, "add_tag", ["", "", "", "vip"], "Send one value."),
}


@pytest.mark.parametrize("case", BAD.values(), ids=BAD.keys())
def test_bad_input_is_a_400_saying_why_with_the_way_back_and_changes_nothing(app, client, signed_in, crm_builder,
                                                                             case):
    entity, ids, action, value, message = case
    made = crm_builder.many(entity, 2)
    before = snapshot(app, crm_builder, entity, made)
    response = bulk(client, entity, made if ids is None else ids, action, value, next=f"/{entity}?sort=name")
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert message in ERROR.search(page).group(1)
    assert f'href="/{entity}?sort=name"' in page  # back to the list it came from
    assert snapshot(app, crm_builder, entity, made) == before


@pytest.mark.parametrize("next_url, location", [
    ("/leads?page=2&q=a", "/leads?page=2&q=a"),
    ("https://evil.example/leads", "/leads"),
    ("//evil.example/leads", "/leads"),
    ("/\\evil.example", "/leads"),
    ("/leads?" + "a" * 2001, "/leads"),
    ("", "/leads"),
])
def test_only_a_local_next_is_followed(client, signed_in, crm_builder, boris, next_url, location):
    ids = crm_builder.many("leads", 2)
    response = bulk(client, "leads", ids, "responsible", str(boris), next=next_url)
    assert response.headers["Location"] == location
    refused = bulk(client, "leads", ids, "responsible", "999999", next=next_url).get_data(as_text=True)
    assert f'href="{html.escape(location)}"' in refused


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_a_bulk_action_needs_the_csrf_token(app, client, user, crm_builder):
    sign_in(client, csrf_token=csrf_token_of(client.get("/login")))
    ids = crm_builder.many("leads", 2)
    before = snapshot(app, crm_builder, "leads", ids)
    assert bulk(client, "leads", ids, "add_tag", "vip").status_code == 400
    assert bulk(client, "leads", ids, "delete", confirm="yes").status_code == 400
    assert snapshot(app, crm_builder, "leads", ids) == before
    token = csrf_token_of(client.get("/leads"))  # the toolbar's own token
    assert bulk(client, "leads", ids, "add_tag", "vip", csrf_token=token).status_code == 302
    assert crm_builder.get("leads", ids[0])["tags"] == ["vip"]


def test_the_form_without_javascript_sends_every_value_control_and_the_empty_ones_are_ignored(client, signed_in,
                                                                                             crm_builder, boris):
    ids = crm_builder.many("leads", 2)
    response = client.post("/leads/bulk", data={"ids": [str(i) for i in ids], "action": "add_tag",
                                                 "value": ["", "vip", ""]})
    assert response.status_code == 302
    response = client.post("/leads/bulk", data={"ids": [str(i) for i in ids], "action": "responsible",
                                                 "value": [str(boris), "", ""]})
    assert response.status_code == 302
    assert [crm_builder.get("leads", i)["tags"] for i in ids] == [["vip"], ["vip"]]
    assert {crm_builder.get("leads", i)["responsible_user_id"] for i in ids} == {boris}


def test_every_record_kind_says_what_a_bulk_action_did_in_its_own_words():
    assert set(PHRASES) == set(records.KINDS)
    assert {phrase for words in PHRASES.values() for phrase in words} == {"updated", "deleted", "confirm"}


def test_bulk_is_post_only_and_only_for_record_kinds(client, signed_in, crm_builder):
    record_id = crm_builder.contact("Ivan")
    assert client.get("/leads/bulk").status_code == 405
    combined = client.post("/contacts-companies/bulk", data={"ids": [str(record_id)], "action": "delete"})
    assert combined.status_code == 404
    assert crm_builder.get("contacts", record_id) is not None


def test_the_closed_statuses_are_offered_once_for_every_pipeline(client, signed_in, crm_builder):
    crm_builder.pipelines()
    crm_builder.deal("Supply")
    page = client.get("/leads").get_data(as_text=True)
    status_select = page.split('id="bulk-status"')[1].split("</select>")[0]
    assert status_select.count(f'value="{WON_STATUS_ID}"') == 1
    assert status_select.count(f'value="{LOST_STATUS_ID}"') == 1
    assert status_select.count("<optgroup") == 3  # two pipelines and the closed statuses


@pytest.mark.parametrize("answer, deletes", [("1", True), ("true", True), ("on", True), ("no", False), ("", False)])
def test_a_delete_is_confirmed_by_yes_1_true_or_on_and_nothing_else(client, signed_in, crm_builder, answer, deletes):
    ids = crm_builder.many("leads", 2, prefix="Confirm me")
    response = bulk(client, "leads", ids, "delete", confirm=answer)
    assert response.status_code == (302 if deletes else 200)
    assert all((crm_builder.get("leads", record_id) is None) == deletes for record_id in ids)
