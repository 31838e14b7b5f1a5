"""In Chromium: ticking rows of a list and acting on them (SPEC §10 bulk actions), with bulk.js and its CSP."""
import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD, sign_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.app_config(WTF_CSRF_ENABLED=True)]  # the token as a browser sends it


@pytest.fixture
def deals_list(page, live_server, user, crm_builder):
    """Three deals and one more, Ulla signed in on the deals list: {name: id}."""
    deals = {name: crm_builder.deal(name) for name in ("Pumps", "Valves", "Pipes", "Hoses")}
    sign_in_browser(page, live_server, "ulla@example.com", PASSWORD)
    page.goto(f"{live_server}/leads?sort=name&dir=asc")
    return deals


def box(page, record_id):
    return page.locator(f'input[name=ids][value="{record_id}"]')


def test_tick_all_then_add_a_tag_to_every_deal_on_the_page(page, deals_list, crm_builder, csp_errors):
    apply = page.locator("[data-bulk-submit]")
    expect(apply).to_be_disabled()  # nothing ticked yet
    expect(page.locator("#bulk-user")).to_be_visible()  # the first action, "responsible", shows its user list
    expect(page.locator("#bulk-tag")).to_be_hidden()
    page.locator("input[data-bulk-all]").check()
    expect(page.locator("[data-bulk-count]")).to_have_text("4")
    box(page, deals_list["Hoses"]).uncheck()
    expect(page.locator("[data-bulk-count]")).to_have_text("3")
    expect(page.locator("input[data-bulk-all]")).not_to_be_checked()
    page.select_option("#bulk-action", "add_tag")
    expect(page.locator("#bulk-user")).to_be_hidden()
    page.fill("#bulk-tag", "vip")
    apply.click()
    expect(page.locator(".flash-success")).to_have_text("3 deals updated.")
    assert page.url.endswith("/leads?sort=name&dir=asc")  # back on the page the deals were ticked on
    assert [crm_builder.get("leads", deal)["tags"] for deal in deals_list.values()] == [["vip"]] * 3 + [[]]
    assert csp_errors == []


def test_delete_asks_how_many_then_deletes(page, deals_list, crm_builder, csp_errors):
    box(page, deals_list["Pumps"]).check()
    box(page, deals_list["Pipes"]).check()
    page.select_option("#bulk-action", "delete")
    page.locator("[data-bulk-submit]").click()
    expect(page.locator("h1")).to_have_text("Delete 2 deals?")
    assert crm_builder.get("leads", deals_list["Pumps"]) is not None
    page.locator("button.danger").click()
    expect(page.locator(".flash-success")).to_have_text("2 deals deleted.")
    assert [crm_builder.get("leads", deals_list[name]) is None for name in ("Pumps", "Pipes", "Valves")] == [
        True, True, False]
    assert csp_errors == []


def test_the_toolbar_fits_a_small_screen(page, deals_list):
    page.set_viewport_size({"width": 390, "height": 800})
    page.reload()
    page.select_option("#bulk-action", "status")
    expect(page.locator("#bulk-status")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
