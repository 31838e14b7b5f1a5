"""What only PostgreSQL needs proving: the schema by `init-db`, sequences after the demo data's explicit ids,
the search without SQLite's FTS5, and the last-administrator rule under its row locks.

The scenarios every database must pass (counting, limits, parallel workers, the API rate limit) run on both
SQLite and PostgreSQL where they are written (`both_backends` in tests/conftest.py). Each test here gets a
fresh database on a throwaway cluster (tests/fixtures_postgres.py); skipped where the server binaries are
not installed.
"""
import csv
import io
import re
import threading
from functools import partial

import psycopg
import pytest
from sqlalchemy import func, select, text

from monitor import activity, create_app
from monitor.db import db
from monitor.models import Company, Contact, Customer, Deal, Pipeline, User
from monitor.services import demo
from tests.conftest import make_config, sign_in
from tests.fixtures_activity import charge, events
from tests.fixtures_crm import row_names
from tests.fixtures_postgres import behind_admin_row_locks

pytestmark = pytest.mark.postgres


@pytest.fixture
def backend():
    """The `app` fixture on a fresh PostgreSQL database with the newest schema."""
    return "postgresql"


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
    assert invoke(app, "init-db") == f"Database created (schema {_head_revision()}).\n"
    assert invoke(app, "init-db") == "Database is up to date.\n"
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


def test_two_administrators_reaching_a_limit_at_once_leave_one_active(app, make_user, set_limits, database_url):
    """The last-administrator rule holds under PostgreSQL's concurrency, not only SQLite's single writer."""
    admins = [make_user("First Admin", admin=True), make_user("Second Admin", admin=True)]
    set_limits(card_limit=1)
    outcomes = []

    def reach_the_limit(admin_id):
        outcomes.append(_charge_outcome(app, admin_id, [("leads", 1)]))

    behind_admin_row_locks(database_url, *(partial(reach_the_limit, admin_id) for admin_id in admins))
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


def test_a_save_racing_another_for_one_new_tag_creates_the_rest(app, postgres_migrated):
    """Another request creates tag 'new1' while this save adds 'new1, new2': both end up on the deal."""
    from monitor.services import records
    from tests.fixtures_postgres import _wait_for_lock_waits

    conninfo = postgres_migrated.replace("postgresql+psycopg://", "postgresql://")
    outcome = {}

    def save():
        with app.app_context():
            try:
                deal = records.create_record("leads", {"name": "Raced", "tags": "new1, new2"})
                outcome["tags"] = sorted(tag.name for tag in deal.tags)
            except Exception as error:  # noqa: BLE001 (the outcome is asserted below)
                outcome["error"] = repr(error)

    with psycopg.connect(conninfo) as other, psycopg.connect(conninfo, autocommit=True) as observer:
        other.execute("INSERT INTO tags (entity, name, key) VALUES ('lead', 'new1', 'new1')")
        thread = threading.Thread(target=save)
        thread.start()
        _wait_for_lock_waits(observer, 1)
        other.commit()
        thread.join(timeout=30)
    assert outcome == {"tags": ["new1", "new2"]}


def test_the_app_s_connections_never_jit_compile_and_demo_data_leaves_the_planner_its_statistics(app):
    invoke(app, "demo-data", "--deals", "100")
    with app.app_context():
        assert db.session.scalar(text("SHOW jit")) == "off"  # a list walk's whole-table estimate compiled it
        analyzed = db.session.scalar(text(
            "SELECT count(*) FROM pg_stat_user_tables WHERE relname IN ('deals', 'contacts', 'companies', 'customers')"
            " AND (last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL)"))
    assert analyzed == 4
