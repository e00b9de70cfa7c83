"""Pulling what changed in the hall, page after page, and applying each page in short write transactions.

Every change is applied by the handler registered for its kind (`CHANGE_HANDLERS`); a kind this version
does not know is logged and skipped, so a newer server can add kinds.

A page (up to `wire.MAX_PULL_CHANGES` changes) is applied in runs of at most `RUN_CHANGES` changes or
`RUN_SECONDS` of handler work, each run one write transaction. Before each run sync gives way to any
other writer of the window waiting for the lock (app.sync.write_turns): the clerk saving a case waits for
one run at most, not for the page.

What keeps a pull exact:
- the pull cursor moves only in the transaction of a page's last run, with its changes;
- every other run stores, with its changes, how far the page is applied (`PROGRESS_STATE`: the cursor the
  page was asked for with, and the seq of its last change applied). A round that ends part way through a
  page (an error, a crash, the window closed) leaves the cursor where it was and the progress of the runs
  that committed; the next round asks for the same page again and skips the changes up to that seq, so
  no change is lost and none is applied twice. (Handlers are idempotent all the same: a progress record
  that does not belong to the cursor is ignored and its page applied again.)
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import delete

from app.catalog import CatalogDocument
from app.clock import Clock
from app.helpers import revocations
from app.sync import (
    accounts,
    conflicts,
    pulled_cases,
    pulled_certificates,
    pulled_keys,
    pulled_ratings,
    pulled_revocations,
    reference,
    wire,
)
from app.sync.changes import Applying, ChangeHandler
from app.sync.report import PullProgress, SyncReport
from app.sync.state import SyncStates
from app.sync.transport import Credential, Transport
from app.sync.write_turns import WriteTurns
from db.models import SyncState
from db.store import Store

log = logging.getLogger("clerk.sync")

CURSOR_STATE = "cursor"  # sync_state: the cursor after the last page applied completely
PROGRESS_STATE = "pull_progress"  # sync_state: how far the page after that cursor is applied (JSON)
RUN_CHANGES = 100  # changes applied in one write transaction at most
RUN_SECONDS = 0.02  # handler work after which a run ends early (a catalog or certificates are slower)

CHANGE_HANDLERS: Mapping[str, ChangeHandler] = {
    wire.KIND_CASE_UPDATED: pulled_cases.apply_case_update,
    wire.KIND_CERTIFICATE_ISSUED: pulled_certificates.apply_certificate,
    wire.KIND_CATALOG_VERSION: reference.apply_catalog_version,
    wire.KIND_CALENDAR: reference.apply_calendar,
    wire.KIND_CONFLICT: conflicts.apply_conflict,
    wire.KIND_CONFLICT_RESOLVED: conflicts.apply_conflict_resolved,
    wire.KIND_ACCOUNTS: accounts.apply_accounts,
    wire.KIND_RATING: pulled_ratings.apply_rating,
    wire.KIND_SIGNING_KEY: pulled_keys.apply_signing_key,
    wire.KIND_CERTIFICATE_REVOKED: pulled_revocations.apply_revocation,
    wire.KIND_SIGNING_KEY_REVOKED: revocations.apply_key_revocation,
}


@dataclass(frozen=True)
class PageProgress:
    """A page applied part way: the cursor it was asked for with, and the seq of its last change applied."""

    cursor: str
    seq: int

    def to_text(self) -> str:
        return json.dumps({"cursor": self.cursor, "seq": self.seq})

    @staticmethod
    def from_text(text: str) -> PageProgress | None:
        try:
            data = json.loads(text)
            cursor, seq = data["cursor"], data["seq"]
        except (ValueError, TypeError, KeyError):
            return None
        if not isinstance(cursor, str) or not isinstance(seq, int) or isinstance(seq, bool):
            return None
        return PageProgress(cursor, seq)


@dataclass(frozen=True)
class _Page:
    cursor: str  # asked for with
    next_cursor: str  # the server's cursor after it
    changes: Sequence[wire.Change]  # still to apply, in seq order
    catalogs: Mapping[str, CatalogDocument]
    hall_code: str  # this window's hall


class Pull:
    def __init__(
        self,
        *,
        store: Store,
        states: SyncStates,
        transport: Transport,
        clock: Clock,
        handlers: Mapping[str, ChangeHandler] = CHANGE_HANDLERS,
    ) -> None:
        self.store, self.states, self.transport, self.clock = store, states, transport, clock
        self.handlers = dict(handlers)
        self.run_changes = RUN_CHANGES
        self.run_seconds = RUN_SECONDS
        self.turns = WriteTurns.of(store)

    def pull(self, credential: Credential, report: SyncReport, progress: PullProgress | None = None) -> None:
        """Pull and apply every page after the stored cursor. Raises SyncError; what was applied stays."""
        while True:
            cursor = self.states.get(CURSOR_STATE) or "0"
            answer = wire.PullResponse.from_json(
                self.transport.request(
                    "GET",
                    credential.server_url,
                    wire.PULL_PATH,
                    params={"cursor": cursor, "exclude_own": "true"},
                    credential=credential,
                )
            )
            changes = self._still_to_apply(cursor, answer.changes)
            catalogs = reference.fetch_catalogs(
                store=self.store, transport=self.transport, credential=credential, changes=changes
            )
            page = _Page(cursor, answer.cursor, changes, catalogs, credential.hall_code)
            self._apply_page(page, report, progress)
            if not answer.more or not answer.changes:
                return

    def _still_to_apply(self, cursor: str, changes: list[wire.Change]) -> list[wire.Change]:
        """The changes of the page after `cursor` that an earlier round has not applied yet."""
        recorded = self.states.get(PROGRESS_STATE)
        if recorded is None:
            return changes
        done = PageProgress.from_text(recorded)
        if done is None or done.cursor != cursor:
            log.warning(
                "pull progress %r does not belong to cursor %s; the page is applied again", recorded, cursor
            )
            return changes
        left = [c for c in changes if c.seq > done.seq]
        log.info(
            "page after cursor %s was applied up to change %s: %d changes skipped, %d left",
            cursor,
            done.seq,
            len(changes) - len(left),
            len(left),
        )
        return left

    def _apply_page(self, page: _Page, report: SyncReport, progress: PullProgress | None) -> None:
        """The page's changes in runs, one write transaction each, giving way to other writers between
        runs. Its last run moves the cursor; every other run stores how far the page is applied."""
        now = self.clock.now().replace(tzinfo=None)
        today = self.clock.today()
        done = 0
        while True:
            self.turns.give_way(patience=self.store.busy_timeout_ms / 1000)
            with self.store.write() as session:
                applying = Applying(
                    session=session,
                    now=now,
                    today=today,
                    report=report,
                    catalogs=page.catalogs,
                    hall_code=page.hall_code,
                )
                taken = self.apply_run(applying, page.changes[done : done + self.run_changes])
                done += taken
                if done == len(page.changes):
                    # The cursor moves in the same transaction as the last changes it covers.
                    session.merge(SyncState(key=CURSOR_STATE, value=page.next_cursor))
                    session.execute(delete(SyncState).where(SyncState.key == PROGRESS_STATE))
                else:
                    reached = PageProgress(page.cursor, page.changes[done - 1].seq)
                    session.merge(SyncState(key=PROGRESS_STATE, value=reached.to_text()))
            report.pulled += taken
            if progress is not None and taken:
                progress(report.pulled)
            if done == len(page.changes):
                return

    def apply_run(self, applying: Applying, changes: Sequence[wire.Change]) -> int:
        """Apply `changes` from the first until the run's time is up (at least one); how many it took."""
        started = time.perf_counter()
        applying.local_cases = pulled_cases.local_cases(applying.session, changes)
        taken = 0
        for change in changes:
            applying.report.applied += self._apply(applying, change)
            taken += 1
            if time.perf_counter() - started >= self.run_seconds:
                break
        applying.report.applied += pulled_cases.store_hall_cases(applying)
        return taken

    def _apply(self, applying: Applying, change: wire.Change) -> int:
        handler = self.handlers.get(change.kind)
        if handler is None:
            log.info("ignoring change %s of kind %s", change.seq, change.kind)
            return 0
        return handler(applying, change)
