"""In Chromium: an admin sets a card limit, a user hits it, the admin is alerted and reactivates."""
import re

import pytest
from playwright.sync_api import expect

from monitor.services import demo
from tests.conftest import sign_in_browser

pytestmark = pytest.mark.browser


def test_card_limit_deactivates_alerts_and_reactivation_restores(browser, demo_server, smtp_sink):
    admin = browser.new_context().new_page()
    sign_in_browser(admin, demo_server, demo.ADMIN_EMAIL, demo.ADMIN_PASSWORD)
    admin.goto(f"{demo_server}/settings/activity")
    admin.fill("input[name=card_limit]", "3")
    admin.select_option("select[name=card_period]", "day")
    admin.click("button:has-text('Save')")
    expect(admin.locator(".flash-success")).to_be_visible()

    user = browser.new_context().new_page()
    sign_in_browser(user, demo_server, "anna@tally.example", demo.DEMO_PASSWORD)
    user.goto(f"{demo_server}/leads")  # the list itself is not limited here
    card_links = user.locator("table.list tbody a[href^='/leads/']")
    hrefs = []
    for index in range(card_links.count()):
        href = card_links.nth(index).get_attribute("href")
        if re.fullmatch(r"/leads/\d+", href) and href not in hrefs:
            hrefs.append(href)
    for href in hrefs[:3]:
        user.goto(f"{demo_server}{href}")
        expect(user.locator("body")).not_to_contain_text("Deactivated")
    user.goto(f"{demo_server}{hrefs[3]}")
    expect(user).to_have_url(re.compile(r"/login"))
    expect(user.locator(".flash-error")).to_contain_text("card views: 3 per day")

    admin.goto(f"{demo_server}/settings/users")
    expect(admin.locator("#bell-count")).to_have_text("1")
    admin.click("#bell")
    expect(admin.locator("table.notifications")).to_contain_text("Anna Petrova was deactivated")
    messages = smtp_sink.wait_for(2)
    assert any(m["to"] == [demo.ADMIN_EMAIL] and "Anna Petrova" in m["subject"] for m in messages)

    admin.goto(f"{demo_server}/settings/users")
    admin.click("a.chip:has-text('Deactivated')")
    admin.click("text=Anna Petrova")
    admin.get_by_label("Activity").check()
    admin.click("button:has-text('Save')")
    expect(admin.locator(".flash-success")).to_be_visible()

    sign_in_browser(user, demo_server, "anna@tally.example", demo.DEMO_PASSWORD)
    user.goto(f"{demo_server}{hrefs[3]}")
    expect(user).to_have_url(re.compile(re.escape(hrefs[3]) + "$"))
