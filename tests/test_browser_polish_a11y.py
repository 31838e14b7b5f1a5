"""In Chromium, with the keyboard only (issue 15, item 7): the skip link is the first Tab stop and moves the
focus to the page's main content; the record picker is an ARIA combobox driven by the arrow keys, Enter and
Escape; whatever has the keyboard's focus shows a ring."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from monitor.db import db
from monitor.models import Company
from monitor.services import demo
from tests.conftest import sign_in_browser

pytestmark = pytest.mark.browser


def focused(page, script="el => el"):
    return page.evaluate(f"({script})(document.activeElement)")


def outline_of_focused(page):
    return page.evaluate("""() => {
        const style = getComputedStyle(document.activeElement);
        return [style.outlineStyle, parseFloat(style.outlineWidth)];
    }""")


def test_tab_reaches_the_skip_link_first_and_it_moves_focus_to_main(page, demo_server, csp_errors):
    sign_in_browser(page, demo_server, "anna@tally.example", demo.DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(r"/$"))
    page.goto(f"{demo_server}/leads")
    skip = page.locator("a.skip-link")
    box = skip.bounding_box()
    assert box["y"] + box["height"] <= 0  # out of sight until focused
    page.keyboard.press("Tab")
    assert focused(page, "el => el.className") == "skip-link"
    expect(skip).to_be_focused()
    expect(skip).to_have_text("Skip to content")
    box = skip.bounding_box()
    assert box["y"] >= 0 and box["height"] > 0  # seen once focused
    style, width = outline_of_focused(page)
    assert style != "none" and width >= 2
    page.keyboard.press("Enter")
    expect(page.locator("main#content")).to_be_focused()
    page.keyboard.press("Tab")  # the next stop is inside the page, past the menu and the top bar
    assert focused(page, "el => !!el.closest('main')") is True
    style, width = outline_of_focused(page)
    assert style != "none" and width >= 2
    assert csp_errors == []


def test_the_record_picker_is_a_combobox_driven_by_the_keyboard(page, demo_server, app, csp_errors):
    with app.app_context():
        names = db.session.scalars(select(Company.name).order_by(Company.id)).all()
    # A prefix that several companies share: the list has a few options to walk through.
    prefix = max({name[:3] for name in names}, key=lambda start: sum(name.startswith(start) for name in names))
    sign_in_browser(page, demo_server, "anna@tally.example", demo.DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(r"/$"))
    page.goto(f"{demo_server}/leads/new")
    page.fill("input[name=name]", "Keyboard picked deal")
    search = page.locator(".picker[data-entity=companies] .picker-search")
    expect(search).to_have_attribute("role", "combobox")
    expect(search).to_have_attribute("aria-autocomplete", "list")
    expect(search).to_have_attribute("aria-expanded", "false")
    listbox_id = search.get_attribute("aria-controls")
    listbox = page.locator(f"#{listbox_id}")
    expect(listbox).to_have_attribute("role", "listbox")
    expect(listbox).to_be_hidden()

    search.focus()
    page.keyboard.type(prefix)
    options = listbox.locator("[role=option]")
    expect(search).to_have_attribute("aria-expanded", "true")
    expect(listbox).to_be_visible()
    expect(options.first).to_be_visible()
    count = options.count()
    assert count >= 2
    assert search.get_attribute("aria-activedescendant") is None

    ids = [options.nth(index).get_attribute("id") for index in range(count)]
    assert all(ids) and len(set(ids)) == count
    for index in range(count):  # ArrowDown walks through every option, the focus staying in the box
        page.keyboard.press("ArrowDown")
        expect(search).to_have_attribute("aria-activedescendant", ids[index])
        expect(options.nth(index)).to_have_attribute("aria-selected", "true")
        expect(listbox.locator("[aria-selected=true]")).to_have_count(1)
        expect(search).to_be_focused()
    highlighted = options.nth(count - 1)
    assert page.evaluate("el => getComputedStyle(el).outlineStyle", highlighted.element_handle()) != "none"
    page.keyboard.press("ArrowDown")  # past the last: back to the first
    expect(search).to_have_attribute("aria-activedescendant", ids[0])
    page.keyboard.press("ArrowUp")  # before the first: the last
    expect(search).to_have_attribute("aria-activedescendant", ids[-1])
    page.keyboard.press("ArrowUp")
    expect(search).to_have_attribute("aria-activedescendant", ids[-2])

    page.keyboard.press("Escape")
    expect(listbox).to_be_hidden()
    expect(search).to_have_attribute("aria-expanded", "false")
    assert search.get_attribute("aria-activedescendant") is None
    expect(search).to_have_value(prefix)

    page.keyboard.press("ArrowDown")  # reopens the list on the first option
    expect(search).to_have_attribute("aria-expanded", "true")
    expect(search).to_have_attribute("aria-activedescendant", ids[0])
    page.keyboard.press("ArrowDown")
    chosen = options.nth(1).locator(".picker-name").inner_text()
    page.keyboard.press("Enter")  # picks the highlighted option; the card is not submitted
    expect(page).to_have_url(re.compile(r"/leads/new$"))
    expect(search).to_have_attribute("aria-expanded", "false")
    expect(page.locator(".picker[data-entity=companies] .picker-current")).to_contain_text(chosen)

    page.click("button:has-text('Save')")
    expect(page.locator(".flash-success")).to_contain_text("Keyboard picked deal")
    expect(page.locator("dl.facts")).to_contain_text(chosen)
    assert csp_errors == []


def test_a_picker_refused_by_activity_monitoring_shows_why_in_its_list(page, demo_server, app, set_limits,
                                                                       csp_errors):
    with app.app_context():
        name = db.session.scalars(select(Company.name).order_by(Company.id)).first()
    sign_in_browser(page, demo_server, "anna@tally.example", demo.DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(r"/$"))
    page.goto(f"{demo_server}/leads/new")
    set_limits(list_limit=1)  # the picker's suggestions take the list past it: refused
    search = page.locator(".picker[data-entity=companies] .picker-search")
    search.focus()
    page.keyboard.type(name[:4])
    listbox = page.locator(f"#{search.get_attribute('aria-controls')}")
    expect(listbox).to_be_visible()
    message = listbox.locator(".picker-empty")
    expect(message).to_contain_text("activity monitoring")
    expect(message).not_to_have_text("Search is not available right now")
    assert csp_errors == []
