"""question box: the council's public question box (Spørg Rådet) and its answers

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 15:30:00

One new table; nothing existing changes. Kinds and statuses are stored as plain strings
(no native enum), so a new one later needs no ALTER TYPE.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

KINDS = ('question', 'suggestion', 'comment')
STATUSES = ('new', 'in_progress', 'answered', 'published', 'closed')


def upgrade():
    op.create_table('box_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum(*KINDS, name='boxkind', native_enum=False, length=20),
              nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('consent_publish', sa.Boolean(), nullable=False),
    sa.Column('show_name', sa.Boolean(), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('status', sa.Enum(*STATUSES, name='boxstatus', native_enum=False, length=20),
              nullable=False),
    sa.Column('assigned_to_id', sa.Integer(), nullable=True),
    sa.Column('topic', sa.String(length=80), nullable=True),
    sa.Column('answer_text', sa.Text(), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reply_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('personal_data_cleared_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('public_slug', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assigned_to_id'], ['users.id'],
                            name=op.f('fk_box_messages_assigned_to_id_users'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'],
                            name=op.f('fk_box_messages_answered_by_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_box_messages')),
    sa.UniqueConstraint('public_slug', name=op.f('uq_box_messages_public_slug'))
    )
    with op.batch_alter_table('box_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_box_messages_assigned_to_id'), ['assigned_to_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_box_messages_email'), ['email'], unique=False)
        batch_op.create_index('ix_box_messages_inbox', ['status', 'created_at'], unique=False)
        batch_op.create_index('ix_box_messages_published', ['status', 'published_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('box_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_box_messages_published')
        batch_op.drop_index('ix_box_messages_inbox')
        batch_op.drop_index(batch_op.f('ix_box_messages_email'))
        batch_op.drop_index(batch_op.f('ix_box_messages_assigned_to_id'))

    op.drop_table('box_messages')
