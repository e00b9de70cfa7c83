"""A case's status on the server: its events replayed by step through the status table.

The status decided at the window (`case_record.decided_status`, as the decision's event said) is moved on by
the case's stored events that change a status, in the order they arrived (`received_at`, then event id),
by `app.cases.status.replay`: from step 0 (the decision) the event of the next step that follows the status
is taken, the first to arrive when two claim one step; an event of a later step waits until its predecessor
has arrived (a window's batches reordered on the wire, or the back office's event arriving before the
holding window's); an event of an older window (no step) is taken when the table allows it from the
status. So the result depends on which events the case has and, between two that claim one step, on which
arrived first — nothing else. An event whose step another took, or that no longer follows the case, is
kept and becomes a `lifecycle_conflict` (server.sync.conflicts). The step and statuses of each event are
copied from its payload into `case_event` on insert (`step_columns`): the server never reads inside
payload JSON to project.

Every event of a case comes from a window of the case's hall (app.sync.authority; the person's account is
checked by server.sync.permits), so no window of another hall, enrolled or not yet, can move a case on.
Events of a case that arrive before the case are stored and taken when it arrives.

Computed in the change-log's locked section (server.sync.change_log), so it sees every committed event of
the touched cases. (Two pushes that race for one step: the one that commits second sees the other's event;
"arrived first" is the earlier `received_at`, the moment a push began.)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from app.cases.status import STATUS_EVENTS, Recorded, Replayed, replay
from app.lifecycle.timing import TIMING_KINDS, Timing, timing_after
from server import dialect
from server.models import case_event, case_record
from server.store import ServerDB
from server.sync.cases import stored_cases
from server.sync.checks import Candidate
from server.sync.conflicts import CONFLICT_REASON, Marks

# The kinds whose stored events a push reads for its touched cases: for their status and their conflicts.
MARKED_KINDS = sorted(STATUS_EVENTS | {str(kind) for kind in CONFLICT_REASON})


def step_columns(payload: Mapping[str, Any]) -> tuple[int | None, str | None, str | None]:
    """`case_event`'s (step, from_status, to_status) of an event with `payload` (checked by its schema
    already): None where the payload has none."""
    step, source, target = payload.get("step"), payload.get("from_status"), payload.get("to_status")
    return (
        step if isinstance(step, int) and not isinstance(step, bool) else None,
        source if isinstance(source, str) else None,
        target if isinstance(target, str) else None,
    )


@dataclass(frozen=True)
class StoredChange:
    """A stored event of a touched case that may change its status, as the projection and the conflict
    messages read it."""

    event_id: str
    kind: str
    step: int | None
    source: str | None
    target: str | None
    window_code: str
    device_id: str
    clerk_login: str

    def recorded(self) -> Recorded:
        return Recorded(self.event_id, self.kind, self.step, self.source, self.target)


@dataclass
class TouchedCases:
    """The stored cases a push touches, and their stored events of `MARKED_KINDS` in arrival order."""

    rows: dict[str, Any] = field(default_factory=dict)  # by case number
    events: dict[str, list[StoredChange]] = field(default_factory=dict)  # by case number
    # Each case's timing once projected (app.lifecycle.timing); None: the case has none (an older window's).
    timings: dict[str, Timing | None] = field(default_factory=dict)  # by case number

    @property
    def marks(self) -> Marks:
        """(case number, kind) → stored event ids, oldest first (server.sync.conflicts.non_commuting)."""
        marks: Marks = defaultdict(list)
        for number, changes in self.events.items():
            for change in changes:
                marks[(number, change.kind)].append(change.event_id)
        return marks


def read_touched(connection: Connection, db: ServerDB, numbers: Sequence[str]) -> TouchedCases:
    if not numbers:
        return TouchedCases()
    rows = stored_cases(
        connection,
        db,
        numbers,
        case_record.c.hall_code,
        case_record.c.decided_status,
        case_record.c.status,
        case_record.c.step,
        case_record.c.decision,
        case_record.c.window_code,
        case_record.c.item_code,
        case_record.c.received_on,
        case_record.c.first_event_id,
        case_record.c.updated_by_event_id,
        case_record.c.decided_timing,
        case_record.c.timing,
    )
    events: dict[str, list[StoredChange]] = defaultdict(list)
    c = case_event.c
    for row in connection.execute(
        select(
            c.event_id,
            c.case_number,
            c.kind,
            c.step,
            c.from_status,
            c.to_status,
            c.window_code,
            c.device_id,
            c.clerk_login,
        )
        .where(dialect.among(db, c.case_number, numbers), c.kind.in_(MARKED_KINDS))
        .order_by(c.received_at, c.event_id)
    ):
        events[row.case_number].append(
            StoredChange(
                row.event_id,
                row.kind,
                row.step,
                row.from_status,
                row.to_status,
                row.window_code,
                row.device_id,
                row.clerk_login,
            )
        )
    return TouchedCases(rows, dict(events))


def project(
    connection: Connection,
    db: ServerDB,
    touched: TouchedCases,
    accepted: Sequence[Candidate],
    now: datetime,
) -> dict[str, Replayed]:
    """The status, step and timing of each touched case from all its events, stored with the last new event
    of the batch that touched it; returns the replays by case number (the timings: `touched.timings`)."""
    last_event = {c.event.case_number: c.event.event_id for c in accepted}
    replayed: dict[str, Replayed] = {}
    for number, row in touched.rows.items():
        replayed[number] = replay(row.decided_status, [e.recorded() for e in touched.events.get(number, [])])
    payloads = _timing_payloads(connection, db, touched, replayed)
    updates = []
    for number, row in touched.rows.items():
        result = replayed[number]
        status = str(result.status)
        timing = row.decided_timing
        if timing is not None:
            for event_id in result.applied:
                if event_id in payloads:
                    timing = timing_after(timing, *payloads[event_id])
        touched.timings[number] = timing
        if (
            status != row.status
            or result.step != row.step
            or last_event[number] != row.updated_by_event_id
            or timing != row.timing
        ):
            updates.append(
                {
                    "b_number": number,
                    "b_status": status,
                    "b_step": result.step,
                    "b_by": last_event[number],
                    "b_timing": timing,
                }
            )
    if updates:
        connection.execute(
            update(case_record)
            .where(case_record.c.number == bindparam("b_number"))
            .values(
                status=bindparam("b_status"),
                step=bindparam("b_step"),
                updated_by_event_id=bindparam("b_by"),
                timing=bindparam("b_timing", type_=case_record.c.timing.type),
                updated_at=now,
            ),
            updates,
        )
    return replayed


def _timing_payloads(
    connection: Connection, db: ServerDB, touched: TouchedCases, replayed: Mapping[str, Replayed]
) -> dict[str, tuple[str, dict[str, Any]]]:
    """(kind, payload) of the applied events that move a timing, of the touched cases that have one: the
    only payloads the projection reads (a case's few events, on the push that touches it)."""
    wanted = [
        change.event_id
        for number, row in touched.rows.items()
        if row.decided_timing is not None
        for change in touched.events.get(number, [])
        if change.kind in TIMING_KINDS and change.event_id in replayed[number].applied
    ]
    if not wanted:
        return {}
    c = case_event.c
    found = connection.execute(
        select(c.event_id, c.kind, c.payload).where(dialect.among(db, c.event_id, wanted))
    )
    return {row.event_id: (row.kind, row.payload) for row in found}
