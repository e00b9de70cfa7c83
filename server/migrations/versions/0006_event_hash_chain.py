"""Each window's events form a hash chain (issue 12): the hashes as sent, and each window's chain head.

- `case_event.prev_hash`, `case_event.event_hash`: as the window sent them (app.audit.chain); NULL for
  events of windows older than the chain.
- `chain_head`: per window, the last chained event received; the next new event must follow it
  (server.sync.chain), a break is recorded as a `chain_break` conflict.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_event") as batch_op:
        batch_op.add_column(sa.Column("prev_hash", sa.String(64), nullable=True))
        batch_op.add_column(sa.Column("event_hash", sa.String(64), nullable=True))
    op.create_table(
        "chain_head",
        sa.Column("window_code", sa.String(12), nullable=False),
        sa.Column("hall_code", sa.String(32), nullable=False),
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("event_id", sa.String(36), nullable=True),
        sa.Column("event_hash", sa.String(64), nullable=True),
        sa.Column("local_seq", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("window_code", name="pk_chain_head"),
    )


def downgrade() -> None:
    op.drop_table("chain_head")
    with op.batch_alter_table("case_event") as batch_op:
        batch_op.drop_column("event_hash")
        batch_op.drop_column("prev_hash")
