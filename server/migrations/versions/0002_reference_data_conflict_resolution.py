"""Published catalog versions and calendars; who resolved a conflict.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

JSON_TYPE = sa.JSON()


def upgrade() -> None:
    op.create_table(
        "catalog_publication",
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("published", sa.Date(), nullable=False),
        sa.Column("region_code", sa.String(12), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("version", name="pk_catalog_publication"),
    )
    op.create_table(
        "calendar_publication",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("content", JSON_TYPE, nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("year", name="pk_calendar_publication"),
    )
    with op.batch_alter_table("conflict") as batch_op:
        batch_op.add_column(sa.Column("resolved_by", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conflict") as batch_op:
        batch_op.drop_column("resolved_by")
    op.drop_table("calendar_publication")
    op.drop_table("catalog_publication")
