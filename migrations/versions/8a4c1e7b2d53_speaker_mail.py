"""Speakers: an address, a language and connection details for their own mail

Revision ID: 8a4c1e7b2d53
Revises: 6e1a3b5c7d92
Create Date: 2026-12-05 16:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8a4c1e7b2d53'
down_revision = '6e1a3b5c7d92'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('speakers', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('email', sa.String(length=254), server_default='', nullable=False)
        )
        batch_op.add_column(
            sa.Column('locale', sa.String(length=2), server_default='ko', nullable=False)
        )
        batch_op.add_column(
            sa.Column('connection_details', sa.Text(), server_default='', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('speakers', schema=None) as batch_op:
        batch_op.drop_column('connection_details')
        batch_op.drop_column('locale')
        batch_op.drop_column('email')
