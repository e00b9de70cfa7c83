"""The server's page sets: per case, material and visit, the last `case.pages_attached` stored (the whole
list of the material's pages each time: app.scanning.events), as `case_page_set` rows naming that event.

Projected in the change log's locked section (server.sync.change_log), in the batch's order: the last event
to be stored is the page set, as the hall's PCs see it, applying the carried events in change-log order,
and as a PC fetching the case gets it (server.sync.fetch). The pages themselves stay in the event's payload;
their files travel apart (server.blobs).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from app.sync.wire import EventKind
from server import dialect
from server.models import case_page_set
from server.store import ServerDB
from server.sync.checks import Candidate
from server.sync.device import Device


def project(
    connection: Connection, db: ServerDB, device_: Device, accepted: Sequence[Candidate], now: datetime
) -> int:
    """The page sets the new `case.pages_attached` events of a push make (the batch's last one per case,
    material and visit); how many were written."""
    latest: dict[tuple[str, str, int], dict[str, Any]] = {}
    for candidate in accepted:
        event = candidate.event
        if event.kind != EventKind.PAGES_ATTACHED:
            continue
        payload = event.payload  # checked by its schema: material_code, visit, pages
        key = (event.case_number, payload["material_code"], payload["visit"])
        latest[key] = {
            "case_number": key[0],
            "material_code": key[1],
            "visit": key[2],
            "hall_code": device_.hall_code,  # the case's: only its hall may record its events (checks)
            "event_id": event.event_id,
            "page_count": len(payload["pages"]),
            "updated_at": now,
        }
    if not latest:
        return 0
    rows = [latest[key] for key in sorted(latest)]
    statement = dialect.insert(db, case_page_set)
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=["case_number", "material_code", "visit"],
            set_={
                name: statement.excluded[name]
                for name in ("hall_code", "event_id", "page_count", "updated_at")
            },
        ),
        rows,
    )
    return len(rows)


def page_set_events(connection: Connection, number: str) -> list[str]:
    """The ids of the events that are case `number`'s page sets, by material and visit."""
    return list(
        connection.execute(
            select(case_page_set.c.event_id)
            .where(case_page_set.c.case_number == number)
            .order_by(case_page_set.c.material_code, case_page_set.c.visit)
        ).scalars()
    )
