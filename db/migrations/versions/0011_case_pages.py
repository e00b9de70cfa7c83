"""captured pages (issue 14): a material's pages per visit, each named by its file's SHA-256, and the files
the window still owes the server

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "page_set",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_number", sa.String(length=40), nullable=False),
        sa.Column("material_code", sa.String(length=80), nullable=False),
        sa.Column("visit", sa.Integer(), nullable=False),
        sa.Column("standard_pages", sa.Integer(), nullable=True),
        sa.Column("kept_short_by", sa.String(length=40), nullable=True),
        sa.Column("attached_by", sa.String(length=40), nullable=False),
        sa.Column("attached_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_number", "material_code", "visit"),
    )
    op.create_index("ix_page_set_case_number", "page_set", ["case_number"])
    op.create_table(
        "case_page",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("page_set_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("byte_size", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("dpi", sa.Integer(), nullable=True),
        sa.Column("rotation", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("kept_by", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(["page_set_id"], ["page_set.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("page_set_id", "position"),
    )
    op.create_index("ix_case_page_sha256", "case_page", ["sha256"])
    op.create_table(
        "page_upload",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("byte_size", sa.Integer(), nullable=False),
        sa.Column("sent_bytes", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("queued_at", sa.DateTime(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("sha256"),
    )
    op.create_index(
        "ix_page_upload_pending", "page_upload", ["queued_at"], sqlite_where=sa.text("done_at IS NULL")
    )


def downgrade() -> None:
    op.drop_index("ix_page_upload_pending", table_name="page_upload")
    op.drop_table("page_upload")
    op.drop_index("ix_case_page_sha256", table_name="case_page")
    op.drop_table("case_page")
    op.drop_index("ix_page_set_case_number", table_name="page_set")
    op.drop_table("page_set")
