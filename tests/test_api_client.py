"""A real amoCRM client (aioamocrm) against a live Tally CRM: it lists, reads and writes, and is charged.

The server runs on the wall clock here, with the real limit of 7 requests per second per
token; aioamocrm spaces its requests to that rate by itself.
"""
import asyncio
from datetime import UTC, datetime

import pytest
from aioamocrm import (
    AmoCRMClient,
    AuthError,
    Embedded,
    ForbiddenError,
    Lead,
    LongLivedToken,
    NotFoundError,
    Tag,
    ValidationError,
)
from sqlalchemy import select

from monitor.db import db
from monitor.models import Deal
from tests.conftest import DEMO_DEALS
from tests.fixtures_activity import counted, is_active
from tests.fixtures_api import set_user_active


class WallClock:
    """The real time, as `app.config["CLOCK"]` expects it."""

    def __call__(self):
        return datetime.now(UTC)


@pytest.fixture
def clock():
    return WallClock()


@pytest.fixture
def deals(app, demo_data):
    """The demo deals' ids newest first, as lists show them."""
    with app.app_context():
        query = select(Deal.id).order_by(Deal.created_at.desc(), Deal.id.desc())
        return db.session.scalars(query).all()


def run(base_url, token, work):
    """Run `work(amo)` with a client made exactly as the README shows."""

    async def main():
        async with AmoCRMClient(base_url=base_url, auth=LongLivedToken(token)) as amo:
            return await work(amo)

    return asyncio.run(main())


def test_client_lists_every_lead_page_by_page_and_each_is_charged(live_server, app, user, make_token, deals,
                                                                  set_limits):
    set_limits(list_limit=10_000)
    token = make_token(user)

    async def pages(amo):
        numbers, items, page = [], [], await amo.leads.get_page(1, limit=50)
        while True:
            numbers.append(page.number)
            items += page.items
            if not page.has_next:
                return numbers, items
            page = await amo.leads.get_page(page.number + 1, limit=50)

    numbers, items = run(live_server, token, pages)
    assert numbers == [1, 2, 3]
    assert [lead.id for lead in items] == deals
    assert counted(app, user, "list", "api") == DEMO_DEALS

    async def iterate(amo):
        return [lead async for lead in amo.leads.iterate(limit=50, with_=["contacts"])]

    followed = run(live_server, token, iterate)
    assert [lead.id for lead in followed] == deals
    assert all(lead.embedded.contacts for lead in followed)  # demo deals have a contact each
    assert counted(app, user, "list", "api") == 2 * DEMO_DEALS


def test_client_reads_single_leads_as_card_views(live_server, app, user, make_token, deals, set_limits):
    set_limits(card_limit=1000)
    lead_id = deals[7]
    with app.app_context():
        deal = db.session.get(Deal, lead_id)
        expected = (deal.name, deal.price, deal.status_id, deal.pipeline_id, deal.responsible_user_id)

    async def read(amo):
        first = await amo.leads.get(lead_id, with_=["contacts"])
        again = await amo.leads.get(lead_id)
        with pytest.raises(NotFoundError):
            await amo.leads.get(999_999)
        return first, again

    first, again = run(live_server, make_token(user), read)
    assert (first.name, first.price, first.status_id, first.pipeline_id, first.responsible_user_id) == expected
    assert first.embedded.contacts[0].is_main is True and again.id == lead_id
    assert counted(app, user, "card", "api") == 1


def test_client_creates_and_updates_a_lead(live_server, app, user, make_token, deals):
    async def write(amo):
        [created] = await amo.leads.create([Lead(
            name="Created by aioamocrm", price=4200, pipeline_id=1, status_id=142,
            embedded=Embedded(tags=[Tag(name="integration")]),
        )])
        [updated] = await amo.leads.update([Lead(id=created.id, price=5000)])
        with pytest.raises(ValidationError) as refused:
            await amo.leads.create([Lead(name="Bad stage", pipeline_id=1, status_id=999_999)])
        return created, updated, refused.value

    created, updated, refused = run(live_server, make_token(user), write)
    assert created.request_id == "0" and updated.id == created.id
    assert [(issue.request_id, issue.path) for issue in refused.errors] == [("0", "status_id")]
    with app.app_context():
        deal = db.session.get(Deal, created.id)
        assert (deal.name, deal.price, deal.status_id, [tag.name for tag in deal.tags]) == (
            "Created by aioamocrm", 5000, 142, ["integration"])


def test_client_reads_account_pipelines_and_users(live_server, admin, make_token, deals):
    async def read(amo):
        account = await amo.account.get()
        pipelines = await amo.pipelines.list()
        statuses = await amo.pipelines.statuses(pipelines[0].id)
        users = [person async for person in amo.users.iterate()]
        return account, pipelines, statuses, users

    account, pipelines, statuses, users = run(live_server, make_token(admin), read)
    assert account.current_user_id == admin and account.subdomain == "tally"
    assert [pipeline.name for pipeline in pipelines] == ["Sales", "Partners"]
    assert all(pipeline.status(142) and pipeline.status(143) for pipeline in pipelines)
    assert [status.id for status in statuses] == [status.id for status in pipelines[0].statuses]
    assert admin in [person.id for person in users] and len(users) == 6


def test_deactivated_users_token_raises_the_clients_auth_error(live_server, app, user, make_token, deals):
    token = make_token(user)
    set_user_active(app, user, False)

    async def read(amo):
        with pytest.raises(AuthError) as refused:
            await amo.leads.get_page(1)
        return refused.value

    refused = run(live_server, token, read)
    assert refused.status_code == 401 and "deactivated" in refused.detail


def test_client_past_the_list_limit_gets_forbidden_then_auth_errors(live_server, app, user, admin, make_token,
                                                                     deals, set_limits):
    set_limits(list_limit=60)
    token = make_token(user)

    async def walk(amo):
        seen = []
        with pytest.raises(ForbiddenError) as stopped:
            async for lead in amo.leads.iterate(limit=50):
                seen.append(lead.id)
        with pytest.raises(AuthError):
            await amo.account.get()
        return seen, stopped.value

    seen, stopped = run(live_server, token, walk)
    assert seen == deals[:50]
    assert "Deactivated by activity monitoring" in stopped.detail
    assert not is_active(app, user) and counted(app, user, "list") == 50
