"""Parallel requests from one user across real gunicorn worker processes never see more than N."""
from collections import Counter

import pytest
from sqlalchemy import func, select

from monitor.db import db
from monitor.models import ActivityCount, ActivityEvent, Notification, User
from monitor.services import demo
from tests.conftest import DEMO_ADMINS, DEMO_DEALS, user_id_of
from tests.servers import fetch, gunicorn, in_parallel, redirect_path, signed_in_jar

pytestmark = pytest.mark.slow

CARD_LIMIT = 50
THREADS = 16
WORKERS = 4  # sync workers, one request each at a time


@pytest.fixture
def shared_db(db_path, demo_data, smtp_sink, app, set_limits):
    """The test's database with demo data and a card limit, for gunicorn to serve."""
    set_limits(card_limit=CARD_LIMIT)
    with app.app_context():
        db.engine.dispose()
    return db_path


def test_sixteen_threads_opening_distinct_cards_get_exactly_the_limit(app, shared_db, smtp_sink):
    env = {"FLASK_MAIL_SERVER": "127.0.0.1", "FLASK_MAIL_PORT": str(smtp_sink.port)}
    with gunicorn(shared_db, workers=WORKERS, env=env) as base:
        jar = signed_in_jar(base, "anna@tally.example", demo.DEMO_PASSWORD)

        def open_card(deal_id):
            reply = fetch(jar, f"{base}/leads/{deal_id}")
            return reply.status, redirect_path(reply)

        answers = Counter(in_parallel(range(1, DEMO_DEALS + 1), open_card, THREADS))
        messages = smtp_sink.wait_for(2, timeout=15)

    print(f"answers over {THREADS} threads, {WORKERS} workers: {dict(answers)}")
    # The 50th card is served and deactivates Anna. The requests the other workers had already taken past
    # sign-in by then are refused; every later one finds the session ended and is sent to sign in.
    refused = answers[403, None]
    assert answers == Counter({(200, None): CARD_LIMIT, (403, None): refused,
                               (302, "/login"): DEMO_DEALS - CARD_LIMIT - refused})
    assert refused < WORKERS
    anna = user_id_of(app, "anna@tally.example")
    with app.app_context():
        assert not db.session.get(User, anna).active
        assert db.session.scalar(select(func.count(ActivityEvent.id))) == 1
        assert db.session.scalar(select(ActivityCount.total).where(ActivityCount.user_id == anna)) == CARD_LIMIT
        admins = db.session.scalar(select(func.count(User.id)).where(User.is_admin.is_(True)))
        assert db.session.scalar(select(func.count(Notification.id))) == admins
    assert sorted(m["to"][0] for m in messages) == DEMO_ADMINS
    assert len(smtp_sink.wait_for(3, timeout=1)) == 2  # and no more
