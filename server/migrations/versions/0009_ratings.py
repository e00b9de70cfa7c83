"""好差评 (issue 13): `rating`, one row per service event rated (一次一评), with a 差评's follow-up.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rating",
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("service_event_id", sa.String(36), nullable=False),
        sa.Column("hall_code", sa.String(32), nullable=False),
        sa.Column("case_number", sa.String(32), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("window_code", sa.String(12), nullable=False),
        sa.Column("clerk_login", sa.Text(), nullable=False),
        sa.Column("rated_at", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("follow_up_event_id", sa.String(36), nullable=True),
        sa.Column("followed_up_at", sa.Text(), nullable=True),
        sa.Column("followed_up_by", sa.Text(), nullable=True),
        sa.Column("follow_up_note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("event_id", name="pk_rating"),
        sa.UniqueConstraint("service_event_id", name="uq_rating_service_event_id"),
        sa.UniqueConstraint("follow_up_event_id", name="uq_rating_follow_up_event_id"),
    )
    op.create_index("ix_rating_hall_code_level", "rating", ["hall_code", "level"])


def downgrade() -> None:
    op.drop_index("ix_rating_hall_code_level", table_name="rating")
    op.drop_table("rating")
