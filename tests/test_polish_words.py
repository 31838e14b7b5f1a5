"""Words a newcomer reads (issue 15, item 5): the history's channels as the usage page says them, the users
filter's plural chips, a badge on one line, filter errors named as the panel labels the field, one wording
for a required field, the profile's heading said once, and header cells that say what they head."""
import re

import pytest
from playwright.sync_api import expect
from werkzeug.datastructures import MultiDict

from monitor import activity
from monitor.crm import filters
from monitor.db import db
from monitor.models import User
from tests.conftest import PASSWORD, sign_in_browser
from tests.fixtures_activity import charge

RUSSIAN = {"Accept-Language": "ru-RU,ru;q=0.9"}


def deactivate_by_list_limit(app, user, set_limits):
    """Monitoring deactivates `user` for a refused web list (an event with its channel)."""
    set_limits(list_limit=60)
    charge(app, user, elements=50)
    with pytest.raises(activity.LimitReached):
        charge(app, user, elements=50)


def history_row(page, event_name):
    return page.split(f'class="event-{event_name}"')[1].split("</tr>")[0]


def test_the_history_names_the_channel_as_the_usage_page_does(client, signed_in_admin, app, user, set_limits):
    deactivate_by_list_limit(app, user, set_limits)
    russian = history_row(client.get("/settings/activity/history", headers=RUSSIAN).get_data(as_text=True),
                          "deactivated")
    assert "· веб" in russian and "· web" not in russian
    english = history_row(client.get("/settings/activity/history").get_data(as_text=True), "deactivated")
    assert "· web" in english


def test_the_users_filter_chips_read_as_plurals(client, signed_in_admin, make_user):
    """Needs the Russian of the msgctxt "users filter" entries (the lead adds them to messages.po)."""
    make_user("Sleeping Two", "two@example.com", active=False)
    english = client.get("/settings/users").get_data(as_text=True)
    chips = english.split('class="filters"')[1].split("</div>")[0]
    assert ">Active</a>" in chips and ">Deactivated</a>" in chips
    russian = client.get("/settings/users", headers=RUSSIAN).get_data(as_text=True)
    chips, table = russian.split('class="filters"')[1].split("</div>", 1)
    assert ">Активные</a>" in chips and ">Деактивированные</a>" in chips
    # A user's own badge stays singular.
    assert ">Деактивирован</span>" in table and ">Активен</span>" in table


@pytest.mark.parametrize("url", ["/settings/users", "/settings/activity/history"])
def test_every_column_header_of_the_settings_tables_has_its_scope(client, signed_in_admin, url):
    page = client.get(url).get_data(as_text=True)
    headers = re.findall(r"<th\b[^>]*>", page)
    assert headers and all('scope="col"' in header for header in headers)


@pytest.mark.parametrize("name,label", [
    ("price_from", "Price, from"), ("price_to", "Price, to"), ("created_from", "Created, from"),
    ("created_to", "Created, to"), ("responsible", "Responsible"), ("status", "Status"), ("sort", "Sort"),
    ("company", "Company"), ("something_else", "something_else"),
])
def test_a_filter_parameter_is_named_as_the_panel_labels_it(app, name, label):
    with app.test_request_context():
        assert filters.field_label(name, "Price") == label


def test_list_errors_come_with_the_panel_labels_of_their_fields(app, user):
    with app.test_request_context(headers=RUSSIAN):
        owner = db.session.get(User, user)
        listing = filters.read_listing("leads", MultiDict({"price_from": "abc", "created_to": "x"}), owner)
        labelled = {str(label): str(message) for label, message in listing.error_items("Бюджет")}
        assert labelled == {"Бюджет, от": "Введите целое число, например 15000.",
                            "Дата создания, до": "Введите дату в формате ГГГГ-ММ-ДД."}
        customers = filters.read_listing("customers", MultiDict({"price_to": "1"}), owner)
        assert not customers.errors and customers.error_items("Next purchase") == []


def test_an_empty_required_field_says_the_apps_one_wording(client, auth, user):
    """The sign-in and password forms say what a record's empty name says, in Russian too."""
    auth.login()
    response = client.post("/profile", data={"pw-current_password": "", "pw-new_password": ""}, headers=RUSSIAN)
    page = response.get_data(as_text=True)
    assert page.count("Это поле обязательно.") == 2 and "Обязательное поле." not in page
    english = client.post("/profile", data={"pw-current_password": "", "pw-new_password": ""}).get_data(as_text=True)
    assert english.count("This field is required.") == 2


def test_the_profile_says_interface_language_once_as_the_selects_label(client, signed_in):
    page = client.get("/profile").get_data(as_text=True)
    content = page.split("<main", 1)[1]
    assert content.count("Interface language") == 1
    assert re.search(r'<h2><label for="lang-language">Interface language</label></h2>', content)
    assert 'id="lang-language"' in content
    russian = client.get("/profile", headers=RUSSIAN).get_data(as_text=True).split("<main", 1)[1]
    assert russian.count("Язык интерфейса") == 1


@pytest.mark.browser
def test_the_reactivated_badge_stays_on_one_line_on_a_phone_in_russian(
        app, live_server, browser, admin, user, set_limits):
    deactivate_by_list_limit(app, user, set_limits)
    with app.app_context():
        activity.reactivate_user(db.session.get(User, user), by=db.session.get(User, admin))
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ru-RU")
    try:
        page = context.new_page()
        sign_in_browser(page, live_server, "ada@example.com", PASSWORD)
        page.goto(f"{live_server}/settings/activity/history")
        badge = page.locator(".event-reactivated .badge")
        expect(badge).to_have_text("Снова активирован")
        assert badge.evaluate("element => element.getClientRects().length") == 1
    finally:
        context.close()


def test_a_list_filter_error_names_the_field_as_the_panel_labels_it(client, signed_in):
    page = client.get("/leads?price_from=abc").get_data(as_text=True)
    assert "<strong>Price, from</strong>" in page and "price_from</strong>" not in page
