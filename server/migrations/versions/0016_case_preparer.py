"""who prepared a case (issue 15, a helper's client list): `case_preparer`, one row per case whose decision
names a helper, filled from the cases stored before

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_cases = sa.table(
    "case_record",
    sa.column("number", sa.String()),
    sa.column("hall_code", sa.String()),
    sa.column("snapshot", sa.JSON()),
)
_preparers = sa.table(
    "case_preparer",
    sa.column("case_number", sa.String()),
    sa.column("hall_code", sa.String()),
    sa.column("helper_login", sa.String()),
    sa.column("draft_id", sa.String()),
    sa.column("agency", sa.Boolean()),
)


def upgrade() -> None:
    op.create_table(
        "case_preparer",
        sa.Column("case_number", sa.String(32), nullable=False),
        sa.Column("hall_code", sa.String(32), nullable=False),
        sa.Column("helper_login", sa.String(64), nullable=False),
        sa.Column("draft_id", sa.String(36), nullable=False),
        sa.Column("agency", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_number"], ["case_record.number"], name="fk_case_preparer_case_number_case_record"
        ),
        sa.PrimaryKeyConstraint("case_number", name="pk_case_preparer"),
    )
    op.create_index("ix_case_preparer_hall_code_helper_login", "case_preparer", ["hall_code", "helper_login"])
    _fill_from_stored_cases()


def _fill_from_stored_cases() -> None:
    connection = op.get_bind()
    rows: list[dict[str, Any]] = []
    for row in connection.execute(sa.select(_cases.c.number, _cases.c.hall_code, _cases.c.snapshot)):
        snapshot = json.loads(row.snapshot) if isinstance(row.snapshot, str) else row.snapshot
        prepared = snapshot.get("prepared_by") if isinstance(snapshot, dict) else None
        if isinstance(prepared, dict) and isinstance(prepared.get("login"), str):
            rows.append(
                {
                    "case_number": row.number,
                    "hall_code": row.hall_code,
                    "helper_login": prepared["login"],
                    "draft_id": str(prepared.get("draft_id") or ""),
                    "agency": prepared.get("authorisation") is not None,
                }
            )
    if rows:
        connection.execute(_preparers.insert(), rows)


def downgrade() -> None:
    op.drop_index("ix_case_preparer_hall_code_helper_login", table_name="case_preparer")
    op.drop_table("case_preparer")
