"""Demo data that makes sense (issue 15, item 8): no deal closes after the demo's "now", and a customer
whose next purchase date has passed (today in the account's time zone) is marked overdue in the list and on
its card, in words and colour as overdue tasks are, while one due today or later is not."""
import re
from datetime import datetime

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from monitor.db import db
from monitor.models import Customer, Deal
from monitor.services import demo
from tests.conftest import sign_in_browser

# 20:00 UTC on 27 November is already 06:00 on the 28th in Vladivostok (UTC+10): the 27th has passed there.
EVENING = datetime(2026, 11, 27, 20, 0, 0)
OVERDUE_CELL = re.compile(r'<td class="col-date"><span class="date-overdue">([^<]*)</span> '
                          r'<strong class="overdue-label">Overdue</strong></td>')


def test_no_demo_deal_closes_after_the_demo_now_nor_before_it_was_created(app, clock):
    result = app.test_cli_runner().invoke(args=["demo-data", "--deals", "2000"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        closed = db.session.execute(select(Deal.created_at, Deal.closed_at, Deal.updated_at)
                                    .where(Deal.closed_at.is_not(None))).all()
        assert len(closed) > 500
        assert all(created <= closed_at <= demo.ANCHOR <= clock() for created, closed_at, _updated in closed)
        # Closing was a closed deal's last change.
        assert all(updated == closed_at for _created, closed_at, updated in closed)
        assert db.session.scalar(select(func.max(Deal.created_at))) <= demo.ANCHOR
        assert db.session.scalar(select(func.count(Deal.id)).where(Deal.closed_at.is_(None))) > 0


@pytest.fixture
def due_customers(app, clock, crm_builder, set_limits):
    """Customers whose next purchase is the 27th (passed in Vladivostok), the 28th (today there) and the 29th,
    and one without a date; the clock at EVENING. Their ids by name."""
    set_limits(timezone="Asia/Vladivostok")
    ids = {name: crm_builder.customer(name, next_date=when, next_price="1000")
           for name, when in (("Passed", "2026-11-27"), ("Today", "2026-11-28"), ("Tomorrow", "2026-11-29"),
                              ("Undated", ""))}
    clock.set(EVENING)
    return ids


def test_a_customer_past_its_next_date_is_marked_overdue_in_the_list(client, signed_in, due_customers):
    page = client.get("/customers?sort=next_date").get_data(as_text=True)
    rows = {name: row for name, row in re.findall(r'>(Passed|Today|Tomorrow|Undated)</a></td>(.*?)</tr>', page,
                                                  re.DOTALL)}
    assert set(rows) == {"Passed", "Today", "Tomorrow", "Undated"}
    assert OVERDUE_CELL.findall(rows["Passed"]) == ["Nov 27, 2026"]
    for name in ("Today", "Tomorrow", "Undated"):
        assert "overdue" not in rows[name]
    assert '<td class="col-date">Nov 28, 2026</td>' in rows["Today"]


def test_a_customer_past_its_next_date_is_marked_overdue_on_its_card(client, signed_in, due_customers):
    passed = client.get(f"/customers/{due_customers['Passed']}").get_data(as_text=True)
    fact = re.search(r"<dt>Next purchase</dt><dd[^>]*>(.*?)</dd>", passed).group(1)
    assert fact == ('1,000\u00a0\u20bd, <span class="date-overdue">Nov 27, 2026</span> '
                    '<strong class="overdue-label">Overdue</strong>')
    for name in ("Today", "Tomorrow"):
        card = client.get(f"/customers/{due_customers[name]}").get_data(as_text=True)
        fact = re.search(r"<dt>Next purchase</dt><dd[^>]*>(.*?)</dd>", card).group(1)
        assert "overdue" not in fact.lower() and "Nov 2" in fact


def test_the_day_turns_in_the_account_time_zone(client, signed_in, due_customers, set_limits):
    set_limits(timezone="UTC")  # still the 27th in UTC: nothing has passed yet
    page = client.get("/customers").get_data(as_text=True)
    assert "date-overdue" not in page and "Overdue" not in page


@pytest.mark.browser
def test_demo_customers_past_their_next_date_read_overdue_in_red_in_the_list_and_card(
        app, page, demo_server, csp_errors):
    with app.app_context():
        today = app.config["CLOCK"]().date()
        overdue = db.session.scalar(select(func.count(Customer.id)).where(Customer.next_date < today))
        first = db.session.scalars(select(Customer).order_by(Customer.next_date, Customer.id)).first()
        first_id, first_date = first.id, first.next_date
    assert overdue > 0 and first_date < today  # the demo has overdue customers to show
    sign_in_browser(page, demo_server, demo.ADMIN_EMAIL, demo.ADMIN_PASSWORD)
    page.goto(f"{demo_server}/customers?sort=next_date&dir=asc")
    marks = page.locator("td.col-date .overdue-label")
    expect(marks).to_have_count(min(overdue, page.locator("table.list tbody tr").count()))
    expect(marks.first).to_have_text(re.compile("overdue", re.IGNORECASE))
    expect(page.locator("td.col-date .date-overdue").first).to_have_css("color", "rgb(214, 69, 69)")
    page.goto(f"{demo_server}/customers/{first_id}")
    fact = page.locator("dl.facts dd.money").first
    expect(fact.locator(".overdue-label")).to_be_visible()
    expect(fact.locator(".date-overdue")).to_have_css("color", "rgb(214, 69, 69)")
    assert csp_errors == []
