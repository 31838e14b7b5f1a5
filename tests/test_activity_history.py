"""The activity history (SPEC §8): recorded with or without limits, once a card a quarter hour, refused views
marked, nothing on other plans, and pruned after FLASK_ACTIVITY_HISTORY_DAYS."""
from datetime import datetime

import pytest
from sqlalchemy import select

from monitor import activity
from monitor.activity import usage as activity_usage
from monitor.db import db
from monitor.models import ActivityCount, ActivityListView, ActivityMark, ActivityQuarter, User
from monitor.models.history import NO_EARLIER_VIEW
from tests.conftest import row_count
from tests.fixtures_activity import charge, counted, is_active


def quarters(app):
    """(kind, channel, gap, shown, refused) of every quarter-hour row, in time order."""
    with app.app_context():
        rows = db.session.scalars(select(ActivityQuarter).order_by(
            ActivityQuarter.quarter, ActivityQuarter.counter, ActivityQuarter.gap)).all()
        return [(r.counter, r.channel, r.gap, r.shown, r.refused) for r in rows]


def test_views_are_recorded_and_counted_with_no_limit_set(app, user, clock):
    charge(app, user, cards=[("leads", 1)])
    charge(app, user, "api", elements=50)
    assert quarters(app) == [("card", "web", NO_EARLIER_VIEW, 1, 0), ("list", "api", 0, 50, 0)]
    # The live counts run too, so the usage page shows what was seen before any limit exists.
    assert counted(app, user, "card") == 1 and counted(app, user, "list") == 50


def test_the_usage_page_shows_real_numbers_before_any_limit(client, signed_in_admin, app, user):
    charge(app, user, cards=[("leads", 1)])
    charge(app, user, cards=[("contacts", 1)])
    charge(app, user, elements=37)
    page = client.get("/settings/activity/usage").get_data(as_text=True)
    row = page[page.index("ulla@example.com"):]
    row = row[:row.index("</tr>")]
    assert ">2<" in row.replace(" ", "") and ">37<" in row.replace(" ", "")


def test_a_card_is_marked_once_a_quarter_hour_with_its_gap(app, user, clock):
    clock.set(clock().replace(minute=1))
    charge(app, user, cards=[("leads", 1)])
    clock.advance(minutes=5)
    charge(app, user, cards=[("leads", 1)])  # the same quarter: nothing new
    clock.advance(minutes=30)
    charge(app, user, "api", cards=[("leads", 1)])  # two quarters later
    with app.app_context():
        marks = db.session.scalars(select(ActivityMark).order_by(ActivityMark.quarter)).all()
        assert [(m.channel, m.gap) for m in marks] == [("web", NO_EARLIER_VIEW), ("api", 2)]
        assert marks[0].at_ms % 1000 == 0 and marks[1].quarter - marks[0].quarter == 2


def test_a_refused_view_is_recorded_as_refused(app, user, admin, set_limits):
    set_limits(list_limit=60)
    charge(app, user, elements=50)
    with pytest.raises(activity.LimitReached):
        charge(app, user, elements=50)
    assert quarters(app) == [("list", "web", 0, 50, 50)]
    with app.app_context():
        views = db.session.scalars(select(ActivityListView).order_by(ActivityListView.id)).all()
        assert [(v.elements, v.refused) for v in views] == [(50, False), (50, True)]


@pytest.mark.app_config(PLAN="basic")
def test_other_plans_record_nothing(app, user):
    charge(app, user, cards=[("leads", 1)], elements=5)
    assert row_count(app, "activity_quarters") == row_count(app, "activity_marks") == 0
    assert row_count(app, "activity_list_views") == 0


@pytest.mark.app_config(ACTIVITY_HISTORY_DAYS=2)
def test_prune_keeps_the_history_days_and_drops_older(app, user, clock, runner):
    charge(app, user, cards=[("leads", 1)], elements=5)
    clock.advance(days=2, minutes=20)
    charge(app, user, cards=[("leads", 2)], elements=7)
    result = runner.invoke(args=["prune"])
    assert "history (quarter hours): 2" in result.output, result.output
    assert "history (cards): 1" in result.output and "history (lists): 1" in result.output
    assert quarters(app) == [("card", "web", NO_EARLIER_VIEW, 1, 0), ("list", "web", 0, 7, 0)]


def _window_counts(app, user_id):
    """{counter: total} of the user's rows in the current windows."""
    with app.app_context():
        windows = activity_usage.current_windows()
        return {counter: db.session.scalar(select(ActivityCount.total).where(
            ActivityCount.user_id == user_id, ActivityCount.counter == counter,
            ActivityCount.window_start == start)) or 0 for counter, (start, _end) in windows.items()}


def test_a_new_period_counts_what_the_history_holds_for_its_window(app, user, admin, set_limits, clock):
    clock.set(datetime(2026, 11, 27, 9, 50))
    charge(app, user, cards=[("leads", 9)], elements=50)  # the hour before: not in the new hourly window
    clock.set(datetime(2026, 11, 27, 10, 5))
    for record in (1, 2, 3, 4, 1):
        charge(app, user, cards=[("leads", record)])
        clock.advance(minutes=3)
    charge(app, user, "api", elements=30)
    set_limits(card_limit=5, card_period="hour", list_limit=40, list_period="hour")
    assert _window_counts(app, user) == {"card": 4, "list": 30}
    charge(app, user, cards=[("leads", 2)])  # opened this hour already: free
    assert is_active(app, user)
    charge(app, user, cards=[("leads", 5)])  # the fifth card this hour
    assert not is_active(app, user)


def test_a_new_time_zone_counts_from_its_own_midnight(app, user, set_limits, clock):
    clock.set(datetime(2026, 11, 27, 18, 20))  # 23:50 in Asia/Kolkata
    charge(app, user, cards=[("leads", 1)])
    charge(app, user, cards=[("leads", 2)])
    clock.set(datetime(2026, 11, 27, 18, 35))  # 00:05 the next day there
    charge(app, user, cards=[("leads", 2)])
    charge(app, user, cards=[("leads", 3)], elements=7)
    assert _window_counts(app, user) == {"card": 3, "list": 7}  # one UTC day
    set_limits(timezone="Asia/Kolkata")
    assert _window_counts(app, user) == {"card": 2, "list": 7}


def test_the_recount_starts_at_a_reactivation(app, user, admin, set_limits, clock):
    set_limits(card_limit=2, card_period="day")
    clock.set(datetime(2026, 11, 27, 10, 5))
    charge(app, user, cards=[("leads", 1)])
    charge(app, user, cards=[("leads", 2)])  # reaches 2: deactivated
    assert not is_active(app, user)
    clock.set(datetime(2026, 11, 27, 10, 40))
    with app.app_context():
        activity.reactivate_user(db.session.get(User, user))
    charge(app, user, cards=[("leads", 3)])
    set_limits(card_limit=2, card_period="hour")
    assert _window_counts(app, user)["card"] == 1  # only what came after the reactivation


def test_windows_of_every_zone_move_forward_across_2026_and_2027():
    """Lord Howe's half-hour fall-back once ended an hour where it began: building windows never returned."""
    from zoneinfo import available_timezones

    from monitor.activity.recording import quarter_of
    from monitor.activity.timeline import Windows

    start, end = quarter_of(datetime(2026, 1, 1)), quarter_of(datetime(2028, 1, 1))
    for zone in ("Australia/Lord_Howe", "Pacific/Chatham", "Antarctica/Troll", "Asia/Kathmandu"):
        assert zone in available_timezones()
        for period in ("hour", "day"):
            starts = Windows(start, end, period, zone).starts
            assert all(b > a for a, b in zip(starts, starts[1:], strict=False))
            assert max(b - a for a, b in zip(starts, starts[1:], strict=False)) <= NO_EARLIER_VIEW


def test_a_csv_ending_on_the_first_day_there_is_is_a_400(client, signed_in_admin):
    assert client.get("/settings/activity/usage.csv?to=0001-01-01").status_code == 400
