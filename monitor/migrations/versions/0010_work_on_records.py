"""A CRM a team works in (SPEC §10): card feeds, tasks, and indexes for sorting

Revision ID: 0010
Revises: 0009

`feed_entries` keeps each card's notes and what changed on it; `tasks` the things to do,
each for a user and about a record or nothing. Contacts, companies and customers get an
index on `updated_at`, customers on `next_price` and `next_date`, so a list sorted by
them reads one page from an index (deals had theirs already).
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

SORT_INDEXES = (
    ("companies", "updated_at"),
    ("contacts", "updated_at"),
    ("customers", "updated_at"),
    ("customers", "next_price"),
    ("customers", "next_date"),
)


def upgrade():
    op.create_table(
        "feed_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=True),
        sa.Column("old_value", sa.String(length=500), nullable=True),
        sa.Column("new_value", sa.String(length=500), nullable=True),
        sa.Column("linked_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_feed_entries_author_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_entries")),
    )
    op.create_index(op.f("ix_feed_entries_author_id"), "feed_entries", ["author_id"])
    op.create_index("ix_feed_entries_record", "feed_entries", ["entity", "record_id", "id"])
    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=2000), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("responsible_user_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("entity", sa.String(length=20), nullable=True),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("is_done", sa.Boolean(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_tasks_author_id_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["responsible_user_id"], ["users.id"],
                                name=op.f("fk_tasks_responsible_user_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
    )
    op.create_index("ix_tasks_open_due", "tasks", ["is_done", "due_at"])
    op.create_index("ix_tasks_record", "tasks", ["entity", "record_id", "is_done", "due_at"])
    op.create_index("ix_tasks_responsible_open_due", "tasks", ["responsible_user_id", "is_done", "due_at"])
    for table, column in SORT_INDEXES:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column])


def downgrade():
    for table, column in SORT_INDEXES:
        op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
    op.drop_table("tasks")
    op.drop_table("feed_entries")
