"""calendar years, the hall's case index, clerk roles, conflict resolutions

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_year",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("year"),
    )
    op.create_table(
        "hall_case",
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("window_code", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("decision", sa.String(length=30), nullable=True),
        sa.Column("item_code", sa.String(length=80), nullable=True),
        sa.Column("received_on", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("number"),
    )
    with op.batch_alter_table("clerk", schema=None) as batch_op:
        batch_op.add_column(sa.Column("role", sa.String(length=20), server_default="clerk", nullable=False))
    with op.batch_alter_table("sync_conflict", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resolution", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("resolved_by", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_conflict", schema=None) as batch_op:
        batch_op.drop_column("resolved_by")
        batch_op.drop_column("resolution")
    with op.batch_alter_table("clerk", schema=None) as batch_op:
        batch_op.drop_column("role")
    op.drop_table("hall_case")
    op.drop_table("calendar_year")
