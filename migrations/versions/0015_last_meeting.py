"""last_meeting: the last held meeting of each peer worker with each person, kept as meetings change (the
caseload's sort and column, without aggregating every participation on each view)

Revision ID: 0015_last_meeting
Revises: 0014_feedback_tally
Create Date: 2026-12-02 12:40:00

"""
from alembic import op
import sqlalchemy as sa

import peer_support.db


# revision identifiers, used by Alembic.
revision = '0015_last_meeting'
down_revision = '0014_feedback_tally'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('last_meeting',
    sa.Column('peer_profile_id', sa.Integer(), nullable=False),
    sa.Column('service_user_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', peer_support.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['peer_profile_id'], ['peer_profile.id'], name=op.f('fk_last_meeting_peer_profile_id_peer_profile')),
    sa.ForeignKeyConstraint(['service_user_id'], ['service_user.id'], name=op.f('fk_last_meeting_service_user_id_service_user')),
    sa.PrimaryKeyConstraint('peer_profile_id', 'service_user_id', name=op.f('pk_last_meeting'))
    )
    with op.batch_alter_table('last_meeting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_last_meeting_service_user_id'), ['service_user_id'], unique=False)
    # What the meetings already say (meetings/last_meetings.held_with, as of this revision).
    op.execute(
        "INSERT INTO last_meeting (peer_profile_id, service_user_id, starts_at) "
        "SELECT meeting.peer_profile_id, meeting_participant.service_user_id, max(meeting.starts_at) "
        "FROM meeting_participant JOIN meeting ON meeting.id = meeting_participant.meeting_id "
        "WHERE meeting.status = 'held' AND meeting_participant.status IN ('enrolled', 'attended') "
        "GROUP BY meeting.peer_profile_id, meeting_participant.service_user_id")


def downgrade():
    with op.batch_alter_table('last_meeting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_last_meeting_service_user_id'))

    op.drop_table('last_meeting')
