"""Parallel requests from one user across real gunicorn worker processes never see more than N, on SQLite
and on PostgreSQL: counting and the check are one atomic step in the database, not in one process."""
import json
from collections import Counter

import pytest
from sqlalchemy import select

from monitor.db import db
from monitor.models import Notification
from monitor.services import demo
from tests.conftest import DEMO_ADMINS, DEMO_DEALS, both_backends, user_id_of
from tests.fixtures_activity import counted, events, is_active
from tests.servers import fetch, gunicorn, in_parallel, redirect_path, signed_in_jar

pytestmark = [pytest.mark.slow, both_backends]

THREADS = 16
WORKERS = 4  # sync workers, one request each at a time


@pytest.fixture
def demo_gunicorn(app, demo_data, database_url, db_path, smtp_sink):
    """`gunicorn -w 4` over the demo data in the test's database, mailing to the SMTP sink; yields its base URL."""
    with app.app_context():
        db.engine.dispose()
    env = {"FLASK_MAIL_SERVER": "127.0.0.1", "FLASK_MAIL_PORT": str(smtp_sink.port), "FLASK_API_RATE_LIMIT": "1000"}
    with gunicorn(db_path, workers=WORKERS, env=env, database_url=database_url) as base:
        yield base


def test_sixteen_threads_opening_distinct_cards_get_exactly_the_limit(app, backend, set_limits, demo_gunicorn,
                                                                      smtp_sink):
    set_limits(card_limit=50)
    jar = signed_in_jar(demo_gunicorn, "anna@tally.example", demo.DEMO_PASSWORD)

    def open_card(deal):
        reply = fetch(jar, f"{demo_gunicorn}/leads/{deal}")
        return reply.status, redirect_path(reply)

    answers = Counter(in_parallel(range(1, DEMO_DEALS + 1), open_card, THREADS))
    messages = smtp_sink.wait_for(2, timeout=15)

    print(f"{backend}, {THREADS} threads, {WORKERS} workers, card limit 50: {dict(answers)}")
    # The 50th card is served and deactivates Anna. The requests the other workers had already taken past
    # sign-in by then are refused; every later one finds the session ended and is sent to sign in.
    refused = answers[403, None]
    assert answers == Counter({(200, None): 50, (403, None): refused, (302, "/login"): DEMO_DEALS - 50 - refused})
    assert refused < WORKERS
    anna = user_id_of(app, "anna@tally.example")
    assert not is_active(app, anna)
    assert counted(app, anna, "card") == 50
    assert events(app) == [("deactivated", anna)]
    with app.app_context():
        notified = sorted(db.session.scalars(select(Notification.user_id)))
    assert notified == sorted(user_id_of(app, email) for email in DEMO_ADMINS)
    assert sorted(m["to"][0] for m in messages) == DEMO_ADMINS
    assert len(smtp_sink.wait_for(3, timeout=1)) == 2  # and no more


def test_sixteen_threads_reading_list_pages_never_pass_the_list_limit(app, backend, set_limits, make_token,
                                                                      demo_gunicorn):
    set_limits(list_limit=100)
    boris = user_id_of(app, "boris@tally.example")
    bearer = {"Authorization": f"Bearer {make_token(boris)}"}

    def read_page(number):
        reply = fetch(None, f"{demo_gunicorn}/api/v4/leads?limit=8&page={number % 15 + 1}", headers=bearer)
        return reply.status, len(json.loads(reply.body)["_embedded"]["leads"]) if reply.status == 200 else 0

    results = in_parallel(range(40), read_page, THREADS)
    served = sum(elements for _status, elements in results)
    statuses = Counter(status for status, _elements in results)

    print(f"{backend}, {THREADS} threads, 8-element pages, list limit 100: {dict(statuses)}, {served} served")
    # 12 pages make 96; the 13th would make 104, so it is refused, not counted, and deactivates Boris.
    # The calls the other workers had already taken past the token check are refused too; every later
    # one finds the token dead.
    refused = statuses[403]
    assert (served, statuses) == (96, Counter({200: 12, 403: refused, 401: 40 - 12 - refused})), statuses
    assert 1 <= refused <= WORKERS
    assert counted(app, boris, "list") == 96
    assert [e for e in events(app) if e[0] != "token_created"] == [("deactivated", boris)]  # the token is audited
