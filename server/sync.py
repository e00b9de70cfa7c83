"""Push, pull and reconcile: the server side of the sync guarantees (shared/DESIGN.md §4).

Push (one transaction per request; the answer is sent only after COMMIT):

1. Every event is checked on its own, in the window's order (`local_seq`). A bad event is rejected
   alone (it goes to the window's dead-letter list); the rest of the batch goes on. Besides its form:
   who may record it (app.sync.authority: the window holding the case, `not_holder` otherwise), the hall
   of its case, and for a `certificate.issued` the seal of the window's registered key
   (server.signing_keys, `bad_signature` otherwise; new keys are registered here, sorted by id).
2. Events are inserted with one multi-row `INSERT … ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
   with the hash of their content (server.event_ids). An event id that is already stored with the same
   content is acknowledged and nothing else happens: retries are idempotent even when two retries of one
   batch race, because the primary key, not a prior SELECT, decides (the second inserter waits for the
   first's row and then does nothing). The same id with other content (also inside one batch, and for an
   event rejected now whose id is stored) is refused as `event_id_reused`, logged at ERROR and recorded
   as a conflict; it is never acknowledged.
3. Cases are inserted from the new `case.decided` events the same way (`ON CONFLICT (number) DO NOTHING`).
   A number the server already holds from a different event is never overwritten: that event is removed
   again, rejected as `duplicate_case_number`, logged at ERROR and recorded as a conflict.
4. The change log is appended last, see below; then COMMIT.

Rows are always inserted sorted by key (signing keys, event ids, then case numbers), and the change-log lock
comes after all of them, so two concurrent pushes take their locks in one global order and cannot deadlock.

Change-log ordering (the §9 failure "sequence numbers committed out of order"): `change_log.seq` comes
from a sequence. On PostgreSQL, transaction A may draw seq 10, transaction B seq 11, and B commit first;
a reader that sees 11 moves its cursor past 10, and when A commits, 10 is never read. So every
transaction that appends changes first takes `pg_advisory_xact_lock(CHANGE_LOG_LOCK_KEY)` and holds it
to its end: between taking the lock and committing, no other transaction can draw a seq, hence seqs are
drawn in commit order. PostgreSQL releases a transaction's locks only after its commit is visible to
others, so once a reader sees seq s, every smaller seq is committed (or rolled back, leaving a harmless
gap) and `seq > cursor` never skips a row. The locked section is kept short: all event and case rows are
written before the lock; under it only the projections of the touched cases are recomputed, non-commuting
conflicts detected, and the change rows inserted. Doing that work under the lock also makes it see every
committed event of those cases, so two windows handing over one certificate at the same moment are
detected by whichever commits second (a check before the lock could miss the other's uncommitted row).
SQLite has one writer at a time (writes begin with BEGIN IMMEDIATE), which gives the same order.

Projection: a case's status is a function of the set of its events: the status decided at the window,
`approved` once any `certificate.issued` exists, `delivered` once any `certificate.handed_over` exists.
It does not depend on the order events arrive in, so an event that arrives before its case (reordered
delivery: a window has two batches on the wire at once) is stored and applied when the case arrives. Every
event of a case comes from the window holding it (app.sync.authority), so no other window, of this hall or
another, enrolled or not yet, can move a case to approved or delivered.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Table,
    bindparam,
    delete,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError

from app.case_number import parse_case_number
from app.sync import events
from app.sync.authority import refusal
from app.sync.certificate_event import KEY_FIELD
from app.sync.schema import shown
from app.sync.wire import (
    CONFLICT_DUPLICATE_CASE_NUMBER,
    CONFLICT_HANDED_OVER_TWICE,
    CONFLICT_ISSUED_TWICE,
    MAX_PULL_CHANGES,
    Change,
    DayCount,
    PullResponse,
    PushRequest,
    PushResponse,
    ReconcileResponse,
    Rejection,
    WireEvent,
)
from server import bulk, dialect, event_ids, signing_keys
from server.bulk import dumps, insert_rows
from server.clock import Clock, utc_naive, utc_text
from server.models import case_event, case_record, change_log, conflict, device, enrollment
from server.store import ServerDB

log = logging.getLogger("clerk.server.sync")

KIND_DECIDED = "case.decided"
KIND_ISSUED = "certificate.issued"
KIND_HANDED_OVER = "certificate.handed_over"
# Non-commuting kinds: a second one for the same case is kept and shown to a supervisor.
CONFLICT_REASON = {KIND_ISSUED: CONFLICT_ISSUED_TWICE, KIND_HANDED_OVER: CONFLICT_HANDED_OVER_TWICE}
DUPLICATE_CASE_NUMBER = CONFLICT_DUPLICATE_CASE_NUMBER
CHANGE_LOG_LOCK_KEY = 0x636C726B63686731  # "clrkchg1"
MAX_RECONCILE_DAYS = 366
TRANSIENT_SQLSTATES = {"40001", "40P01", "55P03"}  # serialization failure, deadlock, lock not available
TRANSACTION_ATTEMPTS = 3


def lock_change_log(connection: Connection, db: ServerDB) -> None:
    """Every transaction that appends to the change log takes this first and holds it to COMMIT, so seqs
    are drawn in commit order (see above). SQLite's single writer already gives that order."""
    if db.is_postgresql:
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHANGE_LOG_LOCK_KEY})


class CursorError(ValueError):
    """A pull cursor or limit that cannot be used; the message (Chinese) says why."""


class RangeError(ValueError):
    """A reconcile range that cannot be used; the message (Chinese) says why."""


class BusyError(Exception):
    """The database stayed busy (lock timeouts, repeated deadlocks); the window should retry later."""


@dataclass(frozen=True)
class Device:
    """An authenticated window PC."""

    device_id: str
    hall_code: str
    window_code: str
    name: str
    confirmed: bool = True  # False: enrolled, not yet confirmed; it may do nothing but confirm


@dataclass
class _Candidate:
    event: WireEvent
    order: int  # position in the batch after sorting by local_seq
    case_day: date
    case_window: str
    payload_json: str  # serialized once: checked, stored as the event payload and the case snapshot


@dataclass
class _Outcome:
    acknowledged: list[str] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    stored: int = 0
    changes: int = 0
    conflicts: int = 0


# -- checks on one event ------------------------------------------------------------------------------
def _reject(event: WireEvent, code: str, message: str) -> Rejection:
    return Rejection(event_id=event.event_id, code=code, message=message)


def check_event(event: WireEvent, order: int, device_: Device, now: datetime) -> _Candidate | Rejection:
    """Checks that need nothing but the event, the device and the server's clock: the event's kind's
    schema (`app.sync.events`, the same the window checks before writing it), then what the device may
    send. Nothing of a refused event is stored."""
    where = f"事件 {shown(event.event_id)}"
    refusal = events.check_content(event, now=now)
    if refusal is not None:
        return _reject(event, refusal.code, f"{where}：{refusal.message}")
    payload_json = dumps(event.payload)  # safe now: checked types, depth and numbers
    refusal = events.check_size(event, payload_json)
    if refusal is not None:
        return _reject(event, refusal.code, f"{where}：{refusal.message}")
    if event.window_code != device_.window_code:
        return _reject(
            event,
            "wrong_window",
            f"{where} 标明的窗口 {event.window_code} 与本设备登记的窗口 {device_.window_code} 不一致",
        )
    number = parse_case_number(event.case_number)  # checked above
    if event.kind == KIND_DECIDED:
        problem = _check_decided(event, number.window_code, number.day, device_)
        if problem is not None:
            return problem
    return _Candidate(event, order, number.day, number.window_code, payload_json)


def _check_decided(event: WireEvent, number_window: str, day: date, device_: Device) -> Rejection | None:
    where = f"办件 {event.case_number} 的受理记录"
    if number_window != device_.window_code:
        return _reject(
            event,
            "wrong_window",
            f"{where}：编号属于窗口 {number_window}，本设备登记的窗口是 {device_.window_code}，"
            "受理记录只能由编号所属窗口上传",
        )
    payload = event.payload  # its fields' types and values checked by its schema already
    if payload["number"] != event.case_number:
        return _reject(
            event, "invalid", f"{where}：payload.number 为 {payload['number']}，与事件的办件编号不一致"
        )
    if payload["window_code"] != device_.window_code:
        return _reject(
            event, "wrong_window", f"{where}：payload.window_code 为 {payload['window_code']}，不是本窗口"
        )
    hall_code = payload["hall_code"]
    if hall_code != device_.hall_code:
        return _reject(
            event, "wrong_hall", f"{where}：所属大厅 {hall_code} 不是本设备登记的大厅 {device_.hall_code}"
        )
    received_on = date.fromisoformat(payload["received_on"])
    if received_on != day:
        return _reject(event, "invalid", f"{where}：受理日期 {received_on} 与编号中的日期 {day} 不一致")
    return None


def _one_per_id(batch: Sequence[WireEvent]) -> tuple[list[WireEvent], list[WireEvent]]:
    """The batch in the window's order, one event per id (a retry inside one batch is one event), and the
    events whose id came again with other content (a reuse: the id is refused whole)."""
    first: dict[str, WireEvent] = {}
    ordered: list[WireEvent] = []
    reused: dict[str, WireEvent] = {}
    for event in sorted(batch, key=lambda e: e.local_seq):
        seen = first.get(event.event_id)
        if seen is None:
            first[event.event_id] = event
            ordered.append(event)
        elif (
            event.event_id not in reused
            and events.is_event_id(event.event_id)
            and event_ids.content_sha256(event) != event_ids.content_sha256(seen)
        ):
            reused[event.event_id] = event
    return ordered, list(reused.values())


# -- the service --------------------------------------------------------------------------------------
class SyncService:
    def __init__(self, db: ServerDB, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        # Tests only: False leaves out the change-log lock, to show what it prevents.
        self.serialize_change_log = True
        # Tests only: called after the change rows are inserted, before COMMIT.
        self.after_changes_appended: Callable[[], None] | None = None

    def _insert(self, table: Table) -> postgresql.Insert | sqlite.Insert:
        return dialect.insert(self._db, table)

    def _among(self, column: ColumnElement[str], values: Sequence[str]) -> ColumnElement[bool]:
        return dialect.among(self._db, column, values)

    def now(self) -> datetime:
        return utc_naive(self._clock())

    # -- push ----------------------------------------------------------------------------------------
    def push(self, device_: Device, request: PushRequest) -> PushResponse:
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

    def _in_transaction(self, work: Callable[[Connection], _Outcome]) -> _Outcome:
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

    def _push(self, connection: Connection, device_: Device, request: PushRequest) -> _Outcome:
        now = self.now()
        pending_conflicts: list[dict[str, Any]] = []
        rejections: dict[str, Rejection] = {}
        ordered, reused_in_batch = _one_per_id(request.events)
        for event in reused_in_batch:  # the same id twice with different contents: neither is the event
            self._note_reuse(event, None, device_, rejections, pending_conflicts, now)
        candidates: list[_Candidate] = []
        for order, event in enumerate(ordered):
            if event.event_id in rejections:
                continue
            checked = check_event(event, order, device_, now)
            if isinstance(checked, Rejection):
                rejections[event.event_id] = checked
            else:
                candidates.append(checked)
        for rejection in self._check_against_stored(connection, device_, candidates):
            rejections[rejection.event_id] = rejection
        candidates = [c for c in candidates if c.event.event_id not in rejections]
        sealed = signing_keys.check_certificates(
            connection, self._db, device_, [c.event for c in candidates], today=now.date(), now=now
        )
        for rejection in sealed.rejections:
            rejections[rejection.event_id] = rejection
        candidates = [c for c in candidates if c.event.event_id not in rejections]

        # Rejected now but stored before (sent again): the same content is the server's, acknowledge it;
        # other content under a stored id is a reuse, refused as such.
        by_id = {event.event_id: event for event in ordered}
        twice_ids = {event.event_id for event in reused_in_batch}
        held = event_ids.stored_events(connection, self._db, [i for i in rejections if i not in twice_ids])
        for event_id, stored in held.items():
            del rejections[event_id]
            self._note_reuse(by_id[event_id], stored, device_, rejections, pending_conflicts, now)

        hashes = {c.event.event_id: event_ids.content_sha256(c.event) for c in candidates}
        new_ids = self._insert_events(connection, device_, candidates, hashes, now)
        # Held already (an earlier push, or a racing retry): the same content is acknowledged; other
        # content under that id is a reuse.
        held = event_ids.stored_events(
            connection, self._db, [c.event.event_id for c in candidates if c.event.event_id not in new_ids]
        )
        for event_id, stored in held.items():
            self._note_reuse(by_id[event_id], stored, device_, rejections, pending_conflicts, now)
        refused = self._insert_cases(connection, device_, candidates, new_ids, now, pending_conflicts)
        if refused:
            refused_numbers = set(refused.values())
            for candidate in candidates:
                event = candidate.event
                if event.event_id in refused:
                    rejections[event.event_id] = _duplicate_rejection(event)
                elif (
                    event.kind != KIND_DECIDED
                    and event.event_id in new_ids
                    and event.case_number in refused_numbers
                ):
                    # An event of a case whose decision was refused in this batch belongs to that case.
                    rejections[event.event_id] = _tainted(event)
            removed = sorted(i for i in rejections if i in new_ids)
            connection.execute(delete(case_event).where(self._among(case_event.c.event_id, removed)))
            new_ids.difference_update(removed)

        accepted = [c for c in candidates if c.event.event_id in new_ids]
        outcome = _Outcome(stored=len(accepted))
        outcome.changes, outcome.conflicts = self._append_changes(
            connection, device_, accepted, pending_conflicts, now, sealed.keys
        )
        if self.after_changes_appended is not None:
            self.after_changes_appended()
        for event in ordered:
            if event.event_id in rejections:
                outcome.rejected.append(rejections[event.event_id])
            else:
                outcome.acknowledged.append(event.event_id)
        return outcome

    @staticmethod
    def _note_reuse(
        event: WireEvent,
        stored: event_ids.StoredEvent | None,
        device_: Device,
        rejections: dict[str, Rejection],
        pending_conflicts: list[dict[str, Any]],
        now: datetime,
    ) -> None:
        """`event`'s id is stored (or came twice in the batch: `stored` None): nothing to do when its content
        is the stored one, else a reuse, refused and recorded as a conflict."""
        if (
            stored is not None
            and stored.content_sha256 is not None
            and event_ids.content_sha256(event) == stored.content_sha256
        ):
            return
        refused = event_ids.reuse(
            event,
            hall_code=device_.hall_code,
            device_id=device_.device_id,
            window_code=device_.window_code,
            stored=stored,
            now=now,
        )
        rejections[event.event_id] = refused.rejection
        pending_conflicts.append(refused.conflict)

    def _check_against_stored(
        self, connection: Connection, device_: Device, candidates: Sequence[_Candidate]
    ) -> list[Rejection]:
        """Who may record each event (app.sync.authority: today the window holding the case), the hall of
        the case (a case number belongs to its window code's hall, enrolled or not: a window the server has
        never bound to a hall is no hall's), and events of a case refused earlier."""
        rejections: list[Rejection] = []
        allowed: list[_Candidate] = []
        for candidate in candidates:
            event = candidate.event
            refused_ = refusal(
                kind=event.kind,
                case_number=event.case_number,
                case_window=candidate.case_window,
                recorder_window=device_.window_code,
            )
            if refused_ is None:
                allowed.append(candidate)
            else:
                log.warning(
                    "device %s (hall %s, window %s) may not record %s of case %s: refused",
                    device_.device_id,
                    device_.hall_code,
                    device_.window_code,
                    event.kind,
                    event.case_number,
                )
                rejections.append(_reject(event, refused_.code, refused_.message))
        others = [c for c in allowed if c.event.kind != KIND_DECIDED]
        if not others:
            return rejections
        numbers = sorted({c.event.case_number for c in others})
        case_halls = dict(
            connection.execute(
                select(case_record.c.number, case_record.c.hall_code).where(
                    self._among(case_record.c.number, numbers)
                )
            ).all()
        )
        window_halls: dict[str, set[str]] = defaultdict(set)
        window_halls[device_.window_code].add(device_.hall_code)
        unknown_windows = sorted(
            {c.case_window for c in others if c.event.case_number not in case_halls} - {device_.window_code}
        )
        if unknown_windows:
            for table in (device, enrollment):
                for window_code, hall_code in connection.execute(
                    select(table.c.window_code, table.c.hall_code)
                    .where(self._among(table.c.window_code, unknown_windows))
                    .distinct()
                ):
                    window_halls[window_code].add(hall_code)
        refused = set(
            connection.execute(
                select(conflict.c.case_number).where(
                    conflict.c.reason == DUPLICATE_CASE_NUMBER,
                    conflict.c.device_id == device_.device_id,
                    self._among(conflict.c.case_number, numbers),
                )
            ).scalars()
        )
        for candidate in others:
            event = candidate.event
            hall = case_halls.get(event.case_number)
            halls = {hall} if hall is not None else window_halls.get(candidate.case_window, set())
            if device_.hall_code not in halls:  # fails closed: a window bound to no hall is not ours
                where = (
                    f"属于大厅 {'、'.join(sorted(halls))}"
                    if halls
                    else f"的窗口 {candidate.case_window} 未在服务器登记"
                )
                rejections.append(
                    _reject(
                        event,
                        "wrong_hall",
                        f"办件 {event.case_number} {where}，本设备登记在大厅 {device_.hall_code}，"
                        "不能记录该办件的事项",
                    )
                )
            elif event.case_number in refused:
                rejections.append(_tainted(event))
        return rejections

    def _insert_events(
        self,
        connection: Connection,
        device_: Device,
        candidates: Sequence[_Candidate],
        hashes: dict[str, str | None],
        now: datetime,
    ) -> set[str]:
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
                hashes[c.event.event_id],
            )
            for c in sorted(candidates, key=lambda c: c.event.event_id)
        ]
        return set(insert_rows(connection, bulk.EVENTS, rows, conflict="event_id", returning="event_id"))

    def _insert_cases(
        self,
        connection: Connection,
        device_: Device,
        candidates: Sequence[_Candidate],
        new_ids: set[str],
        now: datetime,
        pending_conflicts: list[dict[str, Any]],
    ) -> dict[str, str]:
        """Insert the cases of new decisions; returns {event id: case number} of those refused."""
        decided = [c for c in candidates if c.event.kind == KIND_DECIDED and c.event.event_id in new_ids]
        if not decided:
            return {}
        decided.sort(key=lambda c: (c.event.case_number, c.order))
        rows = []
        for c in decided:
            payload = c.event.payload
            rows.append(
                (
                    c.event.case_number,
                    device_.hall_code,
                    c.case_window,
                    payload["item_code"],
                    payload["decision"],
                    payload["status"],
                    payload["status"],
                    c.case_day,
                    str(payload.get("clerk_login") or c.event.clerk_login),
                    payload["created_at"],
                    c.payload_json,
                    c.event.event_id,
                    device_.device_id,
                    c.event.event_id,
                    now,
                    now,
                )
            )
        inserted = set(insert_rows(connection, bulk.CASES, rows, conflict="number", returning="number"))
        winners: set[str] = set()
        losers: list[_Candidate] = []
        for c in decided:
            if c.event.case_number in inserted and c.event.case_number not in winners:
                winners.add(c.event.case_number)
            else:
                losers.append(c)
        if not losers:
            return {}
        holders = {
            row.number: row
            for row in connection.execute(
                select(
                    case_record.c.number,
                    case_record.c.first_event_id,
                    case_record.c.device_id,
                    case_record.c.clerk_login,
                    case_record.c.created_at,
                ).where(self._among(case_record.c.number, sorted({c.event.case_number for c in losers})))
            )
        }
        refused: dict[str, str] = {}
        for c in losers:
            event = c.event
            holder = holders[event.case_number]
            refused[event.event_id] = event.case_number
            message = _duplicate_message(event)
            log.error(
                "DUPLICATE CASE NUMBER %s: event %s from device %s (window %s, clerk %s) refused; the server "
                "already holds this number from event %s of device %s (clerk %s, received %s). Two PCs may "
                "share window code %s, or a window was restored from an old backup.",
                event.case_number,
                event.event_id,
                device_.device_id,
                device_.window_code,
                event.clerk_login,
                holder.first_event_id,
                holder.device_id,
                holder.clerk_login,
                holder.created_at,
                device_.window_code,
            )
            pending_conflicts.append(
                {
                    "hall_code": device_.hall_code,
                    "case_number": event.case_number,
                    "reason": DUPLICATE_CASE_NUMBER,
                    "event_id": event.event_id,
                    "other_event_id": holder.first_event_id,
                    "device_id": device_.device_id,
                    "window_code": device_.window_code,
                    "message": message,
                    "detail": {"refused_event": asdict(event), "holder_device_id": holder.device_id},
                    "created_at": now,
                }
            )
        return refused

    def _append_changes(
        self,
        connection: Connection,
        device_: Device,
        accepted: Sequence[_Candidate],
        pending_conflicts: list[dict[str, Any]],
        now: datetime,
        keys: dict[str, dict[str, Any]],
    ) -> tuple[int, int]:
        """The locked section: projections, non-commuting conflicts, change rows → (changes, conflicts).
        `keys`: the registered signing key of each accepted `certificate.issued`, by event id."""
        if not accepted and not pending_conflicts:
            return 0, 0
        if self.serialize_change_log:
            lock_change_log(connection, self._db)
        touched = sorted({c.event.case_number for c in accepted})
        cases: dict[str, Any] = {}
        marks: dict[tuple[str, str], list[str]] = defaultdict(list)  # (case, kind) → event ids, oldest first
        if touched:
            cases = {
                row.number: row
                for row in connection.execute(
                    select(
                        case_record.c.number,
                        case_record.c.decided_status,
                        case_record.c.status,
                        case_record.c.decision,
                        case_record.c.window_code,
                        case_record.c.item_code,
                        case_record.c.received_on,
                        case_record.c.updated_by_event_id,
                    ).where(self._among(case_record.c.number, touched))
                )
            }
            for event_id, number, kind in connection.execute(
                select(case_event.c.event_id, case_event.c.case_number, case_event.c.kind)
                .where(
                    self._among(case_event.c.case_number, touched),
                    case_event.c.kind.in_(list(CONFLICT_REASON)),
                )
                .order_by(case_event.c.received_at, case_event.c.event_id)
            ):
                marks[(number, kind)].append(event_id)

        # Projections of the touched cases, from all their events.
        last_event: dict[str, str] = {}
        for c in accepted:
            last_event[c.event.case_number] = c.event.event_id
        status: dict[str, str] = {}
        updates = []
        for number, row in cases.items():
            if marks.get((number, KIND_HANDED_OVER)):
                status[number] = "delivered"
            elif marks.get((number, KIND_ISSUED)):
                status[number] = "approved"
            else:
                status[number] = row.decided_status
            if status[number] != row.status or last_event[number] != row.updated_by_event_id:
                updates.append({"b_number": number, "b_status": status[number], "b_by": last_event[number]})
        if updates:
            connection.execute(
                update(case_record)
                .where(case_record.c.number == bindparam("b_number"))
                .values(status=bindparam("b_status"), updated_by_event_id=bindparam("b_by"), updated_at=now),
                updates,
            )

        # A second issue or hand-over of one case does not commute: keep both, tell a supervisor.
        new_ids = {c.event.event_id for c in accepted}
        for c in accepted:
            event = c.event
            reason = CONFLICT_REASON.get(event.kind)
            if reason is None:
                continue
            marked = marks.get((event.case_number, event.kind), [])
            earlier = [i for i in marked if i not in new_ids]
            earlier += [
                x.event.event_id for x in accepted if x.order < c.order and x.event.event_id in marked
            ]
            if not earlier:
                continue
            what = "发证" if event.kind == KIND_ISSUED else "证照交付（出件）"
            pending_conflicts.append(
                {
                    "hall_code": device_.hall_code,
                    "case_number": event.case_number,
                    "reason": reason,
                    "event_id": event.event_id,
                    "other_event_id": earlier[0],
                    "device_id": device_.device_id,
                    "window_code": device_.window_code,
                    "message": (
                        f"办件 {event.case_number} 被重复{what}：两条记录都已保存，请大厅负责人核实处理"
                    ),
                    "detail": {"event": asdict(event)},
                    "created_at": now,
                }
            )
            log.warning(
                "conflict on case %s: %s event %s after %s",
                event.case_number,
                event.kind,
                event.event_id,
                earlier[0],
            )

        recorded: list[dict[str, Any]] = []
        if pending_conflicts:
            statement = (
                self._insert(conflict)
                .on_conflict_do_nothing(index_elements=["reason", "event_id", "other_event_id"])
                .returning(conflict.c.id, conflict.c.reason, conflict.c.event_id, conflict.c.other_event_id)
            )
            ids = {
                (row.reason, row.event_id, row.other_event_id): row.id
                for row in connection.execute(statement, pending_conflicts)
            }
            for item in pending_conflicts:
                conflict_id = ids.get((item["reason"], item["event_id"], item["other_event_id"]))
                if conflict_id is not None:
                    recorded.append({**item, "id": conflict_id})

        changes: list[tuple[str, str, str, str, datetime, str | None]] = []
        for c in accepted:
            event = c.event
            row = cases.get(event.case_number)
            projection = {
                "number": event.case_number,
                "status": status.get(event.case_number),
                "decision": row.decision if row is not None else None,
                "window_code": row.window_code if row is not None else c.case_window,
                # What another window of the hall shows when asked about this case (its status index).
                "item_code": row.item_code if row is not None else None,
                "received_on": row.received_on.isoformat() if row is not None else None,
                "updated_by": event.event_id,
            }
            changes.append(
                (
                    device_.hall_code,
                    "case.updated",
                    event.case_number,
                    dumps(projection),
                    now,
                    device_.device_id,
                )
            )
            if event.kind == KIND_ISSUED:
                certificate_id = event.payload.get("certificate_id")
                # The certificate as issued (a window holding the case stores it), and who issued it.
                certificate = {
                    **event.payload,
                    "case_number": event.case_number,
                    "event_id": event.event_id,
                    "window_code": event.window_code,
                    KEY_FIELD: keys[event.event_id],  # as registered here; every window checks it again
                }
                key = certificate_id if isinstance(certificate_id, str) else event.case_number
                changes.append(
                    (device_.hall_code, KIND_ISSUED, key, dumps(certificate), now, device_.device_id)
                )
        for item in recorded:
            about = {
                "conflict_id": item["id"],
                "reason": item["reason"],
                "case_number": item["case_number"],
                "event_id": item["event_id"],
                "other_event_id": item["other_event_id"],
                "device_id": item["device_id"],
                "window_code": item["window_code"],
                "message": item["message"],
            }
            changes.append((item["hall_code"], "conflict", item["case_number"], dumps(about), now, None))
        insert_rows(connection, bulk.CHANGES, changes)
        return len(changes), len(recorded)

    # -- pull ----------------------------------------------------------------------------------------
    def pull(
        self, device_: Device, cursor: str, limit: int | None, *, exclude_own: bool = False
    ) -> PullResponse:
        """Changes of the device's hall after `cursor`; with `exclude_own`, not those its own pushes caused.

        The horizon (the hall's highest seq) is read first. Under the change-log lock every seq at or
        below a visible seq is already committed, so the rows query sees all of them; when they all fit,
        the cursor jumps to the horizon, past this device's own changes, which are never scanned again.
        """
        after = parse_cursor(cursor)
        if limit is None:
            limit = MAX_PULL_CHANGES
        if limit < 1:
            raise CursorError(f"limit 应为正整数，实为 {limit}")
        limit = min(limit, MAX_PULL_CHANGES)
        with self._db.read() as connection:
            horizon = connection.execute(
                select(func.max(change_log.c.seq)).where(change_log.c.hall_code == device_.hall_code)
            ).scalar()
            if horizon is None or horizon <= after:
                return PullResponse([], str(after), False)
            rows = connection.execute(
                select(
                    change_log.c.seq,
                    change_log.c.kind,
                    change_log.c.key,
                    change_log.c.payload,
                    change_log.c.committed_at,
                )
                .where(
                    change_log.c.hall_code == device_.hall_code,
                    change_log.c.seq > after,
                    change_log.c.seq <= horizon,
                    *(
                        [
                            or_(
                                change_log.c.origin_device_id.is_(None),
                                change_log.c.origin_device_id != device_.device_id,
                            )
                        ]
                        if exclude_own
                        else []
                    ),
                )
                .order_by(change_log.c.seq)
                .limit(limit + 1)
            ).all()
        more = len(rows) > limit
        rows = rows[:limit]
        changes = [
            Change(row.seq, row.kind, row.key, row.payload, utc_text(row.committed_at)) for row in rows
        ]
        next_cursor = rows[-1].seq if more else horizon
        return PullResponse(changes, str(next_cursor), more)

    # -- reconcile -----------------------------------------------------------------------------------
    def reconcile(self, device_: Device, first_text: str, last_text: str) -> ReconcileResponse:
        first, last = parse_range(first_text, last_text)
        window = device_.window_code
        with self._db.read() as connection:
            cases: dict[date, int] = dict(
                connection.execute(
                    select(case_record.c.received_on, func.count())
                    .where(
                        case_record.c.window_code == window, case_record.c.received_on.between(first, last)
                    )
                    .group_by(case_record.c.received_on)
                ).all()
            )
            events: dict[date, int] = dict(
                connection.execute(
                    select(case_event.c.case_day, func.count())
                    .where(case_event.c.window_code == window, case_event.c.case_day.between(first, last))
                    .group_by(case_event.c.case_day)
                ).all()
            )
        days = sorted(set(cases) | set(events))
        return ReconcileResponse(
            window_code=window,
            days=[DayCount(day.isoformat(), int(cases.get(day, 0)), int(events.get(day, 0))) for day in days],
        )


def _duplicate_message(event: WireEvent) -> str:
    return (
        f"办件编号 {event.case_number} 在服务器上已被另一条受理记录占用，本条未保存。"
        "可能有两台电脑使用了同一个窗口编码，或本机从旧备份恢复；请立即停止在本窗口受理新办件，"
        "并联系大厅信息技术人员核对"
    )


def _duplicate_rejection(event: WireEvent) -> Rejection:
    return _reject(event, DUPLICATE_CASE_NUMBER, _duplicate_message(event))


def _tainted(event: WireEvent) -> Rejection:
    return _reject(
        event,
        DUPLICATE_CASE_NUMBER,
        f"办件 {event.case_number} 在本窗口的受理记录因编号重复被服务器拒绝，"
        "本条事项属于该被拒绝的办件，未保存；请联系大厅信息技术人员核对",
    )


def parse_cursor(cursor: str) -> int:
    """The seq a cursor stands for; "" and "0" mean the start."""
    text_ = cursor.strip()
    if text_ == "":
        return 0
    if not text_.isascii() or not text_.isdigit() or len(text_) > 18:
        raise CursorError(f"cursor “{cursor[:40]}” 无效：请使用上次拉取返回的 cursor，首次拉取用 0")
    return int(text_)


def parse_range(first_text: str, last_text: str) -> tuple[date, date]:
    try:
        first = date.fromisoformat(first_text)
        last = date.fromisoformat(last_text)
    except ValueError:
        raise RangeError(f"日期应为 YYYY-MM-DD 格式：from={first_text!r} to={last_text!r}") from None
    if len(first_text) != 10 or len(last_text) != 10:
        raise RangeError(f"日期应为 YYYY-MM-DD 格式：from={first_text!r} to={last_text!r}")
    if last < first:
        raise RangeError(f"日期范围无效：结束日期 {last} 早于开始日期 {first}")
    if (last - first).days + 1 > MAX_RECONCILE_DAYS:
        raise RangeError(f"一次最多核对 {MAX_RECONCILE_DAYS} 天")
    return first, last
