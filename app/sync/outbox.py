"""The outbox: events written to it (`record_event`, the one writer), and read as push batches, sized by
bytes as well as by count.

A push body is made from each event's stored JSON text (payloads are never decoded and encoded again), so
the size of every event is known before anything is sent:
- a batch stops before `wire.MAX_BATCH_BYTES` (and at `wire.MAX_BATCH_EVENTS`);
- an event whose own JSON is over `wire.MAX_EVENT_BYTES` can never be sent: it comes back in `too_large`,
  for the sync to move to the dead letters with a message naming the case and the size, and the events
  behind it go on (one such event once made every push fail with 413 and kept the whole outbox stuck);
- a batch refused whole as too large on the way (HTTP 413 from a reverse proxy or an older server with a
  smaller limit) is split in two halves to be sent again; one event refused so is a dead letter as well.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import Text, select, type_coerce
from sqlalchemy.orm import Session

from app.audit import chain
from app.sync import events, wire
from db.models import CaseEvent
from db.store import Store

log = logging.getLogger("clerk.sync.outbox")

TOO_LARGE = "too_large"
# An outbox row as it goes on the wire and into the chain: its payload as the stored JSON text.
EVENT_COLUMNS = (
    CaseEvent.id,
    CaseEvent.event_id,
    CaseEvent.case_number,
    CaseEvent.kind,
    type_coerce(CaseEvent.payload, Text),
    CaseEvent.clerk_login,
    CaseEvent.window_code,
    CaseEvent.device_time,
    CaseEvent.prev_hash,
    CaseEvent.event_hash,
)  # the dead-letter code of an event too large to send


class UnsendableEvent(ValueError):
    """An event its own kind's schema refuses (`app.sync.events`); the message (Chinese) says why."""


class RecordedBy(Protocol):
    """Who records an event, and at which window (`app.acceptance.Counter` is one)."""

    @property
    def clerk_login(self) -> str: ...

    @property
    def window_code(self) -> str: ...


def record_event(
    *, session: Session, event: events.EventPayload, case_number: str, by: RecordedBy, now: datetime
) -> CaseEvent:
    """Write `event` of case `case_number`, recorded by `by` at `now`, to the outbox in the caller's session:
    the one writer of events. It is checked first against the schema the server checks it by: the last line
    before the outbox, so nothing is written that the server could only refuse (it would sit in the dead
    letters). UnsendableEvent says why not; the caller's transaction then rolls back the whole step.

    The event is chained (app.audit.chain) to the outbox's last event, read in the same session: a write
    session holds the database's write lock from its start (`db.store.Store.write`, BEGIN IMMEDIATE), so no
    other writer can add an event between that read and this one's insert; events added earlier in the
    same session are flushed first (autoflush) and so are read as the last."""
    kind, payload = str(event.KIND), event.payload()
    unchained = wire.WireEvent(
        event_id=str(uuid.uuid4()),
        case_number=case_number,
        kind=kind,
        payload=payload,
        clerk_login=by.clerk_login,
        window_code=by.window_code,
        device_time=now.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        local_seq=0,  # the outbox row's id, once written
    )
    refusal = events.check_event(unchained, now=now)
    if refusal is not None:
        log.error(
            "%s of case %s not stored, the server would refuse it: %s", kind, case_number, refusal.message
        )
        raise UnsendableEvent(refusal.message)
    last = session.scalars(select(CaseEvent.event_hash).order_by(CaseEvent.id.desc()).limit(1)).first()
    prev_hash = last or chain.GENESIS
    own_hash = chain.wire_hash(unchained, prev_hash)
    row = CaseEvent(
        event_id=unchained.event_id,
        case_number=case_number,
        kind=kind,
        payload=payload,
        clerk_login=by.clerk_login,
        window_code=by.window_code,
        device_time=now.astimezone(UTC).replace(tzinfo=None),
        acknowledged_at=None,
        prev_hash=prev_hash,
        event_hash=own_hash,
    )
    session.add(row)
    return row


@dataclass(frozen=True)
class OutboxEvent:
    event_id: str
    case_number: str
    kind: str
    text: str  # the event as it goes on the wire
    size: int  # bytes of `text` as UTF-8


@dataclass(frozen=True)
class Batch:
    """Events to send in one push, and what reading them found that cannot be sent."""

    head: str  # the body up to its events: `{"protocol": …, "events":[`
    events: list[OutboxEvent]
    last_id: int  # the outbox row read last: the next batch starts after it
    too_large: list[OutboxEvent]

    @property
    def ids(self) -> set[str]:
        """The batch's event ids (a new set at each call: keep it rather than ask again per id)."""
        return {e.event_id for e in self.events}

    @property
    def body(self) -> bytes:
        return f"{self.head}{','.join(e.text for e in self.events)}]}}".encode()

    def halves(self) -> tuple[Batch, Batch]:
        middle = len(self.events) // 2
        return (
            Batch(self.head, self.events[:middle], self.last_id, []),
            Batch(self.head, self.events[middle:], self.last_id, []),
        )


_utc_text = chain.utc_text


def body_head(*, window_code: str, sent_at: str) -> str:
    head = json.dumps({"protocol": wire.PROTOCOL, "window_code": window_code, "sent_at": sent_at})
    return f'{head[:-1]},"events":['


def read_batch(
    store: Store,
    *,
    head: str,
    after_id: int,
    max_events: int = wire.MAX_BATCH_EVENTS,
    max_bytes: int = wire.MAX_BATCH_BYTES,
) -> Batch | None:
    """The next pending events after outbox row `after_id`, as many as fit in `max_bytes` and `max_events`
    (at least one); None when there are none."""
    dump = json.dumps
    chosen: list[OutboxEvent] = []
    too_large: list[OutboxEvent] = []
    size = len(head.encode()) + 2  # the closing `]}`
    last_id = after_id
    with store.read() as session:
        rows = session.execute(
            select(*EVENT_COLUMNS)
            .where(
                CaseEvent.acknowledged_at.is_(None),
                CaseEvent.rejected_at.is_(None),
                CaseEvent.id > after_id,
            )
            .order_by(CaseEvent.id)
            .limit(max_events)
        )
        for local_seq, event_id, number, kind, payload, clerk, window, device_time, prev, own in rows:
            text = (
                f'{{"event_id":{dump(event_id)},"case_number":{dump(number)},"kind":{dump(kind)},'
                f'"payload":{payload},"clerk_login":{dump(clerk)},"window_code":{dump(window)},'
                f'"device_time":{dump(_utc_text(device_time))},"local_seq":{local_seq},'
                f'"prev_hash":{dump(prev)},"event_hash":{dump(own)}}}'
            )
            event = OutboxEvent(event_id, number, kind, text, len(text.encode()))
            if event.size > wire.MAX_EVENT_BYTES and _server_size(text) > wire.MAX_EVENT_BYTES:
                too_large.append(event)
            elif chosen and size + 1 + event.size > max_bytes:
                break  # the next batch starts with it
            else:
                size += event.size + (1 if chosen else 0)
                chosen.append(event)
            last_id = local_seq
    if not chosen and not too_large:
        return None
    return Batch(head, chosen, last_id, too_large)


def _server_size(text: str) -> int:
    """An event's size as the server measures it (`app.sync.events.event_bytes`: compact UTF-8). The stored
    text may escape non-ASCII characters (up to twice as long), so only an event over the limit is measured
    again, and it is refused here only when the server would refuse it too."""
    try:
        return events.event_bytes(wire.WireEvent.from_json(json.loads(text)))
    except (ValueError, TypeError, RecursionError):
        return len(text.encode())  # not readable as an event: the server would refuse it anyway


def size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


def _what(event: OutboxEvent) -> str:
    label = wire.EVENT_KIND_LABEL.get(event.kind, event.kind)
    return f"办件 {event.case_number} 的{label}事项（{size_text(event.size)}）"


def too_large_here(event: OutboxEvent) -> wire.Rejection:
    """The dead letter of an event over the window's own limit: never sent."""
    return wire.Rejection(
        event.event_id,
        TOO_LARGE,
        f"{_what(event)}超过单条上限 {size_text(wire.MAX_EVENT_BYTES)}，无法上传，已移入拒收列表。"
        "内容可能来自旧版本程序或被改动过，请信息技术人员核对该办件",
    )


def too_large_on_the_way(event: OutboxEvent, answer: str) -> wire.Rejection:
    """The dead letter of an event refused alone as too large by the server or a proxy before it (413)."""
    return wire.Rejection(
        event.event_id,
        TOO_LARGE,
        f"{_what(event)}被服务器或其前面的代理以过大拒收（{answer}），已移入拒收列表。"
        "请信息技术人员核对该办件，或调大服务器前代理的请求体上限",
    )
