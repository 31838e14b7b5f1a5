"""In Chromium: the Copy button by a new API token's secret (issue 15.3), with copy.js and its CSP."""
import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD, sign_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.app_config(WTF_CSRF_ENABLED=True)]  # the token as a browser sends it


def make_token(page, live_server, user_id):
    """Ada creates a token for Ulla on the page; the secret's field and the Copy button are shown."""
    sign_in_browser(page, live_server, "ada@example.com", PASSWORD)
    page.goto(f"{live_server}/settings/api-tokens")
    page.select_option("#user_id", str(user_id))
    page.fill("#name", "Nightly export")
    page.click("button:has-text('Create token')")
    secret = page.locator("#new-token")
    expect(secret).to_have_value(re.compile(r"^tly_"))
    expect(page.locator("#name")).to_have_value("")  # the form starts over
    return secret


def test_copy_puts_the_secret_on_the_clipboard(page, context, live_server, admin, user, csp_errors):
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    secret = make_token(page, live_server, user)
    page.click("button.copy")
    expect(page.locator(".copy-status")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == secret.input_value()
    assert csp_errors == []


def test_without_the_clipboard_copy_selects_the_secret(page, live_server, admin, user, csp_errors):
    page.add_init_script("Object.defineProperty(navigator, 'clipboard', {value: undefined})")
    secret = make_token(page, live_server, user)
    page.click("button.copy")
    expect(page.locator(".copy-status")).to_contain_text("Ctrl+C")
    expect(secret).to_be_focused()
    selected = page.evaluate("(() => { const f = document.getElementById('new-token');"
                             " return f.value.slice(f.selectionStart, f.selectionEnd); })()")
    assert selected == secret.input_value() and selected.startswith("tly_")
    assert csp_errors == []
