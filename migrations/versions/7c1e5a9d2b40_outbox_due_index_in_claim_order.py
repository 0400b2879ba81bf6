"""The outbox's due index in the claim's order: (status, next_attempt_at, id)

A claim takes the oldest due rows by (next_attempt_at, id). Rows queued together (an
announcement to thousands) share one next_attempt_at, and with the index ending at that column
every claim sorted all of them by id to find the first twenty.

Revision ID: 7c1e5a9d2b40
Revises: f1f661a3b467
Create Date: 2026-12-07 01:45:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '7c1e5a9d2b40'
down_revision = 'f1f661a3b467'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_outbox_due', table_name='outbox')
    op.create_index('ix_outbox_due', 'outbox', ['status', 'next_attempt_at', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_outbox_due', table_name='outbox')
    op.create_index('ix_outbox_due', 'outbox', ['status', 'next_attempt_at'], unique=False)
