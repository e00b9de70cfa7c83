"""A case's whole record for a PC of its hall that does not hold it (the back office opening a case; a
hand-over at another window): `GET CASE_FETCH_PATH` (server.routes.cases; the answer's shape:
app.sync.wire, beside CASE_FETCH_PATH).

Read in one transaction, so the events, the projection, the certificates and the page sets (the events
that are the case's page sets now: server.sync.page_sets) agree. Bounded: a case with
more than `MAX_BATCH_EVENTS` events, or whose events come to more than `MAX_BODY_BYTES` of JSON, is refused
(413) rather than sent — no case of a hall's ordinary life comes near it, and a window must not be made to
read an unbounded answer.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from app.case_number import CaseNumberError, parse_case_number
from app.cases.status import Recorded, replay
from app.seal import public_entry_json, stored_entry
from app.sync.wire import MAX_BATCH_EVENTS, MAX_BODY_BYTES, EventKind, WireEvent
from server import dialect
from server.bulk import dumps
from server.clock import utc_text
from server.models import case_event, case_record, signing_key
from server.store import ServerDB
from server.sync.certificates import issued_change, revoked_change
from server.sync.device import Device
from server.sync.page_sets import page_set_events


class FetchError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status  # 400 malformed number, 403 another hall's case, 404 unknown, 413 too large
        self.code = code
        self.message = message


def fetch_case(db: ServerDB, device_: Device, text: str) -> dict[str, Any]:
    """The record of case `text` for `device_` (see app.sync.wire for its shape); FetchError otherwise."""
    try:
        number = str(parse_case_number(text))
    except CaseNumberError as error:
        raise FetchError(400, "invalid", f"办件编号无效：{error.reason}") from None
    with db.read() as connection:
        case = connection.execute(select(case_record).where(case_record.c.number == number)).first()
        if case is None:
            raise FetchError(404, "not_found", f"服务器上没有办件 {number}（编号有误，或受理窗口尚未同步）")
        if case.hall_code != device_.hall_code:
            raise FetchError(
                403, "forbidden", f"办件 {number} 不属于本设备登记的大厅 {device_.hall_code}，不能查看"
            )
        rows = connection.execute(
            select(case_event)
            .where(case_event.c.case_number == number)
            .order_by(case_event.c.received_at, case_event.c.event_id)
            .limit(MAX_BATCH_EVENTS + 1)
        ).all()
        if len(rows) > MAX_BATCH_EVENTS:
            raise _too_large(number, f"记录超过 {MAX_BATCH_EVENTS} 条")
        keys = _keys(connection, db, rows)
        page_set_ids = page_set_events(connection, number)
    events = [_wire(row) for row in rows]
    size = sum(len(dumps(e.payload)) for e in events)
    if size > MAX_BODY_BYTES:
        raise _too_large(number, f"记录共 {size} 字节，超过 {MAX_BODY_BYTES} 字节")
    by_id = {e.event_id: e for e in events}
    step = case.step
    if step is None:  # stored before steps, not projected since: replay it here
        step = replay(
            case.decided_status,
            [Recorded(r.event_id, r.kind, r.step, r.from_status, r.to_status) for r in rows],
        ).step
    return {
        "number": number,
        "status": case.status,
        "step": step,
        "snapshot": case.snapshot,
        "events": [
            {**e.to_json(), "received_at": utc_text(r.received_at)} for e, r in zip(events, rows, strict=True)
        ],
        "certificates": [
            issued_change(e, keys[str(e.payload.get("key_id"))])
            for e in events
            if e.kind == EventKind.CERTIFICATE_ISSUED and str(e.payload.get("key_id")) in keys
        ],
        "revocations": [revoked_change(e) for e in events if e.kind == EventKind.CERTIFICATE_REVOKED],
        "page_sets": [_carried(by_id[i]) for i in page_set_ids if i in by_id],
    }


def _carried(event: WireEvent) -> dict[str, Any]:
    """An event as a `case.updated` change carries it (CASE_EVENT_FIELD)."""
    return {
        "event_id": event.event_id,
        "kind": event.kind,
        "payload": event.payload,
        "clerk_login": event.clerk_login,
        "window_code": event.window_code,
        "device_time": event.device_time,
    }


def _too_large(number: str, why: str) -> FetchError:
    return FetchError(413, "too_large", f"办件 {number} 的{why}，无法一次取回；请联系大厅信息技术人员")


def _wire(row: Any) -> WireEvent:
    return WireEvent(
        event_id=row.event_id,
        case_number=row.case_number,
        kind=row.kind,
        payload=row.payload,
        clerk_login=row.clerk_login,
        window_code=row.window_code,
        device_time=row.device_time,
        local_seq=row.local_seq,
        prev_hash=row.prev_hash,
        event_hash=row.event_hash,
    )


def _keys(connection: Connection, db: ServerDB, rows: Any) -> dict[str, dict[str, Any]]:
    """The registered entry of each key that sealed a certificate of the case, by key id."""
    key_ids = sorted(
        {
            str(row.payload.get("key_id"))
            for row in rows
            if row.kind == EventKind.CERTIFICATE_ISSUED and isinstance(row.payload, dict)
        }
    )
    if not key_ids:
        return {}
    found = connection.execute(select(signing_key).where(dialect.among(db, signing_key.c.key_id, key_ids)))
    return {row.key_id: public_entry_json(stored_entry(row)) for row in found}
