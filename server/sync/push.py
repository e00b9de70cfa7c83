"""One push request inside its transaction, step by step (the steps and their order: server.sync)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete

from app.sync.wire import AUDIT_KINDS, EventKind, Rejection, WireEvent
from server import bulk, dialect, event_ids, helper_drafts, ratings, signing_keys
from server.bulk import insert_rows
from server.messages import queue_messages
from server.models import case_event
from server.store import ServerDB
from server.sync import (
    cases,
    certificates,
    chain,
    change_log,
    conflicts,
    licence_projection,
    licences,
    page_sets,
    permits,
    projection,
)
from server.sync.checks import (
    Candidate,
    check_against_stored,
    check_event,
    duplicate_rejection,
    one_per_id,
    tainted,
)
from server.sync.device import Device
from server.sync.projection import step_columns


@dataclass
class Outcome:
    acknowledged: list[str] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    stored: int = 0
    changes: int = 0
    conflicts: int = 0


class Push:
    """The events of one push request from `device_`, stored in `connection`'s transaction at `now`."""

    def __init__(self, connection: Connection, db: ServerDB, device_: Device, now: datetime) -> None:
        self.connection = connection
        self.db = db
        self.device = device_
        self.now = now
        self.rejections: dict[str, Rejection] = {}  # by event id
        self.conflicts: list[dict[str, Any]] = []  # rows for `conflict`, recorded under the change-log lock
        # The registered signing key of each sealed certificate.issued, by event id.
        self.keys: dict[str, dict[str, Any]] = {}
        self.new_keys: list[dict[str, Any]] = []  # the signing keys this push registered

    def run(
        self,
        batch: Sequence[WireEvent],
        *,
        serialize_change_log: bool = True,
        after_changes_appended: Callable[[], None] | None = None,
    ) -> Outcome:
        """Check, store and announce the batch; the outcome answers every event of it, in the window's
        order. (`serialize_change_log` False and `after_changes_appended`: for tests only.)"""
        ordered, reused_in_batch = one_per_id(batch)
        for event in reused_in_batch:  # the same id twice with different contents: neither is the event
            self._note_reuse(event, None)
        candidates = self._checked(ordered)
        self._acknowledge_stored(ordered, {event.event_id for event in reused_in_batch})
        new_ids = self._store_events(candidates)
        self._store_cases(candidates, new_ids)
        # A helper's draft a new decision names is used from now on (server.helper_drafts).
        decided = [c.event for c in candidates if c.event.event_id in new_ids]
        helper_drafts.mark_used(self.connection, self.device, decided, self.now)
        self._refuse(
            ratings.store_ratings(self.connection, self.db, self.device, candidates, new_ids, self.now)
        )
        # The window's hash chain, over every event new to the server, stored or refused (server.sync.chain).
        walked = [e for e in ordered if e.event_id in new_ids or e.event_id in self.rejections]
        self.conflicts += chain.check(
            self.connection, self.db, self.device, walked, self.now, refused=self.rejections.keys()
        )
        accepted = [c for c in candidates if c.event.event_id in new_ids]
        outcome = Outcome(stored=len(accepted))
        outcome.changes, outcome.conflicts = self._append_changes(accepted, serialize=serialize_change_log)
        if after_changes_appended is not None:
            after_changes_appended()
        for event in ordered:
            if event.event_id in self.rejections:
                outcome.rejected.append(self.rejections[event.event_id])
            else:
                outcome.acknowledged.append(event.event_id)
        return outcome

    def _refuse(self, rejections: Iterable[Rejection]) -> None:
        for rejection in rejections:
            self.rejections[rejection.event_id] = rejection

    def _unrefused(self, candidates: Iterable[Candidate]) -> list[Candidate]:
        return [c for c in candidates if c.event.event_id not in self.rejections]

    def _checked(self, ordered: Sequence[WireEvent]) -> list[Candidate]:
        """The events that pass every check before storing (server.sync.checks, the person each names
        (server.sync.permits), the certificate a revocation or a mailing names, then the seals of
        certificates, registering new signing keys, then the electronic licences decisions name, which
        may be certificates of this batch); the others refused."""
        candidates: list[Candidate] = []
        for order, event in enumerate(ordered):
            if event.event_id in self.rejections:
                continue
            checked = check_event(event, order, self.device, self.now)
            if isinstance(checked, Rejection):
                self.rejections[event.event_id] = checked
            else:
                candidates.append(checked)
        self._refuse(check_against_stored(self.connection, self.db, self.device, candidates))
        candidates = self._unrefused(candidates)
        later = [c for c in candidates if c.event.kind not in AUDIT_KINDS | {EventKind.CASE_DECIDED}]
        self._refuse(permits.check_recorders(self.connection, self.db, self.device, later, candidates))
        self._refuse(permits.check_preparers(self.connection, self.db, self.device, candidates))
        candidates = self._unrefused(candidates)
        self._refuse(certificates.check_named_certificates(self.connection, self.db, candidates))
        candidates = self._unrefused(candidates)
        sealed = signing_keys.check_certificates(
            self.connection,
            self.db,
            self.device,
            [c.event for c in candidates],
            today=self.now.date(),
            now=self.now,
        )
        self._refuse(sealed.rejections)
        self.keys = sealed.keys
        self.new_keys = sealed.registered
        candidates = self._unrefused(candidates)
        # After the seals: a decision may name a licence issued in this very batch (an offline window).
        self._refuse(licences.check_licences(self.connection, self.db, self.device, candidates))
        return self._unrefused(candidates)

    def _acknowledge_stored(self, ordered: Sequence[WireEvent], twice_ids: set[str]) -> None:
        """Rejected now but stored before (sent again): the same content is the server's, acknowledge it;
        other content under a stored id is a reuse, refused as such."""
        by_id = {event.event_id: event for event in ordered}
        refused_ids = [i for i in self.rejections if i not in twice_ids]
        held = event_ids.stored_events(self.connection, self.db, refused_ids)
        for event_id, stored in held.items():
            del self.rejections[event_id]
            self._note_reuse(by_id[event_id], stored)

    def _store_events(self, candidates: Sequence[Candidate]) -> set[str]:
        """Insert the events (sorted by id); returns the ids of those new to the server. One held already
        (an earlier push, or a racing retry) is acknowledged with the same content, else is a reuse."""
        new_ids = _insert_events(self.connection, self.device, candidates, self.now)
        by_id = {c.event.event_id: c.event for c in candidates}
        held = event_ids.stored_events(self.connection, self.db, [i for i in by_id if i not in new_ids])
        for event_id, stored in held.items():
            self._note_reuse(by_id[event_id], stored)
        return new_ids

    def _store_cases(self, candidates: Sequence[Candidate], new_ids: set[str]) -> None:
        """Insert the cases of the new decisions. A decision whose number is taken is refused, with the new
        events of its case in this batch, and removed again (from `new_ids` too)."""
        decided = [
            c for c in candidates if c.event.kind == EventKind.CASE_DECIDED and c.event.event_id in new_ids
        ]
        if not decided:
            return
        losers = cases.insert_cases(self.connection, self.device, decided, self.now)
        if not losers:
            return
        self.conflicts += cases.duplicate_conflicts(self.connection, self.db, self.device, losers, self.now)
        refused = {c.event.event_id for c in losers}
        refused_numbers = {c.event.case_number for c in losers}
        for candidate in candidates:
            event = candidate.event
            if event.event_id in refused:
                self.rejections[event.event_id] = duplicate_rejection(event)
            elif (
                event.kind != EventKind.CASE_DECIDED
                and event.event_id in new_ids
                and event.case_number in refused_numbers
            ):
                # An event of a case whose decision was refused in this batch belongs to that case.
                self.rejections[event.event_id] = tainted(event)
        removed = sorted(i for i in self.rejections if i in new_ids)
        self.connection.execute(
            delete(case_event).where(dialect.among(self.db, case_event.c.event_id, removed))
        )
        new_ids.difference_update(removed)

    def _append_changes(self, accepted: Sequence[Candidate], *, serialize: bool) -> tuple[int, int]:
        """The locked section (server.sync.change_log): projections, non-commuting conflicts, change rows
        → (changes, conflicts recorded)."""
        if not accepted and not self.conflicts and not self.new_keys:
            return 0, 0
        if serialize:
            change_log.lock_change_log(self.connection, self.db)
        accepted = [
            c for c in accepted if c.event.kind not in AUDIT_KINDS
        ]  # about no case: nothing to project
        # The applicant's messages, with the events (server.messages; under the lock: see its outbox).
        queue_messages(self.connection, self.db, [c.event for c in accepted], self.now)
        touched = projection.read_touched(
            self.connection, self.db, sorted({c.event.case_number for c in accepted})
        )
        projected = projection.project(self.connection, self.db, touched, accepted, self.now)
        page_sets.project(self.connection, self.db, self.device, accepted, self.now)
        licence_projection.project(self.connection, self.db, self.device, accepted)
        self.conflicts += conflicts.non_commuting(accepted, touched.marks, self.device, self.now)
        for number, replayed in projected.items():
            self.conflicts += conflicts.lifecycle(
                hall_code=touched.rows[number].hall_code,
                number=number,
                decision_event_id=touched.rows[number].first_event_id,
                replayed=replayed,
                events=touched.events.get(number, []),
                now=self.now,
            )
        recorded = conflicts.record(self.connection, self.db, self.conflicts)
        rows = [
            *change_log.key_changes(self.device.hall_code, self.new_keys, self.now, self.device.device_id),
            *change_log.event_changes(
                accepted, touched.rows, projected, self.device, self.now, self.keys, timings=touched.timings
            ),
            *change_log.conflict_changes(recorded, self.now),
            *ratings.rating_changes(self.connection, self.db, accepted, self.device, self.now),
        ]
        change_log.append(self.connection, rows)
        return len(rows), len(recorded)

    def _note_reuse(self, event: WireEvent, stored: event_ids.StoredEvent | None) -> None:
        """`event`'s id is stored (or came twice in the batch: `stored` None): nothing to do when its content
        is the stored one, else a reuse, refused and recorded as a conflict."""
        if (
            stored is not None
            and stored.content_sha256 is not None
            and event_ids.content_sha256(event) == stored.content_sha256
        ):
            return
        reused = event_ids.reuse(
            event,
            hall_code=self.device.hall_code,
            device_id=self.device.device_id,
            window_code=self.device.window_code,
            stored=stored,
            now=self.now,
        )
        self.rejections[event.event_id] = reused.rejection
        self.conflicts.append(reused.conflict)


def _insert_events(
    connection: Connection, device_: Device, candidates: Sequence[Candidate], now: datetime
) -> set[str]:
    """Insert the events, sorted by id, with their content hashes; returns the ids of those inserted."""
    if not candidates:
        return set()
    rows = [
        (
            c.event.event_id,
            device_.device_id,
            device_.hall_code,
            c.event.window_code,
            c.event.case_number,
            c.case_day,
            c.event.kind,
            c.payload_json,
            c.event.clerk_login,
            c.event.device_time,
            c.event.local_seq,
            now,
            event_ids.content_sha256(c.event),
            c.event.prev_hash,
            c.event.event_hash,
            *step_columns(c.event.payload),
        )
        for c in sorted(candidates, key=lambda c: c.event.event_id)
    ]
    return set(insert_rows(connection, bulk.EVENTS, rows, conflict="event_id", returning="event_id"))
