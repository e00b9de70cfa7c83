"""The hash chain of each window's events, checked on every push (app.audit.chain defines the hash).

The server keeps, per window, the last chained event it received (`chain_head`). Each event new to the
server, in the window's order (`local_seq`), is checked against it:
- its hash computed again from the fields received must be the one it claims; else the event was changed
  after it was chained (at the window, by hand or by a tool);
- its previous hash must be the head's; else an event before it was removed, events were reordered, or the
  window's chain started again (a database restored from an old backup, or made anew).
A break never costs a case: the event is stored (or refused) exactly as without the chain, and a
`chain_break` conflict is recorded for the supervisor, who resolves it with a note like any conflict; the
check goes on from the received event's hash. Events the server holds already (a replay) are not checked
again. An event without hashes is accepted: from a window that never sent hashes (a version older than
the chain) it is only logged; from a window whose chain the server holds, it is a break (hashes dropped),
one finding per device, not one per event.

Also checked: events the server refuses for other reasons (they stay at the window as dead letters, still
in its chain), so the next event does not look like a break; such an event sent again, once the head is
past it, is not checked again. Not found: an event the window never sent
because it was too large (a dead letter made at the window, `app.sync.outbox`): the next event then shows a
break, which the supervisor can match with that window's dead letters.

The head is per window, not per device: a PC registered again keeps its database and so its chain. A
window whose head the server does not have yet starts its chain at the genesis, or, when the server holds
events of that window without hashes (sent before the chain existed), wherever it is.

Concurrency: the head row is read `FOR UPDATE` (PostgreSQL; SQLite has one writer), after the push's event
rows are inserted and before the change-log lock, so two pushes of one window check one after the other
and the locks are always taken in the same order.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, exists, select, update

from app.audit import chain
from app.sync.wire import CONFLICT_CHAIN_BREAK, EVENT_KIND_LABEL, WireEvent
from server import dialect
from server.models import case_event, chain_head
from server.store import ServerDB
from server.sync.device import Device

log = logging.getLogger("clerk.server.sync")

NO_EVENT = "00000000-0000-0000-0000-000000000000"  # a finding's `other_event_id` when there is none
_UNCHAINED = uuid.UUID("4f3c2d1e-7a8b-4c9d-8e0f-1a2b3c4d5e6f")  # namespace: one finding per device


@dataclass(frozen=True)
class Head:
    event_id: str | None
    event_hash: str | None
    local_seq: int | None


def check(
    connection: Connection,
    db: ServerDB,
    device_: Device,
    walked: Sequence[WireEvent],
    now: datetime,
    *,
    refused: Collection[str] = (),
) -> list[dict[str, Any]]:
    """Check `walked` (the push's events new to the server, in the window's order) against the window's
    head and move the head on; returns the conflict rows of the breaks found (recorded by the caller).
    `refused`: the ids of those refused (not stored); one the head is past already (its `local_seq` not
    after the head's) was checked when it first came, and is sent again: not checked again."""
    if not walked:
        return []
    head = _locked_head(connection, db, device_, now)
    chained_before = head.event_hash is not None
    found: list[dict[str, Any]] = []
    unchained: WireEvent | None = None
    for event in walked:
        if event.event_id in refused and head.local_seq is not None and event.local_seq <= head.local_seq:
            continue
        if event.prev_hash is None or event.event_hash is None:
            unchained = unchained or event
            continue
        what: list[str] = []
        if chain.wire_hash(event, event.prev_hash) != event.event_hash:
            what.append("content_changed")
        if event.prev_hash != _expected(connection, device_, head, event):
            what.append("chain_broken")
        if what:
            found.append(_finding(device_, event, head, what, now))
        head = Head(event.event_id, event.event_hash, event.local_seq)
    if unchained is not None:
        if chained_before:  # hashes dropped by a window that chained its events: a break
            found.append(_unchained(device_, unchained, now))
        else:  # a window older than the chain: nothing to check yet, and nothing broken
            log.warning("window %s sends events without hashes (an older version)", device_.window_code)
    if head.event_hash is not None:
        connection.execute(
            update(chain_head)
            .where(chain_head.c.window_code == device_.window_code)
            .values(
                device_id=device_.device_id,
                event_id=head.event_id,
                event_hash=head.event_hash,
                local_seq=head.local_seq,
                updated_at=now,
            )
        )
    return found


def _locked_head(connection: Connection, db: ServerDB, device_: Device, now: datetime) -> Head:
    connection.execute(
        dialect.insert(db, chain_head)
        .values(
            window_code=device_.window_code,
            hall_code=device_.hall_code,
            device_id=device_.device_id,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["window_code"])
    )
    query = select(chain_head.c.event_id, chain_head.c.event_hash, chain_head.c.local_seq).where(
        chain_head.c.window_code == device_.window_code
    )
    row = connection.execute(query.with_for_update() if db.is_postgresql else query).one()
    return Head(row.event_id, row.event_hash, row.local_seq)


def _expected(connection: Connection, device_: Device, head: Head, event: WireEvent) -> str | None:
    """The previous hash `event` must carry: the head's; for a window without one, the genesis, or its own
    claim when the server holds events of the window without hashes (sent before the window had the chain,
    or to a server before it: chained at the window since, by its migration)."""
    if head.event_hash is not None:
        return head.event_hash
    if event.prev_hash == chain.GENESIS:
        return chain.GENESIS
    earlier = connection.execute(
        select(
            exists().where(case_event.c.window_code == device_.window_code, case_event.c.event_hash.is_(None))
        )
    ).scalar_one()
    return event.prev_hash if earlier else chain.GENESIS


_WHAT = {
    "content_changed": "内容与其哈希不符，该记录在窗口电脑上被改动过",
    "chain_broken": "与服务器收到的上一条事件衔接不上：其前的事件被删除、顺序被改动，或本机数据被重新建立",
}


def _finding(device_: Device, event: WireEvent, head: Head, what: list[str], now: datetime) -> dict[str, Any]:
    label = EVENT_KIND_LABEL.get(event.kind, event.kind)
    case = f"办件 {event.case_number}" if event.case_number else "不属于办件"
    message = (
        f"窗口 {device_.window_code} 的第 {event.local_seq} 条事件（{case}，{label}，"
        f"{event.device_time[:40]}）{'；'.join(_WHAT[w] for w in what)}。该事件已照常处理，"
        "请值班主任核查该窗口的记录"
    )
    log.error(
        "hash chain of window %s broken at event %s (local %s): %s",
        device_.window_code,
        event.event_id,
        event.local_seq,
        ", ".join(what),
    )
    return {
        "hall_code": device_.hall_code,
        "case_number": event.case_number,
        "reason": CONFLICT_CHAIN_BREAK,
        "event_id": event.event_id,
        "other_event_id": head.event_id or NO_EVENT,
        "device_id": device_.device_id,
        "window_code": device_.window_code,
        "message": message,
        "detail": {
            "broken": what,
            "kind": event.kind,
            "local_seq": event.local_seq,
            "device_time": event.device_time,
            "prev_hash": event.prev_hash,
            "event_hash": event.event_hash,
            "head_event_id": head.event_id,
            "head_event_hash": head.event_hash,
            "head_local_seq": head.local_seq,
        },
        "created_at": now,
    }


def _unchained(device_: Device, event: WireEvent, now: datetime) -> dict[str, Any]:
    """The one finding of a device whose events carry no hashes (recorded once: its ids are the device's)."""
    log.warning("device %s (window %s) sends events without hashes", device_.device_id, device_.window_code)
    return {
        "hall_code": device_.hall_code,
        "case_number": "",
        "reason": CONFLICT_CHAIN_BREAK,
        "event_id": str(uuid.uuid5(_UNCHAINED, device_.device_id)),
        "other_event_id": NO_EVENT,
        "device_id": device_.device_id,
        "window_code": device_.window_code,
        "message": (
            f"窗口 {device_.window_code} 此前上传的事件带有哈希链，现在上传的事件却未带哈希链：可能有人"
            "去掉了哈希以逃避核验，或该窗口换回了旧版本程序。事件已照常保存；请值班主任核查该窗口的记录"
        ),
        "detail": {"broken": ["unchained"], "first_event_id": event.event_id, "local_seq": event.local_seq},
        "created_at": now,
    }
