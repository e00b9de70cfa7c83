"""A case's timing (issue 13): what the hall's other PCs need to list it in the approver's queue and the
supervisor's watch (app.lifecycle.timing), carried by every `case.updated` change.

- `case_record.decided_timing`: the timing as the decision gave it (its snapshot's `time_limits` and its
  promised and supplement days), written with the case; NULL for decisions of windows before issue 13 and
  for cases stored before.
- `case_record.timing`: the decided timing moved on by the case's applied events, written by the projection;
  NULL where there is no decided timing.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_record") as batch_op:
        batch_op.add_column(sa.Column("decided_timing", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("timing", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("case_record") as batch_op:
        batch_op.drop_column("timing")
        batch_op.drop_column("decided_timing")
