"""CRM search index and records

Revision ID: 0002
Revises: 0001

On SQLite, one FTS5 table per entity (trigram tokenizer: substring search in
any language, case-insensitive) holds the searchable text of each record under
the record's id, kept in sync by triggers, so bulk inserts are indexed too.
Phones are also stored as bare digits, so "9161234567" finds "+7 916 123-45-67".
Other databases search with ILIKE and need no index table.
"""
from alembic import op
import sqlalchemy as sa  # noqa: F401

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# table -> (FTS table, indexed columns of the record). Keep in step with
# monitor/services/search.py.
SEARCH_TABLES = {
    "deals": ("search_leads", ("name",)),
    "contacts": ("search_contacts", ("name", "phone", "email")),
    "companies": ("search_companies", ("name", "phone", "email")),
    "customers": ("search_customers", ("name",)),
}
PHONE_PUNCTUATION = (" ", "-", "(", ")", "+", ".", "/")


def digits_sql(expression):
    """SQL that strips phone punctuation from `expression` (same rule as search.phone_digits)."""
    sql = f"coalesce({expression}, '')"
    for char in PHONE_PUNCTUATION:
        sql = f"replace({sql}, '{char}', '')"
    return sql


def _index_columns(columns):
    return (*columns, "digits") if "phone" in columns else columns


def _values(prefix, columns):
    values = [f"{prefix}.{column}" for column in columns]
    if "phone" in columns:
        values.append(digits_sql(f"{prefix}.phone"))
    return values


def _create_search_table(table, fts, columns):
    index_columns = _index_columns(columns)
    names = ", ".join(index_columns)
    op.execute(f"CREATE VIRTUAL TABLE {fts} USING fts5({names}, tokenize='trigram')")
    op.execute(
        f"INSERT INTO {fts} (rowid, {names}) "
        f"SELECT id, {', '.join(_values(table, columns))} FROM {table}"
    )
    op.execute(
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts} (rowid, {names}) VALUES (new.id, {', '.join(_values('new', columns))}); END"
    )
    op.execute(
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN "
        f"DELETE FROM {fts} WHERE rowid = old.id; END"
    )
    assignments = ", ".join(
        f"{column} = {value}" for column, value in zip(index_columns, _values("new", columns))
    )
    op.execute(
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {', '.join(columns)} ON {table} BEGIN "
        f"UPDATE {fts} SET {assignments} WHERE rowid = new.id; END"
    )


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        for table, (fts, columns) in SEARCH_TABLES.items():
            _create_search_table(table, fts, columns)
    # Range filters and the API's "changed since" reads on the biggest table.
    op.create_index("ix_deals_price", "deals", ["price"])
    op.create_index("ix_deals_updated_at", "deals", ["updated_at"])
    # The board's count and sum of prices per status, read from the index alone.
    op.create_index("ix_deals_pipeline_status_price", "deals", ["pipeline_id", "status_id", "price"])
    op.create_index("ix_saved_filters_user_entity", "saved_filters", ["user_id", "entity"])


def downgrade():
    op.drop_index("ix_saved_filters_user_entity", table_name="saved_filters")
    op.drop_index("ix_deals_pipeline_status_price", table_name="deals")
    op.drop_index("ix_deals_updated_at", table_name="deals")
    op.drop_index("ix_deals_price", table_name="deals")
    if op.get_bind().dialect.name == "sqlite":
        for table, (fts, _columns) in SEARCH_TABLES.items():
            for event in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS {fts}_{event}")
            op.execute(f"DROP TABLE IF EXISTS {fts}")
