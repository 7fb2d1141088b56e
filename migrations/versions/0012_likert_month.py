"""likert_month and caseload_month: the dashboard's scale averages and caseloads, written with the activity snapshot;
feedback invitation index by form and sending time (the response rate); service user index by last change
(research masking)

The activity snapshot gains a table, so the months it held are forgotten (activity_month emptied): until the
next nightly run computes them again (take_snapshot fills in every month missing from it), the dashboard counts
them live, as it does for any month not in the snapshot.

Revision ID: 0012_likert_month
Revises: 0011_meeting_status_index
Create Date: 2026-12-02 05:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_likert_month'
down_revision = '0011_meeting_status_index'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('likert_month',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('question_key', sa.String(length=20), nullable=False),
    sa.Column('answers', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_likert_month'))
    )
    with op.batch_alter_table('likert_month', schema=None) as batch_op:
        batch_op.create_index('ix_likert_month_month', ['month'], unique=False)
    op.create_table('caseload_month',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('peer_profile_id', sa.Integer(), nullable=True),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_caseload_month'))
    )
    with op.batch_alter_table('caseload_month', schema=None) as batch_op:
        batch_op.create_index('ix_caseload_month_month', ['month'], unique=False)
    op.execute(sa.text("DELETE FROM activity_month"))
    with op.batch_alter_table('feedback_invitation', schema=None) as batch_op:
        batch_op.create_index('ix_feedback_invitation_form_sent', ['form_id', 'sent_at', 'cancelled_at', 'answered_at'],
                              unique=False)
    with op.batch_alter_table('service_user', schema=None) as batch_op:
        batch_op.create_index('ix_service_user_updated_at', ['updated_at'], unique=False)


def downgrade():
    with op.batch_alter_table('service_user', schema=None) as batch_op:
        batch_op.drop_index('ix_service_user_updated_at')
    with op.batch_alter_table('feedback_invitation', schema=None) as batch_op:
        batch_op.drop_index('ix_feedback_invitation_form_sent')
    with op.batch_alter_table('caseload_month', schema=None) as batch_op:
        batch_op.drop_index('ix_caseload_month_month')
    op.drop_table('caseload_month')
    with op.batch_alter_table('likert_month', schema=None) as batch_op:
        batch_op.drop_index('ix_likert_month_month')
    op.drop_table('likert_month')
