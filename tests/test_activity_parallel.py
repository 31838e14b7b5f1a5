"""Parallel requests from one user across real gunicorn worker processes never see more than N."""
import queue
import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from monitor import create_app
from monitor.db import db
from monitor.models import ActivityCount, ActivityEvent, Notification, User
from monitor.services import demo
from tests.conftest import make_config
from tests.servers import gunicorn, signed_in_opener, status_of

CARD_LIMIT = 50
THREADS = 16
CARDS_TO_TRY = 120


@pytest.fixture
def shared_db(db_path, clock, smtp_sink, app):
    """The test's database with demo data and a card limit, for gunicorn to serve."""
    with app.app_context():
        app.test_cli_runner().invoke(args=["demo-data", "--deals", str(CARDS_TO_TRY)])
        from monitor.activity import settings as activity_settings

        activity_settings.save_settings(str(CARD_LIMIT), "day", "", "day", "deactivate", "UTC")
        db.engine.dispose()
    return db_path


def test_sixteen_threads_opening_distinct_cards_get_exactly_the_limit(shared_db, smtp_sink):
    env = {"FLASK_MAIL_SERVER": "127.0.0.1", "FLASK_MAIL_PORT": str(smtp_sink.port)}
    with gunicorn(shared_db, workers=4, env=env) as base:
        jar = signed_in_opener(base, "anna@tally.example", demo.DEMO_PASSWORD)
        cards = queue.Queue()
        for deal_id in range(1, CARDS_TO_TRY + 1):
            cards.put(deal_id)
        statuses = Counter()
        lock = threading.Lock()

        def worker():
            while True:
                try:
                    deal_id = cards.get_nowait()
                except queue.Empty:
                    return
                status = status_of(jar, f"{base}/leads/{deal_id}")
                with lock:
                    statuses[status] += 1

        threads = [threading.Thread(target=worker) for _ in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        messages = smtp_sink.wait_for(2, timeout=15)

    print(f"statuses over {THREADS} threads, 4 workers: {dict(statuses)}")
    assert statuses[200] == CARD_LIMIT, statuses
    assert sum(statuses.values()) == CARDS_TO_TRY
    assert set(statuses) <= {200, 302, 403}, statuses  # refused, or sent to sign in
    app = create_app(make_config(shared_db))
    with app.app_context():
        anna = db.session.scalar(select(User).where(User.email == "anna@tally.example"))
        assert not anna.active
        assert db.session.scalar(select(func.count(ActivityEvent.id))) == 1
        assert db.session.scalar(select(ActivityCount.total).where(ActivityCount.user_id == anna.id)) == CARD_LIMIT
        admins = db.session.scalar(select(func.count(User.id)).where(User.is_admin.is_(True)))
        assert db.session.scalar(select(func.count(Notification.id))) == admins
    assert sorted(m["to"][0] for m in messages) == ["admin@tally.example", "dmitry@tally.example"]
    assert len(smtp_sink.wait_for(3, timeout=1)) == 2  # and no more
