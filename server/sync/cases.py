"""The cases a push brings: one row per case number, inserted from its new `case.decided` event.

Inserted sorted by number with `ON CONFLICT (number) DO NOTHING`: a number the server already holds from
another decision (another PC under the same window code, or a window restored from an old backup) is never
overwritten; that decision is refused as `duplicate_case_number`, logged at ERROR and recorded as a
conflict for a supervisor.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, select

from app.lifecycle.timing import timing_from_snapshot
from server import bulk, dialect
from server.bulk import dumps, insert_rows
from server.models import case_preparer, case_record
from server.store import ServerDB
from server.sync.checks import Candidate, duplicate_message
from server.sync.conflicts import DUPLICATE_CASE_NUMBER
from server.sync.device import Device

log = logging.getLogger("clerk.server.sync")


def stored_cases(
    connection: Connection, db: ServerDB, numbers: Sequence[str], *columns: ColumnElement[Any]
) -> dict[str, Row[Any]]:
    """The stored cases of `numbers` the server holds, by number: each its number and `columns`."""
    statement = select(case_record.c.number, *columns).where(dialect.among(db, case_record.c.number, numbers))
    return {row.number: row for row in connection.execute(statement)}


def insert_cases(
    connection: Connection, device_: Device, decided: Sequence[Candidate], now: datetime
) -> list[Candidate]:
    """Insert the cases of new decisions; returns the decisions whose number was taken already (by a
    stored case, or by an earlier decision of this batch)."""
    ordered = sorted(decided, key=lambda c: (c.event.case_number, c.order))
    rows = [_case_row(c, device_, now) for c in ordered]
    inserted = set(insert_rows(connection, bulk.CASES, rows, conflict="number", returning="number"))
    winners: set[str] = set()
    losers: list[Candidate] = []
    preparers: list[dict[str, Any]] = []
    for c in ordered:
        if c.event.case_number in inserted and c.event.case_number not in winners:
            winners.add(c.event.case_number)
            preparer = _preparer_row(c, device_)
            if preparer is not None:
                preparers.append(preparer)
        else:
            losers.append(c)
    if preparers:
        connection.execute(case_preparer.insert(), preparers)
    return losers


def _preparer_row(c: Candidate, device_: Device) -> dict[str, Any] | None:
    """A `case_preparer` row for a decision naming the helper who prepared it (issue 15), else None."""
    prepared = c.event.payload.get("prepared_by")
    if not isinstance(prepared, dict):
        return None
    return {
        "case_number": c.event.case_number,
        "hall_code": device_.hall_code,
        "helper_login": prepared["login"],
        "draft_id": prepared["draft_id"],
        "agency": prepared.get("authorisation") is not None,
    }


def _case_row(c: Candidate, device_: Device, now: datetime) -> tuple[Any, ...]:
    """A `bulk.CASES` row: the case as decided, its snapshot the decision's payload."""
    payload = c.event.payload
    timing = timing_from_snapshot(payload)
    timing_json = dumps(timing) if timing is not None else None
    return (
        c.event.case_number,
        device_.hall_code,
        c.case_window,
        payload["item_code"],
        payload["decision"],
        payload["status"],  # decided_status: what the window decided
        payload["status"],  # status: projected from the case's events (server.sync.projection)
        c.case_day,
        str(payload.get("clerk_login") or c.event.clerk_login),
        payload["created_at"],
        c.payload_json,
        c.event.event_id,
        device_.device_id,
        c.event.event_id,
        now,
        now,
        0,  # step: the decision; the projection moves it on
        timing_json,  # decided_timing
        timing_json,  # timing: the projection moves it on
        payload.get("bundle_number"),  # checked by server.sync.checks: this window's, this day's
    )


def duplicate_conflicts(
    connection: Connection, db: ServerDB, device_: Device, losers: Sequence[Candidate], now: datetime
) -> list[dict[str, Any]]:
    """A conflict for each refused decision, naming the decision that holds the number; logged at ERROR."""
    holders = stored_cases(
        connection,
        db,
        sorted({c.event.case_number for c in losers}),
        case_record.c.first_event_id,
        case_record.c.device_id,
        case_record.c.clerk_login,
        case_record.c.created_at,
    )
    return [_duplicate_conflict(c, holders[c.event.case_number], device_, now) for c in losers]


def _duplicate_conflict(c: Candidate, holder: Any, device_: Device, now: datetime) -> dict[str, Any]:
    event = c.event
    log.error(
        "DUPLICATE CASE NUMBER %s: event %s from device %s (window %s, clerk %s) refused; the server "
        "already holds this number from event %s of device %s (clerk %s, received %s). Two PCs may "
        "share window code %s, or a window was restored from an old backup.",
        event.case_number,
        event.event_id,
        device_.device_id,
        device_.window_code,
        event.clerk_login,
        holder.first_event_id,
        holder.device_id,
        holder.clerk_login,
        holder.created_at,
        device_.window_code,
    )
    return {
        "hall_code": device_.hall_code,
        "case_number": event.case_number,
        "reason": DUPLICATE_CASE_NUMBER,
        "event_id": event.event_id,
        "other_event_id": holder.first_event_id,
        "device_id": device_.device_id,
        "window_code": device_.window_code,
        "message": duplicate_message(event),
        "detail": {"refused_event": asdict(event), "holder_device_id": holder.device_id},
        "created_at": now,
    }
