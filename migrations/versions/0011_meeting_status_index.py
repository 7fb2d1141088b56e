"""meeting index by worker, status and start: the caseload's next planned meetings at scale

Revision ID: 0011_meeting_status_index
Revises: 0010_report_snapshots
Create Date: 2026-12-02 01:20:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011_meeting_status_index'
down_revision = '0010_report_snapshots'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.create_index('ix_meeting_peer_status_starts', ['peer_profile_id', 'status', 'starts_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_index('ix_meeting_peer_status_starts')
