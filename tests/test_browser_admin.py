"""In Chromium: the demo administrator deactivates a user by unticking Activity."""
import re

import pytest
from playwright.sync_api import expect

from monitor.services import demo
from tests.conftest import sign_in_browser

pytestmark = pytest.mark.browser


def test_admin_deactivates_a_user_and_finds_them_in_the_deactivated_filter(page, demo_server):
    sign_in_browser(page, demo_server, demo.ADMIN_EMAIL, demo.ADMIN_PASSWORD)
    page.click("text=Settings")
    expect(page).to_have_url(re.compile(r"/settings/users$"))
    page.click("text=Boris Ivanov")
    activity = page.get_by_label("Activity")
    expect(activity).to_be_checked()
    activity.uncheck()
    page.click("button:has-text('Save')")
    expect(page.locator(".flash-success")).to_contain_text("Boris Ivanov")
    page.click("a.chip:has-text('Deactivated')")
    expect(page).to_have_url(re.compile(r"status=deactivated"))
    expect(page.locator("table.list")).to_contain_text("Boris Ivanov")
    expect(page.locator("table.list")).not_to_contain_text("Anna Petrova")
