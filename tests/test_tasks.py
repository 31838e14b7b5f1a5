"""Tasks (SPEC §10): the tasks page and its filters, adding a task (from /tasks/new and from a card), marking one
done, a card's tasks; what the tasks page charges; due times in the account's time zone."""
import html
import re
from datetime import datetime

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from monitor.db import db
from monitor.inputs import InvalidValue
from monitor.models import FeedEntry, Task, User
from monitor.services import tasks
from tests.conftest import PASSWORD, csrf_token_of, sign_in, sign_in_browser
from tests.fixtures_activity import counted, is_active

NOW = datetime(2026, 11, 27, 10, 30)  # the frozen clock's moment (UTC)
ZONE = "Asia/Kathmandu"  # UTC+05:45: local midnight of 28 November is 18:15 UTC on the 27th
ROW = re.compile(r'<tr class="task([^"]*)" data-task="(\d+)">(.*?)</tr>', re.S)
TEXT = re.compile(r'<td class="task-text">(.*?)</td>', re.S)


def add_task(app, text, due_at, responsible, entity=None, record_id=None, done=False):
    """A task made through the service (due_at: naive UTC); returns its id."""
    with app.app_context():
        author = db.session.get(User, responsible)
        data = {"text": text, "due_at": due_at, "responsible": responsible, "entity": entity, "record_id": record_id}
        task = tasks.create_task(data, author, "UTC")
        if done:
            tasks.complete_task(task.id, author)
        return task.id


def stored_tasks(app):
    """Every task's columns, oldest first."""
    with app.app_context():
        return [{column.key: getattr(task, column.key) for column in Task.__table__.columns}
                for task in db.session.scalars(select(Task).order_by(Task.id))]


def feed_lines(app, kind="task_done"):
    with app.app_context():
        return [(entry.entity, entry.record_id, entry.author_id, entry.linked_id, entry.text)
                for entry in db.session.scalars(select(FeedEntry).where(FeedEntry.kind == kind))]


def rows_of(page):
    """(classes, task id, text) of the tasks page's rows, top to bottom."""
    return [(classes.split(), int(task_id), html.unescape(TEXT.search(body).group(1)))
            for classes, task_id, body in ROW.findall(page)]


def texts(client, url="/tasks", status=200):
    response = client.get(url)
    assert response.status_code == status
    return [text for _classes, _id, text in rows_of(response.get_data(as_text=True))]


def test_new_task_page_adds_a_task_for_the_user_due_by_the_end_of_the_day(app, client, signed_in, clock):
    form = client.get("/tasks/new").get_data(as_text=True)
    assert 'name="due_at"' in form and 'value="2026-11-27"' in form  # today, by default
    response = client.post("/tasks/new", data={"text": "  Call the supplier  ", "due_at": "2026-11-30"})
    assert response.status_code == 302 and response.location == "/tasks"
    [task] = stored_tasks(app)
    assert (task["text"], task["due_at"], task["responsible_user_id"], task["author_id"]) == (
        "Call the supplier", datetime(2026, 11, 30, 23, 59), signed_in, signed_in)
    assert (task["entity"], task["record_id"], task["is_done"]) == (None, None, False)
    page = client.get("/tasks").get_data(as_text=True)
    assert "The task has been added." in page and "Call the supplier" in page


def test_a_card_adds_a_task_about_its_record_with_the_csrf_token_and_goes_back_to_the_card(
        app, client, user, make_user, crm_builder, clock):
    app.config["WTF_CSRF_ENABLED"] = True
    deal = crm_builder.deal("Harbour crane")
    clock.set(NOW)
    colleague = make_user("Carl Colleague")
    sign_in(client, csrf_token=csrf_token_of(client.get("/login")))
    card = client.get(f"/leads/{deal}").get_data(as_text=True)
    form = re.search(r'<form method="post" action="/tasks/new" class="card-task-form">.*?</form>', card, re.S).group(0)
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form))
    assert hidden["entity"] == "leads" and hidden["record_id"] == str(deal) and hidden["next"] == f"/leads/{deal}"
    data = {**hidden, "text": "Send the offer", "due_at": "2026-11-28 15:00", "responsible": str(colleague)}
    assert client.post("/tasks/new", data={**data, "csrf_token": ""}).status_code == 400  # no token, no task
    assert stored_tasks(app) == []
    response = client.post("/tasks/new", data=data)
    assert response.status_code == 302 and response.location == f"/leads/{deal}"
    [task] = stored_tasks(app)
    assert (task["entity"], task["record_id"], task["responsible_user_id"]) == ("leads", deal, colleague)
    card = client.get(f"/leads/{deal}").get_data(as_text=True)
    assert "Send the offer" in card and "2026-11-28 15:00" in card and "Carl Colleague" in card


LONG = "x" * 10_000


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"text": "   "}, "text", "This field is required."),
    ({"text": LONG}, "text", "A task holds at most 2,000 characters."),
    ({"due_at": "27.11.2026"}, "due_at", "Enter the due time as YYYY-MM-DD or YYYY-MM-DD HH:MM."),
    ({"due_at": "2026-02-30"}, "due_at", "Enter the due time as YYYY-MM-DD or YYYY-MM-DD HH:MM."),
    ({"due_at": "2026-11-27 25:00"}, "due_at", "Enter the due time as YYYY-MM-DD or YYYY-MM-DD HH:MM."),
    ({"due_at": "99999-01-01"}, "due_at", "Enter the due time as YYYY-MM-DD or YYYY-MM-DD HH:MM."),
    ({"due_at": ""}, "due_at", "Enter the due time as YYYY-MM-DD or YYYY-MM-DD HH:MM."),
    ({"responsible": "999"}, "responsible", "Choose who is to do it."),
    ({"responsible": "9" * 30}, "responsible", "Choose who is to do it."),
    ({"responsible": "me"}, "responsible", "Choose who is to do it."),
    ({"entity": "leads", "record_id": "999"}, "record_id", "There is no such record."),
    ({"entity": "leads", "record_id": ""}, "record_id", "Enter the number of the record the task is about."),
    ({"entity": "", "record_id": "1"}, "entity", "Choose the kind of record"),
    ({"entity": "widgets", "record_id": "1"}, "entity", "Choose the kind of record"),
])
def test_a_refused_task_shows_each_error_by_its_field_keeps_the_input_and_saves_nothing(
        app, client, signed_in, crm_builder, change, field, message):
    crm_builder.deal("Existing deal")
    data = {"text": "Typed text", "due_at": "2026-12-01 10:00", "next": "/leads", **change}
    response = client.post("/tasks/new", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    error = re.search(rf'<div class="error" id="{field}-error">([^<]+)</div>', page)
    assert error is not None
    assert message is None or html.unescape(error.group(1)).startswith(message)
    if field != "text":
        assert "Typed text</textarea>" in page  # the rest of the input comes back
    assert 'name="next" type="hidden" value="/leads"' in page
    assert stored_tasks(app) == []


def test_a_long_text_is_refused_not_cut(app, client, signed_in):
    assert client.post("/tasks/new", data={"text": LONG, "due_at": "2026-12-01"}).status_code == 400
    assert client.post("/tasks/new", data={"text": "y" * 2000, "due_at": "2026-12-01"}).status_code == 302
    assert [len(task["text"]) for task in stored_tasks(app)] == [2000]


@pytest.mark.parametrize(("next_url", "goes_to"), [
    ("/contacts?page=2", "/contacts?page=2"),
    ("https://evil.example/", "card"),
    ("//evil.example/", "card"),
    ("/\\evil.example", "card"),
    ("/" + "a" * 3000, "card"),
])
def test_after_adding_only_a_local_next_is_followed(app, client, signed_in, crm_builder, next_url, goes_to):
    contact = crm_builder.contact("Nina")
    data = {"text": "Ask", "due_at": "2026-12-01", "entity": "contacts", "record_id": str(contact), "next": next_url}
    response = client.post("/tasks/new", data=data)
    assert response.status_code == 302
    assert response.location == (f"/contacts/{contact}" if goes_to == "card" else goes_to)


def test_new_task_form_is_prefilled_from_the_address(client, signed_in, crm_builder):
    company = crm_builder.company("Nord")
    page = client.get(f"/tasks/new?entity=companies&record_id={company}&next=/companies/{company}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert '<option selected value="companies">' in text
    assert f'name="record_id" type="text" value="{company}"' in text
    assert f'name="next" type="hidden" value="/companies/{company}"' in text
    assert f'href="/companies/{company}" class="button">Cancel' in text
    assert 'value="https' not in client.get("/tasks/new?next=https://evil.example/").get_data(as_text=True)


def test_the_tasks_page_shows_the_users_own_open_tasks_soonest_first(app, client, signed_in, make_user):
    other = make_user("Olga Other")
    add_task(app, "Later", datetime(2026, 12, 5, 9), signed_in)
    add_task(app, "Sooner", datetime(2026, 11, 28, 9), signed_in)
    add_task(app, "Finished", datetime(2026, 11, 20, 9), signed_in, done=True)
    add_task(app, "Olga's", datetime(2026, 11, 28, 8), other)
    assert texts(client) == ["Sooner", "Later"]
    assert texts(client, f"/tasks?responsible={other}") == ["Olga's"]
    assert texts(client, "/tasks?responsible=all") == ["Olga's", "Sooner", "Later"]
    assert texts(client, "/tasks?done=1") == ["Finished"]
    assert texts(client, "/tasks?done=0&responsible=") == ["Sooner", "Later"]


def test_due_filters_read_days_in_the_account_zone(app, client, signed_in, set_limits, clock):
    set_limits(timezone=ZONE)
    clock.set(datetime(2026, 11, 27, 20, 0))  # 01:45 on the 28th in Kathmandu
    add_task(app, "Overdue by a day", datetime(2026, 11, 26, 12, 0), signed_in)
    add_task(app, "Overdue since just now", datetime(2026, 11, 27, 19, 0), signed_in)  # 00:45 on the 28th
    add_task(app, "Later today", datetime(2026, 11, 28, 10, 0), signed_in)  # 15:45 on the 28th
    add_task(app, "Tomorrow", datetime(2026, 11, 28, 18, 30), signed_in)  # 00:15 on the 29th
    add_task(app, "In six days", datetime(2026, 12, 4, 18, 0), signed_in)  # 23:45 on 4 December
    add_task(app, "In a week", datetime(2026, 12, 4, 18, 15), signed_in)  # 00:00 on 5 December
    assert texts(client, "/tasks?due=overdue") == ["Overdue by a day", "Overdue since just now"]
    assert texts(client, "/tasks?due=today") == ["Overdue since just now", "Later today"]
    assert texts(client, "/tasks?due=week") == ["Overdue since just now", "Later today", "Tomorrow", "In six days"]
    assert len(texts(client)) == 6


def test_times_are_typed_and_shown_in_the_account_zone(app, client, signed_in, set_limits):
    set_limits(timezone=ZONE)
    client.post("/tasks/new", data={"text": "At a time", "due_at": "2026-11-28 09:15"})
    client.post("/tasks/new", data={"text": "All day", "due_at": "2026-11-28"})
    assert [task["due_at"] for task in stored_tasks(app)] == [datetime(2026, 11, 28, 3, 30),
                                                              datetime(2026, 11, 28, 18, 14)]
    page = client.get("/tasks").get_data(as_text=True)
    assert "Times are in Asia/Kathmandu." in page
    assert '<time datetime="2026-11-28T03:30:00Z">2026-11-28 09:15</time>' in page
    assert '<time datetime="2026-11-28T18:14:00Z">2026-11-28 23:59</time>' in page
    assert 'value="2026-11-27"' in client.get("/tasks/new").get_data(as_text=True)  # 16:15 in Kathmandu


def test_overdue_tasks_stand_out_in_words_and_by_class(app, client, signed_in):
    late = add_task(app, "Late", datetime(2026, 11, 27, 10, 0), signed_in)  # half an hour ago
    on_time = add_task(app, "On time", datetime(2026, 11, 27, 11, 0), signed_in)
    page = client.get("/tasks").get_data(as_text=True)
    rows = {task_id: classes for classes, task_id, _text in rows_of(page)}
    assert "overdue" in rows[late] and "overdue" not in rows[on_time]
    late_row = re.search(rf'data-task="{late}">(.*?)</tr>', page, re.S).group(1)
    on_time_row = re.search(rf'data-task="{on_time}">(.*?)</tr>', page, re.S).group(1)
    assert "Overdue" in late_row and "Overdue" not in on_time_row


def test_the_tasks_page_pages_by_50(app, client, signed_in):
    for number in range(1, 52):
        add_task(app, f"Task {number:02}", datetime(2026, 12, 1, 0, number), signed_in)
    first = client.get("/tasks").get_data(as_text=True)
    assert [text for _c, _i, text in rows_of(first)] == [f"Task {n:02}" for n in range(1, 51)]
    assert 'rel="next" href="?page=2"' in first
    assert texts(client, "/tasks?page=2") == ["Task 51"]
    last = client.get("/tasks?page=3")
    assert last.status_code == 200 and rows_of(last.get_data(as_text=True)) == []
    assert "No tasks on this page." in last.get_data(as_text=True)


@pytest.mark.parametrize("query", [
    "responsible=abc", "responsible=999999", "responsible=" + "9" * 40, "responsible=-1", "due=tomorrow",
    "due=OVERDUE", "done=2", "done=yes", "page=0", "page=-1", "page=abc", "page=99999999",
])
def test_bad_parameters_get_a_400_page_saying_why_and_charge_nothing(app, client, signed_in, crm_builder,
                                                                     charges, query):
    deal = crm_builder.deal("Hidden deal")
    add_task(app, "About the deal", datetime(2026, 12, 1), signed_in, "leads", deal)
    response = client.get(f"/tasks?{query}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    name = query.split("=")[0]
    assert "Some of the parameters are not valid" in page and f"<strong>{name}</strong>:" in page
    assert name == "page" or f'id="t-{name}-error"' in page  # the message also by its field in the form
    assert "Hidden deal" not in page and "About the deal" not in page
    assert charges == []


def test_the_tasks_page_charges_one_list_element_per_row_naming_a_record(app, client, signed_in, crm_builder,
                                                                         charges, clock):
    deal, contact = crm_builder.deal("Big deal"), crm_builder.contact("Vera")
    clock.set(NOW)
    add_task(app, "About the deal", datetime(2026, 12, 1), signed_in, "leads", deal)
    add_task(app, "Also about the deal", datetime(2026, 12, 2), signed_in, "leads", deal)
    add_task(app, "About Vera", datetime(2026, 12, 3), signed_in, "contacts", contact)
    add_task(app, "About nothing", datetime(2026, 12, 4), signed_in)
    page = client.get("/tasks").get_data(as_text=True)
    assert charges == [{"user": signed_in, "channel": "web", "cards": [], "elements": 3}]
    assert counted(app, signed_in, "list") == 3 and counted(app, signed_in, "card") == 0
    assert f'<a href="/leads/{deal}">Big deal</a>' in page and f'<a href="/contacts/{contact}">Vera</a>' in page


def test_rows_about_nothing_and_an_empty_page_count_nothing(app, client, signed_in, make_user):
    add_task(app, "About nothing", datetime(2026, 12, 1), signed_in)
    assert texts(client) == ["About nothing"]
    assert texts(client, "/tasks?done=1") == []
    assert counted(app, signed_in, "list") == 0


def test_the_charge_comes_before_the_rows_a_limit_refuses_them(app, client, signed_in, crm_builder, set_limits,
                                                               make_user, clock):
    make_user("Ada Admin", "ada@example.com", admin=True)  # so the user is not the last administrator
    deals = [crm_builder.deal(f"Secret {n}") for n in range(3)]
    clock.set(NOW)
    for number, deal in enumerate(deals):
        add_task(app, f"Call {number}", datetime(2026, 12, 1, number), signed_in, "leads", deal)
    set_limits(list_limit=2)
    response = client.get("/tasks")
    assert response.status_code == 403
    assert "Secret" not in response.get_data(as_text=True)
    assert not is_active(app, signed_in)


def test_done_marks_the_task_once_and_writes_one_feed_line(app, client, signed_in, crm_builder, clock):
    deal = crm_builder.deal("Crane")
    clock.set(NOW)
    task_id = add_task(app, "Sign the contract", datetime(2026, 12, 1), signed_in, "leads", deal)
    response = client.post(f"/tasks/{task_id}/done")
    assert response.status_code == 302 and response.location == "/tasks"
    assert "Done: \u201cSign the contract\u201d." in client.get("/tasks").get_data(as_text=True)
    clock.advance(minutes=5)
    assert client.post(f"/tasks/{task_id}/done", data={"next": f"/leads/{deal}"}).location == f"/leads/{deal}"
    [task] = stored_tasks(app)
    assert task["is_done"] and task["done_at"] == NOW
    assert feed_lines(app) == [("leads", deal, signed_in, task_id, "Sign the contract")]
    assert texts(client) == [] and texts(client, "/tasks?done=1") == ["Sign the contract"]


def test_done_for_a_task_about_nothing_writes_no_feed_line_and_ignores_a_foreign_next(app, client, signed_in):
    task_id = add_task(app, "Tidy up", datetime(2026, 12, 1), signed_in)
    response = client.post(f"/tasks/{task_id}/done", data={"next": "https://evil.example/"})
    assert response.location == "/tasks"
    assert stored_tasks(app)[0]["is_done"] and feed_lines(app) == []


@pytest.mark.parametrize("task_id", ["999", "0", "99999999999999999999"])
def test_done_for_an_unknown_task_is_404(client, signed_in, task_id):
    assert client.post(f"/tasks/{task_id}/done").status_code == 404


def test_anyone_signed_in_may_complete_a_colleagues_task_and_the_feed_names_who(
        app, client, auth, user, make_user, crm_builder, clock):
    owner = make_user("Olga Owner")
    company = crm_builder.company("Nord")
    clock.set(NOW)
    task_id = add_task(app, "Olga's call", datetime(2026, 12, 1), owner, "companies", company)
    auth.login()
    assert client.post(f"/tasks/{task_id}/done").status_code == 302
    assert feed_lines(app) == [("companies", company, user, task_id, "Olga's call")]


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_done_needs_the_csrf_token(app, client, user):
    sign_in(client, csrf_token=csrf_token_of(client.get("/login")))
    task_id = add_task(app, "Guarded", datetime(2026, 12, 1), user)
    assert client.post(f"/tasks/{task_id}/done").status_code == 400
    assert not stored_tasks(app)[0]["is_done"]
    token = csrf_token_of(client.get("/tasks"))
    assert client.post(f"/tasks/{task_id}/done", data={"csrf_token": token}).status_code == 302
    assert stored_tasks(app)[0]["is_done"]


def test_a_card_shows_its_tasks_open_first_by_due_time_and_still_charges_one_card_view(
        app, client, signed_in, crm_builder, charges, clock, make_user):
    deal, other_deal = crm_builder.deal("Main deal"), crm_builder.deal("Other deal")
    clock.set(NOW)
    colleague = make_user("Carl Colleague")
    add_task(app, "Second", datetime(2026, 12, 2), signed_in, "leads", deal)
    add_task(app, "Past due", datetime(2026, 11, 26), colleague, "leads", deal)
    add_task(app, "First", datetime(2026, 12, 1), signed_in, "leads", deal)
    add_task(app, "Finished", datetime(2026, 11, 20), signed_in, "leads", deal, done=True)
    add_task(app, "Elsewhere", datetime(2026, 11, 29), signed_in, "leads", other_deal)
    page = client.get(f"/leads/{deal}").get_data(as_text=True)
    assert charges == [{"user": signed_in, "channel": "web", "cards": [("leads", deal)], "elements": 0}]
    panel = re.search(r'<section class="panel card-tasks".*?</section>', page, re.S).group(0)
    open_part, done_part = panel.split('<details class="task-done-list">')
    items = re.findall(r'<li class="task([^"]*)" data-task="\d+">.*?<div class="task-text">([^<]*)</div>',
                       open_part, re.S)
    assert [text for _classes, text in items] == ["Past due", "First", "Second"]
    assert [classes.split() for classes, _text in items] == [["overdue"], [], []]
    assert "Overdue" in open_part and "Carl Colleague" in open_part
    assert open_part.count('class="task-done"') == 3 and "Finished" in done_part and "Elsewhere" not in panel


def test_a_card_without_tasks_offers_the_add_form(client, signed_in, crm_builder):
    customer = crm_builder.customer("Monthly box")
    page = client.get(f"/customers/{customer}").get_data(as_text=True)
    assert "No open tasks." in page and 'class="card-task-form"' in page
    assert 'task-done-list' not in page


def test_the_navigation_links_the_tasks_page(client, signed_in):
    page = client.get("/tasks").get_data(as_text=True)
    assert '<a href="/tasks" class="active">Tasks</a>' in page


def test_tasks_pages_need_a_signed_in_user(client, user):
    assert client.get("/tasks").location.startswith("/login")
    assert client.post("/tasks/new", data={"text": "x", "due_at": "2026-12-01"}).location.startswith("/login")
    assert client.post("/tasks/1/done").location.startswith("/login")


def test_deleting_a_record_deletes_its_tasks(app, client, signed_in, crm_builder):
    deal = crm_builder.deal("Going away")
    add_task(app, "About it", datetime(2026, 12, 1), signed_in, "leads", deal)
    assert client.post(f"/leads/{deal}/delete").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Task)) == 0
    assert texts(client) == []


def test_a_card_with_more_open_tasks_than_it_shows_says_so(app, client, signed_in, crm_builder, clock):
    deal = crm_builder.deal("Busy deal")
    clock.set(NOW)
    for number in range(51):
        add_task(app, f"Step {number:02}", datetime(2026, 12, 1, 0, number), signed_in, "leads", deal)
    for number in range(7):
        add_task(app, f"Closed {number}", datetime(2026, 11, 1), signed_in, "leads", deal, done=True)
    panel = re.search(r'<section class="panel card-tasks".*?</section>',
                      client.get(f"/leads/{deal}").get_data(as_text=True), re.S).group(0)
    assert "Step 49" in panel and "Step 50" not in panel and "The 50 due soonest are shown." in panel
    assert '<span class="count-badge">50+</span>' in panel
    assert panel.count('<li class="task done"') == 5


@pytest.mark.browser
def test_a_user_adds_a_task_on_a_card_finds_it_overdue_from_home_and_marks_it_done_in_chromium(
        browser, live_server, user, crm_builder, clock):
    deal = crm_builder.deal("Harbour crane")
    clock.set(NOW)
    page = browser.new_page()
    sign_in_browser(page, live_server, "ulla@example.com", PASSWORD)
    page.goto(f"{live_server}/leads/{deal}")
    page.fill("#card-task-text", "Call the harbour master")
    page.fill("#card-task-due", "2026-11-27 09:00")
    page.click(".card-task-form button[type=submit]")
    expect(page).to_have_url(f"{live_server}/leads/{deal}")
    expect(page.locator(".flash-success")).to_have_text("The task has been added.")
    expect(page.locator(".card-tasks li.task.overdue")).to_contain_text("Overdue")
    page.click("nav.sidebar >> text=Tally")
    page.click("#home-tasks >> text=1 of them overdue")
    expect(page).to_have_url(f"{live_server}/tasks?due=overdue")
    row = page.locator("table.tasks-list tr.task.overdue")
    expect(row).to_contain_text("Call the harbour master")
    expect(row.locator("a")).to_have_attribute("href", f"/leads/{deal}")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    row.locator("button.task-done").click()
    expect(page).to_have_url(f"{live_server}/tasks?due=overdue")
    expect(page.locator(".flash-success")).to_contain_text("Call the harbour master")
    expect(page.locator("table.tasks-list tr.task")).to_have_count(0)


@pytest.mark.parametrize("typed, zone, due", [
    ("2026-03-29 03:30", "Europe/Berlin", datetime(2026, 3, 29, 1, 30)),
    ("2026-10-25 02:30", "Europe/Berlin", datetime(2026, 10, 25, 0, 30)),  # the first of the two 02:30s
    ("1970-01-01 05:45", "Asia/Kathmandu", datetime(1970, 1, 1, 0, 15)),
    ("2026-12-01", "Asia/Kathmandu", datetime(2026, 12, 1, 18, 14)),
])
def test_a_due_time_is_read_in_the_accounts_zone(typed, zone, due):
    assert tasks.parse_due(typed, zone) == due


@pytest.mark.parametrize("typed, zone", [
    ("2026-03-29 02:30", "Europe/Berlin"),  # the clocks skip from 02:00 to 03:00
    ("1970-01-01 00:00", "Europe/Berlin"),  # 23:00 UTC the day before: no Unix time the API could send back
    ("\uff12\uff10\uff12\uff16-01-01", "UTC"),  # full-width digits
    ("1969-12-31", "UTC"),
    ("2201-01-01", "UTC"),
])
def test_due_times_that_do_not_exist_or_cannot_be_sent_back_are_refused(typed, zone):
    """Found in review: 1970-01-01 00:00 in Berlin came back from the API as -3600, which it then refused;
    a skipped local time was saved an hour later; full-width digits were taken."""
    with pytest.raises(InvalidValue):
        tasks.parse_due(typed, zone)
