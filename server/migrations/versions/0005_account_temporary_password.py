"""Accounts managed on the server: a temporary password (set by hall IT when adding an account or
resetting its password) must be changed at the first sign-in and signs in no more after `temporary_until`
(naive UTC). NULL: the person's own password.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("account") as batch_op:
        batch_op.add_column(sa.Column("temporary_until", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("account") as batch_op:
        batch_op.drop_column("temporary_until")
