"""The archive: recordings and documents of a forum, per session, as links or uploaded files

Revision ID: 3400827254fb
Revises: 072c4983dd94
Create Date: 2026-12-06 02:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3400827254fb'
down_revision = '072c4983dd94'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('materials',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('forum_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('recording', 'slides', 'document')", name=op.f('ck_materials_kind_allowed')),
    sa.CheckConstraint("language IN ('', 'ko', 'en')", name=op.f('ck_materials_language_allowed')),
    sa.ForeignKeyConstraint(['forum_id'], ['forums.id'], name=op.f('fk_materials_forum_id_forums'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], name=op.f('fk_materials_session_id_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_materials'))
    )
    with op.batch_alter_table('materials', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_materials_forum_id'), ['forum_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_materials_session_id'), ['session_id'], unique=False)



def downgrade():
    with op.batch_alter_table('materials', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_materials_session_id'))
        batch_op.drop_index(batch_op.f('ix_materials_forum_id'))

    op.drop_table('materials')
