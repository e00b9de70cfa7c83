"""Fetching the whole record of a case this PC does not hold (the back office; a hand-over at another
window of the hall), or rebuilding one it holds that fell out of step (`refresh_needed`): GET
`CASE_FETCH_PATH` (the answer's shape: app.sync.wire, beside it).

Everything that crosses is checked first (STYLE 17), and a record that fails anywhere is refused whole,
nothing stored: the answer's size, its decision's snapshot by the `case.decided` schema, every event by its
kind's schema and size (`app.sync.events.check_event`), every revocation by its schema. Then, in ONE write
transaction, the case is built from the snapshot (app.sync.fetched_case), its certificates stored when their
seal is vouched for (app.sync.pulled_certificates: the key joins the directory), its revocations stored,
and its steps replayed in order through `app.lifecycle.apply` — from step 0, at each step the first event
(in the order the server received them) that applies; the replay stops at a step no event follows (logged).
Its page sets (the server's: the last `case.pages_attached` stored of each material and visit) replace those
held (app.sync.pulled_pages); their files come when looked at (app.sync.blob_downloads).
A case held here is rebuilt the same way in the same transaction, so it is never half replaced; one with
events of its own not yet on the server is not rebuilt (they would be lost): sync first.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.cases.status import status_after
from app.catalog_store import CatalogRepository
from app.lifecycle.apply import Recorded, applies, apply_change
from app.sync import wire
from app.sync.answers import answer_fields, answer_refusal
from app.sync.events import check_event, check_payload
from app.sync.fetched_case import fill_case
from app.sync.pulled_cases import carried_event
from app.sync.pulled_certificates import certificate_row, vouched_key
from app.sync.pulled_pages import last_page_sets, replace_page_sets
from app.sync.pulled_revocations import revocation_problems, store_revocation
from app.sync.schema import Problem
from app.sync.transport import Credential, SyncError, Transport
from app.sync.wire import EventKind
from db.models import Case, CaseEvent, Certificate, HallCase
from db.store import Store

log = logging.getLogger("clerk.sync")

# The whole answer: its events' payloads are bounded by the server to MAX_BODY_BYTES; their envelopes,
# the certificates and the snapshot come on top.
MAX_RECORD_BYTES = 2 * wire.MAX_BODY_BYTES
MAX_CERTIFICATES = 100  # certificates of one case (one, and those of conflicts the server keeps)
# Kinds issued without a step by windows before steps: the status table moves the case by them.
_LEGACY_KINDS = (EventKind.CERTIFICATE_ISSUED, EventKind.CERTIFICATE_HANDED_OVER)


@dataclass(frozen=True)
class FetchedRecord:
    """A case's record as the server sent it, checked."""

    number: str
    status: str  # the server's projection
    step: int
    snapshot: Mapping[str, Any]
    events: Sequence[wire.WireEvent]  # in the order the server received them
    certificates: Sequence[dict[str, Any]]
    revocations: Sequence[dict[str, Any]]
    page_sets: Sequence[wire.WireEvent] = ()  # the case's `case.pages_attached` that are its page sets


def not_fetched(number: str, error: SyncError) -> SyncError:
    """The clerk's message for a fetch that failed (offline, refused, not found, another hall's)."""
    if error.kind == "offline":
        message = (
            f"离线：无法从服务器调取办件 {number}（{error.message}）。请联网后再试；办件在受理窗口仍可办理"
        )
    else:
        message = f"无法从服务器调取办件 {number}：{error.message}"
    return SyncError(error.kind, message)


def fetch_case(
    *, store: Store, transport: Transport, credential: Credential, number: str, now: datetime, today: date
) -> FetchedRecord:
    """Fetch case `number` and store it (or rebuild it here); SyncError, nothing stored, otherwise."""
    path = wire.CASE_FETCH_PATH.format(number=number)
    try:
        data = transport.bounded_json("GET", credential, path, max_bytes=MAX_RECORD_BYTES)
        record = checked_record(data, number=number, now=now)
        with store.write() as session:
            store_record(session, record, today=today, catalog=CatalogRepository(store))
    except SyncError as error:
        raise not_fetched(number, error) from None
    log.info("case %s fetched from the server: step %s, %s", number, record.step, record.status)
    return record


def checked_record(data: Any, *, number: str, now: datetime) -> FetchedRecord:
    """The answer checked as a whole; SyncError `invalid` naming the first problem otherwise."""

    refuse = answer_refusal("fetched case", number, "服务器发来的办件记录有误，未保存")
    _got, status, step, snapshot, events, certificates, revocations = answer_fields(
        data,
        {
            "number": str,
            "status": str,
            "step": int,
            "snapshot": dict,
            "events": list,
            "certificates": list,
            "revocations": list,
        },
        number=(number, "办件编号"),
        refuse=refuse,
    )
    problems: list[Problem] = []
    check_payload(EventKind.CASE_DECIDED, snapshot, case_number=number, problems=problems)
    if problems:
        raise refuse(f"办件快照 {problems[0]}")
    if snapshot["number"] != number:
        raise refuse(f"办件快照的编号 {snapshot['number']} 不是 {number}")
    too_many = (
        ("events", events, wire.MAX_BATCH_EVENTS),
        ("certificates", certificates, MAX_CERTIFICATES),
        ("revocations", revocations, MAX_CERTIFICATES),
    )
    for name, items, limit in too_many:
        if len(items) > limit:
            raise refuse(f"{name} 超过 {limit} 条")
    checked: list[wire.WireEvent] = []
    for index, item in enumerate(events):
        try:
            event = wire.WireEvent.from_json(item, f"events[{index}]")
        except wire.WireError as error:
            raise refuse(str(error)) from None
        refusal = check_event(event, now=now)
        if refusal is not None:
            raise refuse(f"events[{index}]（{event.kind}）：{refusal.message}")
        if event.case_number != number:
            raise refuse(f"events[{index}] 属于办件 {event.case_number}")
        checked.append(event)
    for index, item in enumerate(certificates):
        if not isinstance(item, dict) or item.get("case_number") != number:
            raise refuse(f"certificates[{index}] 不是本办件的证照")
    for index, item in enumerate(revocations):
        found = revocation_problems(item)
        if found:
            raise refuse(f"revocations[{index}] {found[0]}")
        if item["case_number"] != number:
            raise refuse(f"revocations[{index}] 属于办件 {item['case_number']}")
    page_sets = _page_sets(data, checked, number=number, now=now, refuse=refuse)
    return FetchedRecord(number, status, step, snapshot, checked, certificates, revocations, page_sets)


def _page_sets(
    data: dict[str, Any],
    events: Sequence[wire.WireEvent],
    *,
    number: str,
    now: datetime,
    refuse: Callable[[str], SyncError],
) -> list[wire.WireEvent]:
    """The record's page sets, each checked as a carried event; from its events when the server sent
    none (a server before page sets)."""
    if "page_sets" not in data:
        return last_page_sets(events)
    items = data["page_sets"]
    if not isinstance(items, list) or len(items) > wire.MAX_BATCH_EVENTS:
        raise refuse(f"page_sets 应为不超过 {wire.MAX_BATCH_EVENTS} 项的列表")
    page_sets = []
    for index, item in enumerate(items):
        event = carried_event(number, item, now=now)
        if isinstance(event, str):
            raise refuse(f"page_sets[{index}]：{event}")
        if event.kind != EventKind.PAGES_ATTACHED:
            raise refuse(f"page_sets[{index}] 不是材料页面记录（{event.kind}）")
        page_sets.append(event)
    return page_sets


def store_record(session: Session, record: FetchedRecord, *, today: date, catalog: CatalogRepository) -> None:
    """The checked record stored in `session` (the caller's one write transaction)."""
    number = record.number
    case = session.scalars(select(Case).where(Case.number == number)).first()
    if case is None:
        case = Case()
        session.add(case)
    else:
        _pending_here(session, number)
        # The later life goes first (its rows carry event ids that come back with the replay).
        case.visits.clear()
        case.suspensions.clear()
        case.corrections.clear()
        case.materials.clear()
        case.findings.clear()
        session.flush()
    snapshot = record.snapshot
    item = (
        None
        if "time_limits" in snapshot
        else catalog.item_at(snapshot["item_code"], snapshot["catalog_version"])
    )
    fill_case(case, snapshot, item=item)
    session.execute(delete(HallCase).where(HallCase.number == number))  # held here now
    session.flush()
    issued = _store_certificates(session, record, today=today)
    for revocation in record.revocations:
        store_revocation(session, revocation)
    _replay(session, case, record.events, issued)
    replace_page_sets(session, number, record.page_sets)
    if (case.status, case.step) != (record.status, record.step):
        log.warning(
            "case %s fetched: replayed to step %s (%s), the server projects step %s (%s)",
            number,
            case.step,
            case.status,
            record.step,
            record.status,
        )


def _pending_here(session: Session, number: str) -> None:
    pending = session.scalars(
        select(CaseEvent.id).where(
            CaseEvent.case_number == number,
            CaseEvent.acknowledged_at.is_(None),
            CaseEvent.rejected_at.is_(None),
        )
    ).first()
    if pending is not None:
        raise SyncError("pending", f"本机还有办件 {number} 未上传的记录：请先同步，再重新调取")


def _store_certificates(session: Session, record: FetchedRecord, *, today: date) -> set[str]:
    """The record's certificates whose seal is vouched for, stored unless the case has one here already;
    the ids of those the case has now."""
    held = session.scalars(select(Certificate).where(Certificate.case_number == record.number)).first()
    issued = {held.certificate_id} if held is not None else set()
    for index, payload in enumerate(record.certificates):
        where = f"fetched case {record.number}, certificate {index}"
        if vouched_key(session, payload, where=where, today=today, held=True) is None:
            continue
        row = certificate_row(payload, where=where)
        if row is not None and held is None:
            session.add(row)
            session.flush()
            held = row
            issued.add(row.certificate_id)
    return issued


def _replay(session: Session, case: Case, events: Sequence[wire.WireEvent], issued: set[str]) -> None:
    """The case's steps in order: at each, the first event received that applies; a certificate's issue
    only with its certificate verified and stored. Older windows' certificate events (no step) move the
    case by the status table first."""
    for event in events:
        if event.kind in _LEGACY_KINDS and "step" not in event.payload:
            moved = status_after(case.status, event.kind)
            if moved is not None and _certified(event, issued):
                case.status = moved.value
    stepped = [e for e in events if isinstance(e.payload.get("step"), int)]
    while True:
        following = [e for e in stepped if e.payload["step"] == (case.step or 0) + 1]
        taken = next(
            (e for e in following if applies(case, e.kind, e.payload) and _certified(e, issued)), None
        )
        if taken is None:
            if following or any(e.payload["step"] > (case.step or 0) for e in stepped):
                log.warning(
                    "case %s fetched: no event follows step %s (%s); replay stopped there",
                    case.number,
                    case.step,
                    case.status,
                )
            return
        at = datetime.fromisoformat(taken.device_time.replace("Z", "+00:00"))
        by = Recorded(
            event_id=taken.event_id, clerk_login=taken.clerk_login, window_code=taken.window_code, at=at
        )
        apply_change(session, case, taken.kind, taken.payload, by)
        session.flush()


def _certified(event: wire.WireEvent, issued: set[str]) -> bool:
    """Whether a certificate's issue has its certificate here (any other event: yes)."""
    return event.kind != EventKind.CERTIFICATE_ISSUED or event.payload.get("certificate_id") in issued
