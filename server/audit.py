"""The events about no case that windows send (sign-in, sign-out, failed sign-ins, lock and unlock,
password changes, exports: `wire.AUDIT_KINDS`), for the hall's supervisor (`clerk-server audit-events`).

They are stored with every other event (`case_event`, case number ""), in their window's hash chain
(server.sync.chain), and projected onto no case.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from app.sync.wire import AUDIT_KINDS
from server.clock import utc_text
from server.models import case_event
from server.store import ServerDB

MAX_LISTED = 10_000


def list_audit_events(
    db: ServerDB, *, hall_code: str | None = None, window_code: str | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    """The newest `limit` audit events (received last first), of a hall or a window if given."""
    query = (
        select(
            case_event.c.event_id,
            case_event.c.hall_code,
            case_event.c.window_code,
            case_event.c.kind,
            case_event.c.clerk_login,
            case_event.c.payload,
            case_event.c.device_time,
            case_event.c.local_seq,
            case_event.c.received_at,
            case_event.c.device_id,
        )
        .where(case_event.c.kind.in_(sorted(AUDIT_KINDS)))
        .order_by(case_event.c.received_at.desc(), case_event.c.local_seq.desc())
        .limit(max(1, min(limit, MAX_LISTED)))
    )
    if hall_code is not None:
        query = query.where(case_event.c.hall_code == hall_code)
    if window_code is not None:
        query = query.where(case_event.c.window_code == window_code)
    with db.read() as connection:
        rows = [dict(row._mapping) for row in connection.execute(query)]
    for row in rows:
        row["received_at"] = utc_text(row["received_at"])
        if isinstance(row["payload"], str):  # SQLite keeps JSON as text
            row["payload"] = json.loads(row["payload"])
    return rows
