"""helper drafts online (issue 15): a draft's signed reference code, and when the server took it

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("helper_draft") as batch:
        batch.add_column(sa.Column("handoff_code", sa.Text(), nullable=True))
        batch.add_column(sa.Column("uploaded_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("helper_draft") as batch:
        batch.drop_column("uploaded_at")
        batch.drop_column("handoff_code")
