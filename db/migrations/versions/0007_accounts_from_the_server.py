"""accounts as the server sends them (issue 12): several roles, a temporary password, failed sign-ins

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clerk", schema=None) as batch_op:
        batch_op.add_column(sa.Column("roles", sa.Text(), nullable=False, server_default="clerk"))
        # Set: the password is temporary (set by hall IT) and must be changed at the first sign-in;
        # past this moment (UTC) it no longer signs in at all.
        batch_op.add_column(sa.Column("temporary_until", sa.DateTime(), nullable=True))
    op.execute("UPDATE clerk SET roles = role")
    with op.batch_alter_table("clerk", schema=None) as batch_op:
        batch_op.drop_column("role")
    op.create_table(
        "sign_in_failure",
        sa.Column("login", sa.String(length=40), primary_key=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("lockouts", sa.Integer(), nullable=False),  # how often locked: each lock lasts longer
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("last_failed_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sign_in_failure")
    with op.batch_alter_table("clerk", schema=None) as batch_op:
        batch_op.add_column(sa.Column("role", sa.String(length=20), nullable=False, server_default="clerk"))
    op.execute(
        "UPDATE clerk SET role = CASE WHEN roles LIKE '%supervisor%' THEN 'supervisor' ELSE 'clerk' END"
    )
    with op.batch_alter_table("clerk", schema=None) as batch_op:
        batch_op.drop_column("temporary_until")
        batch_op.drop_column("roles")
