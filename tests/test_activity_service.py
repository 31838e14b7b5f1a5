"""The counting service itself: windows, first-view rule, limits, alerts, reactivation."""
from datetime import datetime

import pytest
from sqlalchemy import func, select

from monitor import activity
from monitor.activity.windows import window_end, window_start
from monitor.db import db
from monitor.models import ActivityCount, ActivityEvent, Notification, OutboxMessage, User
from tests.conftest import both_backends
from tests.fixtures_activity import charge, counted, events, is_active


def test_cards_a_b_a_count_two(app, user, set_limits):
    set_limits(card_limit=100)
    for card in (("leads", 1), ("contacts", 7), ("leads", 1)):
        charge(app, user, cards=[card])
    assert counted(app, user, "card") == 2


def test_list_elements_sum_across_entities(app, user, set_limits):
    set_limits(list_limit=1000)
    for n in (50, 50, 7):
        charge(app, user, elements=n)
    assert counted(app, user, "list") == 107


def test_reaching_the_limit_exactly_is_served_then_deactivates(app, user, admin, set_limits):
    set_limits(card_limit=3)
    charge(app, user, cards=[("leads", 1), ("leads", 2)])
    charge(app, user, cards=[("leads", 3)])  # served: no exception
    assert not is_active(app, user)
    with app.app_context():
        # The fast path counted two, the exact path the third: both found the same row.
        assert db.session.scalars(select(ActivityCount.total)).all() == [3]
        event = db.session.scalar(select(ActivityEvent))
        assert (event.event, event.counter, event.limit_value, event.period, event.count) == (
            "deactivated", "card", 3, "day", 3)


@both_backends
def test_crossing_the_limit_is_refused_and_not_counted(app, user, admin, set_limits):
    set_limits(list_limit=120)
    charge(app, user, elements=50)
    charge(app, user, elements=50)
    with pytest.raises(activity.LimitReached) as refused:
        charge(app, user, elements=50)
    assert refused.value.status == 403
    assert (refused.value.counter, refused.value.limit, refused.value.period) == ("list", 120, "day")
    assert counted(app, user, "list") == 100
    assert not is_active(app, user)
    assert events(app) == [("deactivated", user)]
    with app.app_context():
        event = db.session.scalar(select(ActivityEvent))
        assert (event.count, event.requested) == (100, 50)


def test_requests_after_deactivation_are_refused(app, user, admin, set_limits):
    set_limits(card_limit=1)
    charge(app, user, cards=[("leads", 1)])
    with pytest.raises(activity.LimitReached):
        charge(app, user, elements=5)
    with app.app_context():
        assert db.session.scalar(select(func.count(ActivityEvent.id))) == 1


def test_hour_window_resets_at_the_hour(app, user, set_limits, clock):
    set_limits(card_limit=10, card_period="hour")
    clock.set(datetime(2026, 11, 27, 10, 59, 0))
    charge(app, user, cards=[("leads", 1)])
    charge(app, user, cards=[("leads", 2)])
    clock.set(datetime(2026, 11, 27, 11, 0, 0))
    charge(app, user, cards=[("leads", 1)])  # first view again in the new window
    with app.app_context():
        rows = db.session.scalars(select(ActivityCount).order_by(ActivityCount.window_start)).all()
        assert [(r.window_start.hour, r.total) for r in rows] == [(10, 2), (11, 1)]


def test_day_window_follows_the_account_time_zone(app, user, set_limits, clock):
    set_limits(list_limit=1000, list_period="day", timezone="Europe/Moscow")  # UTC+3
    clock.set(datetime(2026, 11, 27, 20, 59, 0))  # 23:59 in Moscow
    charge(app, user, elements=10)
    clock.set(datetime(2026, 11, 27, 21, 0, 0))  # 00:00 in Moscow: a new day
    charge(app, user, elements=5)
    with app.app_context():
        rows = db.session.scalars(select(ActivityCount).order_by(ActivityCount.window_start)).all()
        assert [(r.window_start, r.total) for r in rows] == [
            (datetime(2026, 11, 26, 21, 0), 10), (datetime(2026, 11, 27, 21, 0), 5)]


def test_window_helpers_handle_half_hour_zones_and_dst():
    assert window_start(datetime(2026, 11, 27, 10, 10), "hour", "Asia/Kolkata") == datetime(2026, 11, 27, 9, 30)
    # Europe/Berlin springs forward on 2026-03-29: that local day lasts 23 hours.
    start = window_start(datetime(2026, 3, 29, 12, 0), "day", "Europe/Berlin")
    assert start == datetime(2026, 3, 28, 23, 0)
    assert window_end(datetime(2026, 3, 29, 12, 0), "day", "Europe/Berlin") == datetime(2026, 3, 29, 22, 0)


def test_each_admin_gets_a_notification_and_an_outbox_mail(app, user, admin, make_user, set_limits):
    second = make_user("Bob Boss", "bob@example.com", admin=True)
    make_user("Passive Admin", "off@example.com", admin=True, active=False)
    set_limits(card_limit=1)
    charge(app, user, cards=[("companies", 5)])
    with app.app_context():
        assert sorted(n.user_id for n in db.session.scalars(select(Notification))) == sorted([admin, second])
        mails = db.session.scalars(select(OutboxMessage)).all()
        assert sorted(m.recipient for m in mails) == ["ada@example.com", "bob@example.com"]
        assert "Ulla User" in mails[0].subject
        assert "card views: 1 per day" in mails[0].body


def test_alert_email_is_in_the_admins_language(app, user, admin, set_limits):
    with app.app_context():
        db.session.get(User, admin).language = "ru"
        db.session.commit()
    set_limits(list_limit=10, list_period="hour")
    charge(app, user, elements=10)
    with app.app_context():
        mail = db.session.scalar(select(OutboxMessage))
        assert "деактивирован" in mail.subject
        assert "элементы списков: 10 в час" in mail.body


def test_notify_only_alerts_once_per_window_and_refuses_nothing(app, user, admin, set_limits, clock):
    set_limits(list_limit=10, action="notify")
    for _ in range(4):
        charge(app, user, elements=6)  # 6, 12, 18, 24: never refused
    assert is_active(app, user)
    assert counted(app, user, "list") == 24
    with app.app_context():
        assert db.session.scalar(select(func.count(Notification.id))) == 1
    clock.advance(days=1)
    charge(app, user, elements=11)
    with app.app_context():
        assert db.session.scalar(select(func.count(Notification.id))) == 2


def test_last_active_admin_gets_429_and_stays_active(app, admin, set_limits, clock):
    clock.set(datetime(2026, 11, 27, 10, 30, 0))
    set_limits(card_limit=2, card_period="hour")
    charge(app, admin, cards=[("leads", 1), ("leads", 2)])  # exactly the limit: served
    with pytest.raises(activity.LimitReached) as refused:
        charge(app, admin, cards=[("leads", 3)])
    assert refused.value.status == 429
    assert refused.value.retry_after == 30 * 60
    assert is_active(app, admin)
    with app.app_context():
        event = db.session.scalar(select(ActivityEvent))  # one alert, no deactivation
        assert db.session.scalar(select(func.count(ActivityEvent.id))) == 1
        assert (event.event, event.count) == ("last_admin", 2)
        body = db.session.scalar(select(OutboxMessage.body))
        assert "last active administrator" in body and "nothing was refused" not in body


def test_an_admin_who_is_not_the_last_is_deactivated(app, admin, make_user, set_limits):
    other = make_user("Other Admin", "other@example.com", admin=True)
    set_limits(card_limit=1)
    charge(app, other, cards=[("leads", 1)])
    assert not is_active(app, other)
    with app.app_context():
        assert [n.user_id for n in db.session.scalars(select(Notification))] == [admin]


def test_reactivation_restarts_counts_and_is_in_the_history(app, user, admin, set_limits):
    set_limits(card_limit=2)
    charge(app, user, cards=[("leads", 1), ("leads", 2)])
    assert not is_active(app, user)
    with app.app_context():
        activity.reactivate_user(db.session.get(User, user), by=db.session.get(User, admin))
    assert is_active(app, user)
    assert counted(app, user, "card") == 0
    charge(app, user, cards=[("leads", 1)])  # seen before, but counts restarted
    assert counted(app, user, "card") == 1
    assert is_active(app, user)
    with app.app_context():
        history = db.session.scalars(select(ActivityEvent).order_by(ActivityEvent.id)).all()
        assert [(e.event, e.by_user_id) for e in history] == [("deactivated", None), ("reactivated", admin)]


def test_other_plans_count_nothing(app, user, set_limits):
    set_limits(card_limit=1)
    app.config["PLAN"] = "advanced"
    charge(app, user, cards=[("leads", 1), ("leads", 2)])
    assert counted(app, user, "card") == 0 and is_active(app, user)


def test_mobile_and_api_channels_are_split(app, user, set_limits):
    set_limits(list_limit=100)
    charge(app, user, "web", elements=3)
    charge(app, user, "api", elements=4)
    charge(app, user, "mobile", elements=5)
    with app.app_context():
        row = db.session.scalar(select(ActivityCount))
        assert (row.total, row.web, row.api, row.mobile) == (12, 3, 4, 5)


def test_deactivation_message_names_the_limit(app, user, admin, set_limits):
    set_limits(list_limit=5, list_period="hour")
    charge(app, user, elements=5)
    with app.app_context():
        message = activity.deactivation_message(db.session.get(User, user))
    assert "list elements: 5 per hour" in message


def test_prune_drops_past_card_views_and_old_counts(app, user, set_limits, clock, runner):
    set_limits(card_limit=100, card_period="hour")
    charge(app, user, cards=[("leads", 1)])
    clock.advance(days=31)
    charge(app, user, cards=[("leads", 2)])
    result = runner.invoke(args=["prune"])
    assert "card views: 1" in result.output and "counts: 1" in result.output
    assert counted(app, user, "card") == 1


def test_counting_binds_times_as_the_orm_stores_them(app, user, set_limits):
    """Raw statements and the ORM must agree on window_start, or resets and usage miss rows."""
    set_limits(list_limit=100)
    charge(app, user, elements=3)
    with app.app_context():
        start = db.session.scalar(select(ActivityCount.window_start))
        assert db.session.scalar(select(ActivityCount.total).where(ActivityCount.window_start == start)) == 3
        raw = db.session.connection().exec_driver_sql("SELECT window_start FROM activity_counts").scalar()
        assert raw == "2026-11-27 00:00:00.000000"
