"""the claim's index covers its whole order (created_at, then id)

Revision ID: 5b2e9c41a7d3
Revises: d7f06840416c
Create Date: 2026-11-28

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5b2e9c41a7d3'
down_revision = 'd7f06840416c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_index('ix_job_type_status_created')
        batch_op.create_index('ix_job_claim_order', ['job_type', 'status', 'created_at', 'id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_index('ix_job_claim_order')
        batch_op.create_index('ix_job_type_status_created', ['job_type', 'status', 'created_at'],
                              unique=False)
