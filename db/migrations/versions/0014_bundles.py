"""一件事 bundles (issue 15): a catalog version's bundles, a case's bundle number, the bundles decided here

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("catalog_version") as batch_op:
        batch_op.add_column(sa.Column("bundles", sa.JSON(), nullable=True))
    with op.batch_alter_table("case") as batch_op:
        batch_op.add_column(sa.Column("bundle_number", sa.String(length=40), nullable=True))
        batch_op.create_index("ix_case_bundle_number", ["bundle_number"])
    op.create_table(
        "case_bundle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("bundle_code", sa.String(length=40), nullable=False),
        sa.Column("bundle_name", sa.String(length=200), nullable=False),
        sa.Column("catalog_version", sa.String(length=64), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("hall_code", sa.String(length=20), nullable=False),
        sa.Column("window_code", sa.String(length=20), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.Column("clerk_login", sa.String(length=40), nullable=False),
        sa.Column("clerk_name", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("handed_over", sa.JSON(), nullable=False),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
        sa.UniqueConstraint("window_code", "received_on", "serial"),
    )


def downgrade() -> None:
    op.drop_table("case_bundle")
    with op.batch_alter_table("case") as batch_op:
        batch_op.drop_index("ix_case_bundle_number")
        batch_op.drop_column("bundle_number")
    with op.batch_alter_table("catalog_version") as batch_op:
        batch_op.drop_column("bundles")
