"""A throwaway PostgreSQL cluster for the tests that run on PostgreSQL, and a fresh database per test.

A test parametrised with `both_backends` (tests/conftest.py) runs once with its `app` on
`postgres_migrated`; tests/test_postgres.py holds what only PostgreSQL needs proving.

The cluster lives in a temporary directory, listens on 127.0.0.1 on a free port and is
removed at the end of the session. As root it runs as the `postgres` OS user (PostgreSQL
refuses to run as root). Without Debian's server binaries the tests are skipped.
"""
import glob
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from monitor import create_app, schema
from monitor.db import db
from monitor.services import pipelines
from tests.conftest import free_port, make_config

SERVER_SETTINGS = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"  # throwaway data


def _server_binaries():
    """The newest /usr/lib/postgresql/<version>/bin that has initdb, or None."""
    found = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    if not found:
        return None
    newest = max(found, key=lambda path: tuple(int(part) for part in re.findall(r"\d+", Path(path).parts[-3])))
    return Path(newest).parent


def _as_server_user(command):
    """`command` run as the `postgres` OS user when we are root, else as ourselves."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


def _run(command):
    result = subprocess.run(_as_server_user(command), capture_output=True, text=True, timeout=60, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}): {result.stdout}{result.stderr}")


def _skip_reason(bindir):
    if bindir is None:
        return ("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin "
                "(install Debian's postgresql package, or run `make test` as root)")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root, PostgreSQL needs the postgres OS user to run as"
        if shutil.which("runuser") is None:
            return "running as root, PostgreSQL needs runuser to start as the postgres user"
    return None


@pytest.fixture(scope="session")
def postgres_url():
    """Start a temporary PostgreSQL cluster; yields the URL of its `postgres` database."""
    bindir = _server_binaries()
    reason = _skip_reason(bindir)
    if reason:
        pytest.skip(reason)
    with throwaway_cluster(bindir) as url:
        yield url


@contextmanager
def throwaway_cluster(bindir, prefix="tally-pg-"):
    """A PostgreSQL cluster of `bindir`'s binaries in a temporary folder, on 127.0.0.1 and a free port (as the
    `postgres` OS user when root); yields the URL of its `postgres` database, then stops and removes it.
    Also used by benchmarks/bench_load.py."""
    home = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        if os.geteuid() == 0:
            shutil.chown(home, "postgres", "postgres")
        data = home / "data"
        port = free_port()
        _run([str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
              "--locale=C.UTF-8", "--no-sync", "--no-instructions"])
        _run([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(home / "server.log"), "-w", "-t", "30",
              "-o", f"-h 127.0.0.1 -p {port} -k {home} {SERVER_SETTINGS}", "start"])
        try:
            yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
        finally:
            _run([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"])
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _admin_connection(server_url):
    return psycopg.connect(server_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)


@contextmanager
def fresh_database(server_url, template=None):
    """A new database on the cluster (a copy of `template` if given); yields its URL, then drops it."""
    name = f"t_{uuid.uuid4().hex}"
    copy = f" TEMPLATE {template}" if template else ""
    with _admin_connection(server_url) as connection:
        connection.execute(f"CREATE DATABASE {name}{copy}")
    try:
        yield server_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with _admin_connection(server_url) as connection:
            # FORCE: a worker process that has not closed its connections yet must not keep it.
            connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def postgres_database(postgres_url):
    """A fresh, empty database; yields its URL."""
    with fresh_database(postgres_url) as url:
        yield url


@pytest.fixture(scope="session")
def postgres_template(postgres_url, tmp_path_factory):
    """The name of a database migrated once (`init-db`'s steps), copied for each test."""
    name = f"template_{uuid.uuid4().hex}"
    with _admin_connection(postgres_url) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    url = postgres_url.rsplit("/", 1)[0] + f"/{name}"
    app = create_app(make_config(tmp_path_factory.mktemp("pg") / "unused.sqlite3", DATABASE_URL=url))
    with app.app_context():
        schema.upgrade()
        pipelines.ensure_account()
        db.engine.dispose()  # CREATE DATABASE ... TEMPLATE needs it without connections
    return name


@pytest.fixture
def postgres_migrated(postgres_url, postgres_template):
    """A fresh database with the newest schema, the account and the default pipeline; yields its URL."""
    with fresh_database(postgres_url, template=postgres_template) as url:
        yield url


def behind_admin_row_locks(database_url, *calls):
    """Run each call in its own thread while another transaction holds the administrators' rows,
    so all of them reach the last-administrator rule before any decides; then let them go."""
    conninfo = database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo) as blocker, psycopg.connect(conninfo, autocommit=True) as observer:
        blocker.execute("SELECT id FROM users WHERE is_admin FOR NO KEY UPDATE")
        threads = [threading.Thread(target=call) for call in calls]
        for thread in threads:
            thread.start()
        _wait_for_lock_waits(observer, len(calls))
        blocker.rollback()
        for thread in threads:
            thread.join(timeout=30)


def _wait_for_lock_waits(connection, count, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        waiting = connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ).fetchone()[0]
        if waiting >= count:
            return
        time.sleep(0.02)
    raise AssertionError(f"{count} transactions did not wait for the administrators' rows")
