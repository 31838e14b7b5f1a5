"""In Chromium at 390 px: an administrator previews limits over what a colleague opened, and reads her chart."""
import re

import pytest
from playwright.sync_api import expect

from monitor.services import demo
from tests.conftest import sign_in_browser

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def _fits_the_screen(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


def test_an_admin_previews_limits_and_reads_a_users_chart_on_a_phone(browser, demo_server):
    anna = browser.new_context().new_page()
    sign_in_browser(anna, demo_server, "anna@tally.example", demo.DEMO_PASSWORD)
    anna.goto(f"{demo_server}/leads")
    hrefs = list(dict.fromkeys(href for href in anna.locator("table.list tbody a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))") if re.fullmatch(r"/leads/\d+", href)))
    for href in hrefs[:3]:
        anna.goto(f"{demo_server}{href}")

    admin = browser.new_context(viewport=PHONE).new_page()
    sign_in_browser(admin, demo_server, demo.ADMIN_EMAIL, demo.ADMIN_PASSWORD)
    admin.goto(f"{demo_server}/settings/activity")
    admin.fill("input[name=card_limit]", "2")
    admin.select_option("select[name=card_period]", "hour")
    admin.fill("input[name=preview_days]", "1")
    admin.click("button[name=preview]")
    rows = admin.locator("table#preview tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Anna Petrova")
    expect(rows.first).to_contain_text("2 per hour")
    expect(admin.locator("#preview-busiest")).to_contain_text("Anna Petrova")
    _fits_the_screen(admin)

    admin.goto(f"{demo_server}/settings/activity")  # the preview saved nothing
    expect(admin.locator("input[name=card_limit]")).to_have_value("")

    admin.goto(f"{demo_server}/settings/activity/usage")
    _fits_the_screen(admin)
    admin.get_by_role("link", name="Activity of Anna Petrova").click()
    expect(admin.locator("svg.chart").first).to_be_visible()
    expect(admin.locator("#day-totals")).to_contain_text("3")
    _fits_the_screen(admin)
