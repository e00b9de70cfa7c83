"""What the events of a case's later life hold: one schema per kind, read by the window and the server alike
(`app.sync.events` registers them beside the counter's kinds).

Every event that changes a case (a row of app.cases.status) carries the same four fields first: `step` (the
case's step it makes: 1 after the decision, then one more each time), `from_status` and `to_status` (what the
recorder saw and made; the pair must be a row of the table for the kind) and `role` (the role that allowed
it). The envelope says who, at which window, when; the kind's own fields say why. Days are checked to be
possible (not before the case's day, an expected end not before the start) here, so the server refuses a
nonsensical event alone.

`CaseChange` is the payload type of all of them; `ServiceRated` is the 好差评 record and `ServiceFollowedUp`
a supervisor's follow-up of a 差评 (no step: they change no status).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from app.accounts.roles import Role
from app.cases.status import CaseStatus, fits
from app.completeness import Outcome
from app.lifecycle.corrections import CORRECTABLE
from app.lifecycle.delivery import MAX_ADDRESS_CHARS, Carrier, address_problem, tracking_problem
from app.lifecycle.evaluation import LEVELS
from app.lifecycle.suspensions import MAX_SUSPENSION_DAYS, SuspensionKind
from app.sync.event_parts import CLERK_TEXT, CODE, FINDING, MATERIAL, MESSAGE, NAME
from app.sync.schema import (
    Day,
    Field,
    Flag,
    Integer,
    ListOf,
    Problem,
    Record,
    Text,
    choice,
    nullable,
    optional,
    parse_day,
    required,
)
from app.sync.wire import EventKind

MAX_STEP = 100_000
MAX_VISITS = 100
MAX_EXTENSION_DAYS = 15  # Art. 42: 10 working days; 15 for joint handling (45 + 15)
EVENT_ID = Text(36, rule=lambda v: len(v) == 36, form="事件编号（UUID）")

# The fields every change of status carries first.
STEP_FIELDS: dict[str, Field] = {
    "step": required(Integer(1, MAX_STEP)),
    "from_status": required(choice(CaseStatus)),
    "to_status": required(choice(CaseStatus)),
    "role": required(choice(Role)),
}
# The same, optional: the counter's kinds that gained them (certificate.issued, .handed_over) are still sent
# without them by older windows.
OPTIONAL_STEP_FIELDS: dict[str, Field] = {name: optional(f.spec) for name, f in STEP_FIELDS.items()}

DUES: dict[str, Field] = {  # the time limits after a change that moves them
    "legal_due": nullable(Day()),
    "legal_due_uncertain": required(Flag()),
    "promised_date": nullable(Day()),
    "promised_date_uncertain": required(Flag()),
}
CODES = ListOf(CODE)


def _change(**kind_fields: Field) -> Record:
    return Record({**STEP_FIELDS, **kind_fields})


SCHEMAS: dict[str, Record] = {
    # The applicant came back with the notice's materials: what the notice asked (`asked`, material codes),
    # what was brought, the new check; complete → accepted that day, else a new notice and deadline.
    EventKind.CASE_SUPPLEMENTED: _change(
        visit=required(Integer(1, MAX_VISITS)),
        day=required(Day()),
        asked=required(CODES),
        materials=required(ListOf(MATERIAL)),
        outcome=required(choice(o for o in Outcome if o is not Outcome.REJECTED)),
        findings=required(ListOf(FINDING)),
        warnings=required(ListOf(MESSAGE)),
        accepted_on=nullable(Day()),
        supplement_deadline=nullable(Day()),
        tolerated=required(CODES),  # tolerated materials still to come once accepted
        **DUES,
    ),
    EventKind.TOLERATED_SUPPLIED: _change(
        visit=required(Integer(1, MAX_VISITS)),
        day=required(Day()),
        asked=required(CODES),
        materials=required(ListOf(MATERIAL)),
        findings=required(ListOf(FINDING)),
        remaining=required(CODES),
    ),
    EventKind.REVIEW_STARTED: _change(day=required(Day())),
    EventKind.CASE_SUSPENDED: _change(
        kind=required(choice(SuspensionKind)),
        reason=required(CLERK_TEXT),
        start=required(Day()),
        expected_end=required(Day()),
    ),
    EventKind.CASE_RESUMED: _change(actual_end=required(Day()), **DUES),
    EventKind.CASE_EXTENDED: _change(
        days=required(Integer(1, MAX_EXTENSION_DAYS)),
        reason=required(CLERK_TEXT),
        approved_by=required(NAME),  # the head of the office who approved it (Art. 42)
        approved_on=required(Day()),
        legal_due=required(Day()),
        legal_due_uncertain=required(Flag()),
    ),
    EventKind.CASE_REFUSED: _change(
        day=required(Day()), reasons=required(MESSAGE), basis=required(CLERK_TEXT)
    ),
    EventKind.CASE_MAILED: _change(
        day=required(Day()),
        certificate_id=required(CODE),
        recipient=required(NAME),
        phone=required(Text(40)),
        address=required(Text(MAX_ADDRESS_CHARS)),
        carrier=required(choice(Carrier)),
        tracking_number=required(Text(40)),
    ),
    EventKind.CASE_WITHDRAWN: _change(
        day=required(Day()), reason=required(CLERK_TEXT), request_day=required(Day())
    ),
    EventKind.CASE_TERMINATED: _change(
        day=required(Day()), reason=required(CLERK_TEXT), basis=required(CLERK_TEXT)
    ),
    EventKind.CASE_CORRECTED: _change(
        reason=required(CLERK_TEXT),
        changes=required(
            ListOf(
                Record(
                    {
                        "field": required(choice(CORRECTABLE)),
                        "old": nullable(Text(400, min_chars=0)),
                        "new": nullable(Text(400, min_chars=0)),
                    }
                ),
                max_items=len(CORRECTABLE),
            )
        ),
    ),
    EventKind.CERTIFICATE_REVOKED: _change(
        day=required(Day()),
        certificate_id=required(CODE),
        reason=required(CLERK_TEXT),
        basis=required(CLERK_TEXT),
    ),
    # 好差评: one rating of one service event (the event id of the visit rated).
    EventKind.SERVICE_RATED: Record(
        {
            "service_event_id": required(EVENT_ID),
            "level": required(Integer(min(LEVELS), max(LEVELS))),
            "reason": nullable(CLERK_TEXT),
        }
    ),
    # A supervisor's follow-up (回访) of an unfavourable rating (the rating's event id), with what was found.
    EventKind.SERVICE_FOLLOWED_UP: Record(
        {"rating_event_id": required(EVENT_ID), "note": required(CLERK_TEXT)}
    ),
}

# Fields holding days that cannot come before the case's own day (the day in its number).
DAY_FIELDS = ("day", "start", "expected_end", "actual_end", "approved_on", "accepted_on", "request_day")


def _statuses(kind: str, payload: dict[str, Any], problems: list[Problem]) -> None:
    source, target = payload.get("from_status"), payload.get("to_status")
    if source is None:  # an older window's certificate event: nothing to check
        return
    if not fits(str(source), kind, str(source), str(target)):
        problems.append(
            Problem("payload.to_status", f"{kind} 不能把办件从 {source} 变为 {target}（状态表中没有这一步）")
        )


def _suspension(payload: dict[str, Any], problems: list[Problem]) -> None:
    start, end = parse_day(payload["start"]), parse_day(payload["expected_end"])
    if start is not None and end is not None:
        if end < start:
            problems.append(Problem("payload.expected_end", f"预计结束日 {end} 早于挂起开始日 {start}"))
        elif (end - start).days > MAX_SUSPENSION_DAYS:
            problems.append(
                Problem(
                    "payload.expected_end",
                    f"预计挂起 {(end - start).days} 天，超过 {MAX_SUSPENSION_DAYS} 天，请核对",
                )
            )


def _mailing(payload: dict[str, Any], problems: list[Problem]) -> None:
    why = address_problem(payload["address"]) or tracking_problem(
        payload["carrier"], payload["tracking_number"]
    )
    if why is not None:
        problems.append(Problem("payload", why))


def _rating(payload: dict[str, Any], problems: list[Problem]) -> None:
    level = LEVELS[payload["level"]]
    if level.unfavourable and not (payload.get("reason") or "").strip():
        problems.append(Problem("payload.reason", f"评价为“{level.label}”时须写明原因"))


def _corrected(payload: dict[str, Any], problems: list[Problem]) -> None:
    names = [c["field"] for c in payload["changes"]]
    if not names:
        problems.append(Problem("payload.changes", "没有更正任何内容"))
    elif len(set(names)) != len(names):
        problems.append(Problem("payload.changes", "同一项内容更正了两次"))
    for change in payload["changes"]:
        if change["old"] == change["new"]:
            problems.append(Problem("payload.changes", f"{CORRECTABLE[change['field']]}更正前后相同"))


CROSS_CHECKS: dict[str, Callable[[dict[str, Any], list[Problem]], None]] = {
    EventKind.CASE_SUSPENDED: _suspension,
    EventKind.CASE_MAILED: _mailing,
    EventKind.SERVICE_RATED: _rating,
    EventKind.CASE_CORRECTED: _corrected,
}


def check_lifecycle(
    kind: str, payload: dict[str, Any], case_day: date | None, problems: list[Problem]
) -> None:
    """The rules between fields of a payload that passed its schema: the statuses are a row of the table,
    no day before the case's day (`case_day`, from its number), and each kind's own rules."""
    _statuses(kind, payload, problems)
    if case_day is not None:
        for name in DAY_FIELDS:
            value = payload.get(name)
            day = parse_day(value) if isinstance(value, str) else None
            if day is not None and day < case_day:
                problems.append(Problem(f"payload.{name}", f"{day} 早于办件受理之日 {case_day}"))
    cross = CROSS_CHECKS.get(kind)
    if cross is not None:
        cross(payload, problems)


@dataclass(frozen=True)
class CaseChange:
    """A change of a case's status (a row of app.cases.status), as its event's payload: the step and the
    statuses, the role that allowed it, and the kind's own fields (`details`, as its schema names them)."""

    KIND: EventKind
    step: int
    source: CaseStatus
    target: CaseStatus
    role: Role
    details: Mapping[str, Any]

    def payload(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "from_status": str(self.source),
            "to_status": str(self.target),
            "role": str(self.role),
            **self.details,
        }


@dataclass(frozen=True)
class ServiceRated:
    KIND = EventKind.SERVICE_RATED
    service_event_id: str
    level: int
    reason: str | None

    def payload(self) -> dict[str, Any]:
        return {"service_event_id": self.service_event_id, "level": self.level, "reason": self.reason}


@dataclass(frozen=True)
class ServiceFollowedUp:
    KIND = EventKind.SERVICE_FOLLOWED_UP
    rating_event_id: str
    note: str

    def payload(self) -> dict[str, Any]:
        return {"rating_event_id": self.rating_event_id, "note": self.note}
