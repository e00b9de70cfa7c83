"""Deciding and recording a case at the counter: validate → check completeness → number → store.

The case, its materials, its findings and the event for the outbox are written in one transaction;
no network call is involved, so acceptance works the same offline.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.case_number import format_case_number
from app.cases.status import decide, is_ended
from app.cases.views import case_view
from app.catalog import Form, Hall, ServiceItem
from app.catalog_store import CatalogRepository
from app.clock import Clock
from app.competence import referral
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
from app.intake import AcceptanceRequest, InputError, Problem, validate_request
from app.licence_library.fitness import Holder
from app.licence_library.library import LicenceError, LicenceLibrary
from app.scanning.attach import MaterialPages, PagesRefused, attach_in
from app.scanning.page_store import PageStore
from app.sync.events import CaseDecided
from app.sync.outbox import UnsendableEvent, record_event
from app.workdays import Deadline, WorkCalendar
from db.models import Case, CaseFinding, CaseMaterial, CaseSerial
from db.store import Store

log = logging.getLogger("clerk.acceptance")

MAX_SERIAL = 9999


@dataclass(frozen=True)
class Counter:
    """Where and by whom cases are taken."""

    hall: Hall
    window_code: str
    window_name: str
    clerk_login: str
    clerk_name: str


@dataclass(frozen=True)
class Evaluation:
    request: AcceptanceRequest  # normalized
    item: ServiceItem
    result: CompletenessResult
    received_on: date
    promised: Deadline | None
    supplement_deadline: date | None
    legal: Deadline | None  # the legal limit's due day, for an accepted case
    # What must still be entered before this decision can be saved. Only a 不予受理 (an item outside the
    # hall's competence) is decided before the applicant is entered: its notice needs the name.
    problems: tuple[Problem, ...] = ()


class AcceptanceError(Exception):
    """The case cannot be numbered or stored for a reason the clerk must hear about."""


class AcceptanceService:
    def __init__(
        self,
        *,
        store: Store,
        catalog: CatalogRepository,
        calendar: WorkCalendar,
        clock: Clock,
        pages: PageStore | None = None,
    ) -> None:
        self._store = store
        self._catalog = catalog
        self._calendar = calendar
        self._clock = clock
        self._pages = pages
        self._licences = LicenceLibrary(store=store, clock=clock)

    def evaluate(self, request: AcceptanceRequest, *, counter: Counter) -> Evaluation:
        """The decision as it would be recorded now, without storing anything."""
        item = self._catalog.item(request.item_code)
        if item is None:
            raise InputError(
                [Problem("item", f"事项目录（{self._catalog.version}）中没有事项编码 {request.item_code}")]
            )
        if request.checklist_sha256 is not None and request.checklist_sha256 != item.checklist_sha256:
            raise InputError(
                [
                    Problem(
                        "item",
                        f"事项目录已更新为 {self._catalog.version}，本事项的材料清单有变化："
                        "请按新清单重新核对材料",
                    )
                ]
            )
        today = self._clock.today()
        problems: tuple[Problem, ...] = ()
        warnings: tuple[Problem, ...] = ()
        if referral(item=item, hall=counter.hall) is None:
            checked = validate_request(request, item=item, today=today)
            request, warnings = self._with_licences(checked.request, item=item), checked.warnings
        else:
            # Art. 32 (2): decided at once, whoever applies; the notice is addressed to the applicant by name.
            try:
                checked = validate_request(request, item=item, today=today, identity_required=False)
                request, warnings = checked.request, checked.warnings
            except InputError as error:
                problems = tuple(error.problems)
        submission = Submission(
            applicant_kind=request.applicant.kind,
            has_agent=request.agent is not None,
            materials=request.materials,
            commitments=frozenset(request.commitments),
            unaccepted_licences=request.unaccepted_licences,
        )
        result = check_completeness(item=item, hall=counter.hall, submission=submission)
        if warnings:  # shown with the decision and stored with the case; the clerk may go on
            notes = tuple(Finding(Rule.ID_PLAUSIBILITY, Verdict.NOTE, w.message) for w in warnings)
            result = replace(result, findings=(*notes, *result.findings))
        promised: Deadline | None = None
        legal: Deadline | None = None
        supplement: date | None = None
        if result.outcome in (Outcome.ACCEPTED, Outcome.ACCEPTED_WITH_TOLERANCE):
            limit = item.promised_limit
            promised = self._calendar.add(today, days=limit.days, unit=limit.unit)
            legal = self._calendar.add(today, days=item.legal_limit.days, unit=item.legal_limit.unit)
        if result.outcome is Outcome.ACCEPTED_WITH_TOLERANCE and promised is not None:
            supplement = self._tolerance_deadline(today, item, promised.day)
        if result.outcome is Outcome.SUPPLEMENT_REQUIRED:
            # Art. 32 (4): the applicant is told on the spot; the deadline to resubmit is the item's
            # tolerance span (default 5 working days), stated on the notice.
            supplement = self._calendar.add_working_days(today, item.tolerance_days).day
        return Evaluation(request, item, result, today, promised, supplement, legal, problems)

    def _with_licences(self, request: AcceptanceRequest, *, item: ServiceItem) -> AcceptanceRequest:
        """The request with each electronic licence verified again now (its seal with the keys held here,
        revocations, validity, type and holder: app.licence_library) and recorded as found; InputError
        naming the licence and the reason for each that does not satisfy its material."""
        problems: list[Problem] = []
        entries = []
        holder = Holder(request.applicant.name, request.applicant.id_number)
        for index, entry in enumerate(request.materials):
            material = item.material(entry.material_code)
            if entry.form is not Form.LICENCE or entry.licence is None or material is None:
                entries.append(entry)
                continue
            try:
                licence = self._licences.recheck(
                    entry.licence,
                    accepted_types=material.licence_types,
                    material_name=material.name,
                    holder=holder,
                )
            except LicenceError as error:
                problems.append(Problem(f"materials[{index}].licence", str(error)))
                continue
            entries.append(replace(entry, licence=licence.evidence(entry.licence.verified_by)))
        if problems:
            raise InputError(problems)
        return replace(request, materials=tuple(entries))

    def _tolerance_deadline(self, today: date, item: ServiceItem, promised: date) -> date:
        return tolerance_deadline(self._calendar, today=today, item=item, promised=promised)

    def accept(
        self, request: AcceptanceRequest, *, counter: Counter, pages: Sequence[MaterialPages] = ()
    ) -> str:
        """Decide and store the case with the materials' captured pages (their files stored already: the
        page store); returns its number. A case that ends at once (不予受理) keeps no pages: the applicant
        takes the papers back, and the hall keeps no copy of what it did not accept."""
        evaluation = self.evaluate(request, counter=counter)
        if evaluation.problems:
            raise InputError(list(evaluation.problems))
        now = self._clock.now()
        with self._store.write() as session:
            number = self.store_in(session, evaluation, counter=counter, now=now, pages=pages)
        log.info("case %s decided %s by %s", number, evaluation.result.outcome, counter.clerk_login)
        return number

    def store_in(
        self,
        session: Session,
        evaluation: Evaluation,
        *,
        counter: Counter,
        now: datetime,
        pages: Sequence[MaterialPages] = (),
        bundle_number: str | None = None,
    ) -> str:
        """Number and store an evaluated case with its event in the caller's write transaction (`accept`;
        a bundle stores all its cases in one, app.bundles.intake); returns its number."""
        serial_row = session.get(CaseSerial, (counter.window_code, evaluation.received_on))
        if serial_row is None:
            serial_row = CaseSerial(
                window_code=counter.window_code, day=evaluation.received_on, last_serial=0
            )
            session.add(serial_row)
        if serial_row.last_serial >= MAX_SERIAL:
            raise AcceptanceError(f"窗口 {counter.window_code} 今日办件编号已用完（{MAX_SERIAL}）")
        serial_row.last_serial += 1
        number = format_case_number(
            window_code=counter.window_code, day=evaluation.received_on, serial=serial_row.last_serial
        )
        if session.scalars(select(Case.id).where(Case.number == number)).first() is not None:
            raise AcceptanceError(f"办件编号 {number} 已存在：窗口编码可能被重复配置，请联系大厅信息技术人员")
        case = _case_row(evaluation, counter=counter, number=number, now=now)
        case.bundle_number = bundle_number
        session.add(case)
        session.flush()
        try:
            record_event(
                session=session,
                event=CaseDecided(case_snapshot(case)),
                case_number=number,
                by=counter,
                now=now,
            )
        except UnsendableEvent as error:
            raise AcceptanceError(
                f"本次受理未保存：受理记录不符合上传格式（{error}）。"
                "请修改所填内容后重试；如仍出现，请联系信息技术人员"
            ) from None
        if pages and not is_ended(case.status):
            if self._pages is None:
                raise AcceptanceError("本次受理未保存：本窗口未设置材料页面库，不能保存已采集的页面")
            for attached in pages:
                try:
                    attach_in(session, case=case, attached=attached, pages=self._pages, by=counter, now=now)
                except PagesRefused as error:
                    raise AcceptanceError(f"本次受理未保存：{error}") from None
        return number


def tolerance_deadline(calendar: WorkCalendar, *, today: date, item: ServiceItem, promised: date) -> date:
    """The day a tolerated (容缺) material is due: the item's span in working days, and always before the
    promised completion date, so that the case can be completed in time (the catalog has the span shorter
    than the promise; an earlier working day is taken should a calendar make them meet)."""
    due = calendar.add_working_days(today, item.tolerance_days).day
    while due >= promised and due > today:
        due -= timedelta(days=1)
        while due > today and not calendar.is_workday(due):
            due -= timedelta(days=1)
    return due


def _case_row(evaluation: Evaluation, *, counter: Counter, number: str, now: datetime) -> Case:
    request, item, result = evaluation.request, evaluation.item, evaluation.result
    applicant, agent = request.applicant, request.agent
    material_names = {m.code: m.name for m in item.materials}
    case = Case(
        number=number,
        item_code=item.code,
        item_name=item.name,
        catalog_version=item.catalog_version,
        checklist_sha256=item.checklist_sha256,
        applicant_kind=str(applicant.kind),
        applicant_name=applicant.name,
        applicant_id_type=str(applicant.id_type),
        applicant_id_number=applicant.id_number,
        applicant_phone=applicant.phone,
        applicant_id_override=applicant.id_override_reason,
        agent_name=agent.name if agent else None,
        agent_id_type=str(agent.id_type) if agent else None,
        agent_id_number=agent.id_number if agent else None,
        agent_phone=agent.phone if agent else None,
        decision=str(result.outcome),
        status=decide(result.outcome).target,
        referral_office=result.referral_office,
        received_on=evaluation.received_on,
        promised_date=evaluation.promised.day if evaluation.promised else None,
        promised_date_uncertain=bool(evaluation.promised and evaluation.promised.uncertain),
        supplement_deadline=evaluation.supplement_deadline,
        hall_code=counter.hall.code,
        window_code=counter.window_code,
        clerk_login=counter.clerk_login,
        clerk_name=counter.clerk_name,
        created_at=now.replace(tzinfo=None),
        department=item.department[:100],
        accepted_on=evaluation.received_on if evaluation.legal is not None else None,
        legal_limit_days=item.legal_limit.days,
        legal_limit_unit=item.legal_limit.unit,
        promised_limit_days=item.promised_limit.days,
        promised_limit_unit=item.promised_limit.unit,
        legal_due=evaluation.legal.day if evaluation.legal else None,
        legal_due_uncertain=bool(evaluation.legal and evaluation.legal.uncertain),
        tolerated_outstanding=" ".join(m.code for m in result.tolerated),
        approve_before_supplied=item.decide_before_tolerated_supplied,
        step=0,
        prepared_by=request.prepared_by.as_json() if request.prepared_by else None,
    )
    case.materials = [
        CaseMaterial(
            position=index,
            material_code=entry.material_code,
            material_name=material_names[entry.material_code],
            form=str(entry.form),
            copies=entry.copies,
            pages=entry.pages,
            defect=entry.defect,
            **_licence_columns(entry),
        )
        for index, entry in enumerate(request.materials)
    ]
    findings = list(result.findings)
    if applicant.id_override_reason:
        findings.insert(0, _override_finding(applicant.id_override_reason))
    case.findings = [
        CaseFinding(
            position=index,
            rule=str(f.rule),
            outcome=str(f.verdict),
            material_code=f.material.code if f.material else None,
            material_name=f.material.name if f.material else None,
            message=f.message,
        )
        for index, f in enumerate(findings)
    ]
    return case


def _licence_columns(entry: ReceivedMaterial) -> dict[str, object]:
    """The columns of a material satisfied by an electronic licence (none for paper)."""
    licence = entry.licence
    if licence is None:
        return {}
    issuer_key = licence.to_json().get("issuer_key")
    return {
        "licence_id": licence.licence_id,
        "licence_type": licence.licence_type,
        "licence_source": str(licence.source),
        "licence_verified_by": str(licence.verified_by),
        "licence_qr_text": licence.qr_text,
        "licence_issuer_key": issuer_key,
    }


def _override_finding(reason: str) -> Finding:
    return Finding(
        Rule.ID_OVERRIDE, Verdict.NOTE, f"统一社会信用代码校验未通过，窗口人员核实后继续：{reason}"
    )


def case_snapshot(case: Case) -> dict[str, object]:
    """The whole case as data: the payload of its outbox event, made by its view (`CaseView.snapshot`),
    the same keys and values `clerk` prints for it, and its time limits as decided (`TIME_LIMITS`: what a
    PC of the hall that fetches the case needs to follow them)."""
    snapshot: dict[str, object] = case_view(case, certificate=None, clerk_names={}).snapshot()
    snapshot["time_limits"] = {
        "department": case.department,
        "accepted_on": case.accepted_on.isoformat() if case.accepted_on else None,
        "legal_limit": {"days": case.legal_limit_days, "unit": case.legal_limit_unit},
        "promised_limit": {"days": case.promised_limit_days, "unit": case.promised_limit_unit},
        "legal_due": case.legal_due.isoformat() if case.legal_due else None,
        "legal_due_uncertain": bool(case.legal_due_uncertain),
        "tolerated": (case.tolerated_outstanding or "").split(),
        "approve_before_supplied": bool(case.approve_before_supplied),
    }
    if case.prepared_by:  # a case prepared by a helper (issue 15); absent otherwise, as from older windows
        snapshot["prepared_by"] = dict(case.prepared_by)
    return snapshot
