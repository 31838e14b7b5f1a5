"""flask backup / flask restore: consistent copies while servers write, checked before they are trusted."""
import json
import os
import random
import sqlite3
import threading
import time
from datetime import datetime

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, select

from monitor import create_app, schema
from monitor.db import db
from monitor.models import User
from tests.conftest import make_config
from tests.servers import fetch, flask_cli

BATCH = 10


def rows(path, sql):
    with sqlite3.connect(path) as connection:
        return connection.execute(sql).fetchall()


def integrity(path):
    return rows(path, "PRAGMA integrity_check")


def user_emails(app):
    with app.app_context():
        return set(db.session.scalars(select(User.email)))


class BatchWriter:
    """Another connection committing batches of BATCH contacts, one transaction each, until stopped."""

    def __init__(self, path):
        self.path = path
        self.batches = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        connection = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        now = datetime(2026, 11, 27, 10, 0).isoformat(" ")
        while not self._stop.is_set():
            connection.execute("BEGIN IMMEDIATE")
            connection.executemany(
                "INSERT INTO contacts (name, created_at, updated_at) VALUES (?, ?, ?)",
                [(f"batch {self.batches} #{n}", now, now) for n in range(BATCH)])
            connection.execute("COMMIT")
            self.batches += 1
        connection.close()

    def __enter__(self):
        self._thread.start()
        while self.batches < 3:  # writing has begun
            time.sleep(0.01)
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=10)


def test_backup_is_consistent_while_another_connection_writes(runner, db_path, tmp_path):
    with BatchWriter(db_path) as writer:
        copies = []
        for number in range(3):
            before = writer.batches
            path = tmp_path / f"copy-{number}.sqlite3"
            result = runner.invoke(args=["backup", str(path)])
            assert result.exit_code == 0, result.output
            copies.append((path, before))
        after = writer.batches
    for path, before in copies:
        assert integrity(path) == [("ok",)]
        sizes = rows(path, "SELECT count(*) FROM contacts GROUP BY substr(name, 1, instr(name, '#'))")
        assert sizes and {size for (size,) in sizes} == {BATCH}  # no half-written batch
        assert before <= len(sizes) <= after
        assert rows(path, "PRAGMA journal_mode") == [("delete",)]  # one self-contained file
    assert after > copies[0][1]  # the writer kept writing through the backups


def test_backup_says_what_it_wrote_and_refuses_to_overwrite_unless_forced(runner, user, tmp_path):
    path = tmp_path / "tally-backup.sqlite3"
    path.write_text("an earlier file")
    refused = runner.invoke(args=["backup", str(path)])
    assert refused.exit_code != 0 and "--force" in refused.output
    assert path.read_text() == "an earlier file"
    result = runner.invoke(args=["backup", str(path), "--force"])
    assert result.exit_code == 0, result.output
    assert str(path) in result.output and "users 1," in result.output and "integrity check ok" in result.output
    assert rows(path, "SELECT email FROM users") == [("ulla@example.com",)]
    assert [name for name in os.listdir(tmp_path) if name.endswith(".partial")] == []


def test_backup_into_a_missing_folder_is_refused(runner, tmp_path):
    result = runner.invoke(args=["backup", str(tmp_path / "nowhere" / "copy.sqlite3")])
    assert result.exit_code != 0 and "does not exist" in result.output


@pytest.mark.slow
def test_backup_while_gunicorn_serves_writes(gunicorn_server, tmp_path):
    base, token = gunicorn_server
    database = tmp_path / "gunicorn.sqlite3"
    created, stop = [], threading.Event()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def write_leads():
        while not stop.is_set():
            body = json.dumps([{"name": f"Served {len(created)}"}]).encode()
            assert fetch(None, f"{base}/api/v4/leads", body, headers, timeout=10).status == 200
            created.append(len(created))
            time.sleep(0.2)  # under the API's 7 requests per second

    writer = threading.Thread(target=write_leads, daemon=True)
    writer.start()
    try:
        while len(created) < 3:
            time.sleep(0.05)
        before = len(created)
        copy = tmp_path / "served-copy.sqlite3"
        env = {**os.environ, "FLASK_DATABASE_URL": f"sqlite:///{database}"}
        result = flask_cli(env, "backup", str(copy), check=False)
        assert result.returncode == 0, result.stderr
        time.sleep(0.5)
    finally:
        stop.set()
        writer.join(timeout=15)
    assert integrity(copy) == [("ok",)]
    served = rows(copy, "SELECT count(*) FROM deals WHERE name LIKE 'Served %'")[0][0]
    assert before <= served <= len(created)
    assert len(created) > served  # the server went on writing after the copy was taken


def test_restore_puts_a_backup_back_in_place(app, runner, make_user, tmp_path):
    make_user("Kept", "kept@example.com")
    path = tmp_path / "backup.sqlite3"
    assert runner.invoke(args=["backup", str(path)]).exit_code == 0
    make_user("Later", "later@example.com")
    result = runner.invoke(args=["restore", str(path)])
    assert result.exit_code == 0, result.output
    assert "Restored" in result.output and "users 1," in result.output
    assert user_emails(app) == {"kept@example.com"}


def noise_in_middle_pages(path):
    """Overwrite three pages in the middle of the file with noise."""
    data = bytearray(path.read_bytes())
    page, pages = 4096, len(data) // 4096
    assert pages >= 8, pages
    noise = random.Random(8)
    start = (pages // 2) * page
    data[start:start + 3 * page] = bytes(noise.randrange(256) for _ in range(3 * page))
    path.write_bytes(bytes(data))


def index_that_disagrees_with_its_table(path):
    """A readable file whose index no longer matches its rows: only integrity_check notices."""
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA writable_schema=ON")
        connection.execute("UPDATE sqlite_master SET sql = replace(sql, '(name)', '(email)') "
                           "WHERE name = 'ix_contacts_name'")


@pytest.mark.parametrize(("corrupt", "said"), [(noise_in_middle_pages, "cannot be read as a database"),
                                              (index_that_disagrees_with_its_table, "fails its integrity check")])
def test_restore_refuses_a_corrupted_backup_and_leaves_the_database_alone(app, runner, make_user, crm_builder,
                                                                          tmp_path, db_path, corrupt, said):
    make_user("Kept", "kept@example.com")
    crm_builder.many("contacts", 150)
    path = tmp_path / "backup.sqlite3"
    assert runner.invoke(args=["backup", str(path)]).exit_code == 0
    corrupt(path)
    make_user("Later", "later@example.com")
    live_before = rows(db_path, "SELECT count(*) FROM contacts")
    result = runner.invoke(args=["restore", str(path)])
    assert result.exit_code != 0
    assert said in result.output and "nothing was done" in result.output, result.output
    assert user_emails(app) == {"kept@example.com", "later@example.com"}
    assert rows(db_path, "SELECT count(*) FROM contacts") == live_before
    assert integrity(db_path) == [("ok",)]


def test_restore_refuses_a_file_that_is_not_a_tally_database(app, runner, user, tmp_path):
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE notes (body TEXT)")
    result = runner.invoke(args=["restore", str(other)])
    assert result.exit_code != 0 and "not a Tally database" in result.output
    assert user_emails(app) == {"ulla@example.com"}


def test_restore_brings_an_older_backup_to_the_newest_schema(app, runner, tmp_path, db_path):
    script = ScriptDirectory(schema.MIGRATIONS)
    oldest = list(script.walk_revisions())[-1].revision
    old = tmp_path / "old.sqlite3"
    engine = create_engine(f"sqlite:///{old}")
    with engine.begin() as connection:
        command.upgrade(schema.alembic_config(connection), oldest)
    engine.dispose()
    with sqlite3.connect(old) as connection:
        connection.execute(
            "INSERT INTO users (email, name, password_hash, is_admin, can_export, active, session_version, "
            "created_at, updated_at) VALUES ('old@example.com', 'Old', 'x', 1, 0, 1, 1, "
            "'2026-01-01 00:00:00', '2026-01-01 00:00:00')")
    result = runner.invoke(args=["restore", str(old)])
    assert result.exit_code == 0, result.output
    assert f"schema {oldest}," in result.output and f"now at schema {script.get_current_head()}" in result.output
    assert rows(db_path, "SELECT version_num FROM alembic_version") == [(head,) for head in script.get_heads()]
    assert user_emails(app) == {"old@example.com"}


@pytest.mark.parametrize(("name", "tool"), [("backup", "pg_dump"), ("restore", "pg_restore")])
def test_on_postgresql_backup_and_restore_point_to_its_tools(tmp_path, name, tool):
    app = create_app(make_config(tmp_path / "unused.sqlite3",
                                 DATABASE_URL="postgresql+psycopg://tally@127.0.0.1:9/tally"))
    result = app.test_cli_runner().invoke(args=[name, str(tmp_path / "dump")])
    assert result.exit_code != 0 and tool in result.output
