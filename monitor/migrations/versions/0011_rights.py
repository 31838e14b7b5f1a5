"""Rights per entity (SPEC §10): users.rights, and deals by responsible user in list order

Revision ID: 0011
Revises: 0010

Every user gets `rights`: for each record kind, view / edit / delete as all | own | none (JSON).
The users already there get all of them, so nothing they could do before is taken away
silently; new users are given view all, edit all, delete own by the application.
"""
import sqlalchemy as sa
from alembic import op

# Written out, not imported: what this revision gives must not change when the application does.
ALL_RIGHTS = '{"companies":{"delete":"all","edit":"all","view":"all"},"contacts":{"delete":"all","edit":"all","view":"all"},"customers":{"delete":"all","edit":"all","view":"all"},"leads":{"delete":"all","edit":"all","view":"all"}}'

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("rights", sa.Text(), server_default=ALL_RIGHTS, nullable=False))
    # A user who may view only their own deals pages them in list order from this index, not by a sort.
    op.create_index("ix_deals_responsible_created", "deals", ["responsible_user_id", "created_at"])


def downgrade():
    op.drop_index("ix_deals_responsible_created", table_name="deals")
    with op.batch_alter_table("users", recreate="never") as batch_op:
        batch_op.drop_column("rights")
