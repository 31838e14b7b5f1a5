"""The home page (SPEC §9): signing in lands there; it shows the user's own use and the open deals per stage,
names no record and counts nothing."""
import re
from datetime import datetime

import pytest
from sqlalchemy import text

from monitor.db import db
from monitor.models import User
from monitor.models.crm import LOST_STATUS_ID, WON_STATUS_ID
from monitor.services import tasks
from tests.conftest import PASSWORD, recorded_statements, sign_in
from tests.fixtures_activity import charge, is_active

MONITORING_TABLES = ("activity_counts", "activity_quarters", "activity_card_views", "activity_list_views",
                     "activity_events")


def monitoring_rows(app):
    """Every row of the monitoring tables, to compare before and after."""
    with app.app_context():
        return {table: db.session.execute(text(f"SELECT * FROM {table}")).all()  # noqa: S608 (fixed names)
                for table in MONITORING_TABLES}


def home(client):
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def meter_of(page, counter):
    """The words of the home page's meter for "card" or "list" (tags stripped, spaces squeezed)."""
    item = re.search(rf'<li class="usage home-meter[^"]*" data-counter="{counter}".*?</li>', page, re.S).group(0)
    return " ".join(re.sub(r"<[^>]+>", " ", item).split())


def stage_row(page, status_id):
    """(count, sum) of a stage's row on the home page."""
    row = re.search(rf'<tr data-status="{status_id}" data-count="(\d+)" data-sum="(\d+)">', page)
    return int(row.group(1)), int(row.group(2))


def test_signing_in_lands_on_home(client, user):
    response = sign_in(client)
    assert response.status_code == 302 and response.location == "/"
    assert 'id="home-usage"' in home(client)


def test_signing_in_still_follows_a_local_next(client, user):
    assert client.get("/leads").location.startswith("/login?next=/leads")
    response = client.post("/login?next=/leads", data={"email": "ulla@example.com", "password": PASSWORD})
    assert response.location == "/leads"


def test_home_asks_a_signed_out_visitor_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302 and response.location.startswith("/login")


def test_home_counts_nothing_with_limits_set(app, client, signed_in, set_limits, crm_builder):
    crm_builder.deal("Secret merger", price=1000)
    set_limits(card_limit=5, list_limit=5, card_period="hour")
    charge(app, signed_in, cards=[("leads", 1)], elements=3)
    before = monitoring_rows(app)
    for _visit in range(3):
        home(client)
    assert monitoring_rows(app) == before
    assert is_active(app, signed_in)


def test_home_writes_nothing_and_reads_counts_once(app, client, signed_in, set_limits):
    set_limits(card_limit=100, list_limit=500)
    home(client)  # the session's first page may settle cookies; measure a second visit
    with recorded_statements(app) as statements:
        home(client)
    writes = [s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == [s for s in writes if "user_sessions" in s]  # at most the session's last-seen mark
    assert sum("activity_counts" in s for s in statements) == 1
    assert sum("FROM activity_settings" in s for s in statements) == 1


def test_home_shows_own_use_against_each_limit_with_the_reset_time(app, client, signed_in, set_limits, make_user):
    set_limits(card_limit=100, card_period="hour", list_limit=500, list_period="day", timezone="Europe/Moscow")
    charge(app, signed_in, cards=[("leads", n) for n in range(1, 13)])
    charge(app, signed_in, elements=40)
    charge(app, make_user("Other One"), elements=300)  # someone else's use is not the user's
    page = home(client)
    # The frozen clock says 10:30 UTC: 13:30 in Moscow, so the hour resets at 14:00, the day at midnight.
    assert meter_of(page, "card") == "Card views this hour: 12 of 100 The count starts again at 14:00 (Europe/Moscow)."
    assert meter_of(page, "list") == (
        "List elements today: 40 of 500 The count starts again at 2026-11-28 00:00 (Europe/Moscow).")
    assert "your account is deactivated until an administrator reactivates it" in page


def test_home_says_no_limit_when_none_is_set(app, client, signed_in):
    charge(app, signed_in, elements=7)
    page = home(client)
    assert meter_of(page, "list").startswith("List elements today: 7 (no limit)")
    assert meter_of(page, "card").startswith("Card views today: 0 (no limit)")
    assert "<meter" not in page


def test_home_at_the_limit_in_notify_mode_says_over_the_limit(app, client, signed_in, set_limits):
    set_limits(list_limit=10, action="notify")
    charge(app, signed_in, elements=15)
    page = home(client)
    assert 'class="usage home-meter at-limit over-limit" data-counter="list"' in page
    assert "List elements today: 15 of 10 over the limit" in meter_of(page, "list")
    assert "the administrators are told; nothing is refused" in page


@pytest.mark.app_config(PLAN="base")
def test_home_on_a_plan_without_monitoring_says_nothing_is_counted(client, signed_in):
    page = home(client)
    assert "nothing you open is counted" in page and 'data-counter="card"' not in page


def test_home_shows_open_deals_per_stage_with_counts_and_sums_and_names_no_record(client, signed_in, crm_builder):
    (main, main_statuses), (partners, partner_statuses) = crm_builder.pipelines()
    first, second = main_statuses[0], main_statuses[1]
    crm_builder.deal("Alpha Harbour", price=1000, pipeline=main, status=first)
    crm_builder.deal("Bravo Lighthouse", price=2500, pipeline=main, status=first)
    crm_builder.deal("Charlie Quarry", price=400, pipeline=main, status=second)
    crm_builder.deal("Delta Won", price=9000, pipeline=main, status=WON_STATUS_ID)
    crm_builder.deal("Echo Lost", price=7000, pipeline=main, status=LOST_STATUS_ID)
    crm_builder.deal("Foxtrot Trial", price=50, pipeline=partners, status=partner_statuses[1])
    page = home(client)
    assert stage_row(page, first) == (2, 3500)
    assert stage_row(page, second) == (1, 400)
    assert stage_row(page, main_statuses[2]) == (0, 0)
    assert stage_row(page, partner_statuses[0]) == (0, 0)
    assert stage_row(page, partner_statuses[1]) == (1, 50)
    assert f'data-status="{WON_STATUS_ID}"' not in page and f'data-status="{LOST_STATUS_ID}"' not in page
    for name in ("Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot"):
        assert name not in page
    assert not re.search(r'href="/(leads|contacts|companies|customers)/\d+"', page)


def test_every_list_and_each_stage_is_one_click_away(client, signed_in, crm_builder):
    (main, statuses), _partners = crm_builder.pipelines()
    page = home(client)
    for entity in ("leads", "contacts", "companies", "customers"):
        assert f'href="/{entity}"' in page
    assert f'href="/leads?pipeline={main}&amp;status={statuses[0]}"' in page
    assert f'href="/leads/pipeline/{main}"' in page


@pytest.mark.browser
def test_home_fits_a_phone_screen_in_chromium(browser, app, live_server, user, crm_builder):
    crm_builder.pipelines()
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", "ulla@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    assert page.locator("#home-deals").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def add_task(app, text, due_at, responsible, entity=None, record_id=None, done=False):
    """A task made through the tasks service (due_at: naive UTC)."""
    with app.app_context():
        person = db.session.get(User, responsible)
        task = tasks.create_task({"text": text, "due_at": due_at, "responsible": responsible, "entity": entity,
                                  "record_id": record_id}, person, "UTC")
        if done:
            tasks.complete_task(task.id, person)


def test_home_counts_the_users_open_and_overdue_tasks_links_them_and_names_no_record(
        app, client, signed_in, make_user, crm_builder, clock, set_limits):
    deal = crm_builder.deal("Secret merger")
    clock.set(datetime(2026, 11, 27, 10, 30))
    other = make_user("Other One")
    add_task(app, "Call about the merger", datetime(2026, 11, 26, 9), signed_in, "leads", deal)
    add_task(app, "Overdue by a minute", datetime(2026, 11, 27, 10, 29), signed_in)
    add_task(app, "Next week", datetime(2026, 12, 4, 9), signed_in)
    add_task(app, "Done long ago", datetime(2026, 11, 1, 9), signed_in, done=True)
    add_task(app, "Someone else's", datetime(2026, 11, 1, 9), other)
    set_limits(card_limit=5, list_limit=5)
    before = monitoring_rows(app)
    page = home(client)
    assert monitoring_rows(app) == before
    assert 'data-open="3" data-overdue="2"' in page
    assert '<a href="/tasks">3 open tasks</a>' in page
    assert re.search(r'<a class="home-overdue" href="/tasks\?due=overdue"><strong>2 of them overdue</strong></a>', page)
    for words in ("Secret merger", "Call about the merger", "Overdue by a minute", "Someone else"):
        assert words not in page
    assert not re.search(r'href="/(leads|contacts|companies|customers)/\d+"', page)


def test_home_says_when_no_task_is_overdue(app, client, signed_in):
    add_task(app, "Tomorrow", datetime(2026, 11, 28, 9), signed_in)
    page = home(client)
    assert 'data-open="1" data-overdue="0"' in page
    assert '<a href="/tasks">1 open task</a>, <a href="/tasks?due=overdue">none overdue</a>' in page
