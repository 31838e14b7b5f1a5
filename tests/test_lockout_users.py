"""After a lockout (SPEC §9): exemption from monitoring on the user's page, and one-click reactivation from a
deactivation's notification and from the user's page."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from monitor.db import db
from monitor.models import ActivityEvent, CardView, User
from monitor.services import demo
from tests.conftest import csrf_token_of, recorded_statements, sign_in, sign_in_browser, user_id_of
from tests.fixtures_activity import charge, counted, events, is_active

KOLKATA = "Asia/Kolkata"  # UTC+05:30: the frozen 10:30 UTC is 16:00 there


def edit(client, user_id, **fields):
    """Post the user's page with Ulla's name and e-mail, Activity ticked, and `fields` on top."""
    data = {"name": "Ulla User", "email": "ulla@example.com", "password": "", "is_active": "y", **fields}
    return client.post(f"/settings/users/{user_id}", data=data)


def exemption_of(app, user_id):
    with app.app_context():
        saved = db.session.get(User, user_id)
        return saved.monitoring_exempt, saved.exempt_reason


def field_block(page, field):
    """The HTML of a form field's block, from its input to the end of its errors."""
    return page.split(f'id="{field}"')[1].split("</div>\n  </div>")[0]


def signed_in_client(app, email, csrf=False):
    """A new test client signed in as `email` (through the form's CSRF token when `csrf`)."""
    client = app.test_client()
    token = csrf_token_of(client.get("/login")) if csrf else None
    assert sign_in(client, email, csrf_token=token).status_code == 302
    return client


def deactivate_by_card_limit(app, user_id, set_limits, timezone="UTC"):
    """A limit of one card a day, reached by the user's first card: they are deactivated."""
    set_limits(card_limit=1, timezone=timezone)
    charge(app, user_id, cards=[("leads", 1)])
    assert not is_active(app, user_id)


def reactivate_button(page, user_id):
    return f'action="/settings/users/{user_id}/reactivate"' in page


def test_ticking_the_exemption_without_a_reason_is_an_error_by_its_field_and_saves_nothing(
        client, signed_in_admin, user, app):
    response = edit(client, user, monitoring_exempt="y", exempt_reason="   ", name="Ulla Renamed")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Say why this user is exempt from monitoring." in field_block(page, "exempt_reason")
    assert exemption_of(app, user) == (False, None)
    with app.app_context():
        assert db.session.get(User, user).name == "Ulla User"
    assert events(app) == []


@pytest.mark.parametrize("reason,message", [
    ("r" * 301, "At most 300 characters."),
    ("Data\x00migration", "Remove the control characters."),
    ("Data\x1bmigration", "Remove the control characters."),
])
def test_a_bad_exemption_reason_is_refused_by_its_field(client, signed_in_admin, user, app, reason, message):
    response = edit(client, user, monitoring_exempt="y", exempt_reason=reason)
    assert response.status_code == 200
    assert message in field_block(response.get_data(as_text=True), "exempt_reason")
    assert exemption_of(app, user) == (False, None)


def test_an_exemption_with_a_reason_is_saved_and_the_history_says_who_when_and_why(
        client, signed_in_admin, user, app, set_limits):
    set_limits(timezone=KOLKATA)
    response = edit(client, user, monitoring_exempt="y", exempt_reason=" Imports the  base\nfor the migration ")
    assert response.status_code == 302
    assert exemption_of(app, user) == (True, "Imports the base for the migration")
    history = client.get("/settings/activity/history").get_data(as_text=True)
    row = history.split('class="event-exempted"')[1].split("</tr>")[0]
    assert "Exempted from monitoring" in row and "by Ada Admin" in row
    assert "2026-11-27 16:00:00" in row and f"Time ({KOLKATA})" in history
    assert "Exempt from monitoring: no → yes" in row
    assert "Reason: Imports the base for the migration" in row


def test_unticking_the_exemption_is_recorded_and_forgets_the_reason(client, signed_in_admin, user, app):
    edit(client, user, monitoring_exempt="y", exempt_reason="Migration")
    assert edit(client, user, exempt_reason="Migration").status_code == 302  # the old reason still in the field
    assert exemption_of(app, user) == (False, None)
    assert edit(client, user, monitoring_exempt="y", exempt_reason="Quarterly report").status_code == 302
    assert edit(client, user, exempt_reason="Report done").status_code == 302
    with app.app_context():
        audited = db.session.scalars(select(ActivityEvent).where(
            ActivityEvent.user_id == user).order_by(ActivityEvent.id)).all()
        assert [(e.event, e.by_user_id) for e in audited] == [
            ("exempted", signed_in_admin), ("unexempted", signed_in_admin),
            ("exempted", signed_in_admin), ("unexempted", signed_in_admin)]
    history = client.get("/settings/activity/history").get_data(as_text=True)
    assert "Exemption ended" in history and "Exempt from monitoring: yes → no" in history
    assert "Reason: Report done" in history


def test_a_new_reason_for_an_exemption_is_recorded_and_an_unchanged_save_records_nothing(
        client, signed_in_admin, user, app):
    edit(client, user, monitoring_exempt="y", exempt_reason="Migration")
    edit(client, user, monitoring_exempt="y", exempt_reason="Migration")
    edit(client, user, monitoring_exempt="y", exempt_reason="Migration, second part")
    assert [name for name, _user in events(app)] == ["exempted", "exempted"]
    history = client.get("/settings/activity/history").get_data(as_text=True)
    assert "A new reason for the exemption." in history and "Reason: Migration, second part" in history


def test_an_administrator_cannot_change_their_own_exemption(client, signed_in_admin, app):
    data = {"name": "Ada Admin", "email": "ada@example.com", "is_admin": "y", "is_active": "y"}
    response = client.post(f"/settings/users/{signed_in_admin}",
                           data={**data, "monitoring_exempt": "y", "exempt_reason": "I am trusted"})
    assert response.status_code == 200
    assert "You cannot change your own exemption" in field_block(response.get_data(as_text=True),
                                                                 "monitoring_exempt")
    assert exemption_of(app, signed_in_admin) == (False, None)
    assert events(app) == []


def test_an_exempt_administrator_saves_their_own_page_unchanged_but_cannot_end_the_exemption(
        client, auth, admin, make_user, app):
    make_user("Bob Boss", "bob@example.com", admin=True)
    bob = signed_in_client(app, "bob@example.com")
    assert bob.post(f"/settings/users/{admin}", data={
        "name": "Ada Admin", "email": "ada@example.com", "is_admin": "y", "can_export": "y", "is_active": "y",
        "monitoring_exempt": "y", "exempt_reason": "Runs the imports"}).status_code == 302
    auth.login("ada@example.com")
    own = {"name": "Ada Admin", "email": "ada@example.com", "is_admin": "y", "can_export": "y", "is_active": "y"}
    page = client.get(f"/settings/users/{admin}").get_data(as_text=True)
    assert "Only another administrator can change your own exemption." in page
    assert client.post(f"/settings/users/{admin}", data={
        **own, "name": "Ada A.", "monitoring_exempt": "y", "exempt_reason": "Runs the imports"}).status_code == 302
    refused = client.post(f"/settings/users/{admin}", data={**own, "exempt_reason": "Runs the imports"})
    assert refused.status_code == 200 and "You cannot change your own exemption" in refused.get_data(as_text=True)
    assert exemption_of(app, admin) == (True, "Runs the imports")


def test_the_usage_page_and_the_user_list_mark_exempt_users_with_the_reason(client, signed_in_admin, user, app,
                                                                            set_limits):
    set_limits(card_limit=10, card_period="hour", timezone=KOLKATA)
    edit(client, user, monitoring_exempt="y", exempt_reason="Imports <the> base")
    usage = client.get("/settings/activity/usage").get_data(as_text=True)
    row = usage.split('data-user="ulla@example.com"')[1].split("</tr>")[0]
    assert '<span class="badge exempt" title="Imports &lt;the&gt; base">Exempt</span>' in row
    assert "Exempt" not in usage.split('data-user="ada@example.com"')[1].split("</tr>")[0]
    # The windows in local time: the hour that began at 16:00 in Kolkata (10:30 UTC).
    assert "Card views since 2026-11-27 16:00" in usage and f"({KOLKATA})" in usage
    listing = client.get("/settings/users").get_data(as_text=True)
    assert 'title="Imports &lt;the&gt; base">Exempt</span>' in listing


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_the_reactivate_button_needs_the_csrf_token_and_lets_the_user_back(app, user, admin, set_limits):
    deactivate_by_card_limit(app, user, set_limits)
    ada = signed_in_client(app, "ada@example.com", csrf=True)
    notifications = ada.get("/notifications").get_data(as_text=True)
    assert reactivate_button(notifications, user)
    assert ada.post(f"/settings/users/{user}/reactivate", data={"next": "/notifications"}).status_code == 400
    assert not is_active(app, user)
    response = ada.post(f"/settings/users/{user}/reactivate",
                        data={"csrf_token": csrf_token_of(notifications), "next": "/notifications"})
    assert response.status_code == 302 and response.location.endswith("/notifications")
    assert is_active(app, user)
    assert "Ulla User has been reactivated" in ada.get("/notifications").get_data(as_text=True)


@pytest.mark.parametrize("way", ["button", "ticking Activity"])
def test_the_button_does_what_ticking_activity_does(client, signed_in_admin, app, user, set_limits, way):
    set_limits(card_limit=3, list_limit=100)
    charge(app, user, cards=[("leads", 1), ("leads", 2)], elements=40)
    charge(app, user, cards=[("leads", 3)])  # 3 of 3: deactivated
    assert not is_active(app, user) and counted(app, user, "card") == 3
    if way == "button":
        assert client.post(f"/settings/users/{user}/reactivate").status_code == 302
    else:
        assert edit(client, user).status_code == 302
    assert is_active(app, user)
    assert counted(app, user, "card") == 0 and counted(app, user, "list") == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CardView)) == 0
        reactivation = db.session.scalars(select(ActivityEvent).where(ActivityEvent.event == "reactivated")).one()
        assert reactivation.by_user_id == signed_in_admin
    charge(app, user, cards=[("leads", 1), ("leads", 2)])  # the same cards count anew: 2 of 3, served
    assert is_active(app, user) and counted(app, user, "card") == 2


def test_reactivating_goes_back_to_a_local_next_only(client, signed_in_admin, user, app, set_limits):
    deactivate_by_card_limit(app, user, set_limits)
    response = client.post(f"/settings/users/{user}/reactivate", data={"next": "//evil.example/x"})
    assert response.status_code == 302 and response.location.endswith("/notifications")
    assert is_active(app, user)
    again = client.post(f"/settings/users/{user}/reactivate", data={"next": f"/settings/users/{user}"})
    assert again.location.endswith(f"/settings/users/{user}")
    assert "Ulla User is already active." in client.get(f"/settings/users/{user}").get_data(as_text=True)
    assert [name for name, _user in events(app)] == ["deactivated", "reactivated"]  # nothing written twice


def test_reactivation_is_for_administrators_only_and_only_by_post(client, auth, app, user, make_user, admin,
                                                                 set_limits):
    other = make_user("Olga Other", "olga@example.com")
    deactivate_by_card_limit(app, other, set_limits)
    auth.login()
    assert client.post(f"/settings/users/{other}/reactivate").status_code == 403
    assert not is_active(app, other)
    auth.logout()
    auth.login("ada@example.com")
    assert client.get(f"/settings/users/{other}/reactivate").status_code == 405
    assert client.post("/settings/users/9999/reactivate").status_code == 404


def test_every_administrators_notification_says_who_reactivated_the_user_and_when_in_local_time(
        app, user, admin, make_user, set_limits, clock):
    make_user("Bob Boss", "bob@example.com", admin=True)
    deactivate_by_card_limit(app, user, set_limits, timezone=KOLKATA)
    ada, bob = signed_in_client(app, "ada@example.com"), signed_in_client(app, "bob@example.com")
    for client in (ada, bob):
        page = client.get("/notifications").get_data(as_text=True)
        assert "2026-11-27 16:00" in page and f"({KOLKATA})" in page
        assert reactivate_button(page, user) and "reactivated by" not in page
    clock.advance(minutes=15)
    assert bob.post(f"/settings/users/{user}/reactivate", data={"next": "/notifications"}).status_code == 302
    for client in (ada, bob):
        page = client.get("/notifications").get_data(as_text=True)
        assert f"Ulla User was reactivated by Bob Boss at 2026-11-27 16:15 ({KOLKATA})." in page
        assert not reactivate_button(page, user)


def test_a_second_deactivation_gets_its_own_button_while_the_first_keeps_its_reactivation(
        client, signed_in_admin, app, user, set_limits, clock):
    deactivate_by_card_limit(app, user, set_limits)
    client.post(f"/settings/users/{user}/reactivate")
    clock.advance(minutes=5)
    charge(app, user, cards=[("leads", 2)])
    assert not is_active(app, user)
    page = client.get("/notifications").get_data(as_text=True)
    rows = page.split('data-event="deactivated"')[1:]
    assert len(rows) == 2
    newest, oldest = (row.split("</tr>")[0] for row in rows)
    assert reactivate_button(newest, user) and "reactivated by" not in newest
    assert "reactivated by Ada Admin at 2026-11-27 10:30 (UTC)" in oldest and not reactivate_button(oldest, user)


def test_the_notifications_page_reads_reactivations_in_one_query_however_many_rows(
        client, signed_in_admin, app, make_user, set_limits):
    set_limits(card_limit=1)
    for n in range(4):
        someone = make_user(f"User {n}", f"user{n}@example.com")
        charge(app, someone, cards=[("leads", 1)])
        if n % 2:
            client.post(f"/settings/users/{someone}/reactivate")
    with recorded_statements(app) as statements:
        page = client.get("/notifications").get_data(as_text=True)
    assert page.count("reactivated by Ada Admin") == 2 and page.count("/reactivate\"") == 2
    assert len([s for s in statements if "activity_events" in s]) == 2  # the notifications, then the reactivations


def test_the_users_page_says_when_and_by_which_limit_with_the_reactivate_button(
        client, signed_in_admin, app, user, set_limits):
    deactivate_by_card_limit(app, user, set_limits, timezone=KOLKATA)
    page = client.get(f"/settings/users/{user}").get_data(as_text=True)
    box = page.split('id="deactivation"')[1].split("</div>")[0]
    assert f"Deactivated by activity monitoring at 2026-11-27 16:00 ({KOLKATA}): card views: 1 per day." in box
    assert reactivate_button(box, user)
    assert f'name="next" value="/settings/users/{user}"' in box
    response = client.post(f"/settings/users/{user}/reactivate", data={"next": f"/settings/users/{user}"})
    assert response.location.endswith(f"/settings/users/{user}")
    assert 'id="deactivation"' not in client.get(f"/settings/users/{user}").get_data(as_text=True)


def test_a_user_an_administrator_deactivated_can_be_reactivated_from_their_page(client, signed_in_admin, app,
                                                                               user):
    edit(client, user, is_active="")
    page = client.get(f"/settings/users/{user}").get_data(as_text=True)
    assert "Deactivated by an administrator." in page and reactivate_button(page, user)
    client.post(f"/settings/users/{user}/reactivate")
    assert is_active(app, user)
    assert re.search(r'class="event-reactivated"', client.get("/settings/activity/history").get_data(as_text=True))


@pytest.mark.browser
def test_in_chromium_an_administrator_reactivates_from_the_notification_on_a_phone(browser, app, demo_server,
                                                                                  set_limits):
    set_limits(card_limit=1)
    charge(app, user_id_of(app, "anna@tally.example"), cards=[("leads", 1)])
    admin = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    sign_in_browser(admin, demo_server, demo.ADMIN_EMAIL, demo.ADMIN_PASSWORD)
    admin.goto(f"{demo_server}/notifications")
    row = admin.locator("tr.notification", has_text="Anna Petrova was deactivated")
    row.get_by_role("button", name="Reactivate").click()
    expect(admin.locator(".flash-success")).to_contain_text("Anna Petrova has been reactivated")
    expect(row).to_contain_text("Anna Petrova was reactivated by Demo Administrator at 2026-11-27 10:30 (UTC).")
    assert admin.evaluate("document.documentElement.scrollWidth") <= 390
    anna = browser.new_context().new_page()
    sign_in_browser(anna, demo_server, "anna@tally.example", demo.DEMO_PASSWORD)
    expect(anna).not_to_have_url(re.compile(r"/login"))
