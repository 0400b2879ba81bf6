"""Online attendance: a registrant opened a session's stream from their watch page (once per session)

Revision ID: 33633054159d
Revises: 97b4df7650fd
Create Date: 2026-12-06 01:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '33633054159d'
down_revision = '97b4df7650fd'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('online_attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('forum_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('stream_id', sa.Integer(), nullable=True),
    sa.Column('first_opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['forum_id'], ['forums.id'], name=op.f('fk_online_attendance_forum_id_forums'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_online_attendance_registration_id_registrations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], name=op.f('fk_online_attendance_session_id_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['stream_id'], ['stream_links.id'], name=op.f('fk_online_attendance_stream_id_stream_links'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_online_attendance')),
    sa.UniqueConstraint('registration_id', 'session_id', name=op.f('uq_online_attendance_registration_id_session_id'))
    )
    with op.batch_alter_table('online_attendance', schema=None) as batch_op:
        batch_op.create_index('ix_online_attendance_forum_session', ['forum_id', 'session_id'], unique=False)



def downgrade():
    with op.batch_alter_table('online_attendance', schema=None) as batch_op:
        batch_op.drop_index('ix_online_attendance_forum_session')

    op.drop_table('online_attendance')
