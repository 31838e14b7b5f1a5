"""Evidence before enforcement (SPEC §8): the hourly usage CSV and one user's charts, read from real views."""
import csv
import io
import re
from datetime import datetime

import pytest
from sqlalchemy import text

from monitor.activity import LimitReached
from monitor.db import db
from tests.conftest import both_backends, sign_in
from tests.fixtures_activity import charge
from tests.fixtures_api import Api, assert_hal, no_api_rate_limit
from tests.fixtures_crm import row_links

pytestmark = no_api_rate_limit

CSV_URL = "/settings/activity/usage.csv"
HEADER = ["hour", "user_id", "email", "name", "channel", "card_views", "list_elements"]
HISTORY_TABLES = ("activity_quarters", "activity_marks", "activity_list_views", "activity_counts")
SVG = re.compile(r"<svg class=\"chart\".*?</svg>", re.DOTALL)


@pytest.fixture
def ulla(app, user):
    """A second browser signed in as the ordinary user Ulla (the admin has the `client`)."""
    browser = app.test_client()
    assert sign_in(browser, "ulla@example.com").status_code == 302
    return browser


def csv_rows(response):
    """The CSV's rows after checking its header."""
    assert response.status_code == 200, response.data
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == HEADER
    return rows[1:]


def listed(response):
    """How many list elements a list page showed."""
    assert response.status_code == 200
    return len(row_links(response.get_data(as_text=True)))


def history(app):
    """Every row of the tables counting writes, to compare before and after."""
    with app.app_context():
        return {table: db.session.execute(text(f"SELECT * FROM {table}")).all() for table in HISTORY_TABLES}


def charts_of(page):
    """The page's SVG charts in order: card views by hour, by day; list elements by hour, by day."""
    return SVG.findall(page)


def day_totals(page, day):
    """(card views, list elements) of one row of the day totals table, and each one's split by channel."""
    row = re.search(rf'<tr data-date="{day}">(.*?)</tr>', page, re.DOTALL).group(1)
    numbers = [int(n) for n in re.findall(r"<td[^>]*>(\d+)</td>", row)]
    return numbers[0], numbers[4], numbers[1:4], numbers[5:8]


@both_backends
def test_csv_has_a_row_per_user_utc_hour_and_channel(app, client, signed_in_admin, ulla, user, make_token, crm,
                                                      clock):
    api = Api(app.test_client(), make_token(user))
    clock.set(datetime(2026, 11, 27, 10, 5))
    assert ulla.get(f"/leads/{crm.leads[0]}").status_code == 200
    web_list = listed(ulla.get("/leads"))
    clock.set(datetime(2026, 11, 27, 10, 20))
    assert ulla.get(f"/leads/{crm.leads[0]}").status_code == 200  # again in the same hour: counted once
    clock.set(datetime(2026, 11, 27, 10, 40))
    assert client.get(f"/leads/{crm.leads[1]}").status_code == 200  # the administrator's own view
    clock.set(datetime(2026, 11, 27, 10, 50))
    assert ulla.get(f"/leads/{crm.leads[2]}").status_code == 200
    clock.set(datetime(2026, 11, 27, 10, 55))
    assert_hal(api.get(f"leads/{crm.leads[4]}"))
    assert len(assert_hal(api.get("leads?limit=5"))["_embedded"]["leads"]) == 5
    clock.set(datetime(2026, 11, 27, 11, 10))
    assert ulla.get(f"/leads/{crm.leads[0]}").status_code == 200  # a new hour: counted there again
    ada, ulla_row = [signed_in_admin, "ada@example.com", "Ada Admin"], [user, "ulla@example.com", "Ulla User"]
    expected = sorted([
        ["2026-11-27T10:00:00Z", *ulla_row, "web", 2, web_list],
        ["2026-11-27T10:00:00Z", *ulla_row, "api", 1, 5],
        ["2026-11-27T10:00:00Z", *ada, "web", 1, 0],
        ["2026-11-27T11:00:00Z", *ulla_row, "web", 1, 0],
    ], key=lambda row: (row[0], row[1], row[4]))
    expected = [[str(cell) for cell in row] for row in expected]
    response = client.get(CSV_URL)
    assert csv_rows(response) == expected
    assert response.headers["Content-Disposition"] == 'attachment; filename="activity-usage-2026-11-21-2026-11-27.csv"'
    assert csv_rows(client.get(f"{CSV_URL}?from=2026-11-27&to=2026-11-27")) == expected
    assert csv_rows(client.get(f"{CSV_URL}?from=2026-11-28&to=2026-11-30")) == []
    assert csv_rows(client.get(f"{CSV_URL}?to=2026-11-26")) == []


def test_csv_days_are_local_days_of_a_half_hour_zone(app, client, signed_in_admin, ulla, user, crm, clock,
                                                    set_limits):
    set_limits(timezone="Asia/Kolkata")  # UTC+05:30: local midnight of 28 November is 18:30 UTC
    clock.set(datetime(2026, 11, 27, 18, 20))  # 23:50 on the 27th in Kolkata
    elements = listed(ulla.get("/leads"))
    clock.set(datetime(2026, 11, 27, 18, 40))  # 00:10 on the 28th
    assert ulla.get(f"/leads/{crm.leads[0]}").status_code == 200
    clock.set(datetime(2026, 11, 27, 19, 0))
    ulla_row = [str(user), "ulla@example.com", "Ulla User", "web"]
    assert csv_rows(client.get(f"{CSV_URL}?from=2026-11-27&to=2026-11-27")) == [
        ["2026-11-27T18:00:00Z", *ulla_row, "0", str(elements)]]
    assert csv_rows(client.get(f"{CSV_URL}?from=2026-11-28&to=2026-11-28")) == [
        ["2026-11-27T18:00:00Z", *ulla_row, "1", "0"]]
    response = client.get(CSV_URL)  # today is the 28th in Kolkata
    assert csv_rows(response) == [["2026-11-27T18:00:00Z", *ulla_row, "1", str(elements)]]
    assert 'filename="activity-usage-2026-11-22-2026-11-28.csv"' in response.headers["Content-Disposition"]


def test_csv_cells_cannot_run_as_spreadsheet_formulas(app, client, signed_in_admin, make_user, crm):
    sneaky = make_user("=HYPERLINK(\"http://evil.example\")", "sneaky@example.com")
    charge(app, sneaky, "mobile", elements=3)
    assert csv_rows(client.get(CSV_URL)) == [
        ["2026-11-27T10:00:00Z", str(sneaky), "sneaky@example.com", "'=HYPERLINK(\"http://evil.example\")",
         "mobile", "0", "3"]]


def test_refused_views_are_left_out(app, client, signed_in_admin, user, crm, set_limits):
    set_limits(list_limit=10, card_limit=5)
    charge(app, user, "web", cards=[("leads", crm.leads[0])], elements=8)
    with pytest.raises(LimitReached):  # 13 would pass the list limit: refused, nothing shown
        charge(app, user, "web", cards=[("leads", crm.leads[2])], elements=5)
    with app.app_context():
        refused = db.session.execute(text("SELECT kind, refused FROM activity_quarters WHERE refused > 0")).all()
    assert sorted(refused) == [("card", 1), ("list", 5)]  # recorded for a replay, but not usage
    assert csv_rows(client.get(CSV_URL)) == [
        ["2026-11-27T10:00:00Z", str(user), "ulla@example.com", "Ulla User", "web", "1", "8"]]
    page = client.get(f"/settings/activity/users/{user}").get_data(as_text=True)
    assert day_totals(page, "2026-11-27") == (1, 8, [1, 0, 0], [8, 0, 0])


@pytest.mark.parametrize("query", [
    "from=2026-13-01", "to=2026-11-31", "from=28.11.2026", "from=20261128", "from=2026-W48-1", "to=2026-11-2",
    "from=%D9%A2%D9%A0%D9%A2%D9%A6-11-28", "from=2026-11-28&to=2026-11-27", "from=2025-11-26&to=2026-11-27",
    "from=9999-12-31&to=9999-12-31", "to=2026-11-28T00:00",
])
def test_bad_days_are_400_with_a_message(client, signed_in_admin, query):
    response = client.get(f"{CSV_URL}?{query}")
    assert response.status_code == 400
    assert response.mimetype == "text/plain" and response.get_data(as_text=True)


def test_366_days_is_the_longest_span(client, signed_in_admin):
    assert csv_rows(client.get(f"{CSV_URL}?from=2025-11-27&to=2026-11-27")) == []
    assert client.get(f"{CSV_URL}?from=2025-11-26&to=2026-11-27").status_code == 400


@pytest.mark.parametrize("url", [CSV_URL, "/settings/activity/users/{user}"])
def test_evidence_is_for_administrators_only(client, signed_in, url):
    assert client.get(url.format(user=signed_in)).status_code == 403


def test_unknown_user_has_no_chart_page(client, signed_in_admin):
    assert client.get("/settings/activity/users/999999").status_code == 404


def test_reading_the_evidence_counts_nothing(app, client, signed_in_admin, ulla, user, crm, set_limits):
    set_limits(card_limit=100, list_limit=1000)
    ulla.get(f"/leads/{crm.leads[0]}")
    ulla.get("/leads")
    before = history(app)
    assert before["activity_quarters"]
    for url in (CSV_URL, f"/settings/activity/users/{user}", f"/settings/activity/users/{signed_in_admin}",
                "/settings/activity/usage"):
        assert client.get(url).status_code == 200
    assert history(app) == before


def test_chart_page_shows_day_totals_by_the_first_view_rule_and_draws_the_limits(
        app, client, signed_in_admin, ulla, user, make_token, crm, clock, set_limits):
    set_limits(card_limit=10, card_period="day", list_limit=500, list_period="hour")
    api = Api(app.test_client(), make_token(user))
    clock.set(datetime(2026, 11, 26, 9, 0))
    ulla.get(f"/leads/{crm.leads[0]}")
    for moment in (datetime(2026, 11, 27, 10, 5), datetime(2026, 11, 27, 10, 50), datetime(2026, 11, 27, 14, 0)):
        clock.set(moment)  # one card three times: once in the day, once in each of two hours
        assert ulla.get(f"/leads/{crm.leads[0]}").status_code == 200
    clock.set(datetime(2026, 11, 27, 10, 10))
    elements = listed(ulla.get("/leads"))
    clock.set(datetime(2026, 11, 27, 14, 5))
    assert len(assert_hal(api.get("leads?limit=7"))["_embedded"]["leads"]) == 7
    clock.set(datetime(2026, 11, 27, 15, 0))
    page = client.get(f"/settings/activity/users/{user}").get_data(as_text=True)
    assert "Ulla User" in page and "ulla@example.com" in page
    assert re.findall(r'<tr data-date="([\d-]+)">', page) == [f"2026-11-{day}" for day in range(21, 28)]
    assert day_totals(page, "2026-11-27") == (1, elements + 7, [1, 0, 0], [elements, 7, 0])
    assert day_totals(page, "2026-11-26") == (1, 0, [1, 0, 0], [0, 0, 0])
    assert day_totals(page, "2026-11-25") == (0, 0, [0, 0, 0], [0, 0, 0])
    card_hourly, card_daily, list_hourly, list_daily = charts_of(page)
    assert "Fri 27 Nov 10:00: 1 (web 1, API 0, mobile 0)" in card_hourly
    assert "Fri 27 Nov 14:00: 1 (web 1, API 0, mobile 0)" in card_hourly
    assert "Fri 27 Nov: 1 (web 1, API 0, mobile 0)" in card_daily
    assert "Fri 27 Nov 14:00: 7 (web 0, API 7, mobile 0)" in list_hourly
    assert card_hourly.count("<g><title>") == 3 and card_daily.count("<g><title>") == 2
    assert 'data-limit="10"' in card_daily and "chart-limit" not in card_hourly
    assert 'data-limit="500"' in list_hourly and "chart-limit" not in list_daily
    assert "Limit: card views: 10 per day" in page and "Limit: list elements: 500 per hour" in page
    assert "No limit" not in page
    for chart in (card_hourly, card_daily, list_hourly, list_daily):
        assert 'role="img"' in chart and "aria-label=" in chart and "<title>" in chart and 'viewBox="' in chart
    assert card_hourly.count('class="chart-bar"') == 3


def test_chart_page_says_no_limit_without_limits(client, signed_in_admin, user):
    page = client.get(f"/settings/activity/users/{user}").get_data(as_text=True)
    assert page.count("No limit") == 2
    assert "chart-limit" not in page
    assert len(charts_of(page)) == 4


def test_chart_days_split_at_local_midnight_of_a_45_minute_zone(app, client, signed_in_admin, ulla, user, crm, clock,
                                                                set_limits):
    set_limits(timezone="Asia/Kathmandu")  # UTC+05:45: the 28th begins at 18:15 UTC on the 27th
    clock.set(datetime(2026, 11, 27, 18, 10))  # 23:55 on the 27th
    ulla.get(f"/leads/{crm.leads[0]}")
    clock.set(datetime(2026, 11, 27, 18, 20))  # 00:05 on the 28th: the same card, first in the new day and hour
    ulla.get(f"/leads/{crm.leads[0]}")
    clock.set(datetime(2026, 11, 27, 19, 15))
    page = client.get(f"/settings/activity/users/{user}").get_data(as_text=True)
    assert day_totals(page, "2026-11-27")[0] == 1 and day_totals(page, "2026-11-28")[0] == 1
    card_hourly = charts_of(page)[0]
    assert "Fri 27 Nov 23:00: 1 (web 1" in card_hourly and "Sat 28 Nov 00:00: 1 (web 1" in card_hourly
    # In UTC both views fall in the 18:00 hour, where the card was first opened once.
    assert csv_rows(client.get(CSV_URL)) == [
        ["2026-11-27T18:00:00Z", str(user), "ulla@example.com", "Ulla User", "web", "1", "0"]]


def test_links_lead_to_the_chart_page_and_the_csv(client, signed_in_admin, user):
    chart_url = f"/settings/activity/users/{user}"
    usage = client.get("/settings/activity/usage").get_data(as_text=True)
    assert f'href="{chart_url}"' in usage and f'href="{CSV_URL}"' in usage and "Download CSV" in usage
    assert f'href="{chart_url}"' in client.get(f"/settings/users/{user}").get_data(as_text=True)
    chart_page = client.get(chart_url).get_data(as_text=True)
    assert f'href="/settings/users/{user}"' in chart_page
