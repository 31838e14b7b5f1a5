"""Backing up and restoring the SQLite database while it is in use, through SQLite's online backup API.

A backup is one read transaction on the live database (WAL lets servers keep writing meanwhile),
so the copy is consistent; it is checked with PRAGMA integrity_check before it takes its name.
A restore checks the file first and copies it into the live database page by page, then
upgrades its schema. PostgreSQL has its own tools (pg_dump, pg_restore).
"""
import contextlib
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory

from monitor import schema
from monitor.db import db

REQUIRED_TABLES = ("alembic_version", "users")
COUNTED_TABLES = ("users", "deals", "contacts", "companies", "customers", "activity_events")


class BackupError(Exception):
    """A backup or restore that must not go ahead; the message says why."""


@dataclass(frozen=True)
class Summary:
    """What a backup file holds: its path, size, schema revision and how many rows of the main tables."""

    path: str
    size: int
    revision: str
    rows: dict

    def describe(self):
        rows = ", ".join(f"{table} {count}" for table, count in self.rows.items())
        return f"{self.path}: {self.size:,} bytes, schema {self.revision}, rows: {rows}; integrity check ok"


def backup(path, force=False):
    """Copy the configured SQLite database to `path` while servers may be writing, and check the copy."""
    _require_sqlite("back it up with pg_dump")
    path = os.path.abspath(path)
    if os.path.exists(path) and not force:
        raise BackupError(f"{path} already exists; pass --force to overwrite it.")
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        raise BackupError(f"The folder {folder} does not exist.")
    handle, partial = tempfile.mkstemp(dir=folder, prefix=".tally-backup-", suffix=".partial")
    os.close(handle)
    try:
        _copy_live_into(partial)
        summary = _check(partial)
        os.replace(partial, path)  # the name only ever holds a checked copy
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(partial)
    return Summary(path, os.path.getsize(path), summary.revision, summary.rows)


def _copy_live_into(path):
    target = sqlite3.connect(path)
    raw = db.engine.raw_connection()
    try:
        raw.driver_connection.backup(target)  # all pages in one step: one consistent snapshot
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, not WAL
    finally:
        raw.close()
        target.close()


def restore(path):
    """Put the backup at `path` in place of the configured database, then upgrade its schema.

    Refused, with the live database untouched, unless the file passes PRAGMA integrity_check,
    is a Tally database (alembic_version and users tables) and its schema is one this version knows.
    Returns the file's summary and the schema revision the database has now.
    """
    _require_sqlite("restore it with pg_restore")
    path = os.path.abspath(path)
    if not os.path.isfile(path):
        raise BackupError(f"There is no file {path}.")
    summary = _check(path)
    known = {script.revision for script in ScriptDirectory(schema.MIGRATIONS).walk_revisions()}
    if summary.revision not in known:
        raise BackupError(f"{path} has schema {summary.revision}, which this version of Tally does not know "
                          "(a backup from a newer version?); nothing was restored.")
    source = _open_read_only(path)
    raw = db.engine.raw_connection()
    try:
        source.backup(raw.driver_connection)  # one step: the live database changes all at once or not at all
    except sqlite3.OperationalError as error:
        raise BackupError(f"The database could not be replaced ({error}); stop the servers and try again. "
                          "Nothing was restored.") from error
    finally:
        raw.close()
        source.close()
    db.engine.dispose()  # no pooled connection keeps a view of the old file
    schema.upgrade()
    with db.engine.connect() as connection:
        now = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    return summary, now


def _check(path):
    """The file's summary; BackupError unless it is a sound Tally database."""
    try:
        connection = _open_read_only(path)
        try:
            return _summarise(connection, path)
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} cannot be read as a database ({error}); nothing was done.") from error


def _summarise(connection, path):
    problems = [row[0] for row in connection.execute("PRAGMA integrity_check")]
    if problems != ["ok"]:
        raise BackupError(f"{path} fails its integrity check ({'; '.join(problems[:3])}); nothing was done.")
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    missing = [table for table in REQUIRED_TABLES if table not in tables]
    if missing:
        raise BackupError(f"{path} is not a Tally database (no {', '.join(missing)} table); nothing was done.")
    revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    rows = {table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 (fixed names)
            for table in COUNTED_TABLES if table in tables}
    return Summary(path, os.path.getsize(path), revision[0] if revision else "none", rows)


def _open_read_only(path):
    return sqlite3.connect(Path(path).as_uri() + "?mode=ro", uri=True)


def _require_sqlite(advice):
    dialect = db.engine.dialect.name
    if dialect != "sqlite":
        raise BackupError(f"The database is {dialect}, not SQLite: {advice}.")
