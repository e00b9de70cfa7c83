"""Pulled `case.updated` changes: the status of a case this window holds, and the hall index of the
other windows' cases (what a clerk sees when asked about a case taken at another window).

A status from the server is read through the status table (app.cases.status):
- for a case held here, only a status this version knows is taken, and a status that only a sealed
  certificate gives (`SEALED_STATUSES`) only once this window has verified that certificate; anything
  else is logged and the case keeps its status (the window's own actions are checked against the table,
  which an unknown status would leave without any);
- for another window's case the hall index keeps what the server reported even when this version does not
  know the status (logged at WARNING): the index is informational, and an entry that exists with an
  unfamiliar status (shown as the server wrote it) serves the clerk better than one that seems missing.

Since issue 13 a change of an event that changes a case carries the event whole (`CASE_EVENT_FIELD`): for
a case held here (accepted here or fetched) the event is applied by its step (`apply_case_event`), and the
status alone of a change that names another step than the case's is not taken (the step's own event
brings it). A material's page set comes the same way, and replaces the one held (app.sync.pulled_pages).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.cases.status import TRANSITIONS, CaseStatus, status_of
from app.lifecycle.apply import Recorded, applies, apply_change
from app.lifecycle.timing import HALL_TIMING_COLUMNS, TIMING_FIELD, hall_columns
from app.sync import wire
from app.sync.changes import Applying
from app.sync.events import check_event
from app.sync.pulled_pages import apply_pulled_page_set
from app.sync.wire import EventKind
from db.models import Case, CaseEvent, Certificate, HallCase

log = logging.getLogger("clerk.sync")


def statuses_reached_by(event: EventKind) -> tuple[CaseStatus, ...]:
    """The statuses a case reaches by `event` or by any move of the table after it, in the table's order."""
    reached = [row.target for row in TRANSITIONS if row.event == event]
    for status in reached:  # grows while read: every status reached later is looked at too
        reached += [row.target for row in TRANSITIONS if row.source == status and row.target not in reached]
    return tuple(dict.fromkeys(reached))


# Statuses that only a sealed certificate gives a case: a window takes them for a case it holds only with
# a certificate it has verified.
SEALED_STATUSES = statuses_reached_by(EventKind.CERTIFICATE_ISSUED)

HALL_INDEX_COLUMNS = (
    "window_code",
    "status",
    "decision",
    "item_code",
    "received_on",
    "updated_at",
    "seq",
) + HALL_TIMING_COLUMNS


def local_cases(session: Session, changes: Sequence[wire.Change]) -> dict[str, Case]:
    """The cases of this window that `changes` are about, in one query per 500."""
    numbers = sorted({c.key for c in changes if c.kind == wire.KIND_CASE_UPDATED})
    found: dict[str, Case] = {}
    for first in range(0, len(numbers), 500):
        chunk = numbers[first : first + 500]
        found.update((c.number, c) for c in session.scalars(select(Case).where(Case.number.in_(chunk))))
    return found


def apply_case_update(applying: Applying, change: wire.Change) -> int:
    """A case's new status: taken for a case held here (see the module's rules); another window's case is
    noted for the hall index, written once at the end of the run (`store_hall_cases`)."""
    case = applying.local_cases.get(change.key)
    if case is None:
        applying.hall_cases[change.key] = change  # changes come in seq order: the last one wins
        return 0
    carried = change.payload.get(wire.CASE_EVENT_FIELD)
    if carried is not None:
        return apply_case_event(applying, case, carried)
    reported, reported_step = change.payload.get("status"), change.payload.get("step")
    if not isinstance(reported, str) or case.status == reported:
        return 0
    if isinstance(reported_step, int) and reported_step != (case.step or 0):
        return 0  # a projection of another step: an older one, or one whose event comes with its own change
    session = applying.session
    event_id = change.payload.get("updated_by")
    if session.scalars(select(CaseEvent.id).where(CaseEvent.event_id == event_id)).first() is not None:
        return 0  # our own event coming back
    status = status_of(reported)
    if status is None:
        log.warning(
            "case %s: status %r from the server is unknown to this version; the case keeps %s",
            case.number,
            reported,
            case.status,
        )
        return 0
    if (
        status in SEALED_STATUSES
        and not session.scalars(select(Certificate.id).where(Certificate.case_number == case.number)).first()
    ):
        # Only a certificate this window verified approves its case (app.sync.pulled_certificates).
        log.warning("case %s: status %s without a verified certificate here; not taken", case.number, status)
        return 0
    case.status = status.value
    return 1


def apply_case_event(applying: Applying, case: Case, carried: Any) -> int:
    """An event of another PC of the hall that changes case `case` held here (`CASE_EVENT_FIELD`): checked
    by its kind's schema, then applied when it follows the case (app.lifecycle.apply). Our own event
    coming back, and one the case has taken already, change nothing; a certificate's issue waits for its
    `certificate.issued` change (only a verified certificate approves: app.sync.pulled_certificates); one
    that does not follow (a gap, or a conflict the server reports) marks the case to be fetched again
    after the round (`refresh_needed`)."""
    session = applying.session
    event = carried_event(case.number, carried, now=applying.now)
    if isinstance(event, str):
        log.error("case %s: an event from the server refused, not applied: %s", case.number, event)
        return 0
    if session.scalars(select(CaseEvent.id).where(CaseEvent.event_id == event.event_id)).first():
        return 0  # our own event coming back
    if event.kind == EventKind.CERTIFICATE_ISSUED:
        return 0
    if event.kind == EventKind.PAGES_ATTACHED:  # a material's pages: no step (app.sync.pulled_pages)
        return apply_pulled_page_set(session, case, event)
    payload = event.payload
    step = payload.get("step")
    if not isinstance(step, int):
        log.info(
            "case %s: event %s of kind %s carries no step; not applied",
            case.number,
            event.event_id,
            event.kind,
        )
        return 0
    if applies(case, event.kind, payload):
        at = datetime.fromisoformat(event.device_time.replace("Z", "+00:00"))
        by = Recorded(
            event_id=event.event_id, clerk_login=event.clerk_login, window_code=event.window_code, at=at
        )
        apply_change(session, case, event.kind, payload, by)
        return 1
    if step <= (case.step or 0):
        log.info(
            "case %s: event %s (step %s) taken already or lost a race; not applied",
            case.number,
            event.event_id,
            step,
        )
        return 0
    case.refresh_needed = True
    log.warning(
        "case %s: event %s (%s, step %s from %s) does not follow the case here (step %s, %s); "
        "it is fetched again after this round",
        case.number,
        event.event_id,
        event.kind,
        step,
        payload.get("from_status"),
        case.step,
        case.status,
    )
    return 0


def carried_event(number: str, carried: Any, *, now: datetime) -> wire.WireEvent | str:
    """The event a `case.updated` change carries, checked as the server checked it (its envelope, its
    payload by its kind's schema, its size); what is wrong (Chinese) otherwise."""
    if not isinstance(carried, dict):
        return "事件应为 JSON 对象"
    try:
        event = wire.WireEvent.from_json({**carried, "case_number": number, "local_seq": 0}, "事件")
    except wire.WireError as error:
        return str(error)
    refusal = check_event(event, now=now)
    if refusal is not None:
        return refusal.message
    return event


def store_hall_cases(applying: Applying) -> int:
    """Other windows' cases into the hall index: one upsert for the run; a change never moves an entry
    back (by seq). An event that arrived before its case has no status yet: its case's change follows."""
    rows = []
    unknown: dict[str, list[str]] = {}  # status this version does not know → the cases reported with it
    for number, change in applying.hall_cases.items():
        payload = change.payload
        status, window = payload.get("status"), payload.get("window_code")
        if not isinstance(status, str) or not isinstance(window, str):
            continue
        try:
            received = payload.get("received_on")
            received_on = date.fromisoformat(received) if isinstance(received, str) else None
            updated_at = datetime.fromisoformat(change.committed_at.replace("Z", "+00:00"))
        except ValueError:
            log.warning("case change %s for %s has a bad date; skipped", change.seq, number)
            continue
        if status_of(status) is None:
            unknown.setdefault(status, []).append(number)
        decision, item = payload.get("decision"), payload.get("item_code")
        rows.append(
            {
                "number": number,
                "window_code": window,
                "status": status,
                "decision": decision if isinstance(decision, str) else None,
                "item_code": item if isinstance(item, str) else None,
                "received_on": received_on,
                "updated_at": updated_at.replace(tzinfo=None),
                "seq": change.seq,
            }
            | hall_columns(number, payload.get(TIMING_FIELD))
        )
    for status, numbers in unknown.items():
        log.warning(
            "hall case %s%s: status %r is unknown to this version; kept as the server reported it",
            numbers[0],
            f" and {len(numbers) - 1} more" if len(numbers) > 1 else "",
            status,
        )
    if not rows:
        return 0
    statement = sqlite_insert(HallCase)
    statement = statement.on_conflict_do_update(
        index_elements=[HallCase.number],
        set_={name: statement.excluded[name] for name in HALL_INDEX_COLUMNS},
        where=HallCase.seq < statement.excluded.seq,
    )
    applying.session.execute(statement, rows)
    return len(rows)
