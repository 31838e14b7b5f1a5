"""Engine, app-context-scoped session, declarative Base and SQLite pragmas."""
from contextlib import contextmanager

from flask import current_app
from flask.globals import app_ctx
from sqlalchemy import MetaData, create_engine, event, text
from sqlalchemy.orm import DeclarativeBase, scoped_session, sessionmaker

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every model."""

    metadata = MetaData(naming_convention=NAMING)


# SQL name of `fold` on SQLite, whose own lower() folds ASCII only; other databases fold with lower().
FOLD_FUNCTION = "tally_fold"


def fold(text):
    """Text in lower case as search compares it (SQLite's FTS5 trigram index folds case the same way)."""
    return text.lower() if isinstance(text, str) else text


# PostgreSQL transaction-level advisory lock keys of the kinds of writes `Database.immediate` serializes.
SERIAL_WRITES = {"records": 0x7A11_0012}


def make_engine(url, busy_timeout_ms=30000):
    """Create an engine; on SQLite set WAL, NORMAL sync, foreign keys and a busy timeout; on PostgreSQL no JIT.

    pysqlite's own transaction handling is switched off so that SQLAlchemy emits BEGIN
    itself: BEGIN IMMEDIATE when a unit of work asks for it (see `immediate`), so that a
    read-then-write rule holds the write lock from its first read.
    """
    is_sqlite = url.startswith("sqlite")
    kwargs = {"connect_args": {"timeout": busy_timeout_ms / 1000}} if is_sqlite else {}
    engine = create_engine(url, **kwargs)
    if url.startswith("postgresql"):

        @event.listens_for(engine, "connect", insert=True)
        def _no_jit(dbapi_conn, _record):
            # No JIT compilation: it pays off for long analytical queries, and a list page's walk with a
            # LIMIT is estimated as one (its whole-table cost), so the planner compiled it: +230 ms a page.
            # Outside any transaction, so that no rollback takes it back; the URL's own options stay.
            autocommit, dbapi_conn.autocommit = dbapi_conn.autocommit, True
            with dbapi_conn.cursor() as cursor:
                cursor.execute("SET SESSION jit = off")
            dbapi_conn.autocommit = autocommit

    if is_sqlite:

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):
            dbapi_conn.isolation_level = None
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            cursor.close()
            # Search tests a row itself when its matches are too many to gather first (services/search.py).
            dbapi_conn.create_function(FOLD_FUNCTION, 1, fold, deterministic=True)

        @event.listens_for(engine, "begin")
        def _on_begin(conn):
            mode = conn.get_execution_options().get("sqlite_begin", "")
            conn.exec_driver_sql(f"BEGIN {mode}".strip())

    return engine


class Database:
    """The app's engine and a session per app context."""

    def init_app(self, app):
        engine = make_engine(app.config["DATABASE_URL"], app.config["SQLITE_BUSY_TIMEOUT_MS"])
        factory = sessionmaker(bind=engine, expire_on_commit=False)
        sessions = scoped_session(factory, scopefunc=lambda: id(app_ctx._get_current_object()))
        app.extensions["tally_db"] = (engine, sessions)

        @app.teardown_appcontext
        def _remove_session(_exc):
            sessions.remove()

    @property
    def engine(self):
        return current_app.extensions["tally_db"][0]

    @property
    def session(self):
        return current_app.extensions["tally_db"][1]()

    @contextmanager
    def immediate(self, serial=None):
        """One write transaction that holds the write lock from its first statement.

        Ends whatever read transaction the request had open (which must hold no unsaved
        changes), then begins with BEGIN IMMEDIATE on SQLite (a plain BEGIN elsewhere, where
        row locks and atomic upserts give the same exactness). Commits on success, rolls back on error.

        `serial` (a key of SERIAL_WRITES): on PostgreSQL the transaction first waits for every other
        one of that kind, as every write does on SQLite. Writes of CRM records take it: each changes
        shared record_totals rows (migration 0012), and two of them taking those rows in opposite
        orders would deadlock; one at a time they cannot, since the lock comes before any row lock.
        """
        session = self.session
        # The commit below only ends a read transaction: changes made before the block would
        # be committed behind their author's back, outside the rule the block is for.
        assert not (session.new or session.dirty or session.deleted), (
            "db.immediate() found unsaved ORM changes made before it; make them inside the block"
        )
        session.commit()
        session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        if serial is not None and session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SERIAL_WRITES[serial]})
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


db = Database()
