"""A case's status on the server: a function of the set of its events, read from the status table.

The status decided at the window (`case_record.decided_status`, as the decision's event said), moved on by
each transition of `app.cases.status` whose event the case has (`project_status`): today `approved` once a
`certificate.issued` is stored, `delivered` once a `certificate.handed_over` is too. It does not depend on
the order events arrive in, so an event that arrives before its case (reordered delivery: a window has two
batches on the wire at once) is stored and applied when the case arrives. Every event of a case comes from
the window holding it (app.sync.authority), so no other window, of this hall or another, enrolled or not
yet, can move a case on.

Computed in the change-log's locked section (server.sync.change_log), so it sees every committed event of
the touched cases.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from app.cases.status import TRANSITIONS, project_status
from server import dialect
from server.models import case_event, case_record
from server.store import ServerDB
from server.sync.cases import stored_cases
from server.sync.checks import Candidate
from server.sync.conflicts import CONFLICT_REASON, Marks

# The kinds of event that move a decided case on (the table's rows from a status).
STATUS_EVENTS = frozenset(str(row.event) for row in TRANSITIONS if row.source is not None)
# The kinds whose stored events a push reads for its touched cases: for their status and their conflicts.
MARKED_KINDS = sorted(STATUS_EVENTS | {str(kind) for kind in CONFLICT_REASON})


@dataclass
class TouchedCases:
    """The stored cases a push touches, and the ids of their stored events of `MARKED_KINDS`."""

    rows: dict[str, Any] = field(default_factory=dict)  # by case number
    marks: Marks = field(default_factory=dict)  # (case number, kind) → event ids, oldest first


def read_touched(connection: Connection, db: ServerDB, numbers: Sequence[str]) -> TouchedCases:
    if not numbers:
        return TouchedCases()
    rows = stored_cases(
        connection,
        db,
        numbers,
        case_record.c.decided_status,
        case_record.c.status,
        case_record.c.decision,
        case_record.c.window_code,
        case_record.c.item_code,
        case_record.c.received_on,
        case_record.c.updated_by_event_id,
    )
    marks: Marks = defaultdict(list)
    for event_id, number, kind in connection.execute(
        select(case_event.c.event_id, case_event.c.case_number, case_event.c.kind)
        .where(dialect.among(db, case_event.c.case_number, numbers), case_event.c.kind.in_(MARKED_KINDS))
        .order_by(case_event.c.received_at, case_event.c.event_id)
    ):
        marks[(number, kind)].append(event_id)
    return TouchedCases(rows, marks)


def project(
    connection: Connection, touched: TouchedCases, accepted: Sequence[Candidate], now: datetime
) -> dict[str, str]:
    """The status of each touched case from all its events, stored with the last new event of the batch
    that touched it; returns the statuses by case number."""
    last_event = {c.event.case_number: c.event.event_id for c in accepted}
    status: dict[str, str] = {}
    updates = []
    for number, row in touched.rows.items():
        recorded = {kind for kind in STATUS_EVENTS if touched.marks.get((number, kind))}
        status[number] = str(project_status(row.decided_status, recorded))
        if status[number] != row.status or last_event[number] != row.updated_by_event_id:
            updates.append({"b_number": number, "b_status": status[number], "b_by": last_event[number]})
    if updates:
        connection.execute(
            update(case_record)
            .where(case_record.c.number == bindparam("b_number"))
            .values(status=bindparam("b_status"), updated_by_event_id=bindparam("b_by"), updated_at=now),
            updates,
        )
    return status
