"""An event that changes a case, applied to this PC's rows of the case: the one place the lifecycle's rows
are written, for an action taken here (in the same transaction as its event) and for one taken at another
PC of the hall (a pulled change, or a fetched record replayed).

Applying needs nothing but the case's rows and the event: the recorder computed what depends on the
calendar (the due days) and put it in the payload, so every PC holding the case ends with the same rows.
`applies(case, kind, payload)` says whether an event follows the case as this PC holds it (its step the
next, the status it saw the case's): one that does not is never applied half — the caller fetches the
whole record again instead (app.sync).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cases.status import fits
from app.sync.wire import EventKind
from db.models import (
    Case,
    CaseCorrection,
    CaseFinding,
    CaseMaterial,
    CaseSuspension,
    CaseVisit,
    Certificate,
    CertificateRevocation,
)

Payload = Mapping[str, Any]


class Recorded:
    """Who recorded an event, and when (the envelope of the event applied)."""

    def __init__(self, *, event_id: str, clerk_login: str, window_code: str, at: datetime) -> None:
        self.event_id, self.clerk_login, self.window_code, self.at = event_id, clerk_login, window_code, at


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else None


def applies(case: Case, kind: str, payload: Payload) -> bool:
    """Whether the event follows the case as held here: the next step, from the status it has."""
    step, source, target = payload.get("step"), payload.get("from_status"), payload.get("to_status")
    return (
        isinstance(step, int)
        and step == (case.step or 0) + 1
        and isinstance(source, str)
        and isinstance(target, str)
        and fits(case.status, kind, source, target)
    )


def apply_change(session: Session, case: Case, kind: str, payload: Payload, by: Recorded) -> None:
    """Apply an event that `applies` to the case's rows (the caller checked it)."""
    case.step = int(payload["step"])
    case.status = str(payload["to_status"])
    APPLY.get(kind, _status_only)(session, case, payload, by)


def _status_only(session: Session, case: Case, payload: Payload, by: Recorded) -> None:
    """Review started, a certificate issued (its row comes with it: app.certificates, app.sync)."""


def _dues(case: Case, payload: Payload) -> None:
    if "legal_due" in payload:
        case.legal_due = _day(payload["legal_due"])
        case.legal_due_uncertain = bool(payload.get("legal_due_uncertain"))
    if "promised_date" in payload:
        case.promised_date = _day(payload["promised_date"])
        case.promised_date_uncertain = bool(payload.get("promised_date_uncertain"))


def _materials(case: Case, visit: int, materials: list[dict[str, Any]]) -> None:
    position = len(case.materials)
    for index, m in enumerate(materials):
        case.materials.append(
            CaseMaterial(
                position=position + index,
                material_code=m["material"],
                material_name=m["name"],
                form=m["form"],
                copies=m["copies"],
                pages=m["pages"],
                defect=m["defect"],
                visit=visit,
            )
        )


def _findings(case: Case, findings: list[dict[str, Any]], *, replacing: set[str] | None = None) -> None:
    """The case's findings become `findings` (all of them, or those of the materials in `replacing`)."""
    kept = [] if replacing is None else [f for f in case.findings if f.material_code not in replacing]
    names = {m.material_code: m.material_name for m in case.materials}
    rows = [(f.rule, f.outcome, f.material_code, f.material_name, f.message) for f in kept] + [
        (f["rule"], f["outcome"], f["material"], names.get(f["material"] or ""), f["message"])
        for f in findings
    ]
    case.findings.clear()
    for position, (rule, outcome, code, name, message) in enumerate(rows):
        case.findings.append(
            CaseFinding(
                position=position,
                rule=rule,
                outcome=outcome,
                material_code=code,
                material_name=name,
                message=message,
            )
        )


def _visit(case: Case, kind: str, payload: Payload, by: Recorded, *, outcome: str) -> None:
    case.visits.append(
        CaseVisit(
            visit=payload["visit"],
            kind=kind,
            day=_day(payload["day"]),
            asked=list(payload["asked"]),
            outcome=outcome,
            findings=list(payload["findings"]),
            warnings=list(payload.get("warnings", [])),
            supplement_deadline=_day(payload.get("supplement_deadline")),
            clerk_login=by.clerk_login,
            event_id=by.event_id,
        )
    )


def _supplemented(session: Session, case: Case, payload: Payload, by: Recorded) -> None:
    _materials(case, payload["visit"], payload["materials"])
    _findings(case, payload["findings"])
    _visit(case, "supplement", payload, by, outcome=payload["outcome"])
    case.supplement_deadline = _day(payload["supplement_deadline"])
    if payload["accepted_on"] is not None:  # complete: accepted that day
        case.decision = payload["outcome"]
        case.accepted_on = _day(payload["accepted_on"])
        case.tolerated_outstanding = " ".join(payload["tolerated"])
    _dues(case, payload)


def _tolerated(session: Session, case: Case, payload: Payload, by: Recorded) -> None:
    _materials(case, payload["visit"], payload["materials"])
    _findings(case, payload["findings"], replacing=set(payload["asked"]))
    _visit(case, "tolerated", payload, by, outcome="supplied" if not payload["remaining"] else "partial")
    case.tolerated_outstanding = " ".join(payload["remaining"])


def _suspended(session: Session, case: Case, payload: Payload, by: Recorded) -> None:
    case.suspended_since = _day(payload["start"])
    case.suspensions.append(
        CaseSuspension(
            kind=payload["kind"],
            reason=payload["reason"],
            start=_day(payload["start"]),
            expected_end=_day(payload["expected_end"]),
            actual_end=None,
            clerk_login=by.clerk_login,
            event_id=by.event_id,
        )
    )


def _resumed(session: Session, case: Case, payload: Payload, by: Recorded) -> None:
    for suspension in case.suspensions:
        if suspension.actual_end is None:
            suspension.actual_end = _day(payload["actual_end"])
            suspension.resume_event_id = by.event_id
    case.suspended_since = None
    _dues(case, payload)


def _extended(session: Session, case: Case, payload: Payload, by: Recorded) -> None:
    case.extension_days = payload["days"]
    case.extension = {
        "days": payload["days"],
        "reason": payload["reason"],
        "approved_by": payload["approved_by"],
        "approved_on": payload["approved_on"],
        "recorded_by": by.clerk_login,
    }
    _dues(case, payload)


def _ended(kind: str) -> Callable[[Session, Case, Payload, Recorded], None]:
    def end(session: Session, case: Case, payload: Payload, by: Recorded) -> None:
        case.ended_on = _day(payload["day"])
        case.suspended_since = None
        case.ending = {
            "kind": kind,
            "day": payload["day"],
            "reason": payload.get("reason", payload.get("reasons")),
            "basis": payload.get("basis"),
            "request_day": payload.get("request_day"),
            "recorded_by": by.clerk_login,
            "event_id": by.event_id,
        }

    return end


def _certificate(session: Session, case: Case) -> Certificate | None:
    return session.scalars(select(Certificate).where(Certificate.case_number == case.number)).first()


def _mailed(session: Session, case: Case, payload: Payload, by: Recorded) -> None:
    _ended("mailed")(session, case, payload, by)
    certificate = _certificate(session, case)
    if certificate is not None:
        certificate.mailing = {
            key: payload[key]
            for key in ("recipient", "phone", "address", "carrier", "tracking_number", "day")
        } | {"clerk_login": by.clerk_login}


def _handed_over(session: Session, case: Case, payload: Payload, by: Recorded) -> None:
    """A hand-over at another window of the hall: the certificate's row, as the recording window wrote it."""
    certificate = _certificate(session, case)
    if certificate is not None and certificate.handed_over_at is None:
        certificate.handed_over_at = by.at.replace(tzinfo=None)
        certificate.recipient_name = payload["recipient_name"]
        certificate.recipient_id_number = payload["recipient_id_number"]
        certificate.recipient_id_type = payload.get("recipient_id_type")
        certificate.recipient_capacity = payload.get("capacity")
        certificate.recipient_authorization = payload.get("authorization")
        certificate.handover_clerk_login = by.clerk_login
    case.ended_on = by.at.date()


def _revoked(session: Session, case: Case, payload: Payload, by: Recorded) -> None:
    _ended("revoked")(session, case, payload, by)
    if session.get(CertificateRevocation, payload["certificate_id"]) is None:
        session.add(
            CertificateRevocation(
                certificate_id=payload["certificate_id"],
                case_number=case.number,
                reason=payload["reason"],
                basis=payload["basis"],
                revoked_on=_day(payload["day"]),
                revoked_by=by.clerk_login,
                event_id=by.event_id,
            )
        )


def _corrected(session: Session, case: Case, payload: Payload, by: Recorded) -> None:
    for change in payload["changes"]:
        setattr(case, change["field"], change["new"])
        case.corrections.append(
            CaseCorrection(
                field=change["field"],
                old=change["old"],
                new=change["new"],
                reason=payload["reason"],
                clerk_login=by.clerk_login,
                corrected_at=by.at.replace(tzinfo=None),
                event_id=by.event_id,
            )
        )


APPLY: dict[str, Callable[[Session, Case, Payload, Recorded], None]] = {
    EventKind.CASE_SUPPLEMENTED: _supplemented,
    EventKind.TOLERATED_SUPPLIED: _tolerated,
    EventKind.REVIEW_STARTED: _status_only,
    EventKind.CASE_SUSPENDED: _suspended,
    EventKind.CASE_RESUMED: _resumed,
    EventKind.CASE_EXTENDED: _extended,
    EventKind.CASE_REFUSED: _ended("refused"),
    EventKind.CASE_WITHDRAWN: _ended("withdrawn"),
    EventKind.CASE_TERMINATED: _ended("terminated"),
    EventKind.CASE_MAILED: _mailed,
    EventKind.CERTIFICATE_ISSUED: _status_only,
    EventKind.CERTIFICATE_HANDED_OVER: _handed_over,
    EventKind.CERTIFICATE_REVOKED: _revoked,
    EventKind.CASE_CORRECTED: _corrected,
}
