"""Registrations: attendee categories; forums and sessions: places reserved for invited people

Revision ID: 6e1a3b5c7d92
Revises: 4c8d2e6a9f15
Create Date: 2026-12-05 15:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6e1a3b5c7d92'
down_revision = '4c8d2e6a9f15'
branch_labels = None
depends_on = None

CATEGORIES = "category IN ('general', 'speaker', 'guest', 'press', 'staff')"
SOURCES_BEFORE = "source IN ('web', 'api', 'desk')"
SOURCES = "source IN ('web', 'api', 'desk', 'invite')"


def upgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('category', sa.String(length=16), server_default='general', nullable=False)
        )
        batch_op.create_check_constraint(op.f('ck_registrations_category_allowed'), CATEGORIES)
        batch_op.drop_constraint(op.f('ck_registrations_source_allowed'), type_='check')
        batch_op.create_check_constraint(op.f('ck_registrations_source_allowed'), SOURCES)
    with op.batch_alter_table('forums', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('reserved_places', sa.Integer(), server_default='0', nullable=False)
        )
        batch_op.add_column(
            sa.Column('invited_taken', sa.Integer(), server_default='0', nullable=False)
        )
        batch_op.create_check_constraint(op.f('ck_forums_reserved_places'), 'reserved_places >= 0')
        batch_op.create_check_constraint(op.f('ck_forums_invited_taken'), 'invited_taken >= 0')
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('reserved_seats', sa.Integer(), server_default='0', nullable=False)
        )
        batch_op.add_column(
            sa.Column('invited_seats_taken', sa.Integer(), server_default='0', nullable=False)
        )
        batch_op.create_check_constraint(op.f('ck_sessions_reserved_seats'), 'reserved_seats >= 0')
        batch_op.create_check_constraint(
            op.f('ck_sessions_invited_seats_taken'), 'invited_seats_taken >= 0'
        )


def downgrade():
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_sessions_invited_seats_taken'), type_='check')
        batch_op.drop_constraint(op.f('ck_sessions_reserved_seats'), type_='check')
        batch_op.drop_column('invited_seats_taken')
        batch_op.drop_column('reserved_seats')
    with op.batch_alter_table('forums', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_forums_invited_taken'), type_='check')
        batch_op.drop_constraint(op.f('ck_forums_reserved_places'), type_='check')
        batch_op.drop_column('invited_taken')
        batch_op.drop_column('reserved_places')
    op.execute("DELETE FROM registrations WHERE source = 'invite'")
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_registrations_source_allowed'), type_='check')
        batch_op.create_check_constraint(op.f('ck_registrations_source_allowed'), SOURCES_BEFORE)
        batch_op.drop_constraint(op.f('ck_registrations_category_allowed'), type_='check')
        batch_op.drop_column('category')
