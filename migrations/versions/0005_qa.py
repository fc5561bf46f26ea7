"""qa: questions and answers on agenda items (sessions, questions, votes, edit log, join code)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 15:25:00

qa_sessions.pinned_question_id and questions.session_id point at each other, so the pin's
foreign key is added after both tables exist. Existing events get no join code until an
organiser turns Q&A on.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

CATEGORIES = ('jobcentre', 'municipality_politician', 'municipality_administration', 'lbr_rar',
              'a_kasse', 'education', 'union', 'employer_org', 'agency', 'company', 'press',
              'other')
STATUSES = ('pending', 'approved', 'rejected', 'answered', 'merged')


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('qa_code', sa.String(length=6), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_events_qa_code'), ['qa_code'])

    op.create_table('qa_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agenda_item_id', sa.Integer(), nullable=False),
    sa.Column('opens_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepting', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('premoderated', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('anonymous_allowed', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('audience', sa.Enum('registrants', 'anyone', name='qaaudience', native_enum=False,
                                  length=20), nullable=False),
    sa.Column('pinned_question_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['agenda_items.id'],
                            name=op.f('fk_qa_sessions_agenda_item_id_agenda_items'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qa_sessions')),
    sa.UniqueConstraint('agenda_item_id', name=op.f('uq_qa_sessions_agenda_item_id'))
    )
    op.create_table('questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('author_name', sa.String(length=200), nullable=True),
    sa.Column('organisation', sa.String(length=200), nullable=True),
    sa.Column('category', sa.Enum(*CATEGORIES, name='category', native_enum=False, length=30),
              nullable=True),
    sa.Column('anonymous', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('registration_id', sa.Integer(), nullable=True),
    sa.Column('participant_key', sa.String(length=80), nullable=False),
    sa.Column('locale', sa.String(length=5), server_default='da', nullable=False),
    sa.Column('status', sa.Enum(*STATUSES, name='questionstatus', native_enum=False, length=20),
              nullable=False),
    sa.Column('flagged', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('reject_reason', sa.Text(), nullable=True),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.Column('vote_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('answer_text', sa.Text(), nullable=True),
    sa.Column('answered_by', sa.String(length=200), nullable=True),
    sa.Column('answer_published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('moderated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('moderated_by', sa.String(length=254), nullable=True),
    sa.CheckConstraint('vote_count >= 0', name=op.f('ck_questions_vote_count_not_negative')),
    sa.ForeignKeyConstraint(['merged_into_id'], ['questions.id'],
                            name=op.f('fk_questions_merged_into_id_questions'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'],
                            name=op.f('fk_questions_registration_id_registrations'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['qa_sessions.id'],
                            name=op.f('fk_questions_session_id_qa_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questions')),
    sa.UniqueConstraint('session_id', 'participant_key', 'text',
                        name=op.f('uq_questions_session_id_participant_key_text'))
    )
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_questions_registration_id'), ['registration_id'],
                              unique=False)
        batch_op.create_index('ix_questions_session_status', ['session_id', 'status'],
                              unique=False)

    with op.batch_alter_table('qa_sessions', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_qa_sessions_pinned_question_id_questions'),
                                    'questions', ['pinned_question_id'], ['id'],
                                    ondelete='SET NULL')

    op.create_table('question_votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('participant_key', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'],
                            name=op.f('fk_question_votes_question_id_questions'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question_votes')),
    sa.UniqueConstraint('question_id', 'participant_key',
                        name=op.f('uq_question_votes_question_id_participant_key'))
    )
    op.create_table('question_edits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('old_text', sa.String(length=500), nullable=False),
    sa.Column('new_text', sa.String(length=500), nullable=False),
    sa.Column('editor', sa.String(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'],
                            name=op.f('fk_question_edits_question_id_questions'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question_edits'))
    )
    with op.batch_alter_table('question_edits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_edits_question_id'), ['question_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('question_edits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_edits_question_id'))
    op.drop_table('question_edits')
    op.drop_table('question_votes')
    with op.batch_alter_table('qa_sessions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_qa_sessions_pinned_question_id_questions'),
                                 type_='foreignkey')
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_index('ix_questions_session_status')
        batch_op.drop_index(batch_op.f('ix_questions_registration_id'))
    op.drop_table('questions')
    op.drop_table('qa_sessions')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_events_qa_code'), type_='unique')
        batch_op.drop_column('qa_code')
