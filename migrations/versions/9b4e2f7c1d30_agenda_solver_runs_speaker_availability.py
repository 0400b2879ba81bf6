"""Agenda solver: speakers' time zone and availability windows; solver runs

Revision ID: 9b4e2f7c1d30
Revises: 7d3f1c2a9b10
Create Date: 2026-12-05 03:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9b4e2f7c1d30'
down_revision = '7d3f1c2a9b10'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('speakers', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('timezone', sa.String(length=64), server_default='Asia/Seoul', nullable=False)
        )
    op.create_table(
        'speaker_availability',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('speaker_id', sa.Integer(), nullable=False),
        sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('ends_at > starts_at', name='window_ends_after_start'),
        sa.ForeignKeyConstraint(['speaker_id'], ['speakers.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('speaker_availability', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_speaker_availability_speaker_id'), ['speaker_id'], unique=False
        )
    op.create_table(
        'solver_runs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('forum_id', sa.Integer(), nullable=False),
        sa.Column('mode', sa.String(length=16), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('time_limit_s', sa.Float(), nullable=False),
        sa.Column('pinned', sa.JSON(), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('base_digest', sa.String(length=64), nullable=False),
        sa.Column('worker_id', sa.String(length=120), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('progress', sa.JSON(), nullable=False),
        sa.Column('result', sa.JSON(), nullable=False),
        sa.Column('error', sa.Text(), nullable=False),
        sa.Column('applied_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('applied_by_id', sa.Integer(), nullable=True),
        sa.Column('applied_sessions', sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed', 'applied')",
            name='solver_run_status_allowed',
        ),
        sa.CheckConstraint("mode IN ('propose', 'repair')", name='solver_run_mode_allowed'),
        sa.ForeignKeyConstraint(['applied_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['forum_id'], ['forums.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('solver_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_solver_runs_forum_id'), ['forum_id'], unique=False)
        batch_op.create_index(
            batch_op.f('ix_solver_runs_requested_by_id'), ['requested_by_id'], unique=False
        )
        batch_op.create_index('ix_solver_runs_status_lease', ['status', 'lease_until'], unique=False)


def downgrade():
    with op.batch_alter_table('solver_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_solver_runs_status_lease')
        batch_op.drop_index(batch_op.f('ix_solver_runs_requested_by_id'))
        batch_op.drop_index(batch_op.f('ix_solver_runs_forum_id'))
    op.drop_table('solver_runs')
    with op.batch_alter_table('speaker_availability', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_speaker_availability_speaker_id'))
    op.drop_table('speaker_availability')
    with op.batch_alter_table('speakers', schema=None) as batch_op:
        batch_op.drop_column('timezone')
