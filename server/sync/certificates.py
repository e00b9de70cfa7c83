"""A case's certificates and their revocations as the hall's windows receive them: in `certificate.issued`
and `certificate.revoked` changes (server.sync.change_log) and in a fetched case (server.sync.fetch).

A `certificate.revoked` (and a `case.mailed`) names a certificate: it must be one issued for the same case
(stored before, or earlier in the same push), else it is refused alone (`check_named_certificates`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, select

from app.sync.certificate_event import KEY_FIELD
from app.sync.wire import EventKind, Rejection, WireEvent
from server import dialect
from server.models import case_event
from server.store import ServerDB
from server.sync.checks import Candidate, reject

# The kinds that name one of the case's certificates in `certificate_id`.
NAMING_KINDS = frozenset({EventKind.CERTIFICATE_REVOKED, EventKind.CASE_MAILED})
WHAT_NAMES: dict[str, str] = {EventKind.CERTIFICATE_REVOKED: "撤销", EventKind.CASE_MAILED: "邮寄"}


def issued_change(event: WireEvent, key: Mapping[str, Any]) -> dict[str, Any]:
    """A `certificate.issued` change's payload: the certificate as issued (a window stores it), who issued
    it, and the key entry `key` as registered on the server (every window checks the seal again)."""
    return {
        **event.payload,
        "case_number": event.case_number,
        "event_id": event.event_id,
        "window_code": event.window_code,
        KEY_FIELD: dict(key),
    }


def revoked_change(event: WireEvent) -> dict[str, Any]:
    """A `certificate.revoked` change's payload (app.sync.wire.KIND_CERTIFICATE_REVOKED)."""
    return {
        "certificate_id": event.payload["certificate_id"],
        "case_number": event.case_number,
        "reason": event.payload["reason"],
        "basis": event.payload["basis"],
        "revoked_on": event.payload["day"],
        "revoked_by": event.clerk_login,
        "event_id": event.event_id,
    }


def issued_ids(connection: Connection, db: ServerDB, numbers: Sequence[str]) -> dict[str, set[str]]:
    """The certificate ids issued for each of `numbers` (its stored `certificate.issued` events)."""
    found: dict[str, set[str]] = defaultdict(set)
    if not numbers:
        return found
    for number, payload in connection.execute(
        select(case_event.c.case_number, case_event.c.payload).where(
            dialect.among(db, case_event.c.case_number, sorted(set(numbers))),
            case_event.c.kind == EventKind.CERTIFICATE_ISSUED,
        )
    ):
        certificate_id = payload.get("certificate_id") if isinstance(payload, dict) else None
        if isinstance(certificate_id, str):
            found[number].add(certificate_id)
    return found


def check_named_certificates(
    connection: Connection, db: ServerDB, candidates: Sequence[Candidate]
) -> list[Rejection]:
    """Refusals of the events among `candidates` that name a certificate not issued for their case."""
    naming = [c for c in candidates if c.event.kind in NAMING_KINDS]
    if not naming:
        return []
    issued = issued_ids(connection, db, [c.event.case_number for c in naming])
    rejections: list[Rejection] = []
    for candidate in sorted(candidates, key=lambda c: c.order):
        event = candidate.event
        certificate_id = event.payload.get("certificate_id")
        if event.kind == EventKind.CERTIFICATE_ISSUED and isinstance(certificate_id, str):
            issued[event.case_number].add(certificate_id)  # earlier in this push
        elif event.kind in NAMING_KINDS and certificate_id not in issued[event.case_number]:
            known = "、".join(sorted(issued[event.case_number])) or "无"
            rejections.append(
                reject(
                    event,
                    "invalid",
                    f"办件 {event.case_number}：要{WHAT_NAMES[event.kind]}的证照 {certificate_id} "
                    f"不是为本办件签发的（本办件的证照：{known}），本条未保存",
                )
            )
    return rejections
