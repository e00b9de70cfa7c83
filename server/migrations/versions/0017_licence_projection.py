"""Electronic licences on the server (issue 15): `case_holder` (each case's applicant ID, by hall: the
licence lookup's index) and `case_licence` (the licences that stood in for paper, per case and material),
filled from the decisions stored before.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""

from datetime import date
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_events = sa.table(
    "case_event",
    sa.column("event_id", sa.String()),
    sa.column("hall_code", sa.String()),
    sa.column("case_number", sa.String()),
    sa.column("kind", sa.Text()),
    sa.column("payload", sa.JSON()),
)
_cases = sa.table(
    "case_record",
    sa.column("number", sa.String()),
    sa.column("first_event_id", sa.String()),
)
_holders = sa.table(
    "case_holder",
    sa.column("case_number", sa.String()),
    sa.column("hall_code", sa.String()),
    sa.column("holder_id_number", sa.Text()),
)
_licences = sa.table(
    "case_licence",
    sa.column("case_number", sa.String()),
    sa.column("material_code", sa.String()),
    sa.column("hall_code", sa.String()),
    sa.column("item_code", sa.Text()),
    sa.column("received_on", sa.Date()),
    sa.column("licence_id", sa.String()),
    sa.column("licence_type", sa.String()),
    sa.column("source", sa.String()),
    sa.column("verified_by", sa.String()),
    sa.column("event_id", sa.String()),
)


def upgrade() -> None:
    op.create_table(
        "case_holder",
        sa.Column("case_number", sa.String(32), nullable=False),
        sa.Column("hall_code", sa.String(32), nullable=False),
        sa.Column("holder_id_number", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("case_number", name="pk_case_holder"),
    )
    op.create_index(
        "ix_case_holder_hall_code_holder_id_number", "case_holder", ["hall_code", "holder_id_number"]
    )
    op.create_table(
        "case_licence",
        sa.Column("case_number", sa.String(32), nullable=False),
        sa.Column("material_code", sa.String(80), nullable=False),
        sa.Column("hall_code", sa.String(32), nullable=False),
        sa.Column("item_code", sa.Text(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("licence_id", sa.String(80), nullable=False),
        sa.Column("licence_type", sa.String(80), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("verified_by", sa.String(16), nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["case_event.event_id"], name="fk_case_licence_event_id_case_event"
        ),
        sa.PrimaryKeyConstraint("case_number", "material_code", name="pk_case_licence"),
    )
    op.create_index("ix_case_licence_licence_id", "case_licence", ["licence_id"])
    op.create_index("ix_case_licence_hall_code_received_on", "case_licence", ["hall_code", "received_on"])
    _project_stored_decisions()


def _project_stored_decisions() -> None:
    """The holders and licences of the decisions stored before (each case's own: its first event)."""
    connection = op.get_bind()
    holders: list[dict[str, Any]] = []
    licences: list[dict[str, Any]] = []
    found = connection.execute(
        sa.select(_events.c.event_id, _events.c.hall_code, _events.c.case_number, _events.c.payload).join(
            _cases, _cases.c.first_event_id == _events.c.event_id
        )
    )
    for row in found:
        payload = row.payload
        if not isinstance(payload, dict) or not isinstance(payload.get("applicant"), dict):
            continue
        holders.append(
            {
                "case_number": row.case_number,
                "hall_code": row.hall_code,
                "holder_id_number": str(payload["applicant"].get("id_number") or "").strip().upper(),
            }
        )
        for material in payload.get("materials") or []:
            licence = material.get("licence") if isinstance(material, dict) else None
            if not isinstance(licence, dict):
                continue
            licences.append(
                {
                    "case_number": row.case_number,
                    "material_code": str(material.get("material")),
                    "hall_code": row.hall_code,
                    "item_code": str(payload.get("item_code")),
                    "received_on": date.fromisoformat(str(payload.get("received_on"))),
                    "licence_id": str(licence.get("licence_id")),
                    "licence_type": str(licence.get("licence_type")),
                    "source": str(licence.get("source")),
                    "verified_by": str(licence.get("verified_by")),
                    "event_id": row.event_id,
                }
            )
    if holders:
        connection.execute(_holders.insert(), holders)
    if licences:
        connection.execute(_licences.insert(), licences)


def downgrade() -> None:
    op.drop_index("ix_case_licence_hall_code_received_on", table_name="case_licence")
    op.drop_index("ix_case_licence_licence_id", table_name="case_licence")
    op.drop_table("case_licence")
    op.drop_index("ix_case_holder_hall_code_holder_id_number", table_name="case_holder")
    op.drop_table("case_holder")
