"""Rights per entity on the tasks pages, a card's feed and home (SPEC §10, issue 13).

The `crm` fixture's records: odd deals (leads[0], leads[2], ...) and every contact and customer are the
user's, even deals and the company Nord (linked to deal 1, its contacts and the customers) the admin's.
"""
import re
from datetime import datetime

from sqlalchemy import select

from monitor.db import db
from monitor.models import FeedEntry, Task, User
from monitor.services import records, tasks
from tests.fixtures_rights import NO_COMPANIES, OWN_DEALS, rights_with, set_rights

ROW = re.compile(r'<tr class="task[^"]*" data-task="(\d+)">(.*?)</tr>', re.S)
FEED = re.compile(r'<section class="panel feed" id="feed">.*?</section>', re.S)


def add_task(app, author_id, text, entity=None, record_id=None, responsible=None, due_at=datetime(2026, 12, 1)):
    with app.app_context():
        author = db.session.get(User, author_id)
        data = {"text": text, "due_at": due_at, "responsible": responsible or author_id,
                "entity": entity, "record_id": record_id}
        return tasks.create_task(data, author, "UTC").id


def shown_rows(client, path="/tasks?responsible=all"):
    """{task id: row html} of the tasks page."""
    response = client.get(path)
    assert response.status_code == 200
    return {int(task_id): row for task_id, row in ROW.findall(response.get_data(as_text=True))}


def task_done(app, task_id):
    with app.app_context():
        return db.session.get(Task, task_id).is_done


def done_lines(app):
    with app.app_context():
        return db.session.scalars(select(FeedEntry.linked_id).where(FeedEntry.kind == "task_done")).all()


def card_feed(client, entity, record_id):
    response = client.get(f"/{entity}/{record_id}")
    assert response.status_code == 200
    return FEED.search(response.get_data(as_text=True)).group(0)


# -- The tasks page ------------------------------------------------------------------------------

def test_the_tasks_page_leaves_out_tasks_about_deals_out_of_reach_and_charges_only_the_rest(
        app, client, auth, crm, user, admin, charges):
    own = add_task(app, admin, "About my deal", "leads", crm.leads[0], responsible=user)
    hidden = add_task(app, admin, "About their deal", "leads", crm.leads[1], responsible=user)
    nothing = add_task(app, admin, "About nothing", responsible=user)
    set_rights(app, user, OWN_DEALS)
    auth.login()
    rows = shown_rows(client)
    assert sorted(rows) == sorted([own, nothing])
    assert "Deal 1" in rows[own] and "Deal 2" not in "".join(rows.values())
    assert [call["elements"] for call in charges] == [1]
    auth.logout()
    auth.login("ada@example.com")
    assert sorted(shown_rows(client)) == sorted([own, hidden, nothing])


def test_home_counts_only_the_deals_and_tasks_the_user_may_view(app, client, auth, crm, user, admin):
    add_task(app, admin, "About my deal", "leads", crm.leads[0], responsible=user, due_at=datetime(2026, 11, 1))
    add_task(app, admin, "About their deal", "leads", crm.leads[1], responsible=user, due_at=datetime(2026, 11, 1))
    set_rights(app, user, OWN_DEALS)
    auth.login()
    page = client.get("/").get_data(as_text=True)
    assert '<tr data-status="1000" data-count="2" data-sum="4000">' in page  # deals 1 and 3 of 1-4
    assert 'data-open="1" data-overdue="1"' in page
    auth.logout()
    auth.login("ada@example.com")
    assert '<tr data-status="1000" data-count="4" data-sum="10000">' in client.get("/").get_data(as_text=True)


# -- Completing a task ----------------------------------------------------------------------------

def test_a_task_about_a_deal_out_of_reach_cannot_be_completed_and_charges_nothing(
        app, client, auth, crm, user, admin, charges):
    hidden = add_task(app, admin, "About their deal", "leads", crm.leads[1], responsible=user)
    set_rights(app, user, OWN_DEALS)
    auth.login()
    assert client.post(f"/tasks/{hidden}/done").status_code == 403
    assert not task_done(app, hidden) and done_lines(app) == [] and charges == []


def test_a_task_is_completed_by_its_people_an_admin_or_whoever_may_edit_its_record(
        app, client, auth, crm, user, admin, make_user):
    other = make_user("Otto Other")
    about_nothing = add_task(app, admin, "Plan the week", responsible=other)
    about_own_deal = add_task(app, admin, "Call", "leads", crm.leads[0], responsible=other)
    set_rights(app, user, rights_with(leads={"edit": "own"}))
    about_their_deal = add_task(app, admin, "Write", "leads", crm.leads[1], responsible=other)
    auth.login()
    rows = shown_rows(client)
    assert 'class="task-done"' not in rows[about_nothing] and 'class="task-done"' not in rows[about_their_deal]
    assert 'class="task-done"' in rows[about_own_deal]
    assert client.post(f"/tasks/{about_nothing}/done").status_code == 403
    assert client.post(f"/tasks/{about_their_deal}/done").status_code == 403
    assert client.post(f"/tasks/{about_own_deal}/done").status_code == 302  # edit on the deal
    assert [task_done(app, task) for task in (about_nothing, about_own_deal, about_their_deal)] == [
        False, True, False]
    auth.logout()
    auth.login("ada@example.com")
    assert client.post(f"/tasks/{about_nothing}/done").status_code == 302
    assert task_done(app, about_nothing)


# -- A new task -------------------------------------------------------------------------------------

def test_a_new_task_about_a_deal_out_of_reach_is_no_such_record(app, client, auth, crm, user):
    set_rights(app, user, OWN_DEALS)
    auth.login()
    data = {"text": "Call", "due_at": "2026-12-01", "responsible": str(user), "entity": "leads"}
    response = client.post("/tasks/new", data={**data, "record_id": str(crm.leads[1])})
    assert response.status_code == 400 and "There is no such record." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Task.id)) is None
    assert client.post("/tasks/new", data={**data, "record_id": str(crm.leads[0])}).status_code == 302


# -- The card's feed --------------------------------------------------------------------------------

def test_a_company_the_user_may_not_view_shows_as_hidden_in_a_contacts_feed(app, client, auth, crm, user):
    set_rights(app, user, NO_COMPANIES)
    auth.login()
    feed = card_feed(client, "contacts", crm.contacts[0])
    assert "Nord Trading" not in feed and "/companies/" not in feed
    assert 'class="feed-linked feed-hidden muted" title="hidden"' in feed
    auth.logout()
    auth.login("ada@example.com")
    feed = card_feed(client, "contacts", crm.contacts[0])
    assert f'href="/companies/{crm.companies[0]}">Nord Trading</a>' in feed and "feed-hidden" not in feed


def test_a_deal_the_user_may_not_view_shows_as_hidden_and_their_own_by_name(app, client, auth, crm, user, admin):
    with app.app_context():
        deal = records.get_record("leads", crm.leads[1])
        contact = records.get_record("contacts", crm.contacts[0])
        records.update_record("leads", deal, {"contacts": [contact.id]}, db.session.get(User, admin))
    set_rights(app, user, OWN_DEALS)
    auth.login()
    feed = card_feed(client, "contacts", crm.contacts[0])
    assert "Deal 2" not in feed and f"/leads/{crm.leads[1]}" not in feed and "feed-hidden" in feed
    assert f'href="/leads/{crm.leads[0]}">Deal 1</a>' in feed
