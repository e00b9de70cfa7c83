"""Messages to the applicant (issue 13, server.messages): the `message` table, one row per (event, purpose),
queued in the push transaction and delivered by a gateway outside it.

Revision ID: 0008
Revises: 0007 (renumbered at merge: 0007 comes from another branch)
Create Date: 2026-12-10
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "message",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("hall_code", sa.String(32), nullable=False),
        sa.Column("case_number", sa.String(32), nullable=False),
        sa.Column("phone", sa.String(40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("gateway", sa.String(16), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["event_id"], ["case_event.event_id"], name="fk_message_event_id_case_event"),
        sa.PrimaryKeyConstraint("id", name="pk_message"),
        sa.UniqueConstraint("event_id", "purpose", name="uq_message_event_id_purpose"),
    )
    op.create_index("ix_message_hall_code_created_at", "message", ["hall_code", "created_at"])
    op.create_index("ix_message_state_next_attempt_at", "message", ["state", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_message_state_next_attempt_at", table_name="message")
    op.drop_index("ix_message_hall_code_created_at", table_name="message")
    op.drop_table("message")
