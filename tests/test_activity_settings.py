"""The activity settings page, usage, history and notifications — administrators only."""
import re

import pytest

from monitor import activity
from monitor.activity import settings as activity_settings
from monitor.db import db
from monitor.models import User

# URL -> what a non-administrator's POST gets: 403 where administrators may post, 405 where nobody may.
ADMIN_URLS = {"/settings/activity": 403, "/settings/activity/usage": 405, "/settings/activity/history": 405}
GOOD = {"card_limit": "100", "card_period": "day", "list_limit": "500", "list_period": "hour",
        "action": "deactivate", "timezone": "Europe/Moscow"}


@pytest.mark.parametrize("url,post_status", ADMIN_URLS.items())
def test_non_admins_get_403(client, auth, user, url, post_status):
    auth.login()
    assert client.get(url).status_code == 403
    assert client.post(url, data=GOOD).status_code == post_status


def test_admin_saves_limits(client, signed_in_admin, app):
    response = client.post("/settings/activity", data=GOOD)
    assert response.status_code == 302
    with app.app_context():
        saved = activity_settings.get_settings()
        assert (saved.card_limit, saved.card_period, saved.list_limit, saved.list_period, saved.action,
                saved.timezone) == (100, "day", 500, "hour", "deactivate", "Europe/Moscow")
    page = client.get("/settings/activity").data.decode()
    assert 'value="100"' in page and 'value="Europe/Moscow"' in page


def test_empty_limit_means_no_limit(client, signed_in_admin, app):
    client.post("/settings/activity", data={**GOOD, "card_limit": "", "list_limit": ""})
    with app.app_context():
        saved = activity_settings.get_settings()
        assert saved.card_limit is None and saved.list_limit is None
        assert not activity.monitoring_enabled()


@pytest.mark.parametrize("field,value", [
    ("card_limit", "0"), ("card_limit", "1000001"), ("card_limit", "ten"), ("list_limit", "-5"),
    ("list_limit", "2.5"), ("card_limit", "\u00b2"), ("list_limit", "1" * 5000),
    ("card_period", "week"), ("list_period", ""), ("action", "explode"),
    ("timezone", "Mars/Olympus"), ("timezone", "../../etc/passwd"), ("timezone", ""),
])
def test_invalid_value_is_shown_by_its_field_and_nothing_changes(client, signed_in_admin, app, field, value):
    client.post("/settings/activity", data=GOOD)
    response = client.post("/settings/activity", data={**GOOD, "card_limit": "77", field: value})
    assert response.status_code == 200
    page = response.data.decode()
    field_block = page.split(f'id="{field}"', 1)[1].split('class="field', 1)[0]
    assert 'class="error"' in field_block
    with app.app_context():
        saved = activity_settings.get_settings()
        assert saved.card_limit == 100 and saved.timezone == "Europe/Moscow"


def test_other_plans_explain_professional_is_needed(client, signed_in_admin, app):
    app.config["PLAN"] = "base"
    page = client.get("/settings/activity").data.decode()
    assert "Professional plan" in page and 'name="card_limit"' not in page
    client.post("/settings/activity", data=GOOD)
    with app.app_context():
        assert activity_settings.get_settings().card_limit is None


def test_usage_lists_users_closest_to_the_limit_first(client, signed_in_admin, app, make_user, set_limits):
    calm = make_user("Calm Carl", "carl@example.com")
    busy = make_user("Busy Bea", "bea@example.com")
    set_limits(card_limit=10, list_limit=100)
    with app.app_context():
        activity.charge(db.session.get(User, calm), "web", elements=5)
        activity.charge(db.session.get(User, busy), "web", cards=[("leads", n) for n in range(8)])
        activity.charge(db.session.get(User, busy), "api", elements=20)
    page = client.get("/settings/activity/usage").data.decode()
    # Bea is at 80% of the card limit, Carl at 5% of the list limit, the admin has seen nothing.
    rows = [page.index(f'data-user="{email}"') for email in ("bea@example.com", "carl@example.com", "ada@example.com")]
    assert rows == sorted(rows)
    assert "8 / 10" in page and "20 / 100" in page
    assert 'value="8"' in page  # the meter
    row = page.split('data-user="bea@example.com"')[1].split("</tr>")[0]
    assert "API 20" in row


def test_history_shows_deactivation_and_reactivation(client, signed_in_admin, app, user, set_limits):
    set_limits(list_limit=5)
    with app.app_context():
        activity.charge(db.session.get(User, user), "web", elements=5)
    client.post(f"/settings/users/{user}", data={"name": "Ulla User", "email": "ulla@example.com", "is_active": "y"})
    page = client.get("/settings/activity/history").data.decode()
    assert page.index("Reactivated") < page.index("Deactivated")
    assert "by Ada Admin" in page and "list elements: 5 per day" in page


def test_bell_counts_unread_and_notifications_page_marks_read(client, signed_in_admin, app, user, set_limits):
    set_limits(card_limit=1)
    with app.app_context():
        activity.charge(db.session.get(User, user), "web", cards=[("leads", 1)])
    page = client.get("/notifications").data.decode()
    assert 'id="bell-count">1<' in page
    assert "Ulla User was deactivated by activity monitoring: card views: 1 per day." in page
    notification_id = re.search(r"/notifications/(\d+)/read", page).group(1)
    client.post(f"/notifications/{notification_id}/read")
    assert 'id="bell-count"' not in client.get("/notifications").data.decode()


def test_a_user_cannot_mark_someone_elses_notification(client, auth, app, user, admin, set_limits, make_user):
    other = make_user("Other", "other@example.com")
    set_limits(card_limit=1)
    with app.app_context():
        activity.charge(db.session.get(User, other), "web", cards=[("leads", 1)])
    auth.login()
    client.post("/notifications/1/read")
    auth.logout()
    auth.login("ada@example.com")
    assert 'id="bell-count">1<' in client.get("/notifications").data.decode()
