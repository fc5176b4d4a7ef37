"""a partial index of pending jobs by creator, for the cap on pending jobs per user

Revision ID: a4c81f0e9b27
Revises: 5b2e9c41a7d3
Create Date: 2026-12-03

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a4c81f0e9b27'
down_revision = '5b2e9c41a7d3'
branch_labels = None
depends_on = None

PENDING = sa.text("status = 'PENDING'")


def upgrade():
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.create_index('ix_job_pending_created_by', ['created_by'], unique=False,
                              sqlite_where=PENDING, postgresql_where=PENDING)


def downgrade():
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_index('ix_job_pending_created_by')
