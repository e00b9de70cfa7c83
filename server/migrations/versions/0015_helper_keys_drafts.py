"""helpers' keys and drafts (issue 15): a signing key revoked with its PC, and `helper_draft`, the drafts
helpers send through the server for the windows of their hall

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("signing_key") as batch:
        batch.add_column(sa.Column("revoked_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("revoked_reason", sa.Text(), nullable=True))
    op.create_table(
        "helper_draft",
        sa.Column("draft_id", sa.String(36), nullable=False),
        sa.Column("hall_code", sa.String(32), nullable=False),
        sa.Column("window_code", sa.String(12), nullable=False),
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("item_code", sa.String(80), nullable=False),
        sa.Column("catalog_version", sa.String(64), nullable=False),
        sa.Column("helper_login", sa.String(40), nullable=False),
        sa.Column("helper_name", sa.Text(), nullable=False),
        sa.Column("applicant_name", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("used_by", sa.String(32), nullable=True),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["hall_code"], ["hall.code"], name="fk_helper_draft_hall_code_hall"),
        sa.PrimaryKeyConstraint("draft_id", name="pk_helper_draft"),
    )
    op.create_index("ix_helper_draft_hall_code_used_by", "helper_draft", ["hall_code", "used_by"])


def downgrade() -> None:
    op.drop_index("ix_helper_draft_hall_code_used_by", table_name="helper_draft")
    op.drop_table("helper_draft")
    with op.batch_alter_table("signing_key") as batch:
        batch.drop_column("revoked_reason")
        batch.drop_column("revoked_at")
