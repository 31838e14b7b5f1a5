"""In Chromium: an ordinary user's day in the CRM on the demo data."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from monitor.db import db
from monitor.models import Company, Contact
from monitor.services import demo
from tests.conftest import sign_in_browser

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_contact(app, demo_server):
    """A demo contact that works at a company: (name, phone, company id, company name)."""
    with app.app_context():
        working = select(Contact).where(Contact.company_id.is_not(None)).order_by(Contact.id)
        contact = db.session.scalars(working).first()
        return contact.name, contact.phone, contact.company_id, contact.company.name


def sign_in_as_anna(page, server):
    """Anna signs in, lands on the home page and opens the deals from it in one click."""
    sign_in_browser(page, server, "anna@tally.example", demo.DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(r"/$"))
    page.click("#home-lists >> text=Deals")
    expect(page).to_have_url(re.compile(r"/leads$"))


def test_user_searches_a_contact_opens_its_company_filters_deals_by_tag_and_opens_the_board(
        page, demo_server, demo_contact, csp_errors):
    name, phone, company_id, company_name = demo_contact
    sign_in_as_anna(page, demo_server)

    page.click("nav.sidebar >> text=Contacts")
    page.fill("input[name=q]", "".join(char for char in phone if char.isdigit()))
    page.click(".searchbar button")
    rows = page.locator("table.crm-list tbody tr")
    expect(rows).to_have_count(1)
    page.click(f"table.crm-list >> text={name}")
    expect(page).to_have_url(re.compile(r"/contacts/\d+$"))
    expect(page.locator("input[name=name]")).to_have_value(name)

    page.click(f"dl.facts >> text={company_name}")
    expect(page).to_have_url(re.compile(rf"/companies/{company_id}$"))
    expect(page.locator(".related").first).to_contain_text(name)

    page.click("nav.sidebar >> text=Deals")
    page.click(".filter-panel summary")
    page.fill("#f-tag", "VI")  # the tag picker suggests the deals' tags containing it
    expect(page.locator("#f-tag-options option[value=vip]")).to_have_count(1)
    page.fill("#f-tag", "vip")
    page.click(".filter-actions button")
    expect(page).to_have_url(re.compile(r"tag=vip"))
    deal_rows = page.locator("table.crm-list tbody tr")
    expect(deal_rows.first).to_contain_text("vip")
    for row in deal_rows.all():
        expect(row.locator(".tag", has_text="vip")).to_have_count(1)

    page.click("nav.tabs >> text=Board: Sales")
    expect(page).to_have_url(re.compile(r"/leads/pipeline/\d+\?tag=vip$|/leads/pipeline/\d+$"))
    expect(page.locator(".board-column")).to_have_count(6)
    expect(page.locator(".board-column").last).to_contain_text("Closed - lost")
    page.locator(".tile-name").first.click()
    expect(page).to_have_url(re.compile(r"/leads/\d+$"))
    assert csp_errors == []


def test_user_picks_a_company_for_a_deal_by_typing_its_name(page, demo_server, app, csp_errors):
    with app.app_context():
        company = db.session.scalars(select(Company).order_by(Company.id.desc())).first()
        company_id, company_name = company.id, company.name
    sign_in_as_anna(page, demo_server)
    page.click("text=+ New deal")
    page.fill("input[name=name]", "Picked company deal")
    search = page.locator(".picker[data-entity=companies] .picker-search")
    search.fill(company_name)
    page.click(f".picker-results >> text={company_name}")
    expect(page.locator(".picker[data-entity=companies] .picker-current")).to_contain_text(company_name)
    page.click("button:has-text('Save')")
    expect(page.locator(".flash-success")).to_contain_text("Picked company deal")
    expect(page.locator("dl.facts")).to_contain_text(company_name)
    expect(page.locator(f'dl.facts a[href="/companies/{company_id}"]')).to_have_count(1)
    assert csp_errors == []
