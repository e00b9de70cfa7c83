"""The applicant's return with what the notice asked (补正), and tolerated materials supplied after acceptance
(容缺补交): what the notice listed, what was brought, the completeness check run again, and the step.

A supplement (case awaiting it, 待补正):
- `form` lists exactly what the one-time notice named (the case's missing and defective findings, as the last
  notice gave them) and the deadline;
- `check` runs the completeness engine on everything handed over so far (the latest entries of each material
  win) and the applicant's commitments, then applies Art. 32: a second notice may only name what the first
  did, or a defect in what was just brought. Any other gap the check finds is the office's failure to tell
  at once: it is shown to the clerk as a warning, kept as a note, and never asked of the applicant;
- complete → accepted under the same number that day (the time limits start then), with the 受理通知书 (or
  容缺受理通知书) and a 补正材料接收凭证; otherwise a new notice and deadline, and the receipt of what came.
- after the deadline, the notice's consequence holds (the materials returned, the applicant may apply again):
  the supplement is refused and the case is to be terminated (app.lifecycle.service.terminate).

A tolerated material supplied (a case accepted with tolerance, 容缺): the same form and check on the
outstanding materials alone; what is still missing stays outstanding; the receipt is printed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.acceptance import Counter, tolerance_deadline
from app.cases.queries import CaseQueries
from app.cases.status import CaseAction, CaseStatus, is_ended
from app.cases.views import CaseView
from app.catalog import ApplicantKind, Form, ServiceItem
from app.catalog_store import CatalogRepository
from app.clock import Clock
from app.completeness import (
    CompletenessResult,
    Finding,
    Outcome,
    ReceivedMaterial,
    Rule,
    Submission,
    Verdict,
    check_completeness,
)
from app.documents.kinds import DocumentKind, step_documents
from app.lifecycle.service import LifecycleError, LifecycleService, Stepped, dues, limit_of
from app.lifecycle.time_limits import due
from app.sync.wire import EventKind
from app.workdays import WorkCalendar
from db.models import Case
from db.store import Store

SUPPLEMENT = "supplement"
TOLERATED = "tolerated"
_GAP = (Verdict.MISSING, Verdict.DEFECTIVE)


@dataclass(frozen=True)
class AskedMaterial:
    code: str
    name: str
    why: str  # the notice's words for it (缺少… / …复印件不清晰)
    standard: str
    forms_label: str


@dataclass(frozen=True)
class SupplementForm:
    case: CaseView
    item: ServiceItem
    kind: str  # SUPPLEMENT | TOLERATED
    asked: tuple[AskedMaterial, ...]
    visit: int  # the number this return will have
    deadline: date | None
    overdue: bool  # past the deadline: the notice's consequence holds


@dataclass(frozen=True)
class SupplementCheck:
    form: SupplementForm
    outcome: Outcome  # accepted, accepted with tolerance, or supplement required (a new notice)
    findings: tuple[Finding, ...]
    gaps: tuple[str, ...]  # what a new notice asks (codes)
    warnings: tuple[str, ...]  # gaps outside the first notice: told to the clerk, not asked
    tolerated: tuple[str, ...]  # tolerated materials still to come once accepted

    @property
    def complete(self) -> bool:
        return self.outcome is not Outcome.SUPPLEMENT_REQUIRED


@dataclass(frozen=True)
class SupplementRecorded:
    stepped: Stepped
    check: SupplementCheck
    print_next: tuple[DocumentKind, ...]  # in print order


def _material_json(entry: ReceivedMaterial, names: Mapping[str, str]) -> dict[str, Any]:
    return {
        "material": entry.material_code,
        "name": names[entry.material_code],
        "form": str(entry.form),
        "copies": entry.copies,
        "pages": entry.pages,
        "defect": entry.defect,
    }


def _finding_json(finding: Finding) -> dict[str, Any]:
    return {
        "rule": str(finding.rule),
        "outcome": str(finding.verdict),
        "material": finding.material.code if finding.material else None,
        "message": finding.message,
    }


class SupplementService:
    def __init__(
        self,
        *,
        store: Store,
        catalog: CatalogRepository,
        calendar: WorkCalendar,
        clock: Clock,
        cases: CaseQueries,
        lifecycle: LifecycleService,
    ) -> None:
        self._store, self._catalog, self._calendar, self._clock = store, catalog, calendar, clock
        self._cases, self._lifecycle = cases, lifecycle

    def form(self, number: str) -> SupplementForm:
        """What the applicant was asked to bring, for a case awaiting a supplement or with tolerated
        materials outstanding; LifecycleError naming the status otherwise."""
        case = self._cases.find(number)
        if case is None:
            raise LifecycleError(f"本机没有办件 {number}：请先按编号调取该办件")
        item = self._catalog.item_at(case.item_code, case.catalog_version)
        if item is None:
            raise LifecycleError(f"找不到事项 {case.item_code}（目录版本 {case.catalog_version}）")
        today = self._clock.today()
        if case.status == CaseStatus.AWAITING_SUPPLEMENT:
            kind = SUPPLEMENT
            codes = list(dict.fromkeys(f.material for f in case.findings if f.outcome in _GAP and f.material))
        elif case.life.tolerated_outstanding and case.status in (
            CaseStatus.ACCEPTED,
            CaseStatus.IN_REVIEW,
            CaseStatus.SUSPENDED,
        ):
            kind = TOLERATED
            codes = list(case.life.tolerated_outstanding)
        else:
            shown = f"“{case.status_label}”"
            raise LifecycleError(
                f"办件 {number} 状态为{shown}，没有待补正或待补交的材料"
                + ("：办件已办结" if is_ended(case.status) else "")
            )
        why = {
            f.material: f.message
            for f in case.findings
            if f.material and f.outcome in (*_GAP, Verdict.TOLERATED)
        }
        asked = []
        for code in codes:
            material = item.material(code)
            if material is None:
                continue
            asked.append(
                AskedMaterial(
                    code, material.name, why.get(code, ""), material.standard or "", material.forms_label
                )
            )
        deadline = case.supplement_deadline
        visit = (case.life.last_visit.visit if case.life.last_visit else 0) + 1
        return SupplementForm(
            case, item, kind, tuple(asked), visit, deadline, bool(deadline and today > deadline)
        )

    def check(self, number: str, brought: Sequence[ReceivedMaterial], *, counter: Counter) -> SupplementCheck:
        """The completeness check on everything handed over so far with `brought`, under Art. 32's rule for
        a second notice (see the module)."""
        form = self.form(number)
        case, item = form.case, form.item
        names = {m.code: m.name for m in item.materials}
        for entry in brought:
            if entry.material_code not in names:
                raise LifecycleError(f"事项“{item.name}”的材料清单中没有材料编码 {entry.material_code}")
        if not brought:
            raise LifecycleError("请勾选申请人本次带来的材料")
        # The entries per material, the last visit that brought it winning, then what came now.
        by_code = self._stored_entries(number)
        now_codes = {e.material_code for e in brought}
        for code in now_codes:
            by_code[code] = [e for e in brought if e.material_code == code]
        commitments = frozenset(f.material for f in case.findings if f.rule == Rule.COMMITMENT and f.material)
        submission = Submission(
            applicant_kind=ApplicantKind(case.applicant.kind),
            has_agent=case.agent is not None,
            materials=tuple(e for entries in by_code.values() for e in entries),
            commitments=commitments,
        )
        result = check_completeness(item=item, hall=counter.hall, submission=submission)
        if form.kind == TOLERATED:
            return self._tolerated_check(form, result, brought)
        asked = {a.code for a in form.asked}
        defective_now = {
            f.material.code
            for f in result.findings
            if f.verdict is Verdict.DEFECTIVE and f.material is not None and f.material.code in now_codes
        }
        allowed = asked | defective_now
        gap_codes = [m.code for m in result.missing] + [m.code for m, _ in result.defective]
        gaps = tuple(dict.fromkeys(c for c in gap_codes if c in allowed))
        outside = [c for c in dict.fromkeys(gap_codes) if c not in allowed]
        warnings = tuple(
            f"「{names[c]}」不在第一次告知书所列范围内：依照行政许可法第三十二条应当一次告知，本次不得再要求补正"
            for c in outside
        )
        findings = tuple(
            replace(f, verdict=Verdict.NOTE, message=f"{f.message}（首次告知书未列明，依法不再要求补正）")
            if f.material is not None and f.material.code in outside and f.verdict in _GAP
            else f
            for f in result.findings
        )
        if gaps:
            outcome = Outcome.SUPPLEMENT_REQUIRED
            tolerated: tuple[str, ...] = ()
        else:
            tolerated = tuple(m.code for m in result.tolerated)
            outcome = Outcome.ACCEPTED_WITH_TOLERANCE if tolerated else Outcome.ACCEPTED
        return SupplementCheck(form, outcome, findings, gaps, warnings, tolerated)

    def _tolerated_check(
        self, form: SupplementForm, result: CompletenessResult, brought: Sequence[ReceivedMaterial]
    ) -> SupplementCheck:
        asked = {a.code for a in form.asked}
        extra = [e.material_code for e in brought if e.material_code not in asked]
        if extra:
            raise LifecycleError(f"材料 {'、'.join(extra)} 不在待补交的容缺材料之中")
        supplied = {
            f.material.code
            for f in result.findings
            if f.material is not None and f.material.code in asked and f.verdict in (Verdict.OK,)
        }
        remaining = tuple(a.code for a in form.asked if a.code not in supplied)
        findings = tuple(f for f in result.findings if f.material is not None and f.material.code in asked)
        return SupplementCheck(
            form,
            Outcome.ACCEPTED_WITH_TOLERANCE if remaining else Outcome.ACCEPTED,
            findings,
            (),
            (),
            remaining,
        )

    def _stored_entries(self, number: str) -> dict[str, list[ReceivedMaterial]]:
        with self._store.read() as session:
            case = session.scalars(select(Case).where(Case.number == number)).one()
            rows = sorted(case.materials, key=lambda m: (m.visit, m.position))
            out: dict[str, list[ReceivedMaterial]] = {}
            last_visit: dict[str, int] = {}
            for m in rows:
                if last_visit.get(m.material_code) != m.visit:
                    out[m.material_code] = []
                    last_visit[m.material_code] = m.visit
                out[m.material_code].append(
                    ReceivedMaterial(m.material_code, Form(m.form), m.copies, m.pages, m.defect)
                )
            return out

    def record(self, number: str, brought: Sequence[ReceivedMaterial], *, by: Counter) -> SupplementRecorded:
        """Check and record the return: the step (`case.supplemented` or `case.tolerated_supplied`)."""
        check = self.check(number, brought, counter=by)
        form = check.form
        if form.overdue and form.kind == SUPPLEMENT:
            raise LifecycleError(
                f"补正期限已于 {form.deadline} 届满：按一次性告知书所述，已提交的材料予以退还，"
                "申请人可重新提出申请。"
                "请终止本件（逾期未补正），并按新申请受理"
            )
        if form.overdue and form.kind == TOLERATED:
            raise LifecycleError(
                f"容缺材料补交期限已于 {form.deadline} 届满：按容缺受理通知书所述，"
                "应由审批人员依法作出不予许可决定"
            )
        names = {m.code: m.name for m in form.item.materials}
        materials = [_material_json(e, names) for e in brought]
        findings = [_finding_json(f) for f in check.findings]
        asked = [a.code for a in form.asked]

        def details(session: Session, case: Case, today: date) -> Mapping[str, Any]:
            base = {
                "visit": form.visit,
                "day": today.isoformat(),
                "asked": asked,
                "materials": materials,
                "findings": findings,
            }
            if form.kind == TOLERATED:
                return {**base, "remaining": list(check.tolerated)}
            accepted = check.complete
            if accepted:
                case.accepted_on = today  # the limits start today (applied again from the payload)
                timing = dues(self._calendar, case, today=today, suspensions=[], extension_days=0)
                deadline = (
                    self._tolerance_day(today, form.item, case).isoformat() if check.tolerated else None
                )
            else:
                timing = {
                    "legal_due": None,
                    "legal_due_uncertain": False,
                    "promised_date": None,
                    "promised_date_uncertain": False,
                }
                deadline = self._calendar.add_working_days(today, form.item.tolerance_days).day.isoformat()
            return {
                **base,
                "outcome": str(check.outcome),
                "warnings": list(check.warnings),
                "accepted_on": today.isoformat() if accepted else None,
                "supplement_deadline": deadline,
                "tolerated": list(check.tolerated),
                **timing,
            }

        if form.kind == TOLERATED:
            stepped = self._lifecycle.step(
                number, CaseAction.SUPPLY_TOLERATED, EventKind.TOLERATED_SUPPLIED, by=by, details=details
            )
            return SupplementRecorded(stepped, check, step_documents(EventKind.TOLERATED_SUPPLIED))
        target = CaseStatus.ACCEPTED if check.complete else CaseStatus.AWAITING_SUPPLEMENT
        stepped = self._lifecycle.step(
            number, CaseAction.SUPPLEMENT, EventKind.CASE_SUPPLEMENTED, by=by, details=details, target=target
        )
        return SupplementRecorded(stepped, check, step_documents(EventKind.CASE_SUPPLEMENTED, check.outcome))

    def _tolerance_day(self, today: date, item: ServiceItem, case: Case) -> date:
        limit = limit_of(case.promised_limit_days, case.promised_limit_unit) or item.promised_limit
        promised = due(self._calendar, start=today, limit=limit, today=today).day
        return tolerance_deadline(self._calendar, today=today, item=item, promised=promised)
