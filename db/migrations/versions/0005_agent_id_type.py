"""the agent's 证件类型 (the applicant's has been stored since the first schema)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: an agent stored before has a resident ID (app.acceptance.case_snapshot reads NULL so).
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("agent_id_type", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_column("agent_id_type")
