"""Two-step registration: a device is pending until it confirms; a window name on enrolment codes.

Devices registered before this revision were active: they are confirmed as of their enrolment.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ACTIVE = "revoked_at IS NULL AND confirmed_at IS NOT NULL"
PENDING = "revoked_at IS NULL AND confirmed_at IS NULL"


def upgrade() -> None:
    op.drop_index("ux_device_active_window", table_name="device")
    with op.batch_alter_table("device") as batch_op:
        batch_op.add_column(sa.Column("confirmed_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("enrollment") as batch_op:
        batch_op.add_column(sa.Column("window_name", sa.Text(), nullable=True))
    op.execute("UPDATE device SET confirmed_at = enrolled_at")
    for name, where in (("ux_device_active_window", ACTIVE), ("ux_device_pending_window", PENDING)):
        op.create_index(
            name,
            "device",
            ["window_code"],
            unique=True,
            sqlite_where=sa.text(where),
            postgresql_where=sa.text(where),
        )


def downgrade() -> None:
    op.drop_index("ux_device_pending_window", table_name="device")
    op.drop_index("ux_device_active_window", table_name="device")
    op.execute("DELETE FROM device WHERE confirmed_at IS NULL AND revoked_at IS NULL")
    with op.batch_alter_table("enrollment") as batch_op:
        batch_op.drop_column("window_name")
    with op.batch_alter_table("device") as batch_op:
        batch_op.drop_column("confirmed_at")
    op.create_index(
        "ux_device_active_window",
        "device",
        ["window_code"],
        unique=True,
        sqlite_where=sa.text("revoked_at IS NULL"),
        postgresql_where=sa.text("revoked_at IS NULL"),
    )
