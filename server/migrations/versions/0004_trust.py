"""Trust nothing a window sends: event content hashes, the windows' signing keys, server accounts.

- `case_event.content_sha256`: the hash of an event's content as first stored, so the same event id sent
  again with other content is found (a conflict) instead of acknowledged. NULL for events stored before
  this revision; those are compared by their stored columns.
- `signing_key`: the public half of each window's certificate signing key, registered by the window's
  device; certificates are checked against it on the server and at every window of the hall.
- `account`: the hall's people known to the server (a supervisor resolving a conflict proves who they
  are); password hashes only.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("case_event") as batch_op:
        batch_op.add_column(sa.Column("content_sha256", sa.String(64), nullable=True))
    op.create_table(
        "signing_key",
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("hall_code", sa.String(32), nullable=False),
        sa.Column("window_code", sa.String(12), nullable=False),
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("algorithm", sa.String(16), nullable=False),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("office_code", sa.String(18), nullable=False),
        sa.Column("office_name", sa.Text(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("registered_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key_id", name="pk_signing_key"),
        sa.ForeignKeyConstraint(["hall_code"], ["hall.code"], name="fk_signing_key_hall_code_hall"),
    )
    op.create_index("ix_signing_key_hall_code", "signing_key", ["hall_code"])
    op.create_table(
        "account",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("hall_code", sa.String(32), nullable=False),
        sa.Column("login", sa.String(64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("roles", sa.Text(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("disabled_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_account"),
        sa.ForeignKeyConstraint(["hall_code"], ["hall.code"], name="fk_account_hall_code_hall"),
        sa.UniqueConstraint("hall_code", "login", name="uq_account_hall_code_login"),
    )


def downgrade() -> None:
    op.drop_table("account")
    op.drop_index("ix_signing_key_hall_code", table_name="signing_key")
    op.drop_table("signing_key")
    with op.batch_alter_table("case_event") as batch_op:
        batch_op.drop_column("content_sha256")
