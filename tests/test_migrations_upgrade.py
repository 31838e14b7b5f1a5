"""Upgrading keeps data: a database made at each earlier migration, filled, upgrades with `init-db` intact.

The revisions come from the Alembic script directory and the rows from the tables each revision
has (reflected at run time), so a new migration is covered without touching this file, unless it
drops data: then it belongs in TRANSIENT, with the reason.
"""
import hashlib
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory

from monitor import create_app, schema
from monitor.db import Base, db, make_engine
from tests.conftest import make_config

SCRIPT = ScriptDirectory(schema.MIGRATIONS)
EARLIER = [script.revision for script in reversed(list(SCRIPT.walk_revisions()))
           if script.revision not in SCRIPT.get_heads()]
ROWS = 3
BASE_TIME = datetime(2026, 3, 1, 9, 30)
# Tables whose rows a migration may drop on purpose, and why.
TRANSIENT = {
    "login_throttle": "sign-in throttling counters; 0007 rebuilds the table keyed differently",
}
# Values that look like what the app writes, so no migration has reason to clean them up.
HINTS = {
    "email": lambda i: f"person{i}@example.com",
    "recipient": lambda i: f"admin{i}@example.com",
    "phone": lambda i: f"+7 916 000-00-{i:02d}",
    "web": lambda i: f"https://site{i}.example",
    "entity": lambda i: ("leads", "contacts", "companies")[i % 3],
    "kind": lambda i: ("card", "list", "card")[i],
    "period": lambda i: "day",
    "card_period": lambda i: "hour",
    "list_period": lambda i: "day",
    "action": lambda i: "notify",
    "timezone": lambda i: "Europe/Moscow",
    "channel": lambda i: ("web", "api", "mobile")[i % 3],
    "event": lambda i: ("deactivated", "reactivated", "limit_reached")[i % 3],
    "limit_kind": lambda i: "card",
    "language": lambda i: ("en", "ru", None)[i],
    "color": lambda i: f"#00aa{i:02d}",
    "password_hash": lambda i: f"pbkdf2:sha256:1000$salt{i}${hashlib.sha256(str(i).encode()).hexdigest()}",
    "token_hash": lambda i: hashlib.sha256(f"token {i}".encode()).hexdigest(),
    "hint": lambda i: f"tly_{i}",
    "ip": lambda i: f"192.0.2.{i + 1}",
    "request_line": lambda i: f"GET /leads/{i + 1}",
    "query": lambda i: f"q=deal&page={i + 1}",
    "subdomain": lambda i: f"team{i}",
    "tags.name": lambda i: f"tag {i}",
    "tags.key": lambda i: f"tag {i}",  # the folded name (migration 0006)
}


def database_at(path, revision):
    """A new SQLite file at `revision`, made the way the app runs Alembic."""
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        command.upgrade(schema.alembic_config(connection), revision)
    return engine


def data_tables(connection):
    """The reflected tables holding data: not Alembic's, not the full-text index and its shadows."""
    virtual = connection.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'").scalars().all()
    names = [name for name in sa.inspect(connection).get_table_names()
             if name != "alembic_version" and not any(name == v or name.startswith(f"{v}_") for v in virtual)]
    metadata = sa.MetaData()
    metadata.reflect(connection, only=names)
    return metadata.sorted_tables


def value_for(table, column, i, position):
    hint = HINTS.get(f"{table.name}.{column.name}") or HINTS.get(column.name)
    kind = column.type
    if hint is not None:
        value = hint(i)
    elif isinstance(kind, sa.Boolean):
        value = (i + position) % 2 == 0
    elif isinstance(kind, sa.Integer):
        value = i + 1 if column.primary_key else 10 * (i + 1) + position
    elif isinstance(kind, sa.DateTime):
        value = BASE_TIME + timedelta(days=i, minutes=position)
    elif isinstance(kind, sa.Date):
        value = date(2026, 5, 1) + timedelta(days=i)
    elif isinstance(kind, sa.String):
        value = f"{table.name} {column.name} {i}"
    else:
        raise AssertionError(f"no test value for {table.name}.{column.name} ({kind!r}): add a HINT")
    length = getattr(kind, "length", None)
    return value[:length] if isinstance(value, str) and length else value


def row_for(table, i, made):
    """Row `i` of `table`: foreign keys point at row `i` of the parent (composite keys first)."""
    row = {}
    for key in sorted(table.foreign_key_constraints, key=lambda fk: -len(fk.columns)):
        mine = [column.name for column in key.columns]
        if any(name in row for name in mine):
            continue
        if all(column.nullable for column in key.columns) and i == 0:
            row.update(dict.fromkeys(mine, None))  # the first row leaves optional links empty
            continue
        parent = made[key.referred_table.name]
        source = parent[i % len(parent)]
        row.update({element.parent.name: source[element.column.name] for element in key.elements})
    for position, column in enumerate(table.columns):
        if column.name not in row:
            optional_and_first = column.nullable and not column.primary_key and i == 0
            row[column.name] = None if optional_and_first else value_for(table, column, i, position)
    return row


def fill(connection, tables):
    """Rows in every table (tables a migration seeded get their rows changed); {table: rows}."""
    made = {}
    for table in tables:
        existing = [dict(row._mapping) for row in connection.execute(sa.select(table))]
        if existing:
            made[table.name] = [_change(connection, table, row, i) for i, row in enumerate(existing)]
            continue
        made[table.name] = [row_for(table, i, made) for i in range(ROWS)]
        connection.execute(sa.insert(table), made[table.name])
    return made


def _change(connection, table, row, i):
    keys = [column.name for column in table.primary_key.columns]
    generated = row_for(table, i + 1, {})  # seeded tables (settings) have no foreign keys
    changed = {**row, **{name: value for name, value in generated.items() if name not in keys}}
    connection.execute(sa.update(table).where(*[table.c[name] == row[name] for name in keys]).values(
        {name: value for name, value in changed.items() if name not in keys}))
    return changed


def missing_or_changed(connection, table_name, rows, head_tables):
    """What of `rows` the upgraded database lost or altered, as readable lines."""
    table = head_tables.get(table_name)
    if table is None:
        return [f"table {table_name} is gone"]
    problems = []
    for row in rows:
        gone = [name for name in row if name not in table.c]
        if gone:
            problems.append(f"{table_name}: columns {gone} are gone")
            continue
        keys = [column.name for column in table.primary_key.columns] or list(row)
        found = connection.execute(sa.select(table).where(*[table.c[k] == row[k] for k in keys])).first()
        if found is None:
            problems.append(f"{table_name}: row {({k: row[k] for k in keys})} is gone")
        elif {name: found._mapping[name] for name in row} != row:
            problems.append(f"{table_name}: {row} became {dict(found._mapping)}")
    return problems


@pytest.mark.parametrize("revision", EARLIER)
def test_database_made_at_an_earlier_migration_upgrades_with_its_data(tmp_path, revision):
    path = tmp_path / f"at-{revision}.sqlite3"
    engine = database_at(path, revision)
    with engine.begin() as connection:
        made = fill(connection, data_tables(connection))
    engine.dispose()
    assert len(made) >= 10 and all(made.values())

    app = create_app(make_config(path))
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output

    with app.app_context():
        with db.engine.connect() as connection:
            version = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all()
            assert version == list(SCRIPT.get_heads())
            head_tables = {table.name: table for table in data_tables(connection)}
            problems = [problem for name, rows in made.items() if name not in TRANSIENT
                        for problem in missing_or_changed(connection, name, rows, head_tables)]
        assert problems == []
        # Every model reads its rows back: the values suit the newest code, too.
        for mapper in Base.registry.mappers:
            table_name = mapper.local_table.name
            loaded = db.session.scalars(sa.select(mapper.class_)).all()
            if table_name in made and table_name not in TRANSIENT:
                assert len(loaded) >= len(made[table_name]), table_name
        db.engine.dispose()
