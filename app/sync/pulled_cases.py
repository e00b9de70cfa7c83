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
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.cases.status import TRANSITIONS, CaseStatus, status_of
from app.lifecycle.timing import HALL_TIMING_COLUMNS, TIMING_FIELD, hall_columns
from app.sync import wire
from app.sync.changes import Applying
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
    reported = change.payload.get("status")
    if not isinstance(reported, str) or case.status == reported:
        return 0
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
