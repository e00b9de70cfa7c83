"""Delivering queued messages through a gateway, outside any push: a push never waits for a gateway.

`dispatch` takes the messages that are due, one at a time: it claims one (moves its next attempt past a
lease, in a short transaction of its own, so a second dispatcher — the server's thread and a one-off
`clerk-server messages dispatch` — leaves it alone), sends it with no transaction open, and records how it
went: delivered; or the attempt, the error and the next attempt after a backoff (30 s, doubling, at most an
hour); or failed for good (the gateway's permanent refusal, or MAX_ATTEMPTS attempts). A dispatcher that
dies between sending and recording sends the message again when the lease ends: the gateway's receiver
drops it by its idempotency key (the message id).

`Dispatcher` runs `dispatch` every few seconds in a thread of the server process (started with the app).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from server.clock import Clock, utc_naive
from server.messages.gateways import Delivery, Gateway, OutgoingMessage
from server.messages.outbox import DELIVERED, FAILED, QUEUED
from server.models import message
from server.store import ServerDB

log = logging.getLogger("clerk.server.messages")

FIRST_BACKOFF_SECONDS = 30
MAX_BACKOFF_SECONDS = 3600
MAX_ATTEMPTS = 12  # about six hours of trying
BATCH = 100


def backoff(attempts: int) -> timedelta:
    """The wait after `attempts` failed attempts."""
    return timedelta(seconds=min(FIRST_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS))


@dataclass
class DispatchReport:
    delivered: int = 0
    retried: int = 0
    failed: int = 0

    def as_json(self) -> dict[str, int]:
        return {"delivered": self.delivered, "retried": self.retried, "failed": self.failed}


def dispatch(
    db: ServerDB, gateway: Gateway, *, now: datetime, lease: timedelta, limit: int = BATCH
) -> DispatchReport:
    """Send the messages due at `now` (at most `limit`) through `gateway`; a claimed message is left alone
    by other dispatchers for `lease` (longer than the gateway's timeout)."""
    now = utc_naive(now)
    report = DispatchReport()
    due = select(message).where(message.c.state == QUEUED, message.c.next_attempt_at <= now)
    with db.read() as connection:
        rows = connection.execute(due.order_by(message.c.next_attempt_at, message.c.id).limit(limit)).all()
    for row in rows:
        if not _claim(db, row.id, now=now, lease=lease):
            continue
        outgoing = OutgoingMessage(
            id=row.id,
            event_id=row.event_id,
            purpose=row.purpose,
            hall_code=row.hall_code,
            case_number=row.case_number,
            phone=row.phone,
            text=row.text,
            created_at=row.created_at,
        )
        delivery = _send(gateway, outgoing)
        state = _record(db, row.id, row.attempts + 1, delivery, gateway=gateway.name, now=now)
        if state == DELIVERED:
            report.delivered += 1
        elif state == FAILED:
            report.failed += 1
        else:
            report.retried += 1
    return report


def _claim(db: ServerDB, message_id: int, *, now: datetime, lease: timedelta) -> bool:
    with db.write() as connection:
        claimed = connection.execute(
            update(message)
            .where(message.c.id == message_id, message.c.state == QUEUED, message.c.next_attempt_at <= now)
            .values(next_attempt_at=now + lease)
        )
    return claimed.rowcount == 1


def _send(gateway: Gateway, outgoing: OutgoingMessage) -> Delivery:
    try:
        return gateway.send(outgoing)
    except Exception as error:  # a bug in a gateway: keep the message, try again later
        log.exception("gateway %s failed on message %d", gateway.name, outgoing.id)
        return Delivery.later(f"程序错误：{type(error).__name__}")


def _record(
    db: ServerDB, message_id: int, attempts: int, delivery: Delivery, *, gateway: str, now: datetime
) -> str:
    """Write how the attempt went; returns the message's state."""
    if delivery.delivered:
        values: dict[str, object] = {"state": DELIVERED, "delivered_at": now, "next_attempt_at": None}
    elif delivery.retry and attempts < MAX_ATTEMPTS:
        values = {"state": QUEUED, "next_attempt_at": now + backoff(attempts)}
    else:
        given_up = "" if not delivery.retry else f"（已尝试 {attempts} 次，不再重试）"
        values = {"state": FAILED, "next_attempt_at": None}
        delivery = Delivery.refused(f"{delivery.error}{given_up}")
    values |= {"attempts": attempts, "gateway": gateway}
    if not delivery.delivered:  # a delivered message keeps the error of the attempt before, if any
        values["last_error"] = delivery.error
    with db.write() as connection:
        connection.execute(update(message).where(message.c.id == message_id).values(**values))
    state = str(values["state"])
    if state == FAILED:
        log.warning("message %d not delivered, given up: %s", message_id, delivery.error)
    elif state == QUEUED:
        log.info(
            "message %d: attempt %d failed (%s); next at %s",
            message_id,
            attempts,
            delivery.error,
            values["next_attempt_at"],
        )
    return state


class Dispatcher:
    """`dispatch` every `interval` seconds in a thread of its own, until `stop`."""

    def __init__(
        self,
        db: ServerDB,
        gateway: Gateway,
        *,
        clock: Clock,
        interval: float,
        lease: timedelta,
        on_round: Callable[[DispatchReport], None] | None = None,
    ) -> None:
        self._db = db
        self._gateway = gateway
        self._clock = clock
        self._interval = interval
        self._lease = lease
        self._on_round = on_round
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="message-dispatcher", daemon=True)

    def start(self) -> None:
        log.info("message dispatcher started (gateway %s, every %.0f s)", self._gateway.name, self._interval)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self._lease.total_seconds() + 5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                report = dispatch(self._db, self._gateway, now=self._clock(), lease=self._lease)
            except Exception:  # the database away for a moment: try again next round
                log.exception("message dispatch round failed")
            else:
                if self._on_round is not None:
                    self._on_round(report)
            self._stop.wait(self._interval)
