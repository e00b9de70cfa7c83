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
hall shows about it), for each `certificate.issued` the certificate as issued, and a `conflict` change for
each conflict recorded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from app.sync.certificate_event import KEY_FIELD
from app.sync.wire import KIND_CASE_UPDATED, KIND_CERTIFICATE_ISSUED, KIND_CONFLICT, EventKind
from server import bulk
from server.bulk import dumps, insert_rows
from server.store import ServerDB
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
    status: Mapping[str, str],
    device_: Device,
    now: datetime,
    keys: Mapping[str, dict[str, Any]],
) -> list[ChangeRow]:
    """The changes the new events make: their case's projection, and each certificate issued. `cases`
    and `status`: the stored cases and their projected statuses; `keys`: the registered signing key of
    each `certificate.issued`, by event id."""
    changes: list[ChangeRow] = []
    for c in accepted:
        event = c.event
        payload = dumps(_projection(c, cases.get(event.case_number), status.get(event.case_number)))
        changes.append(
            (device_.hall_code, KIND_CASE_UPDATED, event.case_number, payload, now, device_.device_id)
        )
        if event.kind == EventKind.CERTIFICATE_ISSUED:
            certificate_id = event.payload.get("certificate_id")
            # The certificate as issued (a window holding the case stores it), and who issued it.
            certificate = {
                **event.payload,
                "case_number": event.case_number,
                "event_id": event.event_id,
                "window_code": event.window_code,
                KEY_FIELD: keys[event.event_id],  # as registered here; every window checks it again
            }
            key = certificate_id if isinstance(certificate_id, str) else event.case_number
            changes.append(
                (device_.hall_code, KIND_CERTIFICATE_ISSUED, key, dumps(certificate), now, device_.device_id)
            )
    return changes


def _projection(c: Candidate, row: Any, status: str | None) -> dict[str, Any]:
    """A `case.updated` change's payload; a case not stored yet (its event came first) has only its
    number, window and the event."""
    return {
        "number": c.event.case_number,
        "status": status,
        "decision": row.decision if row is not None else None,
        "window_code": row.window_code if row is not None else c.case_window,
        # What another window of the hall shows when asked about this case (its status index).
        "item_code": row.item_code if row is not None else None,
        "received_on": row.received_on.isoformat() if row is not None else None,
        "updated_by": c.event.event_id,
    }


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
