"""Tag keys: tag names compared by a key folded in Python

Revision ID: 0006
Revises: 0005

SQLite's lower() folds ASCII letters only, so "ВИП" and "вип" were two tags, and a
second "ВИП" broke the save. Each tag now carries `key`, its name stripped and
casefolded (monitor.models.crm.tag_key), unique per entity. Tags whose names fold to
the same key are merged into the oldest one: the records they tagged keep one link to
it, the others are deleted.

The column is added with a default instead of rebuilding the table: a rebuild drops
`tags`, and with foreign keys on that would cascade to every tag link.
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# table -> its record column; every tag link table (a tag id appears in one of them only)
LINKS = {
    "lead_tags": "lead_id",
    "contact_tags": "contact_id",
    "company_tags": "company_id",
    "customer_tags": "customer_id",
}


def _key(name):
    """The folded key of a tag name; the same rule as monitor.models.crm.tag_key."""
    return name.strip().casefold()


def upgrade():
    op.add_column("tags", sa.Column("key", sa.String(length=300), nullable=False, server_default=""))
    bind = op.get_bind()
    kept = {}  # (entity, key) -> id of the tag kept
    rows = bind.execute(sa.text("SELECT id, entity, name FROM tags ORDER BY id")).all()
    for tag_id, entity, name in rows:
        key = _key(name)
        keep = kept.setdefault((entity, key), tag_id)
        if keep == tag_id:
            bind.execute(sa.text('UPDATE tags SET "key" = :key WHERE id = :id'), {"key": key, "id": tag_id})
        else:
            _merge(bind, tag_id, keep)
    op.create_index("uq_tags_entity_key", "tags", ["entity", "key"], unique=True)


def _merge(bind, tag_id, keep):
    """Move the links of tag `tag_id` to tag `keep` (no duplicate links) and delete it."""
    ids = {"old": tag_id, "keep": keep}
    for table, column in LINKS.items():
        bind.execute(
            sa.text(
                f"INSERT INTO {table} ({column}, tag_id) SELECT {column}, :keep FROM {table} "
                f"WHERE tag_id = :old AND {column} NOT IN "
                f"(SELECT {column} FROM {table} WHERE tag_id = :keep)"
            ),
            ids,
        )
        bind.execute(sa.text(f"DELETE FROM {table} WHERE tag_id = :old"), ids)
    bind.execute(sa.text("DELETE FROM tags WHERE id = :old"), ids)


def downgrade():
    op.drop_index("uq_tags_entity_key", table_name="tags")
    # A plain ALTER (SQLite 3.35+): a batch rebuild would drop `tags` and cascade to the links.
    op.execute('ALTER TABLE tags DROP COLUMN "key"')
