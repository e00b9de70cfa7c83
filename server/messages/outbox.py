"""Queuing messages inside the push transaction (the outbox pattern): the rows are committed with the events
that made them, or not at all.

Called once per push, under the change-log lock (server.sync.push), with the events new to the server: a
retried push stores no event twice, so it queues nothing twice; the unique key (event_id, purpose) makes
sure of it all the same. Being under the lock, two pushes queue one after the other and each sees what the
other committed: the case of one and an early event of the other cannot miss each other.

An event whose case the server does not hold yet (it arrived before the case's decision, from another PC)
queues nothing then; the push that brings the case's decision queues the messages of the case's earlier
events, each as its own event would have.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from app.sync.wire import EventKind, WireEvent
from server import dialect
from server.bulk import MESSAGES, insert_rows
from server.messages.rules import MESSAGE_KINDS, compose, rule_for
from server.models import case_event, case_record, hall
from server.store import ServerDB

log = logging.getLogger("clerk.server.messages")

QUEUED, DELIVERED, FAILED = "queued", "delivered", "failed"
NO_PHONE = "办件未留申请人或代理人的联系电话，无法发送"
_MOBILE = re.compile(r"1[3-9]\d{9}")


@dataclass(frozen=True)
class _Event:
    event_id: str
    case_number: str
    kind: str
    payload: Mapping[str, Any]


def recipient_phone(snapshot: Mapping[str, Any]) -> str:
    """Whom the message goes to: the applicant's mobile number; else the agent's (who came to the counter
    for the applicant); else whatever number the case has (the applicant's first); "" when none."""
    given: list[str] = []
    for party in ("applicant", "agent"):
        record = snapshot.get(party) or {}
        phone = str(record.get("phone") or "").strip()
        if phone:
            given.append(phone)
    for phone in given:
        digits = re.sub(r"[\s\-]", "", phone).removeprefix("+86")
        if _MOBILE.fullmatch(digits):
            return digits
    return given[0] if given else ""


@dataclass(frozen=True)
class _Case:
    hall_code: str
    snapshot: Mapping[str, Any]


def queue_messages(connection: Connection, db: ServerDB, events: Sequence[WireEvent], now: datetime) -> int:
    """Queue the messages of `events` (new to the server, in the push's transaction, in the window's order)
    and then of the stored events of the cases they decide; returns how many rows were inserted."""
    found = [_Event(e.event_id, e.case_number, e.kind, e.payload) for e in events if e.kind in MESSAGE_KINDS]
    decided = sorted({e.case_number for e in events if e.kind == EventKind.CASE_DECIDED})
    found += _earlier_events(connection, db, decided, {e.event_id for e in found})
    if not found:
        return 0
    # A case decided in this push: its snapshot is its decision's payload, no need to read it back.
    cases: dict[str, _Case] = {
        e.case_number: _Case(str(e.payload.get("hall_code", "")), e.payload)
        for e in events
        if e.kind == EventKind.CASE_DECIDED
    }
    numbers = sorted({e.case_number for e in found} - cases.keys())
    if numbers:
        held = select(case_record.c.number, case_record.c.hall_code, case_record.c.snapshot)
        held = held.where(dialect.among(db, case_record.c.number, numbers))
        for row in connection.execute(held):
            cases[row.number] = _Case(row.hall_code, _json(row.snapshot))
    codes = sorted({case.hall_code for case in cases.values()})
    halls = {row.code: row.name for row in connection.execute(select(hall).where(hall.c.code.in_(codes)))}
    rows: list[tuple[Any, ...]] = []
    for event in found:
        rule = rule_for(event.kind, event.payload)
        case = cases.get(event.case_number)
        if rule is None:
            continue
        if case is None:
            log.info(
                "message for event %s (%s) waits for case %s to arrive",
                event.event_id,
                event.kind,
                event.case_number,
            )
            continue
        snapshot = case.snapshot
        phone = recipient_phone(snapshot)
        text = compose(
            rule,
            hall_name=halls.get(case.hall_code, case.hall_code),
            case_number=event.case_number,
            snapshot=snapshot,
            payload=event.payload,
        )
        rows.append(
            (
                event.event_id,
                str(rule.purpose),
                event.kind,
                case.hall_code,
                event.case_number,
                phone,
                text,
                QUEUED if phone else FAILED,
                0,
                None if phone else NO_PHONE,
                None,
                now,
                now if phone else None,
                None,
            )
        )
    if not rows:
        return 0
    # In the window's order (the order they are sent in): under the change-log lock no other push inserts
    # messages, so no lock order is needed. One statement for the batch (server.bulk).
    inserted = insert_rows(connection, MESSAGES, rows, conflict="event_id, purpose", returning="id")
    return len(inserted)


def _earlier_events(
    connection: Connection, db: ServerDB, numbers: Sequence[str], known: set[str]
) -> list[_Event]:
    """The stored events of the cases `numbers` that would tell the applicant something (stored before
    their case arrived), but those in `known`."""
    if not numbers:
        return []
    statement = (
        select(case_event.c.event_id, case_event.c.case_number, case_event.c.kind, case_event.c.payload)
        .where(dialect.among(db, case_event.c.case_number, numbers))
        .where(case_event.c.kind.in_(sorted(MESSAGE_KINDS - {EventKind.CASE_DECIDED})))
        .order_by(case_event.c.received_at, case_event.c.local_seq)
    )
    return [
        _Event(row.event_id, row.case_number, row.kind, _json(row.payload))
        for row in connection.execute(statement)
        if row.event_id not in known
    ]


def _json(value: Any) -> Mapping[str, Any]:
    """A JSON column's value (text on SQLite when inserted as text)."""
    loaded = json.loads(value) if isinstance(value, str) else value
    return loaded if isinstance(loaded, Mapping) else {}
