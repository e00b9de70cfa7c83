"""一件事 bundles (issue 15): `case_record.bundle_number`, the bundle a case was decided in, as its decision
said (checked: the case's own window and day); NULL for a case decided alone and for every case stored
before. Indexed: a bundle is followed by its number.

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_record") as batch_op:
        batch_op.add_column(sa.Column("bundle_number", sa.String(length=40), nullable=True))
        batch_op.create_index("ix_case_record_bundle_number", ["bundle_number"])


def downgrade() -> None:
    with op.batch_alter_table("case_record") as batch_op:
        batch_op.drop_index("ix_case_record_bundle_number")
        batch_op.drop_column("bundle_number")
