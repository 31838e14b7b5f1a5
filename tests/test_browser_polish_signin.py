"""In Chromium (issue 15): the sign-in page switches to Русский and back before signing in, and shows one error
region, for a wrong password and for an account deactivated by activity monitoring."""
import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD, sign_in_browser

pytestmark = pytest.mark.browser


def test_the_sign_in_page_speaks_russian_and_back_before_signing_in(page, live_server, user, csp_errors):
    page.goto(f"{live_server}/login")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.click("#language-switch a[lang=ru]")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.locator("button[type=submit]")).to_have_text("Войти")
    page.reload()  # the choice is kept
    expect(page.locator("label[for=password]")).to_have_text("Пароль")
    page.click("#language-switch a[lang=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("button[type=submit]")).to_have_text("Sign in")
    assert not csp_errors


def test_one_error_region_for_a_wrong_password_and_for_a_deactivated_account(
        page, live_server, admin, user, crm_builder, set_limits):
    for n in range(5):
        crm_builder.deal(f"Deal {n}")
    sign_in_browser(page, live_server, "ulla@example.com", "wrong-password")
    expect(page.locator("[role=alert]")).to_have_count(1)
    expect(page.locator("#login-error")).to_have_text("Wrong e-mail or password.")

    set_limits(list_limit=3)
    sign_in_browser(page, live_server, "ulla@example.com", PASSWORD)
    page.goto(f"{live_server}/leads")  # five deals: past the limit, refused
    why = "list elements: 3 per day"
    expect(page.locator("#deactivation-explanation")).to_contain_text(why)
    expect(page.locator("#administrators")).to_contain_text("Ada Admin")
    page.goto(f"{live_server}/leads")  # the next click: the sign-in page says the same
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.locator("[role=alert]")).to_have_count(1)
    expect(page.locator("#login-error")).to_contain_text(why)
    expect(page.locator("#login-error")).to_contain_text("ask an administrator to reactivate your account")
    expect(page.locator(".flash-info")).to_have_count(0)  # no bare "Please sign in to open this page"

    sign_in_browser(page, live_server, "ulla@example.com", PASSWORD)  # signing in again: refused, same place
    expect(page.locator("[role=alert]")).to_have_count(1)
    expect(page.locator("#login-error")).to_contain_text(why)
