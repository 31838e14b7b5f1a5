"""Before and after a lockout: the warning, exemptions, the audit of the rules

Revision ID: 0009
Revises: 0008

`activity_settings` gains `warn_percent` (80 for the existing row) and `warn_admins`;
`users` gain `monitoring_exempt` and `exempt_reason`; `activity_events` gains `details`
(old → new values of an audited change, a reason). `activity_warnings` keys the
warnings administrators were told of. Columns are added, never rebuilt: rebuilding
`activity_events` with foreign keys on would cascade to the notifications.
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("activity_settings", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("warn_percent", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("warn_admins", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute("UPDATE activity_settings SET warn_percent = 80")
    with op.batch_alter_table("users", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("monitoring_exempt", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("exempt_reason", sa.String(length=300), nullable=True))
    with op.batch_alter_table("activity_events", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("details", sa.Text(), nullable=True))
    op.create_table(
        "activity_warnings",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("window_start", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_activity_warnings_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "kind", "window_start", name=op.f("pk_activity_warnings")),
    )


def downgrade():
    op.drop_table("activity_warnings")
    with op.batch_alter_table("activity_events", recreate="never") as batch_op:
        batch_op.drop_column("details")
    with op.batch_alter_table("users", recreate="never") as batch_op:
        batch_op.drop_column("exempt_reason")
        batch_op.drop_column("monitoring_exempt")
    with op.batch_alter_table("activity_settings", recreate="never") as batch_op:
        batch_op.drop_column("warn_admins")
        batch_op.drop_column("warn_percent")
