"""Indexes for short searches

Revision ID: 0005
Revises: 0004

A search of one or two characters is too short for the trigram index; it finds the
names, phones and e-mails that start with it, read as ranges of these indexes
(monitor/services/search.py).
"""
from alembic import op
import sqlalchemy as sa  # noqa: F401

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

COLUMNS = {
    "deals": ("name",),
    "contacts": ("name", "phone", "email"),
    "companies": ("name", "phone", "email"),
    "customers": ("name",),
}


def upgrade():
    for table, columns in COLUMNS.items():
        for column in columns:
            op.create_index(f"ix_{table}_{column}", table, [column])


def downgrade():
    for table, columns in COLUMNS.items():
        for column in columns:
            op.drop_index(f"ix_{table}_{column}", table_name=table)
