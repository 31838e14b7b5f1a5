"""Tally on PostgreSQL: schema, demo data, search, export, and exact counting across gunicorn workers.

Each test gets a fresh database on a throwaway cluster (tests/fixtures_postgres.py); the
module's `app` runs on it. Skipped where the PostgreSQL server binaries are not installed.
"""
import csv
import io
import json
import re
from collections import Counter
from functools import partial

import pytest
from sqlalchemy import func, select, text

from monitor import activity, create_app
from monitor.db import db
from monitor.models import Company, Contact, Customer, Deal, Notification, Pipeline, User
from monitor.services import demo
from tests.conftest import DEMO_ADMINS, DEMO_DEALS, make_config, sign_in, user_id_of
from tests.fixtures_activity import charge, counted, events
from tests.fixtures_crm import row_names
from tests.fixtures_postgres import behind_admin_row_locks
from tests.servers import burst, fetch, gunicorn, in_parallel, redirect_path, signed_in_jar

pytestmark = pytest.mark.postgres

THREADS = 16
WORKERS = 4  # sync workers, one request each at a time


@pytest.fixture
def app_config(postgres_migrated):
    """The `app` fixture on a fresh PostgreSQL database with the newest schema."""
    return {"DATABASE_URL": postgres_migrated}


def invoke(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def _head_revision():
    from alembic.script import ScriptDirectory

    from monitor.schema import MIGRATIONS

    return ScriptDirectory(MIGRATIONS).get_current_head()


def test_init_db_twice_creates_the_schema_the_account_and_the_default_pipeline(postgres_database, tmp_path):
    app = create_app(make_config(tmp_path / "unused.sqlite3", DATABASE_URL=postgres_database))
    assert invoke(app, "init-db") == invoke(app, "init-db") == "Database is up to date.\n"
    with app.app_context():
        assert db.engine.dialect.name == "postgresql"
        assert db.session.scalar(text("SELECT version_num FROM alembic_version")) == _head_revision()
        [pipeline] = db.session.scalars(select(Pipeline)).all()
        assert pipeline.is_main
        assert [status.id for status in pipeline.statuses][-2:] == [142, 143]
        # SQLite's FTS5 search tables are not made on PostgreSQL.
        assert db.session.scalar(text("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'search_%'")) == 0


def test_demo_data_then_new_records_search_and_export(app, client):
    invoke(app, "demo-data", "--deals", "300")
    sign_in(client, demo.ADMIN_EMAIL, demo.ADMIN_PASSWORD)
    with app.app_context():
        phone, name = db.session.execute(select(Contact.phone, Contact.name).where(Contact.id == 7)).one()
        first_free = {entity: db.session.scalar(select(func.max(model.id))) + 1 for entity, model in (
            ("leads", Deal), ("contacts", Contact), ("companies", Company), ("customers", Customer))}
    # Demo data inserts explicit ids: the sequences must have moved past them.
    for entity, new_id in first_free.items():
        response = client.post(f"/{entity}/new", data={"name": f"Fresh {entity}"})
        assert response.status_code == 302, response.get_data(as_text=True)
        assert response.headers["Location"].endswith(f"/{entity}/{new_id}")
    supply = row_names(client.get("/leads?q=sUPPLY").data)  # ILIKE: case-insensitive substring
    assert supply and all("Supply" in deal for deal in supply)
    short = row_names(client.get("/leads?q=sU").data)  # a short query: names that start with it
    assert short and all(deal.startswith("Supply") for deal in short)
    assert row_names(client.get("/leads?q=pp").data) == []  # inside a word: three characters or more
    digits = re.sub(r"\D", "", phone)[-7:]
    assert name in row_names(client.get(f"/contacts?q={digits}").data)  # "+7 916 123-45-67" by bare digits
    export = client.get("/leads/export.csv")
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(export.get_data().decode("utf-8-sig"))))
    assert len(rows) == 1 + 301
    assert rows[1][1] == "Fresh leads"  # newest first


def test_cards_a_b_a_count_two(app, client, auth, user, crm, set_limits):
    set_limits(card_limit=100)
    auth.login()
    for entity, record_id in (("leads", crm.leads[0]), ("contacts", crm.contacts[0]), ("leads", crm.leads[0])):
        assert client.get(f"/{entity}/{record_id}").status_code == 200
    assert counted(app, user, "card") == 2


def test_crossing_the_limit_is_refused_and_not_counted(app, user, admin, set_limits):
    set_limits(list_limit=120)
    charge(app, user, elements=50)
    charge(app, user, elements=50)
    with pytest.raises(activity.LimitReached) as refused:
        charge(app, user, elements=50)
    assert (refused.value.status, refused.value.kind, refused.value.limit) == (403, "list", 120)
    assert counted(app, user, "list") == 100
    assert events(app) == [("deactivated", user)]


def test_exactly_n_cards_are_served_then_the_user_is_deactivated(app, client, auth, user, admin, crm, set_limits):
    set_limits(card_limit=3)
    auth.login()
    assert [client.get(f"/leads/{deal}").status_code for deal in crm.leads[:3]] == [200, 200, 200]
    beyond = client.get(f"/leads/{crm.leads[3]}")  # the third card was served, then the session ended
    assert beyond.status_code == 302 and "/login" in beyond.location
    assert counted(app, user, "card") == 3
    assert events(app) == [("deactivated", user)]
    with app.app_context():
        assert not db.session.get(User, user).active
        assert db.session.scalars(select(Notification.user_id)).all() == [admin]


def test_two_administrators_reaching_a_limit_at_once_leave_one_active(app, make_user, set_limits, postgres_migrated):
    """The last-administrator rule holds under PostgreSQL's concurrency, not only SQLite's single writer."""
    admins = [make_user("First Admin", admin=True), make_user("Second Admin", admin=True)]
    set_limits(card_limit=1)
    outcomes = []

    def reach_the_limit(admin_id):
        outcomes.append(_charge_outcome(app, admin_id, [("leads", 1)]))

    behind_admin_row_locks(postgres_migrated, *(partial(reach_the_limit, admin_id) for admin_id in admins))
    assert outcomes == ["served", "served"]  # each brought the count to exactly 1
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id)).where(User.is_admin.is_(True), User.active.is_(True))) == 1
    assert sorted(event for event, _user in events(app)) == ["deactivated", "last_admin"]


def _charge_outcome(app, user_id, cards):
    try:
        charge(app, user_id, cards=cards)
    except activity.LimitReached as refused:
        return refused.status
    return "served"


@pytest.fixture
def demo_gunicorn(app, demo_data, smtp_sink, postgres_migrated, tmp_path):
    """Demo data, then `gunicorn -w 4` on the test's PostgreSQL database; yields its base URL."""
    env = {"FLASK_MAIL_SERVER": "127.0.0.1", "FLASK_MAIL_PORT": str(smtp_sink.port), "FLASK_API_RATE_LIMIT": "1000"}
    with gunicorn(tmp_path / "postgres", workers=WORKERS, env=env, database_url=postgres_migrated) as base:
        yield base


@pytest.mark.slow
def test_sixteen_threads_opening_distinct_cards_get_exactly_the_limit(app, set_limits, demo_gunicorn, smtp_sink):
    set_limits(card_limit=50)
    jar = signed_in_jar(demo_gunicorn, "anna@tally.example", demo.DEMO_PASSWORD)

    def open_card(deal):
        reply = fetch(jar, f"{demo_gunicorn}/leads/{deal}")
        return reply.status, redirect_path(reply)

    answers = Counter(in_parallel(range(1, DEMO_DEALS + 1), open_card, THREADS))
    messages = smtp_sink.wait_for(2, timeout=15)

    print(f"PostgreSQL, {THREADS} threads, {WORKERS} workers, card limit 50: {dict(answers)}")
    # The 50th card is served and deactivates Anna. The requests the other workers had already taken past
    # sign-in by then are refused; every later one finds the session ended and is sent to sign in.
    refused = answers[403, None]
    assert answers == Counter({(200, None): 50, (403, None): refused, (302, "/login"): DEMO_DEALS - 50 - refused})
    assert refused < WORKERS
    anna = user_id_of(app, "anna@tally.example")
    with app.app_context():
        assert not db.session.get(User, anna).active
    assert counted(app, anna, "card") == 50
    assert events(app) == [("deactivated", anna)]
    with app.app_context():
        active_admins = db.session.scalars(select(User.id).where(User.is_admin.is_(True), User.active.is_(True))).all()
        assert sorted(db.session.scalars(select(Notification.user_id)).all()) == sorted(active_admins)
    assert sorted(m["to"][0] for m in messages) == DEMO_ADMINS


@pytest.mark.slow
def test_sixteen_threads_reading_list_pages_never_pass_the_list_limit(app, set_limits, make_token, demo_gunicorn):
    set_limits(list_limit=100)
    boris = user_id_of(app, "boris@tally.example")
    bearer = {"Authorization": f"Bearer {make_token(boris)}"}

    def page(number):
        reply = fetch(None, f"{demo_gunicorn}/api/v4/leads?limit=8&page={number % 15 + 1}", headers=bearer)
        return reply.status, len(json.loads(reply.body)["_embedded"]["leads"]) if reply.status == 200 else 0

    results = in_parallel(range(40), page, THREADS)
    served = sum(elements for _status, elements in results)
    statuses = Counter(status for status, _elements in results)

    print(f"PostgreSQL, {THREADS} threads, 8-element pages, list limit 100: {dict(statuses)}, {served} served")
    # 12 pages make 96; the 13th would make 104, so it is refused, not counted, and deactivates Boris.
    # The calls the other workers had already taken past the token check are refused too; every later
    # one finds the token dead.
    refused = statuses[403]
    assert (served, statuses) == (96, Counter({200: 12, 403: refused, 401: 40 - 12 - refused})), statuses
    assert 1 <= refused <= WORKERS
    assert counted(app, boris, "list") == 96
    assert events(app) == [("deactivated", boris)]


@pytest.mark.slow
def test_api_rate_limit_holds_across_two_gunicorn_workers(app, user, make_token, postgres_migrated, tmp_path):
    token = make_token(user)
    with gunicorn(tmp_path / "postgres", workers=2, database_url=postgres_migrated) as base:
        for _attempt in range(5):
            results, within_one_second = burst(f"{base}/api/v4/account", token, 16)
            if within_one_second:
                break
    assert within_one_second, "no burst fit into one second in 5 attempts"
    assert sorted(status for status, _retry in results) == [200] * 7 + [429] * 9
