"""What a decision says of its applicant and of the electronic licences that stood in for paper (issue 15),
projected from each new `case.decided` in the push transaction that stores it:

- `case_holder`: the applicant's ID, so the licence lookup (server.sync.licence_lookup) finds a holder's
  certificates by an index, never by reading payloads;
- `case_licence`: one row per material a licence satisfied (the licence, its type and source, how the window
  verified it), for the back office and statistics. The evidence was checked before (server.sync.licences).

A decision's number is inserted once (server.sync.cases): its rows are inserted once too (a retry of the
same event is not new, and `ON CONFLICT DO NOTHING` keeps a racing one harmless).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection

from app.sync.wire import EventKind
from server import dialect
from server.models import case_holder, case_licence
from server.store import ServerDB
from server.sync.checks import Candidate
from server.sync.device import Device


def holder_row(number: str, hall_code: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "case_number": number,
        "hall_code": hall_code,
        "holder_id_number": str(payload["applicant"]["id_number"]).strip().upper(),
    }


def licence_rows(number: str, hall_code: str, payload: dict[str, Any], event_id: str) -> list[dict[str, Any]]:
    rows = []
    for material in payload.get("materials", []):
        licence = material.get("licence") if isinstance(material, dict) else None
        if not isinstance(licence, dict):
            continue
        rows.append(
            {
                "case_number": number,
                "material_code": material["material"],
                "hall_code": hall_code,
                "item_code": payload["item_code"],
                "received_on": date.fromisoformat(payload["received_on"]),
                "licence_id": licence["licence_id"],
                "licence_type": licence["licence_type"],
                "source": licence["source"],
                "verified_by": licence["verified_by"],
                "event_id": event_id,
            }
        )
    return rows


def project(connection: Connection, db: ServerDB, device_: Device, accepted: Sequence[Candidate]) -> int:
    """Project the new decisions among `accepted` (their cases inserted: server.sync.cases); how many
    licence rows were written."""
    holders: list[dict[str, Any]] = []
    licences: list[dict[str, Any]] = []
    for candidate in accepted:
        event = candidate.event
        if event.kind != EventKind.CASE_DECIDED:
            continue
        # The case's hall is the device's: only its hall's devices decide its cases (server.sync.checks).
        holders.append(holder_row(event.case_number, device_.hall_code, event.payload))
        licences += licence_rows(event.case_number, device_.hall_code, event.payload, event.event_id)
    if holders:
        statement = dialect.insert(db, case_holder)
        connection.execute(statement.on_conflict_do_nothing(index_elements=["case_number"]), holders)
    if licences:
        statement = dialect.insert(db, case_licence)
        connection.execute(
            statement.on_conflict_do_nothing(index_elements=["case_number", "material_code"]), licences
        )
    return len(licences)
