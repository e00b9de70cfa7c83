"""A case's timing as the hall's other PCs see it: the `timing` record of every `case.updated` change.

The server keeps it per case (server.sync.projection), made from the decision's snapshot (its `time_limits`
record and its promised and supplement days) and moved on by each applied event that changes a due day, a
deadline, a suspension or the tolerated materials, the same way app.lifecycle.apply moves the holding PC's
rows (the recorder computed the days and put them in the payload, so no calendar is needed here). A window
stores it on its hall index (`hall_columns`), so the approver's queue and the supervisor's watch
(app.lifecycle.watch) list every case of the hall at any PC.

What crosses the wire is checked on both sides against `CASE_TIMING` (habit 17): a window keeps no part of
a record that fails it (the entry keeps its status, its timing stays empty) and logs why.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date
from typing import Any

from app.sync.event_parts import CODE
from app.sync.schema import Day, Flag, ListOf, Problem, Record, Text, nullable, required
from app.sync.wire import EventKind

log = logging.getLogger("clerk.sync")

TIMING_FIELD = "timing"  # the field of a `case.updated` payload that carries it

CASE_TIMING = Record(
    {
        "department": required(Text(100, min_chars=0)),
        "accepted_on": nullable(Day()),
        "legal_due": nullable(Day()),
        "legal_due_uncertain": required(Flag()),
        "promised_date": nullable(Day()),
        "supplement_deadline": nullable(Day()),
        "suspended_since": nullable(Day()),
        "tolerated": required(ListOf(CODE)),
    }
)
DAY_FIELDS = ("accepted_on", "legal_due", "promised_date", "supplement_deadline", "suspended_since")

HALL_TIMING_COLUMNS = (*DAY_FIELDS, "department", "legal_due_uncertain", "tolerated_outstanding")

Timing = dict[str, Any]  # a record of CASE_TIMING


def timing_from_snapshot(snapshot: Mapping[str, Any]) -> Timing | None:
    """The timing of a case as decided (`app.acceptance.case_snapshot`); None for a decision of a window
    before issue 13 (no `time_limits` record)."""
    limits = snapshot.get("time_limits")
    if not isinstance(limits, Mapping):
        return None
    return {
        "department": limits["department"],
        "accepted_on": limits["accepted_on"],
        "legal_due": limits["legal_due"],
        "legal_due_uncertain": bool(limits["legal_due_uncertain"]),
        "promised_date": snapshot.get("promised_date"),
        "supplement_deadline": snapshot.get("supplement_deadline"),
        "suspended_since": None,
        "tolerated": list(limits["tolerated"]),
    }


def _dues(timing: Timing, payload: Mapping[str, Any]) -> None:
    if "legal_due" in payload:
        timing["legal_due"] = payload["legal_due"]
        timing["legal_due_uncertain"] = bool(payload.get("legal_due_uncertain"))
    if "promised_date" in payload:
        timing["promised_date"] = payload["promised_date"]


# The events that move a timing (`timing_after`); any other leaves it as it was.
TIMING_KINDS = frozenset(
    {
        EventKind.CASE_SUPPLEMENTED,
        EventKind.TOLERATED_SUPPLIED,
        EventKind.CASE_SUSPENDED,
        EventKind.CASE_RESUMED,
        EventKind.CASE_EXTENDED,
        EventKind.CASE_REFUSED,
        EventKind.CASE_WITHDRAWN,
        EventKind.CASE_TERMINATED,
        EventKind.CASE_MAILED,
        EventKind.CERTIFICATE_REVOKED,
    }
)


def timing_after(timing: Timing, kind: str, payload: Mapping[str, Any]) -> Timing:
    """The timing once an applied event of `kind` (its payload checked by its schema) has changed the
    case; a new record, `timing` is left as it was."""
    moved = dict(timing)
    match kind:
        case EventKind.CASE_SUPPLEMENTED:
            moved["supplement_deadline"] = payload["supplement_deadline"]
            if payload["accepted_on"] is not None:  # complete: accepted that day
                moved["accepted_on"] = payload["accepted_on"]
                moved["tolerated"] = list(payload["tolerated"])
            _dues(moved, payload)
        case EventKind.TOLERATED_SUPPLIED:
            moved["tolerated"] = list(payload["remaining"])
        case EventKind.CASE_SUSPENDED:
            moved["suspended_since"] = payload["start"]
        case EventKind.CASE_RESUMED | EventKind.CASE_EXTENDED:
            if kind == EventKind.CASE_RESUMED:
                moved["suspended_since"] = None
            _dues(moved, payload)
        case (
            EventKind.CASE_REFUSED
            | EventKind.CASE_WITHDRAWN
            | EventKind.CASE_TERMINATED
            | EventKind.CASE_MAILED
            | EventKind.CERTIFICATE_REVOKED
        ):
            moved["suspended_since"] = None
    return moved


def timing_problems(value: Any) -> list[Problem]:
    problems: list[Problem] = []
    CASE_TIMING.check(value, TIMING_FIELD, problems)
    return problems


def hall_columns(number: str, value: Any) -> dict[str, Any]:
    """The hall index's timing columns (db.models.HallCase) from a change's `timing`: all empty when the
    change has none (an older server) or it fails `CASE_TIMING` (logged)."""
    empty: dict[str, Any] = {name: None for name in DAY_FIELDS} | {
        "department": None,
        "legal_due_uncertain": False,
        "tolerated_outstanding": "",
    }
    if value is None:
        return empty
    problems = timing_problems(value)
    if problems:
        log.warning("hall case %s: timing not kept: %s", number, "；".join(map(str, problems[:3])))
        return empty
    days = {name: date.fromisoformat(value[name]) if value[name] else None for name in DAY_FIELDS}
    return days | {
        "department": value["department"],
        "legal_due_uncertain": value["legal_due_uncertain"],
        "tolerated_outstanding": " ".join(value["tolerated"]),
    }
