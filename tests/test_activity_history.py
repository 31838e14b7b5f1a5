"""The activity history (SPEC §8): recorded with or without limits, once a card a quarter hour, refused views
marked, nothing on other plans, and pruned after FLASK_ACTIVITY_HISTORY_DAYS."""
import pytest
from sqlalchemy import select

from monitor import activity
from monitor.db import db
from monitor.models import ActivityListView, ActivityMark, ActivityQuarter
from monitor.models.history import NO_EARLIER_VIEW
from tests.conftest import row_count
from tests.fixtures_activity import charge, counted


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
