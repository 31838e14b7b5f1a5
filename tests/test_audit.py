"""The audit of the rules themselves (SPEC §9): rights and API tokens recorded with who, when and old → new;
the history and the notifications readable, in the account's local time."""
import json

from sqlalchemy import select

from monitor.db import db
from monitor.models import ActivityEvent, ApiToken, Notification
from tests.fixtures_activity import charge, events

KOLKATA = "Asia/Kolkata"  # UTC+05:30: the frozen 10:30 UTC is 16:00 there


def audited(app, name):
    """(whom, by whom, details) of every event called `name`, oldest first."""
    with app.app_context():
        return [(event.user_id, event.by_user_id, json.loads(event.details)) for event in db.session.scalars(
            select(ActivityEvent).where(ActivityEvent.event == name).order_by(ActivityEvent.id))]


def history_row(client, event_name):
    """The newest history row of an event."""
    page = client.get("/settings/activity/history").get_data(as_text=True)
    return page.split(f'class="event-{event_name}"')[1].split("</tr>")[0]


def test_a_rights_change_is_audited_old_to_new(client, signed_in_admin, user, app):
    data = {"name": "Ulla User", "email": "ulla@example.com", "is_active": "y"}
    assert client.post(f"/settings/users/{user}", data={**data, "is_admin": "y"}).status_code == 302
    assert client.post(f"/settings/users/{user}", data={**data, "can_export": "y"}).status_code == 302
    assert audited(app, "rights_changed") == [
        (user, signed_in_admin, {"changes": [["is_admin", "no", "yes"]]}),
        (user, signed_in_admin, {"changes": [["is_admin", "yes", "no"], ["can_export", "no", "yes"]]}),
    ]
    row = history_row(client, "rights_changed")
    assert "Rights changed" in row and "by Ada Admin" in row
    assert "Administrator: yes → no" in row and "Export: no → yes" in row


def test_a_save_that_changes_no_right_records_nothing(client, signed_in_admin, user, app):
    data = {"name": "Ulla Renamed", "email": "ulla@example.com", "is_active": "y", "password": "new-password"}
    assert client.post(f"/settings/users/{user}", data=data).status_code == 302
    assert events(app) == []


def test_a_user_created_with_rights_in_the_console_is_audited(client, signed_in_admin, app):
    assert client.post("/settings/users/new", data={
        "name": "Nina New", "email": "nina@example.com", "password": "long-password", "is_admin": "y",
        "is_active": "y", "monitoring_exempt": "y", "exempt_reason": "Sets up the account"}).status_code == 302
    [(nina, by, details)] = audited(app, "rights_changed")
    assert by == signed_in_admin and details == {"changes": [["is_admin", "no", "yes"]]}
    assert audited(app, "exempted") == [
        (nina, signed_in_admin, {"changes": [["monitoring_exempt", "no", "yes"]], "reason": "Sets up the account"})]


def test_a_new_user_exempt_without_a_reason_is_refused_by_the_field(client, signed_in_admin, app):
    response = client.post("/settings/users/new", data={
        "name": "Nina New", "email": "nina@example.com", "password": "long-password", "monitoring_exempt": "y"})
    assert response.status_code == 200
    assert 'id="exempt_reason-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(ActivityEvent.id)) is None


def test_token_creation_and_revocation_are_audited_without_the_secret(client, signed_in_admin, user, app,
                                                                      set_limits):
    set_limits(timezone=KOLKATA)
    page = client.post("/settings/api-tokens", data={"user_id": str(user), "name": "Reporting script", "days": "30"})
    secret = page.get_data(as_text=True).split('id="new-token" value="')[1].split('"')[0]
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    assert client.post(f"/settings/api-tokens/{token_id}/revoke").status_code == 302
    assert client.post(f"/settings/api-tokens/{token_id}/revoke").status_code == 302  # again: nothing new
    assert audited(app, "token_created") == [(user, signed_in_admin, {"changes": [
        ["token", "—", "Reporting script"], ["expires_at", "—", f"2026-12-27 16:00 ({KOLKATA})"]]})]
    assert audited(app, "token_revoked") == [(user, signed_in_admin, {"changes": [["token", "Reporting script", "—"]]})]
    with app.app_context():
        stored = " ".join(event.details for event in db.session.scalars(select(ActivityEvent)))
    assert secret.startswith("tly_") and secret not in stored and secret[-4:] not in stored
    history = client.get("/settings/activity/history").get_data(as_text=True)
    assert secret not in history
    created = history_row(client, "token_created")
    assert "API token created" in created and "by Ada Admin" in created and "Ulla User" in created
    assert "API token: — → Reporting script" in created and f"Expires: — → 2026-12-27 16:00 ({KOLKATA})" in created
    assert "API token: Reporting script → —" in history_row(client, "token_revoked")


def test_a_token_made_from_the_shell_is_audited_as_such(runner, client, signed_in_admin, user, app):
    result = runner.invoke(args=["create-token", "ulla@example.com", "--name", "Nightly sync", "--days", "7"])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip().splitlines()[-1]
    [(whom, by, details)] = audited(app, "token_created")
    assert whom == user and by is None and details["changes"][0] == ["token", "—", "Nightly sync"]
    row = history_row(client, "token_created")
    assert "from the server shell" in row and secret not in row


def test_the_history_shows_settings_changes_readably(client, signed_in_admin, app):
    data = {"card_limit": "100", "card_period": "day", "list_limit": "", "list_period": "day",
            "action": "deactivate", "timezone": "UTC", "warn_percent": "80"}
    client.post("/settings/activity", data=data)
    client.post("/settings/activity", data={**data, "card_limit": "50", "card_period": "hour"})
    row = history_row(client, "settings_changed")
    assert "Settings changed" in row and "by Ada Admin" in row
    assert "Card views limit: 100 → 50" in row and "Card views period: day → hour" in row


def test_the_history_shows_a_warning_in_words(client, signed_in_admin, app, user, set_limits):
    set_limits(card_limit=10)
    with app.app_context():
        from monitor.activity import settings as activity_settings
        activity_settings.save_settings("10", "day", "", "day", "deactivate", "UTC", warn_percent="80",
                                        warn_admins=True)
    charge(app, user, cards=[("leads", n) for n in range(8)])
    row = history_row(client, "warning")
    assert "Warning" in row and "Ulla User passed 80% of card views: 10 per day (8 so far)." in row
    notifications = client.get("/notifications").get_data(as_text=True)
    assert "Ulla User passed 80% of card views: 10 per day (8 so far)." in notifications
    assert "notify only" not in notifications


def test_history_and_notifications_show_local_time_in_a_30_minute_zone(client, signed_in_admin, app, user,
                                                                       set_limits, clock):
    set_limits(card_limit=1, timezone=KOLKATA)
    clock.set(clock().replace(hour=18, minute=45))  # 00:15 on the 28th in Kolkata
    charge(app, user, cards=[("leads", 1)])
    history = client.get("/settings/activity/history").get_data(as_text=True)
    assert f"Time ({KOLKATA})" in history and ">2026-11-28 00:15:00</time>" in history
    assert ">2026-11-27 18:45" not in history
    notifications = client.get("/notifications").get_data(as_text=True)
    assert f"2026-11-28 00:15</time> <span class=\"muted\">({KOLKATA})</span>" in notifications
    assert "UTC" not in notifications.split('class="list notifications"')[1]
    with app.app_context():
        assert db.session.scalar(select(Notification.created_at)).hour == 18  # stored in UTC

