"""An event id is the window's promise that the event is one event: the same id with other content is a
conflict, kept and shown, never acknowledged as stored.

`content_sha256` defines an event's content once: its case number, kind, payload, author, window and device
time; not its `local_seq` (its place in one PC's outbox) nor the device that sent it, so a retry from the
window's re-registered PC is the same event. The hash is stored with the event (`case_event.content_sha256`);
an event stored before the column existed is hashed from its stored columns.

A reuse is answered as `rejected` (`event_id_reused`: the window files it as a dead letter), logged at ERROR
and recorded as a conflict for the pushing device's hall. The conflict holds what that device sent; of the
stored event it names only the window of the same hall that sent it, and nothing when another hall's window
did. Its `other_event_id` names the refused content (a UUID made from the id and the content's hash), so each
distinct content is recorded once however often it is retried.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, select

from app.sync import events
from app.sync.wire import CONFLICT_EVENT_ID_REUSED, EVENT_KIND_LABEL, Rejection, WireEvent
from server import dialect
from server.clock import utc_text
from server.models import case_event
from server.store import ServerDB

log = logging.getLogger("clerk.server.sync")

_REFUSED_CONTENT = uuid.UUID("89a5800d-ec6a-48eb-af7c-89b703b097f9")  # namespace of refused contents' ids


def _hash(case_number: Any, kind: Any, payload: Any, clerk: Any, window: Any, device_time: Any) -> str | None:
    content = [case_number, kind, payload, clerk, window, device_time]
    try:
        text_ = orjson.dumps(content, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # an integer beyond 64 bits, a lone surrogate, very deep nesting: the slow way
        try:
            text_ = json.dumps(content, sort_keys=True, separators=(",", ":")).encode()
        except (ValueError, RecursionError):
            return None  # cannot be the content of a stored event
    return hashlib.sha256(text_).hexdigest()


def content_sha256(event: WireEvent) -> str | None:
    """The hash of the event's content; None for content no stored event can have."""
    return _hash(
        event.case_number, event.kind, event.payload, event.clerk_login, event.window_code, event.device_time
    )


@dataclass(frozen=True)
class StoredEvent:
    event_id: str
    content_sha256: str | None
    hall_code: str
    window_code: str
    kind: str
    received_at: datetime


def stored_events(connection: Connection, db: ServerDB, event_ids: Sequence[str]) -> dict[str, StoredEvent]:
    """The stored events among `event_ids`, with their content hashes: read from the column, or computed
    from the stored columns for events stored before it existed (only those rows' payloads are read)."""
    # Only an id in the stored form can be stored (and text that is not UTF-8 cannot even be asked).
    event_ids = [i for i in event_ids if events.is_event_id(i)]
    if not event_ids:
        return {}
    found: dict[str, StoredEvent] = {}
    unhashed: list[str] = []
    for row in connection.execute(
        select(
            case_event.c.event_id,
            case_event.c.content_sha256,
            case_event.c.hall_code,
            case_event.c.window_code,
            case_event.c.kind,
            case_event.c.received_at,
        ).where(dialect.among(db, case_event.c.event_id, sorted(set(event_ids))))
    ):
        found[row.event_id] = StoredEvent(
            row.event_id, row.content_sha256, row.hall_code, row.window_code, row.kind, row.received_at
        )
        if row.content_sha256 is None:
            unhashed.append(row.event_id)
    if unhashed:
        for old in connection.execute(
            select(
                case_event.c.event_id,
                case_event.c.case_number,
                case_event.c.kind,
                case_event.c.payload,
                case_event.c.clerk_login,
                case_event.c.window_code,
                case_event.c.device_time,
            ).where(dialect.among(db, case_event.c.event_id, sorted(unhashed)))
        ):
            digest = _hash(
                old.case_number, old.kind, old.payload, old.clerk_login, old.window_code, old.device_time
            )
            found[old.event_id] = replace(found[old.event_id], content_sha256=digest)
    return found


def _storable(text_: str) -> str:
    """`text_` as a database can store it (no NUL, no lone surrogate)."""
    return text_.replace("\x00", "\ufffd").encode("utf-8", "replace").decode("utf-8")


def _refused(event: WireEvent) -> dict[str, Any]:
    """The refused event for the conflict's detail; its payload left out when no database could store it
    (NUL, a lone surrogate, a number that is not finite, nesting too deep to write)."""
    data = event.to_json()
    try:
        json.dumps(data, ensure_ascii=False, allow_nan=False).encode("utf-8")
        storable = "\\u0000" not in json.dumps(data)
    except (ValueError, RecursionError):  # UnicodeEncodeError is a ValueError
        storable = False
    if storable:
        return data
    return {**{k: _storable(v) if isinstance(v, str) else v for k, v in data.items()}, "payload": None}


@dataclass(frozen=True)
class Reuse:
    rejection: Rejection
    conflict: dict[str, Any]  # a row for `conflict` (server.sync inserts it with the others)


def reuse(
    event: WireEvent,
    *,
    hall_code: str,
    device_id: str,
    window_code: str,
    stored: StoredEvent | None,
    now: datetime,
) -> Reuse:
    """The answer and the conflict for `event`, whose id is held by `stored` with other content (None: the
    same id came twice in one batch with different contents, and neither is stored)."""
    digest = content_sha256(event)
    what = EVENT_KIND_LABEL.get(event.kind, "事项")
    number = _storable(event.case_number[:40])
    if stored is None:
        message = (
            f"事件编号 {event.event_id} 在同一批上传中出现两次且内容不同，两条都未保存（办件 "
            f"{number}，{what}）。这是窗口程序的错误：请联系大厅信息技术人员核对"
        )
        about_stored: dict[str, Any] = {"in_the_same_batch": True}
    else:
        message = (
            f"事件编号 {event.event_id} 在服务器上已用于另一条内容不同的记录，本条（办件 "
            f"{number}，{what}）未保存。可能是程序错误，或电脑从备份恢复后重复使用了编号："
            "请联系大厅信息技术人员核对"
        )
        about_stored = (
            {
                "window_code": stored.window_code,
                "kind": stored.kind,
                "received_at": utc_text(stored.received_at),
            }
            if stored.hall_code == hall_code
            else {"held_by_another_hall": True}
        )
    log.error(
        "EVENT ID REUSED %s: device %s (hall %s, window %s) sent %s of case %s with content %s; the server "
        "holds %s (hall %s, window %s, content %s). Refused, recorded as a conflict.",
        event.event_id,
        device_id,
        hall_code,
        window_code,
        _storable(event.kind[:64]),
        number,
        digest,
        "nothing under this id (the batch held two contents)" if stored is None else stored.kind,
        None if stored is None else stored.hall_code,
        None if stored is None else stored.window_code,
        None if stored is None else stored.content_sha256,
    )
    conflict = {
        "hall_code": hall_code,
        "case_number": number[:32],
        "reason": CONFLICT_EVENT_ID_REUSED,
        "event_id": event.event_id,
        "other_event_id": str(uuid.uuid5(_REFUSED_CONTENT, f"{event.event_id}:{digest}")),
        "device_id": device_id,
        "window_code": window_code,
        "message": message,
        "detail": {"refused_event": _refused(event), "refused_sha256": digest, "stored": about_stored},
        "created_at": now,
    }
    return Reuse(Rejection(event.event_id, CONFLICT_EVENT_ID_REUSED, message), conflict)
