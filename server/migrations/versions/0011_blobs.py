"""Page files and page sets (issue 14): `blob` (a file held whole, one copy on disk), `blob_upload` (each
hall's upload of a file: declared size, bytes received, completion) and `case_page_set` (the last
`case.pages_attached` of each case, material and visit), filled from the events stored before.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_events = sa.table(
    "case_event",
    sa.column("event_id", sa.String()),
    sa.column("hall_code", sa.String()),
    sa.column("case_number", sa.String()),
    sa.column("kind", sa.Text()),
    sa.column("payload", sa.JSON()),
    sa.column("received_at", sa.DateTime()),
)
_page_sets = sa.table(
    "case_page_set",
    sa.column("case_number", sa.String()),
    sa.column("material_code", sa.String()),
    sa.column("visit", sa.Integer()),
    sa.column("hall_code", sa.String()),
    sa.column("event_id", sa.String()),
    sa.column("page_count", sa.Integer()),
    sa.column("updated_at", sa.DateTime()),
)


def upgrade() -> None:
    op.create_table(
        "blob",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("byte_size", sa.BigInteger(), nullable=False),
        sa.Column("completed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name="pk_blob"),
    )
    op.create_table(
        "blob_upload",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("hall_code", sa.String(32), nullable=False),
        sa.Column("byte_size", sa.BigInteger(), nullable=False),
        sa.Column("received_bytes", sa.BigInteger(), nullable=False),
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["hall_code"], ["hall.code"], name="fk_blob_upload_hall_code_hall"),
        sa.PrimaryKeyConstraint("sha256", "hall_code", name="pk_blob_upload"),
    )
    op.create_index("ix_blob_upload_hall_code", "blob_upload", ["hall_code"])
    op.create_table(
        "case_page_set",
        sa.Column("case_number", sa.String(32), nullable=False),
        sa.Column("material_code", sa.String(80), nullable=False),
        sa.Column("visit", sa.Integer(), nullable=False),
        sa.Column("hall_code", sa.String(32), nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("page_count", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["case_event.event_id"], name="fk_case_page_set_event_id_case_event"
        ),
        sa.PrimaryKeyConstraint("case_number", "material_code", "visit", name="pk_case_page_set"),
    )
    _project_stored_events()


def _project_stored_events() -> None:
    """The page sets of the events stored before this revision: per case, material and visit the last to
    arrive (as the push projects them from now on)."""
    connection = op.get_bind()
    latest: dict[tuple[str, str, int], dict[str, Any]] = {}
    found = connection.execute(
        sa.select(
            _events.c.event_id,
            _events.c.hall_code,
            _events.c.case_number,
            _events.c.payload,
            _events.c.received_at,
        )
        .where(_events.c.kind == "case.pages_attached")
        .order_by(_events.c.received_at, _events.c.event_id)
    )
    for row in found:
        payload = row.payload
        if not isinstance(payload, dict) or not isinstance(payload.get("pages"), list):
            continue
        key = (row.case_number, str(payload.get("material_code")), int(payload.get("visit") or 0))
        latest[key] = {
            "case_number": key[0],
            "material_code": key[1],
            "visit": key[2],
            "hall_code": row.hall_code,
            "event_id": row.event_id,
            "page_count": len(payload["pages"]),
            "updated_at": row.received_at,
        }
    if latest:
        connection.execute(_page_sets.insert(), list(latest.values()))


def downgrade() -> None:
    op.drop_table("case_page_set")
    op.drop_index("ix_blob_upload_hall_code", table_name="blob_upload")
    op.drop_table("blob_upload")
    op.drop_table("blob")
