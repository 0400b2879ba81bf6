"""Certificates of attendance: a forum's rule and wording, and each certificate with its verification code

Revision ID: b0b031c76e87
Revises: 33633054159d
Create Date: 2026-12-06 02:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b0b031c76e87'
down_revision = '33633054159d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('certificate_settings',
    sa.Column('forum_id', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('forum_check_in', sa.Boolean(), nullable=False),
    sa.Column('session_check_in', sa.Boolean(), nullable=False),
    sa.Column('online_attendance', sa.Boolean(), nullable=False),
    sa.Column('wording_ko', sa.Text(), nullable=False),
    sa.Column('wording_en', sa.Text(), nullable=False),
    sa.Column('signatory_ko', sa.String(length=200), nullable=False),
    sa.Column('signatory_en', sa.String(length=200), nullable=False),
    sa.Column('signatory_title_ko', sa.String(length=200), nullable=False),
    sa.Column('signatory_title_en', sa.String(length=200), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['forum_id'], ['forums.id'], name=op.f('fk_certificate_settings_forum_id_forums'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('forum_id', name=op.f('pk_certificate_settings'))
    )
    op.create_table('certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('forum_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['forum_id'], ['forums.id'], name=op.f('fk_certificates_forum_id_forums'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_certificates_registration_id_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificates')),
    sa.UniqueConstraint('code', name=op.f('uq_certificates_code')),
    sa.UniqueConstraint('forum_id', 'registration_id', name=op.f('uq_certificates_forum_id_registration_id'))
    )
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificates_registration_id'), ['registration_id'], unique=False)



def downgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificates_registration_id'))

    op.drop_table('certificates')
    op.drop_table('certificate_settings')
