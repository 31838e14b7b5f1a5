"""Activity history: every view recorded in quarter hours, limits or not

Revision ID: 0008
Revises: 0007

Three new tables (monitor/models/history.py): `activity_quarters` (the sums by user,
quarter hour, counter, channel and card gap), `activity_marks` (a card's first view in
a quarter hour) and `activity_list_views` (one row a list request). Nothing existing
changes; history starts with the upgrade. On SQLite the first two are WITHOUT ROWID
tables (stored in key order: smaller, and a span of quarters is one range read).
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _user_fk(table):
    return sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f(f"fk_{table}_user_id_users"),
                                   ondelete="CASCADE")


def upgrade():
    op.create_table(
        "activity_quarters",
        sa.Column("quarter", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("gap", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("shown", sa.Integer(), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        _user_fk("activity_quarters"),
        sa.PrimaryKeyConstraint("quarter", "user_id", "kind", "gap", "channel", name=op.f("pk_activity_quarters")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "activity_marks",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=12), nullable=False),
        sa.Column("record_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("quarter", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("gap", sa.Integer(), nullable=False),
        sa.Column("refused", sa.Boolean(), nullable=False),
        _user_fk("activity_marks"),
        sa.PrimaryKeyConstraint("user_id", "entity", "record_id", "quarter", name=op.f("pk_activity_marks")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_activity_marks_quarter_user", "activity_marks", ["quarter", "user_id"])
    op.create_table(
        "activity_list_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("at_ms", sa.BigInteger(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("elements", sa.Integer(), nullable=False),
        sa.Column("refused", sa.Boolean(), nullable=False),
        _user_fk("activity_list_views"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_list_views")),
    )
    op.create_index("ix_activity_list_views_quarter_user", "activity_list_views", ["quarter", "user_id"])


def downgrade():
    op.drop_index("ix_activity_list_views_quarter_user", table_name="activity_list_views")
    op.drop_table("activity_list_views")
    op.drop_index("ix_activity_marks_quarter_user", table_name="activity_marks")
    op.drop_table("activity_marks")
    op.drop_table("activity_quarters")
