"""Announcements: an organizer's message to a segment of registrants, and the outbox rows it queued

Revision ID: 97b4df7650fd
Revises: b5d9e3f1a720
Create Date: 2026-12-06 01:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '97b4df7650fd'
down_revision = 'b5d9e3f1a720'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('announcements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('forum_id', sa.Integer(), nullable=False),
    sa.Column('segment', sa.String(length=16), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('subject_ko', sa.String(length=200), nullable=False),
    sa.Column('subject_en', sa.String(length=200), nullable=False),
    sa.Column('body_ko', sa.Text(), nullable=False),
    sa.Column('body_en', sa.Text(), nullable=False),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.Column('sent_by_id', sa.Integer(), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("segment IN ('everyone', 'in_person', 'online', 'waitlisted', 'session', 'checked_in')", name=op.f('ck_announcements_segment_allowed')),
    sa.ForeignKeyConstraint(['forum_id'], ['forums.id'], name=op.f('fk_announcements_forum_id_forums'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sent_by_id'], ['users.id'], name=op.f('fk_announcements_sent_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], name=op.f('fk_announcements_session_id_sessions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcements'))
    )
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_announcements_forum_id'), ['forum_id'], unique=False)

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('announcement_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_announcement_id'), ['announcement_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_outbox_announcement_id_announcements'), 'announcements', ['announcement_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbox_announcement_id_announcements'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outbox_announcement_id'))
        batch_op.drop_column('announcement_id')

    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_announcements_forum_id'))

    op.drop_table('announcements')
