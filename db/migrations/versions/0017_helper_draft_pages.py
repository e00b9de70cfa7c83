"""helper draft pages (issue 15): the page files a kept draft names, so they are not swept and are uploaded

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "helper_draft_page",
        sa.Column("draft_id", sa.String(length=36), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("byte_size", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["draft_id"], ["helper_draft.draft_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("draft_id", "sha256"),
    )
    op.create_index("ix_helper_draft_page_sha256", "helper_draft_page", ["sha256"])
    # The drafts kept before (format 1): their pages as a flat list of SHA-256, sizes unknown.
    connection = op.get_bind()
    table = sa.table(
        "helper_draft_page",
        sa.column("draft_id", sa.String()),
        sa.column("sha256", sa.String()),
        sa.column("byte_size", sa.Integer()),
    )
    rows = []
    for draft_id, content in connection.execute(sa.text("select draft_id, content from helper_draft")):
        try:
            pages = json.loads(content).get("pages", [])
        except (ValueError, AttributeError):
            continue
        if not isinstance(pages, list):
            continue
        named = {p for p in pages if isinstance(p, str) and len(p) == 64}
        rows += [{"draft_id": draft_id, "sha256": sha, "byte_size": None} for sha in sorted(named)]
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    op.drop_index("ix_helper_draft_page_sha256", table_name="helper_draft_page")
    op.drop_table("helper_draft_page")
