"""Outbox: messages left out by design are 'skipped', not 'dead'; an index for a forum's mail

Revision ID: b5d9e3f1a720
Revises: 8a4c1e7b2d53
Create Date: 2026-12-05 19:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b5d9e3f1a720'
down_revision = '8a4c1e7b2d53'
branch_labels = None
depends_on = None

STATUSES_BEFORE = "status IN ('pending', 'sent', 'dead')"
STATUSES = "status IN ('pending', 'sent', 'dead', 'skipped')"


def upgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_outbox_status_allowed'), type_='check')
        batch_op.create_check_constraint(op.f('ck_outbox_status_allowed'), STATUSES)
        batch_op.create_index('ix_outbox_forum_status', ['forum_id', 'status'], unique=False)
    # Until now a message left out by design was stored as dead with this prefix.
    op.execute("UPDATE outbox SET status = 'skipped' WHERE status = 'dead' AND last_error LIKE 'not sent: %'")


def downgrade():
    op.execute("UPDATE outbox SET status = 'dead' WHERE status = 'skipped'")
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_forum_status')
        batch_op.drop_constraint(op.f('ck_outbox_status_allowed'), type_='check')
        batch_op.create_check_constraint(op.f('ck_outbox_status_allowed'), STATUSES_BEFORE)
