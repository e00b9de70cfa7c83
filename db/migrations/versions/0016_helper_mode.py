"""helper mode (issue 15): a helper's draft remembers when its 帮办预审单 was first printed, and which
printed draft an edited copy stands in for; the client list a helper last fetched from the server, and when

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("helper_draft") as batch:
        batch.add_column(sa.Column("printed_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("replaces_draft_id", sa.String(length=36), nullable=True))
    op.create_table(
        "helper_client_list",
        sa.Column("helper_login", sa.String(length=40), nullable=False),
        sa.Column("fetched_at", sa.DateTime(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("helper_login"),
    )


def downgrade() -> None:
    op.drop_table("helper_client_list")
    with op.batch_alter_table("helper_draft") as batch:
        batch.drop_column("replaces_draft_id")
        batch.drop_column("printed_at")
