"""feedback_tally, feedback_tally_version and feedback_tally_form: each form's closed answers and responses
counted by the night (the results page);
feedback response index by consent and research consent index by withdrawal (what changed since the night)

Revision ID: 0014_feedback_tally
Revises: 0013_participant_status_index
Create Date: 2026-12-02 09:21:59

"""
from alembic import op
import sqlalchemy as sa

import peer_support.db


# revision identifiers, used by Alembic.
revision = '0014_feedback_tally'
down_revision = '0013_participant_status_index'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('feedback_tally',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('number_value', sa.Integer(), nullable=True),
    sa.Column('choice_values', sa.Text(), nullable=True),
    sa.Column('consent', sa.String(length=20), nullable=False),
    sa.Column('answers', sa.Integer(), nullable=False),
    sa.CheckConstraint("consent IN ('none', 'in_force', 'withdrawn_care', 'withdrawn')", name=op.f('ck_feedback_tally_consent')),
    sa.ForeignKeyConstraint(['form_id'], ['feedback_form.id'], name=op.f('fk_feedback_tally_form_id_feedback_form'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_tally'))
    )
    with op.batch_alter_table('feedback_tally', schema=None) as batch_op:
        batch_op.create_index('ix_feedback_tally_form', ['form_id'], unique=False)

    op.create_table('feedback_tally_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('consent', sa.String(length=20), nullable=False),
    sa.Column('responses', sa.Integer(), nullable=False),
    sa.CheckConstraint("consent IN ('none', 'in_force', 'withdrawn_care', 'withdrawn')", name=op.f('ck_feedback_tally_version_consent')),
    sa.ForeignKeyConstraint(['form_id'], ['feedback_form.id'], name=op.f('fk_feedback_tally_version_form_id_feedback_form'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_tally_version'))
    )
    with op.batch_alter_table('feedback_tally_version', schema=None) as batch_op:
        batch_op.create_index('ix_feedback_tally_version_form', ['form_id'], unique=False)

    op.create_table('feedback_tally_form',
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('last_response_id', sa.Integer(), nullable=False),
    sa.Column('computed_at', peer_support.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['form_id'], ['feedback_form.id'], name=op.f('fk_feedback_tally_form_form_id_feedback_form'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('form_id', name=op.f('pk_feedback_tally_form'))
    )
    with op.batch_alter_table('feedback_response', schema=None) as batch_op:
        batch_op.create_index('ix_feedback_response_consent', ['research_consent_id'], unique=False)

    with op.batch_alter_table('research_consent', schema=None) as batch_op:
        batch_op.create_index('ix_research_consent_withdrawn', ['withdrawn_at'], unique=False)


def downgrade():
    with op.batch_alter_table('research_consent', schema=None) as batch_op:
        batch_op.drop_index('ix_research_consent_withdrawn')

    with op.batch_alter_table('feedback_response', schema=None) as batch_op:
        batch_op.drop_index('ix_feedback_response_consent')

    op.drop_table('feedback_tally_form')
    with op.batch_alter_table('feedback_tally_version', schema=None) as batch_op:
        batch_op.drop_index('ix_feedback_tally_version_form')

    op.drop_table('feedback_tally_version')
    with op.batch_alter_table('feedback_tally', schema=None) as batch_op:
        batch_op.drop_index('ix_feedback_tally_form')

    op.drop_table('feedback_tally')
