"""Sessions: a meeting point, time and note for tours and off-site visits

Revision ID: 4c8d2e6a9f15
Revises: 9b4e2f7c1d30
Create Date: 2026-12-05 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4c8d2e6a9f15'
down_revision = '9b4e2f7c1d30'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('meeting_point_ko', sa.String(length=300), server_default='', nullable=False)
        )
        batch_op.add_column(
            sa.Column('meeting_point_en', sa.String(length=300), server_default='', nullable=False)
        )
        batch_op.add_column(sa.Column('meeting_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column('meeting_note_ko', sa.Text(), server_default='', nullable=False)
        )
        batch_op.add_column(
            sa.Column('meeting_note_en', sa.Text(), server_default='', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_column('meeting_note_en')
        batch_op.drop_column('meeting_note_ko')
        batch_op.drop_column('meeting_at')
        batch_op.drop_column('meeting_point_en')
        batch_op.drop_column('meeting_point_ko')
