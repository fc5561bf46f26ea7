"""qa revision: a counter on each Q&A session that every change to it or its questions bumps

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 17:40:00

The live pages poll with If-None-Match; the ETag is this counter, so a poll that finds nothing
new reads one row and answers 304.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('qa_sessions') as batch:
        batch.add_column(sa.Column('revision', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('qa_sessions') as batch:
        batch.drop_column('revision')
