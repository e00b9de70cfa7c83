"""A case's steps (issue 13): the projection replays a case's events by step (app.cases.status.replay).

- `case_event.step`, `from_status`, `to_status`: as the event's payload carries them, copied on insert so
  the server never reads inside payload JSON; NULL for events stored before, and for events of windows
  older than steps (they are taken in the order the status table allows them).
- `case_record.step`: the case's last step taken, as projected; NULL for cases stored before until their
  next event projects them again.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_event") as batch_op:
        batch_op.add_column(sa.Column("step", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("from_status", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("to_status", sa.Text(), nullable=True))
    with op.batch_alter_table("case_record") as batch_op:
        batch_op.add_column(sa.Column("step", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("case_record") as batch_op:
        batch_op.drop_column("step")
    with op.batch_alter_table("case_event") as batch_op:
        batch_op.drop_column("to_status")
        batch_op.drop_column("from_status")
        batch_op.drop_column("step")
