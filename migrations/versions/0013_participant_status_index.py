"""meeting participant index by person, meeting and status: the caseload's last meetings read from the index

Revision ID: 0013_participant_status_index
Revises: 0012_likert_month
Create Date: 2026-12-02 09:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0013_participant_status_index'
down_revision = '0012_likert_month'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meeting_participant', schema=None) as batch_op:
        batch_op.drop_index('ix_meeting_participant_person')
        batch_op.create_index('ix_meeting_participant_person', ['service_user_id', 'meeting_id', 'status'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('meeting_participant', schema=None) as batch_op:
        batch_op.drop_index('ix_meeting_participant_person')
        batch_op.create_index('ix_meeting_participant_person', ['service_user_id', 'meeting_id'], unique=False)
