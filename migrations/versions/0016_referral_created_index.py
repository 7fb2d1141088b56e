"""referral index by creation and source: the dashboard's new referrals per month read from the index alone

Revision ID: 0016_referral_created_index
Revises: 0015_last_meeting
Create Date: 2026-12-02 13:06:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0016_referral_created_index'
down_revision = '0015_last_meeting'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.create_index('ix_referral_created_source', ['created_at', 'source'], unique=False)


def downgrade():
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_index('ix_referral_created_source')
