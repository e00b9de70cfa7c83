"""The steps of a case after the counter's first decision, each one transaction: the case read, its status and
guards checked against the table (app.cases.status), the input checked, the event recorded (its step the
case's next) and applied to the case's rows (app.lifecycle.apply) — or nothing at all.

A step acts on a case this PC holds: the case accepted here, or fetched from the server (the back office,
another window of the hall). Who may take it is the operations' check (app.operations.lifecycle); here
the table is read again inside the transaction, so two steps racing on one PC cannot both pass.
The supplement round trip is in app.lifecycle.supplements.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.acceptance import Counter
from app.accounts.roles import GRANTS, Permission, Role
from app.cases.status import UNDER_TIME_LIMIT, CaseAction, CaseStatus, Transition, TransitionError, transition
from app.catalog import TimeLimit
from app.clock import Clock
from app.lifecycle.apply import Recorded, apply_change
from app.lifecycle.corrections import CORRECTABLE
from app.lifecycle.delivery import Carrier, address_problem, normalize_tracking, tracking_problem
from app.lifecycle.events import MAX_EXTENSION_DAYS, CaseChange
from app.lifecycle.suspensions import MAX_SUSPENSION_DAYS, SuspensionKind
from app.lifecycle.time_limits import Interval, TimeLimitError, due
from app.sync.authority import hall_refusal
from app.sync.outbox import UnsendableEvent, record_event
from app.sync.wire import MAX_CLERK_TEXT_CHARS, EventKind
from app.workdays import WorkCalendar
from db.models import Case, Certificate
from db.store import Store

log = logging.getLogger("clerk.lifecycle")

ART_42_DAYS = 10


class LifecycleError(Exception):
    """A step refused before anything changed; the message (Chinese) names the problem."""


@dataclass(frozen=True)
class Stepped:
    number: str
    status: CaseStatus  # the status the case has now
    step: int
    event_id: str


class RowFacts:
    """What the status table's guards read, of a case's row (app.cases.status.CaseFacts)."""

    def __init__(self, case: Case) -> None:
        self.tolerated_outstanding = tuple((case.tolerated_outstanding or "").split())
        self.approve_before_supplied = bool(case.approve_before_supplied)
        self.extended = (case.extension_days or 0) > 0


def acting_role(counter: Counter, permission: Permission) -> Role:
    """The role a person acts in for `permission`: the first of theirs that grants it (the permission's
    named role for a counter that does not say its roles)."""
    grant = GRANTS[permission]
    held: frozenset[Role] = getattr(counter, "roles", frozenset())
    return next((role for role in Role if role in held and role in grant.roles), grant.named_role)


def check_row(case: Case, action: CaseAction, *, target: CaseStatus | None = None) -> Transition:
    """The table's row for `action` on the case as stored, its guards read on the row; LifecycleError."""
    try:
        return transition(case.status, action, facts=RowFacts(case), target=target, number=case.number)
    except TransitionError as error:
        raise LifecycleError(str(error)) from None


def text_problem(value: str | None, what: str, *, required: bool = True) -> str | None:
    text = (value or "").strip()
    if required and not text:
        return f"请填写{what}"
    if len(text) > MAX_CLERK_TEXT_CHARS:
        return f"{what}过长（{len(text)} 字，上限 {MAX_CLERK_TEXT_CHARS} 字）"
    return None


def require_text(value: str | None, what: str) -> str:
    problem = text_problem(value, what)
    if problem is not None:
        raise LifecycleError(problem)
    return (value or "").strip()


def day_problem(day: date, what: str, *, case: Case, today: date, earliest: date | None = None) -> str | None:
    """A day of a step that cannot be: before the case existed (or `earliest`), or after today."""
    floor = max(case.received_on, earliest or case.received_on)
    if day < floor:
        return f"{what} {day} 早于{'办件受理之日' if floor == case.received_on else ''} {floor}"
    if day > today:
        return f"{what} {day} 晚于今天 {today}"
    return None


def limit_of(days: int | None, unit: str | None) -> TimeLimit | None:
    return None if days is None or unit is None else TimeLimit(days, unit)


def suspended_intervals(case: Case) -> list[Interval]:
    return [Interval(s.start, s.actual_end) for s in case.suspensions]


def dues(
    calendar: WorkCalendar, case: Case, *, today: date, suspensions: list[Interval], extension_days: int
) -> dict[str, Any]:
    """The due days of the case's legal and promised limit from its acceptance day, as a payload's fields."""
    start = case.accepted_on or case.received_on
    fields: dict[str, Any] = {}
    for prefix, limit, extra in (
        ("legal_due", limit_of(case.legal_limit_days, case.legal_limit_unit), extension_days),
        ("promised_date", limit_of(case.promised_limit_days, case.promised_limit_unit), 0),
    ):
        if limit is None:
            fields[prefix], fields[f"{prefix}_uncertain"] = None, False
            continue
        try:
            found = due(
                calendar, start=start, limit=limit, suspensions=suspensions, extension_days=extra, today=today
            )
        except TimeLimitError as error:
            raise LifecycleError(str(error)) from None
        fields[prefix], fields[f"{prefix}_uncertain"] = found.day.isoformat(), found.uncertain
    return fields


class LifecycleService:
    def __init__(self, *, store: Store, calendar: WorkCalendar, clock: Clock) -> None:
        self._store, self._calendar, self._clock = store, calendar, clock

    def fill_missing_due_days(self) -> int:
        """Cases accepted before due days were kept (schema < 9) get their legal and promised due day from
        their acceptance day, once, when the data folder is opened; returns how many. No event: the due
        days follow from what the case's decision already carried."""
        today = self._clock.today()
        with self._store.write() as session:
            rows = session.scalars(
                select(Case).where(
                    Case.status.in_([str(s) for s in UNDER_TIME_LIMIT]),
                    Case.legal_due.is_(None),
                    Case.legal_limit_days.is_not(None),
                )
            ).all()
            for case in rows:
                case.accepted_on = case.accepted_on or case.received_on
                found = dues(self._calendar, case, today=today, suspensions=suspended_intervals(case),
                             extension_days=case.extension_days or 0)  # fmt: skip
                case.legal_due = date.fromisoformat(found["legal_due"]) if found["legal_due"] else None
                case.legal_due_uncertain = bool(found["legal_due_uncertain"])
                if case.promised_date is None and found["promised_date"]:
                    case.promised_date = date.fromisoformat(found["promised_date"])
        if rows:
            log.info("due days filled for %d cases accepted before schema 9", len(rows))
        return len(rows)

    # -- the one way a step is taken -------------------------------------------------------------------
    def step(
        self,
        number: str,
        action: CaseAction,
        kind: EventKind,
        *,
        by: Counter,
        details: Callable[[Session, Case, date], Mapping[str, Any]],
        target: CaseStatus | None = None,
    ) -> Stepped:
        """Take `action` on case `number` in one transaction: the row checked on the stored case,
        `details(session, case, today)` (the kind's fields; it raises LifecycleError on bad input), the
        event recorded and applied."""
        now = self._clock.now()
        today = self._clock.today()
        with self._store.write() as session:
            case = session.scalars(select(Case).where(Case.number == number)).first()
            if case is None:
                raise LifecycleError(f"本机没有办件 {number}：请先按编号调取该办件")
            wrong_hall = hall_refusal(
                case_number=number, case_hall=case.hall_code, recorder_hall=by.hall.code
            )
            if wrong_hall is not None:
                raise LifecycleError(wrong_hall.message)
            row = check_row(case, action, target=target)
            change = CaseChange(
                KIND=kind,
                step=(case.step or 0) + 1,
                source=CaseStatus(case.status),
                target=row.target,
                role=acting_role(by, row.permission),
                details=dict(details(session, case, today)),
            )
            try:
                event = record_event(session=session, event=change, case_number=number, by=by, now=now)
            except UnsendableEvent as error:
                raise LifecycleError(f"未保存：记录不符合上传格式（{error}）") from None
            recorded = Recorded(
                event_id=event.event_id, clerk_login=by.clerk_login, window_code=by.window_code, at=now
            )
            apply_change(session, case, str(kind), change.payload(), recorded)
            stepped = Stepped(number, row.target, case.step, event.event_id)
        log.info("case %s: %s by %s (step %s)", number, action, by.clerk_login, stepped.step)
        return stepped

    # -- the back office ---------------------------------------------------------------------------
    def start_review(self, number: str, *, by: Counter) -> Stepped:
        return self.step(
            number,
            CaseAction.REVIEW,
            EventKind.REVIEW_STARTED,
            by=by,
            details=lambda s, c, t: {"day": t.isoformat()},
        )

    def suspend(
        self, number: str, *, by: Counter, kind: str, reason: str, start: date, expected_end: date
    ) -> Stepped:
        """挂起 the case's time limits (Art. 45 kinds and the local ones): refused without a reason, a
        kind the table lacks, a start before the case was accepted or after today, an end before the start,
        or a suspension overlapping one recorded before."""
        try:
            suspension_kind = SuspensionKind(kind)
        except ValueError:
            raise LifecycleError(f"未知的挂起类型“{kind}”") from None

        def details(session: Session, case: Case, today: date) -> Mapping[str, Any]:
            why = require_text(reason, "挂起原因")
            problem = day_problem(start, "挂起开始日", case=case, today=today, earliest=case.accepted_on)
            if problem is not None:
                raise LifecycleError(problem)
            if expected_end < start:
                raise LifecycleError(f"预计结束日 {expected_end} 早于挂起开始日 {start}")
            if (expected_end - start).days > MAX_SUSPENSION_DAYS:
                raise LifecycleError(
                    f"预计挂起 {(expected_end - start).days} 天，超过 {MAX_SUSPENSION_DAYS} 天，请核对"
                )
            for earlier in case.suspensions:
                end = earlier.actual_end or today
                if earlier.start <= start <= end:
                    raise LifecycleError(
                        f"与已有的挂起（{earlier.start}–{earlier.actual_end or '进行中'}）重叠："
                        "同一办件的挂起不能重叠"
                    )
            return {
                "kind": str(suspension_kind),
                "reason": why,
                "start": start.isoformat(),
                "expected_end": expected_end.isoformat(),
            }

        return self.step(number, CaseAction.SUSPEND, EventKind.CASE_SUSPENDED, by=by, details=details)

    def resume(self, number: str, *, by: Counter, actual_end: date) -> Stepped:
        """The suspension over on `actual_end`: both clocks run again, their due days moved by the
        suspended days."""

        def details(session: Session, case: Case, today: date) -> Mapping[str, Any]:
            running = next((s for s in case.suspensions if s.actual_end is None), None)
            if running is None:
                raise LifecycleError(f"办件 {number} 没有进行中的挂起")
            problem = day_problem(
                actual_end, "挂起实际结束日", case=case, today=today, earliest=running.start
            )
            if problem is not None:
                raise LifecycleError(problem)
            intervals = [
                Interval(s.start, actual_end if s is running else s.actual_end) for s in case.suspensions
            ]
            return {
                "actual_end": actual_end.isoformat(),
                **dues(
                    self._calendar,
                    case,
                    today=today,
                    suspensions=intervals,
                    extension_days=case.extension_days,
                ),
            }

        return self.step(number, CaseAction.RESUME, EventKind.CASE_RESUMED, by=by, details=details)

    def extend(
        self,
        number: str,
        *,
        by: Counter,
        reason: str,
        approved_by: str,
        approved_on: date,
        days: int = ART_42_DAYS,
    ) -> Stepped:
        """Art. 42: the legal limit extended once, with the head of the office's approval recorded."""

        def details(session: Session, case: Case, today: date) -> Mapping[str, Any]:
            why = require_text(reason, "延期理由")
            head = require_text(approved_by, "批准延期的负责人")
            if not 1 <= days <= MAX_EXTENSION_DAYS:
                raise LifecycleError(f"延长天数应为 1–{MAX_EXTENSION_DAYS} 个工作日，实为 {days}")
            problem = day_problem(approved_on, "批准日期", case=case, today=today, earliest=case.accepted_on)
            if problem is not None:
                raise LifecycleError(problem)
            moved = dues(
                self._calendar, case, today=today, suspensions=suspended_intervals(case), extension_days=days
            )
            return {
                "days": days,
                "reason": why,
                "approved_by": head,
                "approved_on": approved_on.isoformat(),
                "legal_due": moved["legal_due"],
                "legal_due_uncertain": moved["legal_due_uncertain"],
            }

        return self.step(number, CaseAction.EXTEND, EventKind.CASE_EXTENDED, by=by, details=details)

    def refuse(self, number: str, *, by: Counter, reasons: str, basis: str) -> Stepped:
        """不予许可 (Art. 38): the reasons and the legal basis, for the decision document."""

        def details(session: Session, case: Case, today: date) -> Mapping[str, Any]:
            text = (reasons or "").strip()
            if not text:
                raise LifecycleError("请写明不予许可的理由（行政许可法第三十八条）")
            return {
                "day": today.isoformat(),
                "reasons": text,
                "basis": require_text(basis, "不予许可的法律依据"),
            }

        return self.step(number, CaseAction.REFUSE, EventKind.CASE_REFUSED, by=by, details=details)

    # -- ending a case before its decision ---------------------------------------------------------
    def withdraw(self, number: str, *, by: Counter, reason: str, request_day: date) -> Stepped:
        """撤回: the applicant's written request of `request_day`, before the decision."""

        def details(session: Session, case: Case, today: date) -> Mapping[str, Any]:
            problem = day_problem(request_day, "撤回申请书的日期", case=case, today=today)
            if problem is not None:
                raise LifecycleError(problem)
            return {
                "day": today.isoformat(),
                "reason": require_text(reason, "撤回原因"),
                "request_day": request_day.isoformat(),
            }

        return self.step(number, CaseAction.WITHDRAW, EventKind.CASE_WITHDRAWN, by=by, details=details)

    def terminate(self, number: str, *, by: Counter, reason: str, basis: str) -> Stepped:
        """终止: e.g. the supplement deadline missed, with the consequence the notice stated. A case still
        within its supplement deadline is not terminated for missing it."""

        def details(session: Session, case: Case, today: date) -> Mapping[str, Any]:
            why = require_text(reason, "终止理由")
            if (
                case.status == CaseStatus.AWAITING_SUPPLEMENT
                and case.supplement_deadline
                and today <= case.supplement_deadline
            ):
                raise LifecycleError(
                    f"补正期限 {case.supplement_deadline} 尚未届满，不能以逾期未补正终止办理"
                    "（申请人书面撤回的，请办理撤回）"
                )
            return {"day": today.isoformat(), "reason": why, "basis": require_text(basis, "终止依据")}

        return self.step(number, CaseAction.TERMINATE, EventKind.CASE_TERMINATED, by=by, details=details)

    # -- after the decision ----------------------------------------------------------------------
    def mail(
        self,
        number: str,
        *,
        by: Counter,
        recipient: str,
        phone: str,
        address: str,
        carrier: str,
        tracking_number: str,
    ) -> Stepped:
        """The certificate mailed (送达): address, carrier and a tracking number of the carrier's form."""
        tracking = normalize_tracking(tracking_number or "")

        def details(session: Session, case: Case, today: date) -> Mapping[str, Any]:
            certificate = _certificate(session, case)
            require_text(recipient, "收件人")
            problem = address_problem(address or "") or tracking_problem(carrier, tracking)
            if problem is not None:
                raise LifecycleError(problem)
            if not (phone or "").strip():
                raise LifecycleError("请填写收件人联系电话")
            return {
                "day": today.isoformat(),
                "certificate_id": certificate.certificate_id,
                "recipient": recipient.strip(),
                "phone": phone.strip(),
                "address": address.strip(),
                "carrier": str(Carrier(carrier)),
                "tracking_number": tracking,
            }

        return self.step(number, CaseAction.MAIL, EventKind.CASE_MAILED, by=by, details=details)

    def revoke(self, number: str, *, by: Counter, reason: str, basis: str) -> Stepped:
        """撤销 (Art. 69) a granted certificate, with the reason and the legal basis."""

        def details(session: Session, case: Case, today: date) -> Mapping[str, Any]:
            certificate = _certificate(session, case)
            return {
                "day": today.isoformat(),
                "certificate_id": certificate.certificate_id,
                "reason": require_text(reason, "撤销理由"),
                "basis": require_text(basis, "撤销的法律依据"),
            }

        return self.step(number, CaseAction.REVOKE, EventKind.CERTIFICATE_REVOKED, by=by, details=details)

    def correct(self, number: str, *, by: Counter, reason: str, values: Mapping[str, str]) -> Stepped:
        """更正: a supervisor corrects fields of the saved case (`CORRECTABLE`); the old values stay."""

        def details(session: Session, case: Case, today: date) -> Mapping[str, Any]:
            why = require_text(reason, "更正原因")
            unknown = [name for name in values if name not in CORRECTABLE]
            if unknown:
                raise LifecycleError(
                    f"不能更正：{'、'.join(unknown)}（可更正：{'、'.join(CORRECTABLE.values())}）"
                )
            changes = []
            for name, new in values.items():
                old = getattr(case, name)
                text = (new or "").strip()
                if name.startswith("agent_") and case.agent_name is None:
                    raise LifecycleError("本办件没有代理人，不能更正代理人信息")
                if not text and name.endswith("_name"):
                    raise LifecycleError(f"{CORRECTABLE[name]}不能为空")
                if text == (old or ""):
                    raise LifecycleError(f"{CORRECTABLE[name]}更正前后相同")
                changes.append({"field": name, "old": old, "new": text})
            if not changes:
                raise LifecycleError("没有要更正的内容")
            return {"reason": why, "changes": changes}

        return self.step(number, CaseAction.CORRECT, EventKind.CASE_CORRECTED, by=by, details=details)


def _certificate(session: Session, case: Case) -> Certificate:
    certificate = session.scalars(select(Certificate).where(Certificate.case_number == case.number)).first()
    if certificate is None:
        raise LifecycleError(f"办件 {case.number} 在本机没有证照记录：请先同步或调取该办件")
    return certificate
