"""Record totals: how many records (and deals' prices) per kind, responsible user and stage

Revision ID: 0012
Revises: 0011

`record_totals` holds, for each record kind (`entity`: leads, contacts, companies, customers),
responsible user and — deals only — pipeline and status, how many records there are and the sum
of their prices. Triggers on the record tables keep it exact in the writing transaction itself,
whatever writes (the web, the API, bulk actions, a user's deletion setting responsible to NULL),
so a whole list's count and a board column's totals are a sum over a few dozen rows instead of
a count over the table (SPEC §12). A missing responsible user, and the stage of a record that is
no deal, are 0.
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

KEY = ("entity", "responsible_user_id", "pipeline_id", "status_id")
# table -> entity. Written out: what this revision does must not change when the application does.
TABLES = {"deals": "leads", "contacts": "contacts", "companies": "companies", "customers": "customers"}
WATCHED = {"deals": ("responsible_user_id", "pipeline_id", "status_id", "price")}
OTHERS_WATCHED = ("responsible_user_id",)


def _values(table, row):
    """The key and price of `row` (new / old / the table itself) as SQL expressions, in KEY order then price."""
    entity = f"'{TABLES[table]}'"
    if table == "deals":
        return (entity, f"coalesce({row}.responsible_user_id, 0)", f"{row}.pipeline_id", f"{row}.status_id",
                f"coalesce({row}.price, 0)")
    return (entity, f"coalesce({row}.responsible_user_id, 0)", "0", "0", "0")


def _add(table, row):
    entity, user, pipeline, status, price = _values(table, row)
    return (f"INSERT INTO record_totals ({', '.join(KEY)}, records, price) "
            f"VALUES ({entity}, {user}, {pipeline}, {status}, 1, {price}) "
            f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET records = record_totals.records + 1, "
            f"price = record_totals.price + excluded.price;")


def _take(table, row):
    entity, user, pipeline, status, price = _values(table, row)
    return (f"UPDATE record_totals SET records = records - 1, price = price - {price} "
            f"WHERE entity = {entity} AND responsible_user_id = {user} "
            f"AND pipeline_id = {pipeline} AND status_id = {status};")


def _changed(table):
    columns = WATCHED.get(table, OTHERS_WATCHED)
    return columns, " OR ".join(f"old.{column} IS NOT new.{column}" for column in columns)


def _sqlite_triggers(table):
    columns, changed = _changed(table)
    op.execute(f"CREATE TRIGGER totals_{table}_insert AFTER INSERT ON {table} BEGIN {_add(table, 'new')} END")
    op.execute(f"CREATE TRIGGER totals_{table}_delete AFTER DELETE ON {table} BEGIN {_take(table, 'old')} END")
    op.execute(f"CREATE TRIGGER totals_{table}_update AFTER UPDATE OF {', '.join(columns)} ON {table} "
               f"WHEN {changed} BEGIN {_take(table, 'old')} {_add(table, 'new')} END")


def _postgresql_triggers(table):
    columns, changed = _changed(table)
    changed = changed.replace(" IS NOT ", " IS DISTINCT FROM ")
    op.execute(f"""
        CREATE FUNCTION totals_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP IN ('DELETE', 'UPDATE') THEN {_take(table, 'OLD')} END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN {_add(table, 'NEW')} END IF;
            RETURN NULL;
        END $$""")
    op.execute(f"CREATE TRIGGER totals_{table}_insert_delete AFTER INSERT OR DELETE ON {table} "
               f"FOR EACH ROW EXECUTE FUNCTION totals_{table}()")
    op.execute(f"CREATE TRIGGER totals_{table}_update AFTER UPDATE OF {', '.join(columns)} ON {table} "
               f"FOR EACH ROW WHEN ({changed.replace('old.', 'OLD.').replace('new.', 'NEW.')}) "
               f"EXECUTE FUNCTION totals_{table}()")


def upgrade():
    op.create_table(
        "record_totals",
        sa.Column("entity", sa.String(length=20), nullable=False),
        sa.Column("responsible_user_id", sa.Integer(), nullable=False),
        sa.Column("pipeline_id", sa.Integer(), nullable=False),
        sa.Column("status_id", sa.Integer(), nullable=False),
        sa.Column("records", sa.BigInteger(), nullable=False),
        sa.Column("price", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(*KEY, name="pk_record_totals"),
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in TABLES:
        if postgresql:  # writers wait from the count until the triggers exist: none is missed in between
            op.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        entity, user, pipeline, status, price = _values(table, table)
        op.execute(f"INSERT INTO record_totals ({', '.join(KEY)}, records, price) "
                   f"SELECT {entity}, {user}, {pipeline}, {status}, count(*), coalesce(sum({price}), 0) "
                   f"FROM {table} GROUP BY 2, 3, 4")
        if postgresql:
            _postgresql_triggers(table)
        else:
            _sqlite_triggers(table)


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in TABLES:
        if postgresql:
            op.execute(f"DROP TRIGGER IF EXISTS totals_{table}_insert_delete ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS totals_{table}_update ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS totals_{table}()")
        else:
            for event in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS totals_{table}_{event}")
    op.drop_table("record_totals")
