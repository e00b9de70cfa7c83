"""Sending the outbox: batches on the wire, and recording what the server answered for each event.

An outbox event is marked sent only when the server's answer says it is stored; a timeout, a cut
connection or a server error changes nothing locally, and the next round resends (the server stores each
event id once). A permanent rejection moves that one event to the dead-letter list; the queue behind it
moves on. Events carry their own author, window and device time; sync never rewrites them.
"""

from __future__ import annotations

import logging
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from sqlalchemy import func, select, update

from app.clock import Clock
from app.sync import outbox, wire
from app.sync.report import PushProgress, SyncReport
from app.sync.transport import Credential, SyncError, Transport, utc_text
from db.models import CaseEvent
from db.store import Store

log = logging.getLogger("clerk.sync")


class OutboxPush:
    IN_FLIGHT = 2  # batches on the wire at once: the server checks one while the database stores the other

    def __init__(self, *, store: Store, transport: Transport, clock: Clock, batch_size: int) -> None:
        self.store, self.transport, self.clock = store, transport, clock
        self.batch_size = min(batch_size, wire.MAX_BATCH_EVENTS)

    def pending(self) -> int:
        with self.store.read() as session:
            return int(
                session.scalar(
                    select(func.count())
                    .select_from(CaseEvent)
                    .where(CaseEvent.acknowledged_at.is_(None), CaseEvent.rejected_at.is_(None))
                )
                or 0
            )

    def dead_letters(self) -> list[dict[str, Any]]:
        with self.store.read() as session:
            rows = session.scalars(select(CaseEvent).where(CaseEvent.rejected_at.is_not(None))).all()
        return [
            {
                "event_id": r.event_id,
                "case_number": r.case_number,
                "kind": r.kind,
                "code": r.rejected_code,
                "message": r.rejected_message,
                "rejected_at": utc_text(r.rejected_at) if r.rejected_at else None,
            }
            for r in rows
        ]

    def push(self, credential: Credential, report: SyncReport, progress: PushProgress | None) -> None:
        """Send the outbox in batches sized by bytes (app.sync.outbox), two on the wire at a time, the next
        read while they travel. A batch counts as sent only for the event ids the server's answer
        acknowledges; answers that did arrive are recorded even when another batch failed. An event too
        large to send is a dead letter at once; a batch refused as too large (413) is sent again in halves,
        and one event refused so is a dead letter too."""
        total = self.pending()
        head = outbox.body_head(
            window_code=credential.window_code,
            sent_at=utc_text(self.clock.now().replace(tzinfo=None)),
        )
        in_flight: deque[tuple[outbox.Batch, Future[Any]]] = deque()
        halves: deque[outbox.Batch] = deque()  # parts of a batch refused as too large, to send again
        failure: SyncError | None = None
        read_after: int | None = 0  # None: the outbox is read to its end

        def answered(acknowledged: list[str], rejected: list[wire.Rejection]) -> None:
            self._record_answer(acknowledged, rejected)
            report.acknowledged += len(acknowledged)
            report.rejected += rejected
            if progress is not None:
                progress(report.acknowledged + len(report.rejected), total)

        def next_batch() -> outbox.Batch | None:
            nonlocal read_after
            if halves:
                return halves.popleft()
            while read_after is not None:
                batch = outbox.read_batch(
                    self.store, head=head, after_id=read_after, max_events=self.batch_size
                )
                read_after = None if batch is None else batch.last_id
                if batch is not None and batch.too_large:
                    answered([], [outbox.too_large_here(e) for e in batch.too_large])
                if batch is not None and batch.events:
                    return batch
            return None

        with ThreadPoolExecutor(max_workers=self.IN_FLIGHT, thread_name_prefix="sync-push") as network:
            while True:
                while len(in_flight) < self.IN_FLIGHT and failure is None:
                    batch = next_batch()
                    if batch is None:
                        break
                    future = network.submit(
                        self.transport.request,
                        "POST",
                        credential.server_url,
                        wire.PUSH_PATH,
                        credential=credential,
                        content=batch.body,
                    )
                    in_flight.append((batch, future))
                if not in_flight:
                    break
                sent, future = in_flight.popleft()
                try:
                    answer = wire.PushResponse.from_json(future.result())
                except SyncError as error:
                    if error.kind != "too_large":
                        failure = failure or error
                    elif len(sent.events) > 1:
                        log.warning(
                            "push of %d events refused as too large; sending it in halves", len(sent.events)
                        )
                        halves.extendleft(reversed(sent.halves()))
                    else:
                        report.pushed += 1
                        answered([], [outbox.too_large_on_the_way(sent.events[0], error.message)])
                    continue
                ids = sent.ids  # a set made once: the answer is checked against it id by id
                acknowledged = [i for i in answer.acknowledged if i in ids]
                rejected = [r for r in answer.rejected if r.event_id in ids]
                report.pushed += len(sent.events)
                answered(acknowledged, rejected)
                if not acknowledged and not rejected:
                    failure = failure or SyncError("protocol", "服务器没有确认本批任何事项，稍后重试")
        if failure is not None:
            raise failure

    def _record_answer(self, acknowledged: list[str], rejected: list[wire.Rejection]) -> None:
        now = self.clock.now().replace(tzinfo=None)
        with self.store.write() as session:
            if acknowledged:
                session.execute(
                    update(CaseEvent).where(CaseEvent.event_id.in_(acknowledged)).values(acknowledged_at=now)
                )
            for rejection in rejected:
                log.error(
                    "server rejected event %s: %s %s", rejection.event_id, rejection.code, rejection.message
                )
                session.execute(
                    update(CaseEvent)
                    .where(CaseEvent.event_id == rejection.event_id)
                    .values(rejected_at=now, rejected_code=rejection.code, rejected_message=rejection.message)
                )
