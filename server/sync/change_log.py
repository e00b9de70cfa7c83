"""The change log: what the hall's windows pull, in commit order, and the rows a push appends to it.

Ordering (the §9 failure "sequence numbers committed out of order"): `change_log.seq` comes from a
sequence. On PostgreSQL, transaction A may draw seq 10, transaction B seq 11, and B commit first; a reader
that sees 11 moves its cursor past 10, and when A commits, 10 is never read. So every transaction that
appends changes first takes `pg_advisory_xact_lock(CHANGE_LOG_LOCK_KEY)` and holds it to its end: between
taking the lock and committing, no other transaction can draw a seq, hence seqs are drawn in commit order.
PostgreSQL releases a transaction's locks only after its commit is visible to others, so once a reader sees
seq s, every smaller seq is committed (or rolled back, leaving a harmless gap) and `seq > cursor` never
skips a row. The locked section is kept short: all event and case rows are written before the lock; under
it only the projections of the touched cases are recomputed, non-commuting conflicts detected, and the
change rows inserted. Doing that work under the lock also makes it see every committed event of those
cases, so two windows handing over one certificate at the same moment are detected by whichever commits
second (a check before the lock could miss the other's uncommitted row). SQLite has one writer at a time
(writes begin with BEGIN IMMEDIATE), which gives the same order.

A push appends, for each new event, the `case.updated` projection of its case (what another window of the
hall shows about it: status and step; an event that changes a case goes with it whole under
`CASE_EVENT_FIELD`, so a PC holding a copy of the case applies it; so does a material's page set,
`CARRIED_KINDS`), for each `certificate.issued` the
certificate as issued, for each `certificate.revoked` the revocation, for each signing key registered the
key (`signing_key`: every window of the hall verifies offline what any PC of the hall sealed), and a
`conflict` change for each conflict recorded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from app.cases.status import STATUS_EVENTS, Replayed
from app.lifecycle.timing import TIMING_FIELD, Timing
from app.sync.wire import (
    CASE_EVENT_FIELD,
    KIND_CASE_UPDATED,
    KIND_CERTIFICATE_ISSUED,
    KIND_CERTIFICATE_REVOKED,
    KIND_CONFLICT,
    KIND_SIGNING_KEY,
    EventKind,
    WireEvent,
)
from server import bulk
from server.bulk import dumps, insert_rows
from server.store import ServerDB
from server.sync.certificates import issued_change, revoked_change
from server.sync.checks import Candidate
from server.sync.device import Device

CHANGE_LOG_LOCK_KEY = 0x636C726B63686731  # "clrkchg1"

ChangeRow = tuple[str, str, str, str, datetime, str | None]  # a `bulk.CHANGES` row


def lock_change_log(connection: Connection, db: ServerDB) -> None:
    """Every transaction that appends to the change log takes this first and holds it to COMMIT, so seqs
    are drawn in commit order (see above). SQLite's single writer already gives that order."""
    if db.is_postgresql:
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHANGE_LOG_LOCK_KEY})


def append(connection: Connection, rows: Sequence[ChangeRow]) -> None:
    insert_rows(connection, bulk.CHANGES, rows)


def event_changes(
    accepted: Sequence[Candidate],
    cases: Mapping[str, Any],
    projected: Mapping[str, Replayed],
    device_: Device,
    now: datetime,
    keys: Mapping[str, dict[str, Any]],
    *,
    timings: Mapping[str, Timing | None],
) -> list[ChangeRow]:
    """The changes the new events make: their case's projection, each certificate issued and each
    revocation. `cases` and `projected`: the stored cases and their replays; `keys`: the registered signing
    key of each `certificate.issued`, by event id; `timings`: the cases' projected timings."""
    changes: list[ChangeRow] = []
    for c in accepted:
        event = c.event
        row, replayed = cases.get(event.case_number), projected.get(event.case_number)
        payload = dumps(_projection(c, row, replayed, timings.get(event.case_number)))
        changes.append(
            (device_.hall_code, KIND_CASE_UPDATED, event.case_number, payload, now, device_.device_id)
        )
        if event.kind == EventKind.CERTIFICATE_ISSUED:
            certificate_id = event.payload.get("certificate_id")
            key = certificate_id if isinstance(certificate_id, str) else event.case_number
            certificate = dumps(issued_change(event, keys[event.event_id]))
            changes.append(
                (device_.hall_code, KIND_CERTIFICATE_ISSUED, key, certificate, now, device_.device_id)
            )
        elif event.kind == EventKind.CERTIFICATE_REVOKED:
            revoked = revoked_change(event)
            changes.append(
                (
                    device_.hall_code,
                    KIND_CERTIFICATE_REVOKED,
                    str(revoked["certificate_id"]),
                    dumps(revoked),
                    now,
                    device_.device_id,
                )
            )
    return changes


# Events a PC holding a copy of the case applies though they change no status: a material's pages.
CARRIED_KINDS = frozenset({EventKind.PAGES_ATTACHED})


def changes_case(event: WireEvent) -> bool:
    """Whether an event (a `WireEvent`) changes its case: a kind of the status table's rows from a status,
    or one carrying the status it saw."""
    return event.kind in STATUS_EVENTS or "from_status" in event.payload


def _projection(c: Candidate, row: Any, replayed: Replayed | None, timing: Timing | None) -> dict[str, Any]:
    """A `case.updated` change's payload; a case not stored yet (its event came first) has only its
    number, window and the event. Its `timing` (app.lifecycle.timing): None for a case without one."""
    event = c.event
    projection: dict[str, Any] = {
        "number": event.case_number,
        "status": str(replayed.status) if replayed is not None else None,
        "step": replayed.step if replayed is not None else None,
        "decision": row.decision if row is not None else None,
        "window_code": row.window_code if row is not None else c.case_window,
        # What another window of the hall shows when asked about this case (its status index).
        "item_code": row.item_code if row is not None else None,
        "received_on": row.received_on.isoformat() if row is not None else None,
        "updated_by": event.event_id,
        TIMING_FIELD: timing,
    }
    if changes_case(event) or event.kind in CARRIED_KINDS:
        projection[CASE_EVENT_FIELD] = {
            "event_id": event.event_id,
            "kind": event.kind,
            "payload": event.payload,
            "clerk_login": event.clerk_login,
            "window_code": event.window_code,
            "device_time": event.device_time,
        }
    return projection


def key_changes(
    hall_code: str, keys: Sequence[Mapping[str, Any]], now: datetime, origin: str
) -> list[ChangeRow]:
    """A `signing_key` change for each key registered now (`keys`: public entries with `window_code` and
    `hall_code`), for every window of the hall."""
    return [(hall_code, KIND_SIGNING_KEY, str(key["key_id"]), dumps(dict(key)), now, origin) for key in keys]


def conflict_changes(recorded: Sequence[Mapping[str, Any]], now: datetime) -> list[ChangeRow]:
    """A `conflict` change for each newly recorded conflict, for the windows of its hall."""
    changes: list[ChangeRow] = []
    for item in recorded:
        about = {
            "conflict_id": item["id"],
            "reason": item["reason"],
            "case_number": item["case_number"],
            "event_id": item["event_id"],
            "other_event_id": item["other_event_id"],
            "device_id": item["device_id"],
            "window_code": item["window_code"],
            "message": item["message"],
        }
        changes.append((item["hall_code"], KIND_CONFLICT, item["case_number"], dumps(about), now, None))
    return changes
