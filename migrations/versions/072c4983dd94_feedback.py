"""Feedback after a forum: one answer per person, a rating of the forum and of each session attended

Revision ID: 072c4983dd94
Revises: b0b031c76e87
Create Date: 2026-12-06 02:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '072c4983dd94'
down_revision = 'b0b031c76e87'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('feedback_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('forum_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('rating BETWEEN 1 AND 5', name=op.f('ck_feedback_answers_rating_range')),
    sa.ForeignKeyConstraint(['forum_id'], ['forums.id'], name=op.f('fk_feedback_answers_forum_id_forums'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_feedback_answers_registration_id_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_answers')),
    sa.UniqueConstraint('forum_id', 'registration_id', name=op.f('uq_feedback_answers_forum_id_registration_id'))
    )
    with op.batch_alter_table('feedback_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_answers_registration_id'), ['registration_id'], unique=False)

    op.create_table('session_feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('answer_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.CheckConstraint('rating BETWEEN 1 AND 5', name=op.f('ck_session_feedback_rating_range')),
    sa.ForeignKeyConstraint(['answer_id'], ['feedback_answers.id'], name=op.f('fk_session_feedback_answer_id_feedback_answers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], name=op.f('fk_session_feedback_session_id_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_feedback')),
    sa.UniqueConstraint('answer_id', 'session_id', name=op.f('uq_session_feedback_answer_id_session_id'))
    )
    with op.batch_alter_table('session_feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_feedback_session_id'), ['session_id'], unique=False)



def downgrade():
    with op.batch_alter_table('session_feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_feedback_session_id'))

    op.drop_table('session_feedback')
    with op.batch_alter_table('feedback_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_answers_registration_id'))

    op.drop_table('feedback_answers')
