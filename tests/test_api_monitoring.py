"""What the API and mobile apps charge to the activity monitor, and how refusals look through the API."""
from datetime import timedelta

from sqlalchemy import insert

from monitor.clock import utcnow
from monitor.db import db
from monitor.models import Deal, User
from tests.fixtures_activity import counted, is_active
from tests.fixtures_api import assert_hal, assert_problem, no_api_rate_limit

pytestmark = no_api_rate_limit

MOBILE = "android/3.3.12 (72)"


def add_leads(app, count):
    """`count` plain deals in bulk."""
    with app.app_context():
        now = utcnow()
        db.session.execute(insert(Deal), [
            {"name": f"Bulk {number}", "price": number, "pipeline_id": 1, "status_id": 1000,
             "created_at": now - timedelta(seconds=number), "updated_at": now}
            for number in range(count)
        ])
        db.session.commit()


def test_list_calls_count_the_elements_they_return(api, app, user, crm, set_limits):
    set_limits(list_limit=1000)
    assert len(assert_hal(api.get("leads?limit=5"))["_embedded"]["leads"]) == 5
    assert_hal(api.get("contacts"))
    assert counted(app, user, "list") == 8 and counted(app, user, "list", "api") == 8
    assert counted(app, user, "list", "web") == 0 and counted(app, user, "card") == 0


def test_empty_pages_and_reference_data_count_nothing(api, app, user, crm, set_limits):
    set_limits(card_limit=1000, list_limit=1000)
    for path in ("leads?query=no-such-deal", "leads/99999"):
        assert api.get(path).status_code == 204
    for path in ("account", "leads/pipelines", "leads/tags"):
        assert_hal(api.get(path))
    assert counted(app, user, "list") == 0 and counted(app, user, "card") == 0


def test_one_element_is_a_card_view_counted_once_per_window(api, app, user, crm, set_limits, clock):
    set_limits(card_limit=100, card_period="hour")
    for path in (f"leads/{crm.leads[0]}", f"leads/{crm.leads[0]}", f"contacts/{crm.contacts[0]}"):
        assert_hal(api.get(path))
    assert counted(app, user, "card") == 2 and counted(app, user, "card", "api") == 2
    assert counted(app, user, "list") == 0
    clock.advance(hours=1)
    assert_hal(api.get(f"leads/{crm.leads[0]}"))
    assert counted(app, user, "card") == 3  # a new window: the first view there counts again


def test_mobile_apps_count_every_element_as_list_elements_single_cards_included(api, app, user, crm, set_limits):
    set_limits(card_limit=100, list_limit=1000)
    for _ in range(2):
        assert_hal(api.get(f"leads/{crm.leads[0]}", app_header=MOBILE))
    assert_hal(api.get("leads?limit=5", app_header="ios/2.1.22"))
    assert counted(app, user, "list") == 7 and counted(app, user, "list", "mobile") == 7
    assert counted(app, user, "card") == 0


def test_outdated_apps_are_refused_before_anything_is_counted(api, app, user, crm, set_limits):
    set_limits(list_limit=1000)
    assert_problem(api.get("leads", app_header="android/3.3.11 (72)"), 426)
    assert_problem(api.get(f"leads/{crm.leads[0]}", app_header="ios/2.1.21"), 426)
    assert_problem(api.get("leads", app_header="android 3.3.12"), 400)
    assert counted(app, user, "list") == 0


def test_creating_and_editing_count_nothing(api, app, user, crm, set_limits):
    set_limits(card_limit=100, list_limit=100)
    assert_hal(api.post("leads", json=[{"name": "New"}]))
    assert_hal(api.patch(f"leads/{crm.leads[0]}", json={"price": 5}))
    assert_hal(api.post("leads", json=[{"name": "New"}], app_header=MOBILE))
    assert counted(app, user, "list") == 0 and counted(app, user, "card") == 0


def test_list_limit_120_serves_50_and_50_then_refuses_the_crossing_page_and_deactivates(
        api, app, user, admin, set_limits, make_token):
    add_leads(app, 160)
    set_limits(list_limit=120)
    other_token = make_token(user, name="Another integration")
    assert len(assert_hal(api.get("leads?limit=50&page=1"))["_embedded"]["leads"]) == 50
    assert len(assert_hal(api.get("leads?limit=50&page=2"))["_embedded"]["leads"]) == 50
    refused = api.get("leads?limit=50&page=3")
    assert_problem(refused, 403, "Deactivated by activity monitoring")
    assert "list elements" in refused.get_json()["detail"] and "120" in refused.get_json()["detail"]
    assert "_embedded" not in refused.get_json()
    assert not is_active(app, user)
    assert counted(app, user, "list") == 100  # nothing past the limit left the server
    assert_problem(api.get("leads?limit=1"), 401, "activity monitoring")
    assert_problem(api.get("account", token=other_token), 401)


def test_reaching_the_limit_exactly_is_served_and_later_calls_get_401(api, app, user, admin, crm, set_limits):
    set_limits(list_limit=10)
    assert len(assert_hal(api.get("leads?limit=10"))["_embedded"]["leads"]) == 10
    assert not is_active(app, user)
    assert_problem(api.get("leads?limit=1"), 401)


def test_card_limit_through_the_api(api, app, user, admin, crm, set_limits):
    set_limits(card_limit=2)
    assert_hal(api.get(f"leads/{crm.leads[0]}"))
    assert_hal(api.get(f"leads/{crm.leads[0]}"))  # the same card: not counted again
    assert_hal(api.get(f"companies/{crm.companies[0]}"))  # the second card reaches the limit: served
    assert not is_active(app, user)
    assert_problem(api.get(f"leads/{crm.leads[1]}"), 401)


def test_mobile_single_cards_reach_the_list_limit(api, app, user, admin, crm, set_limits):
    set_limits(list_limit=2)
    assert_hal(api.get(f"leads/{crm.leads[0]}", app_header=MOBILE))
    assert_hal(api.get(f"leads/{crm.leads[0]}", app_header=MOBILE))
    assert not is_active(app, user)
    assert_problem(api.get(f"leads/{crm.leads[0]}", app_header=MOBILE), 401)


def test_the_last_administrator_gets_429_with_retry_after_and_stays_active(admin_api, app, admin, crm,
                                                                          set_limits, clock):
    set_limits(list_limit=10, list_period="hour")
    response = admin_api.get("leads")  # 12 leads would pass 10
    assert_problem(response, 429, "list elements")
    next_hour = clock.now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    assert response.headers["Retry-After"] == str(int((next_hour - clock.now).total_seconds()))
    assert is_active(app, admin)
    assert counted(app, admin, "list") == 0


def test_monitoring_deactivation_revokes_the_tokens_for_good(api, app, user, admin, crm, set_limits, make_token):
    """Reactivating the person must not revive a script that ran away with their token."""
    from monitor import activity

    other_token = make_token(user, name="Reporting script")
    set_limits(list_limit=3)
    assert_hal(api.get("leads?limit=3"))  # exactly the limit: served, then deactivated
    assert_problem(api.get("account", token=other_token), 401, "activity monitoring")
    with app.app_context():
        activity.reactivate_user(db.session.get(User, user))
    assert_problem(api.get("account"), 401, "revoked")
    assert_problem(api.get("account", token=other_token), 401, "revoked")
    fresh = make_token(user, name="New token after the review")
    assert_hal(api.get("account", token=fresh))
