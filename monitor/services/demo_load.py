"""Bulk loading for the demo data: rows as tuples, straight to the driver on SQLite, with the progress shown.

On SQLite the load runs in one write transaction with a page cache large enough to hold what it writes
(else dirty pages spill to the WAL again and again); the record tables' AFTER INSERT triggers that copy
a row elsewhere (the search index, totals) are replaced for the load by one INSERT ... SELECT each,
derived from the trigger's own SQL; and the tables' own indexes are built once at the end (a sort)
instead of row by row in random key order. Indexes and triggers are recreated from their exact SQL in
sqlite_master before the transaction ends, so the schema is the migrations' as before.
PostgreSQL takes SQLAlchemy Core inserts: simple, and fast enough there.
"""
import re
from datetime import datetime

from sqlalchemy import insert, text

from monitor.db import db

CHUNK = 5000
# KiB of page cache for the loading connection (SQLite takes a negative cache_size as KiB); used only as needed.
LOAD_CACHE_KIB = 4 * 1024 * 1024
# A trigger whose whole body is one INSERT ... VALUES (...) about the new row, optionally an upsert.
COPY_TRIGGER = re.compile(
    r"CREATE TRIGGER (?P<name>\w+) AFTER INSERT ON (?P<table>\w+) (?:FOR EACH ROW )?BEGIN "
    r"(?P<into>INSERT INTO [^;]+?) VALUES \((?P<values>[^;]*?)\)(?P<conflict>(?: ON CONFLICT [^;]*)?); END",
    re.IGNORECASE | re.DOTALL,
)


class Progress:
    """Where the load reports: `say` a line; `advance` the bar by rows done; `finished` a table's plain line.

    With `bar` (a factory like click.progressbar taking length=) the rows move one bar and the per-table
    lines are left out; without it each table gets one plain line, so a log holds a few lines, not thousands.
    """

    def __init__(self, say=print, bar=None):
        self.say, self._factory, self._bar = say, bar, None

    def start(self, total):
        """Open the bar over `total` rows (when there is one)."""
        if self._factory is not None:
            self._bar = self._factory(length=total)
            self._bar.__enter__()

    def advance(self, rows):
        """Count `rows` more rows done."""
        if self._bar is not None:
            self._bar.update(rows)

    def finished(self, line):
        """A step is done: a plain line when there is no bar."""
        if self._bar is None:
            self.say(line)

    def close(self):
        """Finish the bar (its line ends) before anything else is written."""
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


def is_sqlite():
    """True when the app's database is SQLite."""
    return db.engine.dialect.name == "sqlite"


def _sqlite_value(value):
    """A datetime or date as SQLAlchemy stores it in SQLite (ISO text with microseconds); None unchanged."""
    if isinstance(value, datetime):
        return value.isoformat(" ", "microseconds")
    return value if value is None else value.isoformat()


def _same(value):
    return value


def value_maker():
    """The function that turns a date or datetime into what insert_rows passes the driver for it: on SQLite the
    text SQLAlchemy would store (rows go straight to the driver there), elsewhere the value itself."""
    return _sqlite_value if is_sqlite() else _same


def insert_rows(table, columns, rows):
    """Insert `rows` (tuples in `columns` order, dates made by value_maker()) into `table` (a SQLAlchemy
    Table), in the session's transaction."""
    if not rows:
        return
    if not is_sqlite():
        db.session.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])
        return
    cursor = db.session.connection().connection.driver_connection.cursor()
    placeholders = ", ".join("?" * len(columns))
    cursor.executemany(f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({placeholders})", rows)
    cursor.close()


def _listed(names):
    return ", ".join(f"'{name}'" for name in names)


class SqliteLoad:
    """For the length of one load on SQLite: a large page cache, the copying insert triggers of `tables`
    and the declared indexes of `tables` and `linked` set aside.

    `copied(table, first, last)` runs the set-aside triggers' work for the rows with ids first..last of
    `table` in one statement each; `restore()` recreates the indexes and triggers from their exact SQL and
    puts the cache size back. All run inside the caller's transaction, so nothing outside it sees the gap.
    """

    def __init__(self, session, tables, linked=()):
        self.session, self.triggers = session, []
        driver = session.connection().exec_driver_sql
        self.cache_size = session.execute(text("PRAGMA cache_size")).scalar()
        driver(f"PRAGMA cache_size=-{LOAD_CACHE_KIB}")
        found = session.execute(text(
            f"SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({_listed(tables)}) "
            "ORDER BY name")).scalars()
        for sql in found:
            match = COPY_TRIGGER.fullmatch(sql.strip())
            if match is not None:
                self.triggers.append((match, sql))
                driver(f"DROP TRIGGER {match['name']}")
        # Indexes SQLite made for a constraint have no SQL and stay; so does the FTS tables' own.
        self.indexes = session.execute(text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({_listed((*tables, *linked))}) ORDER BY name")).all()
        for name, _sql in self.indexes:
            driver(f"DROP INDEX {name}")

    def copied(self, table, first, last):
        """Do what the set-aside AFTER INSERT triggers of `table` would have done for ids first..last."""
        for match, _sql in self.triggers:
            if match["table"].lower() == table.lower():
                self.session.connection().exec_driver_sql(
                    f"{match['into']} SELECT {match['values']} FROM {match['table']} AS new "
                    f"WHERE new.id BETWEEN ? AND ?{match['conflict']}", (first, last))

    def restore(self):
        """Recreate the set-aside indexes and triggers from their SQL and put the connection's cache size back."""
        driver = self.session.connection().exec_driver_sql
        for sql in (*(sql for _name, sql in self.indexes), *(sql for _match, sql in self.triggers)):
            driver(sql)
        self.indexes, self.triggers = [], []
        driver(f"PRAGMA cache_size={int(self.cache_size)}")
