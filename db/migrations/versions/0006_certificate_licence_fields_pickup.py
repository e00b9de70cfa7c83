"""a certificate's licence template and fields (issue 11 item 9), and who collected it (item 10)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

COLUMNS = (
    ("licence_type", sa.String(length=40)),
    ("licence_fields", sa.Text()),
    ("recipient_id_type", sa.String(length=20)),
    ("recipient_capacity", sa.String(length=20)),
    ("recipient_authorization", sa.String(length=400)),
)


def upgrade() -> None:
    # Nullable: a certificate stored before prints with the general template, and its hand-over, if any,
    # was to a resident ID holder whose capacity was not recorded.
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        for name, kind in COLUMNS:
            batch_op.add_column(sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        for name, _ in reversed(COLUMNS):
            batch_op.drop_column(name)
