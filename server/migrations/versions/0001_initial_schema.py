"""Initial server schema: halls, enrolment codes, devices, cases, events, change log, conflicts.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JSON_TYPE = sa.JSON()  # json on PostgreSQL: stored as sent, cheap to insert
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "hall",
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_hall"),
    )
    op.create_table(
        "enrollment",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("hall_code", sa.String(32), nullable=False),
        sa.Column("window_code", sa.String(12), nullable=False),
        sa.Column("replace_device", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("device_id", sa.String(36), nullable=True),
        sa.ForeignKeyConstraint(["hall_code"], ["hall.code"], name="fk_enrollment_hall_code_hall"),
        sa.PrimaryKeyConstraint("id", name="pk_enrollment"),
        sa.UniqueConstraint("code_hash", name="uq_enrollment_code_hash"),
    )
    op.create_index("ix_enrollment_window_code", "enrollment", ["window_code"])
    op.create_table(
        "device",
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("hall_code", sa.String(32), nullable=False),
        sa.Column("window_code", sa.String(12), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["hall_code"], ["hall.code"], name="fk_device_hall_code_hall"),
        sa.PrimaryKeyConstraint("device_id", name="pk_device"),
    )
    op.create_index("ix_device_window_code", "device", ["window_code"])
    op.create_index(
        "ux_device_active_window",
        "device",
        ["window_code"],
        unique=True,
        sqlite_where=sa.text("revoked_at IS NULL"),
        postgresql_where=sa.text("revoked_at IS NULL"),
    )
    op.create_table(
        "case_event",
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("hall_code", sa.String(32), nullable=False),
        sa.Column("window_code", sa.String(12), nullable=False),
        sa.Column("case_number", sa.String(32), nullable=False),
        sa.Column("case_day", sa.Date(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("payload", JSON_TYPE, nullable=False),
        sa.Column("clerk_login", sa.Text(), nullable=False),
        sa.Column("device_time", sa.Text(), nullable=False),
        sa.Column("local_seq", sa.BigInteger(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["device.device_id"], name="fk_case_event_device_id_device"),
        sa.PrimaryKeyConstraint("event_id", name="pk_case_event"),
    )
    op.create_index("ix_case_event_case_number_kind", "case_event", ["case_number", "kind"])
    op.create_index("ix_case_event_device_id", "case_event", ["device_id"])
    op.create_index("ix_case_event_window_code_case_day", "case_event", ["window_code", "case_day"])
    op.create_table(
        "case_record",
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("hall_code", sa.String(32), nullable=False),
        sa.Column("window_code", sa.String(12), nullable=False),
        sa.Column("item_code", sa.Text(), nullable=False),
        sa.Column("decision", sa.Text(), nullable=False),
        sa.Column("decided_status", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("clerk_login", sa.Text(), nullable=False),
        sa.Column("device_created_at", sa.Text(), nullable=False),
        sa.Column("snapshot", JSON_TYPE, nullable=False),
        sa.Column("first_event_id", sa.String(36), nullable=False),
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("updated_by_event_id", sa.String(36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["first_event_id"], ["case_event.event_id"], name="fk_case_record_first_event_id_case_event"
        ),
        sa.ForeignKeyConstraint(["hall_code"], ["hall.code"], name="fk_case_record_hall_code_hall"),
        sa.PrimaryKeyConstraint("number", name="pk_case_record"),
        sa.UniqueConstraint("first_event_id", name="uq_case_record_first_event_id"),
    )
    op.create_index("ix_case_record_hall_code", "case_record", ["hall_code"])
    op.create_index("ix_case_record_window_code_received_on", "case_record", ["window_code", "received_on"])
    op.create_table(
        "change_log",
        sa.Column("seq", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("hall_code", sa.String(32), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("payload", JSON_TYPE, nullable=False),
        sa.Column("committed_at", sa.DateTime(), nullable=False),
        sa.Column("origin_device_id", sa.String(36), nullable=True),
        sa.PrimaryKeyConstraint("seq", name="pk_change_log"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_change_log_hall_code_seq", "change_log", ["hall_code", "seq"])
    op.create_table(
        "conflict",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("hall_code", sa.String(32), nullable=False),
        sa.Column("case_number", sa.String(32), nullable=False),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("other_event_id", sa.String(36), nullable=False),
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("window_code", sa.String(12), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("detail", JSON_TYPE, nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_conflict"),
        sa.UniqueConstraint(
            "reason", "event_id", "other_event_id", name="uq_conflict_reason_event_id_other_event_id"
        ),
    )
    op.create_index("ix_conflict_device_id_case_number", "conflict", ["device_id", "case_number"])
    op.create_index("ix_conflict_hall_code_resolved_at", "conflict", ["hall_code", "resolved_at"])
    if op.get_bind().dialect.name == "postgresql":
        # Case snapshots of a few KB stay inline and uncompressed (TOAST would compress them: slower).
        op.execute("ALTER TABLE case_event SET (toast_tuple_target = 8160)")
        op.execute("ALTER TABLE case_record SET (toast_tuple_target = 8160)")


def downgrade() -> None:
    for table in ("conflict", "change_log", "case_record", "case_event", "device", "enrollment", "hall"):
        op.drop_table(table)
