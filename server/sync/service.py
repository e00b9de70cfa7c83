"""`SyncService`: what the API calls to push, pull and reconcile for an authenticated device."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from app.sync.wire import PullResponse, PushRequest, PushResponse, ReconcileResponse
from server.clock import Clock, utc_naive, utc_text
from server.store import ServerDB
from server.sync import pull, reconcile
from server.sync.device import Device
from server.sync.push import Outcome, Push

log = logging.getLogger("clerk.server.sync")

TRANSIENT_SQLSTATES = {"40001", "40P01", "55P03"}  # serialization failure, deadlock, lock not available
TRANSACTION_ATTEMPTS = 3


class BusyError(Exception):
    """The database stayed busy (lock timeouts, repeated deadlocks); the window should retry later."""


class SyncService:
    def __init__(self, db: ServerDB, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        # Tests only: False leaves out the change-log lock, to show what it prevents.
        self.serialize_change_log = True
        # Tests only: called after the change rows are inserted, before COMMIT.
        self.after_changes_appended: Callable[[], None] | None = None

    def now(self) -> datetime:
        return utc_naive(self._clock())

    def push(self, device_: Device, request: PushRequest) -> PushResponse:
        """Store the request's events in one transaction (server.sync.push); the answer after COMMIT."""
        started = time.perf_counter()
        outcome = self._in_transaction(lambda connection: self._push(connection, device_, request))
        log.info(
            "push from %s (%s): %d events, %d new, %d acknowledged, %d rejected, %d changes in %.0f ms",
            device_.window_code,
            device_.device_id,
            len(request.events),
            outcome.stored,
            len(outcome.acknowledged),
            len(outcome.rejected),
            outcome.changes,
            (time.perf_counter() - started) * 1000,
        )
        return PushResponse(outcome.acknowledged, outcome.rejected, utc_text(self.now()))

    def _push(self, connection: Connection, device_: Device, request: PushRequest) -> Outcome:
        return Push(connection, self._db, device_, self.now()).run(
            request.events,
            serialize_change_log=self.serialize_change_log,
            after_changes_appended=self.after_changes_appended,
        )

    def _in_transaction(self, work: Callable[[Connection], Outcome]) -> Outcome:
        """Run `work` in one write transaction; retry it whole on a deadlock or serialization failure."""
        for attempt in range(1, TRANSACTION_ATTEMPTS + 1):
            try:
                with self._db.write() as connection:
                    return work(connection)
            except DBAPIError as error:
                sqlstate = getattr(error.orig, "sqlstate", None)
                locked = "database is locked" in str(error.orig)
                if sqlstate not in TRANSIENT_SQLSTATES and not locked:
                    raise
                log.warning("push transaction attempt %d failed transiently: %s", attempt, error.orig)
                if attempt == TRANSACTION_ATTEMPTS or locked:
                    raise BusyError(str(error.orig)) from error
        raise AssertionError("unreachable")

    def pull(
        self, device_: Device, cursor: str, limit: int | None, *, exclude_own: bool = False
    ) -> PullResponse:
        """Changes of the device's hall after `cursor` (server.sync.pull)."""
        return pull.pull(self._db, device_, cursor, limit, exclude_own=exclude_own)

    def reconcile(self, device_: Device, first_text: str, last_text: str) -> ReconcileResponse:
        """Per-day counts of the device's window in [first, last] (server.sync.reconcile)."""
        return reconcile.reconcile(self._db, device_, first_text, last_text)
