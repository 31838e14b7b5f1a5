"""Preview (SPEC §8): a replay of the recorded history equals what live counting did under the same limits.

A scenario of web card views and list pages by three users, on a frozen clock, runs live under
limits in Asia/Kathmandu (UTC+05:45) across local midnight. A user deactivated by a limit is
reactivated when that limit's window ends (as the preview assumes). Then the preview of the same
limits over the recorded views must list exactly the deactivations (or notify-only alerts) the
live run recorded: who, which limit, when, how many.
"""
import random
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from monitor import activity
from monitor.activity import preview
from monitor.activity.counting import Limits
from monitor.activity.windows import window_end
from monitor.db import db
from monitor.models import ActivityEvent, User
from tests.conftest import both_backends, sign_in

ZONE = "Asia/Kathmandu"  # UTC+05:45: local midnight of 28 November is 18:15 UTC on the 27th
BEGIN = datetime(2026, 11, 27, 15, 0, 0)  # 20:45 local
END = datetime(2026, 11, 27, 21, 30, 0)  # 03:15 local, the next day
LISTS = ("/leads", "/leads?page=3", "/leads?q=Deal+00", "/leads?q=Deal+01", "/leads?q=Deal+120")
USERS = (("Petra", "petra@example.com"), ("Quentin", "quentin@example.com"), ("Rosa", "rosa@example.com"))


def _scenario(seed):
    """(time, user index, url) in time order: card opens over a pool with repeats, and list pages."""
    rng = random.Random(seed)
    moment, steps = BEGIN, []
    while moment < END:
        moment += timedelta(seconds=rng.randint(20, 160))
        who = rng.randrange(len(USERS))
        if rng.random() < 0.6:
            steps.append((moment, who, f"/leads/{rng.randint(1, 14)}"))
        else:
            steps.append((moment, who, rng.choice(LISTS)))
    return steps


def _run_live(app, clock, make_user, crm_builder, set_limits, limits, seed):
    """Run the scenario live under `limits`; the users' ids."""
    for number in range(1, 121):
        crm_builder.at(BEGIN - timedelta(days=3)).deal(f"Deal {number:03d}")
    admin = make_user("Ada Admin", "ada@example.com", admin=True)
    ids = [make_user(name, email) for name, email in USERS]
    set_limits(limits.card_limit, limits.card_period, limits.list_limit, limits.list_period, limits.action, ZONE)
    clients = [app.test_client() for _ in USERS]
    clock.set(BEGIN)
    for client, (_name, email) in zip(clients, USERS, strict=True):
        sign_in(client, email)
    back_at = {}  # user index -> when an administrator reactivates them
    shown = 0
    for moment, who, url in _scenario(seed):
        if who in back_at:
            if moment < back_at[who]:
                continue  # deactivated: an inactive account sees nothing and records nothing
            _reactivate(app, clock, ids[who], admin, back_at.pop(who))
            clock.set(moment)
            assert sign_in(clients[who], USERS[who][1]).status_code == 302
        clock.set(moment)
        response = clients[who].get(url)
        assert response.status_code in (200, 403), url
        shown += response.status_code == 200
        event = _deactivation_now(app, ids[who], moment)
        if event is not None:
            back_at[who] = window_end(moment, event.period, ZONE)
    assert shown > 100
    return ids


def _reactivate(app, clock, user_id, admin_id, moment):
    clock.set(moment)
    with app.app_context():
        activity.reactivate_user(db.session.get(User, user_id), by=db.session.get(User, admin_id))


def _deactivation_now(app, user_id, moment):
    with app.app_context():
        return db.session.scalar(select(ActivityEvent).where(
            ActivityEvent.user_id == user_id, ActivityEvent.event == ActivityEvent.DEACTIVATED,
            ActivityEvent.created_at == moment))


def _live_events(app, name):
    with app.app_context():
        events = db.session.scalars(select(ActivityEvent).where(ActivityEvent.event == name)
                                    .order_by(ActivityEvent.created_at, ActivityEvent.id)).all()
        return [(e.user_id, e.counter, e.limit_value, e.period, e.created_at, e.count, e.window_start)
                for e in events]


def _previewed(app, clock, limits, days=2):
    with app.app_context():
        result = preview.run(limits, days, now=clock())
        return [(s.user_id, s.counter, s.limit, s.period, s.at, s.count, s.window_start) for s in result.stops]


SCENARIOS = {
    "cards per hour, list elements per day": Limits(6, "hour", 300, "day", "deactivate", ZONE),
    "cards per day, list elements per hour": Limits(9, "day", 90, "hour", "deactivate", ZONE),
}


@both_backends
@pytest.mark.parametrize("limits", SCENARIOS.values(), ids=SCENARIOS.keys())
def test_a_preview_of_the_live_limits_lists_exactly_the_live_deactivations(
        app, clock, make_user, crm_builder, set_limits, limits):
    _run_live(app, clock, make_user, crm_builder, set_limits, limits, seed=7)
    live = _live_events(app, ActivityEvent.DEACTIVATED)
    counters = {event[1] for event in live}
    assert counters == {"card", "list"}, live  # both limits bit
    assert len({event[0] for event in live}) == len(USERS)
    midnight = datetime(2026, 11, 27, 18, 15)  # local midnight
    assert any(e[4] < midnight for e in live) and any(e[4] >= midnight for e in live)
    assert any(e[5] < e[2] for e in live)  # a refused page: deactivated having seen less than the limit
    assert _previewed(app, clock, limits) == live


def test_a_notify_only_preview_lists_exactly_the_live_alerts(app, clock, make_user, crm_builder, set_limits):
    limits = Limits(6, "hour", 90, "hour", "notify", ZONE)
    _run_live(app, clock, make_user, crm_builder, set_limits, limits, seed=11)
    live = _live_events(app, ActivityEvent.LIMIT_REACHED)
    assert {event[1] for event in live} == {"card", "list"} and len(live) > 6
    assert _live_events(app, ActivityEvent.DEACTIVATED) == []
    assert _previewed(app, clock, limits) == live
