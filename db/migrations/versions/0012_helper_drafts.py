"""helper drafts (issue 15): a helper's drafts kept locally, the signing keys no longer trusted for a
hand-off, and who prepared a case

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "helper_draft",
        sa.Column("draft_id", sa.String(length=36), nullable=False),
        sa.Column("item_code", sa.String(length=80), nullable=False),
        sa.Column("catalog_version", sa.String(length=64), nullable=False),
        sa.Column("helper_login", sa.String(length=40), nullable=False),
        sa.Column("helper_name", sa.String(length=100), nullable=False),
        sa.Column("device", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("applicant_name", sa.String(length=400), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("draft_id"),
    )
    op.create_index("ix_helper_draft_helper_login", "helper_draft", ["helper_login"])
    op.create_table(
        "revoked_signing_key",
        sa.Column("key_id", sa.String(length=80), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key_id"),
    )
    with op.batch_alter_table("case") as batch:
        batch.add_column(sa.Column("prepared_by", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("case") as batch:
        batch.drop_column("prepared_by")
    op.drop_table("revoked_signing_key")
    op.drop_index("ix_helper_draft_helper_login", table_name="helper_draft")
    op.drop_table("helper_draft")
