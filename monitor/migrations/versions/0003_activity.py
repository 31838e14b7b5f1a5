"""activity monitoring: settings, counters, card views, history, notifications, outbox

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa
from datetime import datetime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    settings = op.create_table('activity_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('card_limit', sa.Integer(), nullable=True),
    sa.Column('card_period', sa.String(length=8), nullable=False),
    sa.Column('list_limit', sa.Integer(), nullable=True),
    sa.Column('list_period', sa.String(length=8), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_settings'))
    )
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('claimed_until', sa.DateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox'))
    )
    op.create_index('ix_outbox_due', 'outbox', ['sent_at', 'next_attempt_at'], unique=False)
    op.create_table('activity_alerts',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('window_start', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_activity_alerts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'kind', 'window_start', name=op.f('pk_activity_alerts'))
    )
    op.create_table('activity_card_views',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('window_start', sa.DateTime(), nullable=False),
    sa.Column('entity', sa.String(length=12), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_activity_card_views_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'window_start', 'entity', 'record_id', name=op.f('pk_activity_card_views'))
    )
    op.create_table('activity_counts',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('window_start', sa.DateTime(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('web', sa.Integer(), nullable=False),
    sa.Column('api', sa.Integer(), nullable=False),
    sa.Column('mobile', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_activity_counts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'kind', 'window_start', name=op.f('pk_activity_counts'))
    )
    op.create_table('activity_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=16), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('limit_kind', sa.String(length=8), nullable=True),
    sa.Column('limit_value', sa.Integer(), nullable=True),
    sa.Column('period', sa.String(length=8), nullable=True),
    sa.Column('count', sa.Integer(), nullable=True),
    sa.Column('requested', sa.Integer(), nullable=True),
    sa.Column('window_start', sa.DateTime(), nullable=True),
    sa.Column('window_end', sa.DateTime(), nullable=True),
    sa.Column('channel', sa.String(length=8), nullable=True),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.Column('request_line', sa.String(length=600), nullable=True),
    sa.Column('by_user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['by_user_id'], ['users.id'], name=op.f('fk_activity_events_by_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_activity_events_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_events'))
    )
    op.create_index(op.f('ix_activity_events_created_at'), 'activity_events', ['created_at'], unique=False)
    op.create_index('ix_activity_events_user_created', 'activity_events', ['user_id', 'created_at'], unique=False)
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['activity_events.id'], name=op.f('fk_notifications_event_id_activity_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    op.create_index('ix_notifications_user_read', 'notifications', ['user_id', 'read_at'], unique=False)
    # The one settings row exists from the start: saving is an update, never a racing insert.
    op.bulk_insert(settings, [{
        "id": 1, "card_limit": None, "card_period": "day", "list_limit": None, "list_period": "day",
        "action": "deactivate", "timezone": "UTC", "updated_at": datetime(2026, 1, 1),
    }])


def downgrade():
    op.drop_index('ix_notifications_user_read', table_name='notifications')
    op.drop_table('notifications')
    op.drop_index('ix_activity_events_user_created', table_name='activity_events')
    op.drop_index(op.f('ix_activity_events_created_at'), table_name='activity_events')
    op.drop_table('activity_events')
    op.drop_table('activity_counts')
    op.drop_table('activity_card_views')
    op.drop_table('activity_alerts')
    op.drop_index('ix_outbox_due', table_name='outbox')
    op.drop_table('outbox')
    op.drop_table('activity_settings')
