"""In Chromium on a phone (390 × 844): no page scrolls sideways, wide tables and the board scroll inside their
own box, and the navigation folds behind a menu button (and stays a visible bar without JavaScript)."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from monitor.db import db
from monitor.models import Contact, Deal, User
from monitor.services import demo, pipelines
from tests.conftest import sign_in_browser
from tests.fixtures_activity import charge, is_active

pytestmark = pytest.mark.browser

WIDTH = 390
PHONE = {"viewport": {"width": WIDTH, "height": 844}, "device_scale_factor": 3, "is_mobile": True, "has_touch": True}
NAV_LINKS = "nav.sidebar a:not(.brand)"
MENU = "nav.sidebar .menu-toggle"
LISTS = ("/leads", "/contacts", "/companies", "/customers", "/contacts-companies")


@pytest.fixture
def phone(browser):
    """A page in a phone-sized browser context (the session's Chromium), closed after the test."""
    context = browser.new_context(**PHONE)
    yield context.new_page()
    context.close()


@pytest.fixture
def phone_without_js(browser):
    """The same phone with JavaScript off."""
    context = browser.new_context(**PHONE, java_script_enabled=False)
    yield context.new_page()
    context.close()


@pytest.fixture
def pages(app, demo_server, set_limits):
    """Every kind of page a signed-in administrator opens, as {what: path}, with something in them: Boris
    reached a list limit (a notification, history, a deactivated user) and the deal has the demo's notes and tasks."""
    with app.app_context():
        deal = db.session.scalar(select(Deal.id).where(Deal.status_id.notin_((142, 143)))
                                 .order_by(Deal.created_at.desc(), Deal.id.desc()))
        contact = db.session.scalar(select(Contact.id).where(Contact.company_id.is_not(None)).order_by(Contact.id))
        boris = db.session.scalar(select(User.id).where(User.email == "boris@tally.example"))
        board = f"/leads/pipeline/{pipelines.main_pipeline_id()}"
    set_limits(list_limit=10)
    charge(app, boris, elements=10)
    set_limits()
    assert not is_active(app, boris)
    return {"home": "/", **{path: path for path in LISTS}, "deal": f"/leads/{deal}", "contact": f"/contacts/{contact}",
            "board": board, "tasks": "/tasks", "notifications": "/notifications", "profile": "/profile",
            "activity": "/settings/activity", "usage": "/settings/activity/usage",
            "history": "/settings/activity/history", "chart": f"/settings/activity/users/{boris}",
            "users": "/settings/users", "user": f"/settings/users/{boris}", "new user": "/settings/users/new",
            "mail": "/settings/mail", "api tokens": "/settings/api-tokens"}


def sideways_scroll(page):
    """How far the page reaches past the phone's width, in CSS pixels (0 or less: it does not scroll sideways)."""
    return page.evaluate("document.documentElement.scrollWidth") - WIDTH


def scrolls_inside(page, selector):
    """Whether the element is wider than its box and scrolls sideways inside it."""
    return page.eval_on_selector(selector, "box => box.scrollWidth > box.clientWidth && "
                                           "['auto', 'scroll'].includes(getComputedStyle(box).overflowX)")


def expect_folded(page):
    """The menu button shows, says it is closed, and hides every link but the brand."""
    expect(page.locator(MENU)).to_be_visible()
    expect(page.locator(MENU)).to_have_attribute("aria-expanded", "false")
    for link in page.locator(NAV_LINKS).all():
        expect(link).to_be_hidden()


def overflowing_pages(page, server, pages):
    """Open every page (and the deals list with its filter panel open): {page: how far it scrolls sideways}
    for those that do. Each page starts with its navigation folded."""
    overflowing = {}
    for what, path in pages.items():
        response = page.goto(server + path)
        assert response.status == 200, (what, path)
        expect_folded(page)
        if sideways_scroll(page) > 0:
            overflowing[what] = sideways_scroll(page)  # e.g. {"users": 233}: 233 px too wide
    page.goto(f"{server}/leads")
    page.click(".filter-panel summary")
    expect(page.locator(".filter-grid")).to_be_visible()
    if sideways_scroll(page) > 0:
        overflowing["/leads with the filter panel open"] = sideways_scroll(page)
    return overflowing


def test_every_page_fits_a_phone_in_both_languages_and_the_menu_folds(phone, pages, demo_server):
    sign_in_browser(phone, demo_server, demo.ADMIN_EMAIL, demo.ADMIN_PASSWORD)
    assert overflowing_pages(phone, demo_server, pages) == {}
    assert scrolls_inside(phone, ".table-wrap")  # the deals list is wider than a phone: it scrolls in its box
    phone.goto(demo_server + pages["board"])
    assert scrolls_inside(phone, ".board")  # so do the board's columns
    phone.goto(demo_server + pages["users"])
    assert scrolls_inside(phone, "table.list")  # and a table with no box around it, inside itself

    menu = phone.locator(MENU)
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    for link in phone.locator(NAV_LINKS).all():
        expect(link).to_be_visible()
    assert sideways_scroll(phone) <= 0
    phone.click(f"{NAV_LINKS}:has-text('Companies')")
    expect(phone).to_have_url(f"{demo_server}/companies")
    expect_folded(phone)  # the next page starts folded
    menu.click()
    expect(phone.locator(f"{NAV_LINKS}:has-text('Tasks')")).to_be_visible()
    menu.click()
    expect_folded(phone)
    menu.click()
    phone.keyboard.press("Escape")  # Escape folds it too, and leaves the focus on the button
    expect_folded(phone)
    expect(menu).to_be_focused()

    # Russian labels are longer: the same walk in Russian, chosen on the profile page.
    phone.goto(f"{demo_server}/profile")
    phone.select_option("select[name=lang-language]", "ru")
    phone.click("form:has(select[name=lang-language]) button[type=submit]")
    expect(phone.locator("html")).to_have_attribute("lang", "ru")
    assert overflowing_pages(phone, demo_server, pages) == {}


def test_without_javascript_the_menu_is_a_visible_bar(phone_without_js, pages, demo_server):
    sign_in_browser(phone_without_js, demo_server, demo.ADMIN_EMAIL, demo.ADMIN_PASSWORD)
    for path in ("/", "/leads", pages["board"], pages["user"]):
        phone_without_js.goto(demo_server + path)
        expect(phone_without_js.locator(MENU)).to_be_hidden()
        for link in phone_without_js.locator(NAV_LINKS).all():
            expect(link).to_be_visible()
        assert sideways_scroll(phone_without_js) <= 0, path
