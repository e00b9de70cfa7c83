"""A case as the window, the `clerk` command line and the documents read it: frozen views built from the
stored rows in one place (`case_view`, `hall_case_view`), and the JSON `clerk` prints made from them in one
place (`to_json`).

The JSON keeps every key and value the command line printed before views came (scripts read it), plus
`"format": VIEW_FORMAT`, raised when a key changes meaning or goes. A case's JSON is its `snapshot` (the
payload of its `case.decided` event, `app.acceptance.case_snapshot`, which the wire's schema checks) with
its certificate and the format added: the two cannot drift apart, and a change to the snapshot is a change
to the wire.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from app.cases.status import CaseAction, CaseStatus, allowed_actions, status_label, status_of
from app.completeness import OUTCOME_LABEL, Outcome, Verdict
from app.helpers.prepared_by import PreparedBy
from app.licences import licence_fields_of
from app.lifecycle.views import LifecycleView, life_view
from db.models import Case, CaseMaterial, Certificate, HallCase

# The version of the JSON made by the views' `to_json` (the `format` field).
VIEW_FORMAT = 1

# Stored before 证件类型 came, an agent's document was a resident ID.
EARLIER_AGENT_ID_TYPE = "resident_id"


@dataclass(frozen=True)
class _PlainView:
    """A part of a case whose JSON is its fields as they stand: text, numbers and None."""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ApplicantView(_PlainView):
    kind: str  # person / organization
    name: str
    id_type: str
    id_number: str  # empty for a 不予受理 recorded with the name alone
    phone: str
    id_override_reason: str | None  # a failed credit-code check the clerk overrode, and why


@dataclass(frozen=True)
class AgentView(_PlainView):
    name: str
    id_type: str
    id_number: str
    phone: str


@dataclass(frozen=True)
class MaterialView(_PlainView):
    """One material entry handed over at the counter."""

    material: str  # the catalog's material code
    name: str
    form: str
    copies: int
    pages: int
    defect: str | None
    visit: int = 0  # 0: handed over at the decision; 1, 2 …: brought on that return (补正, 容缺补交)
    # Satisfied by an electronic licence (form "licence"): the evidence as the wire carries it
    # (app.licence_library.evidence.LicenceEvidence.to_json); None for paper.
    licence: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """As the wire has always carried it (the visit is the lifecycle's, in its events); a licence only
        where there is one, so paper entries stay as older windows sent them."""
        data = asdict(self)
        del data["visit"]
        if data["licence"] is None:
            del data["licence"]
        return data


@dataclass(frozen=True)
class FindingView(_PlainView):
    """One finding of the completeness check: the rule, what it means for the decision, the material."""

    rule: str
    outcome: str  # a `Verdict`
    material: str | None  # the material's code
    message: str


@dataclass(frozen=True)
class CertificateView:
    certificate_id: str
    type_name: str
    holder_name: str
    holder_id_masked: str
    issuer_name: str
    issuer_code: str
    content: str
    issued_on: date
    valid_until: date | None  # None: 长期
    key_id: str
    qr_text: str
    approver_login: str
    handed_over_at: datetime | None  # aware UTC; None until handed over
    recipient_name: str | None
    recipient_id_number: str | None
    handover_clerk_name: str | None
    # Since issue 11 (None / empty in certificates stored before): the licence template printed
    # (app.licences), the approver's entries and the licence's own number in print order, and who collected.
    licence_type: str | None = None
    fields: tuple[tuple[str, str], ...] = ()
    recipient_id_type: str | None = None
    recipient_capacity: str | None = None  # app.pickup.Capacity
    recipient_authorization: str | None = None
    mailing: dict[str, Any] | None = None  # mailed instead of collected (app.lifecycle.delivery)

    @property
    def handed_over(self) -> bool:
        return self.handed_over_at is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "certificate_id": self.certificate_id,
            "type_name": self.type_name,
            "holder_name": self.holder_name,
            "holder_id_masked": self.holder_id_masked,
            "issuer_name": self.issuer_name,
            "issuer_code": self.issuer_code,
            "content": self.content,
            "issued_on": self.issued_on.isoformat(),
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "key_id": self.key_id,
            "qr_text": self.qr_text,
            "approver_login": self.approver_login,
            # As `clerk` has printed it since certificates came: Python's text of an aware time.
            "handed_over_at": str(self.handed_over_at) if self.handed_over_at else None,
            "recipient_name": self.recipient_name,
            "recipient_id_number": self.recipient_id_number,
            "handover_clerk_name": self.handover_clerk_name,
            "licence_type": self.licence_type,
            "fields": dict(self.fields),
            "recipient_id_type": self.recipient_id_type,
            "recipient_capacity": self.recipient_capacity,
            "recipient_authorization": self.recipient_authorization,
            "mailing": self.mailing,
        }


@dataclass(frozen=True)
class CaseView:
    """A case held at this window, with its certificate once issued."""

    number: str
    item_code: str
    item_name: str
    catalog_version: str
    checklist_sha256: str
    applicant: ApplicantView
    agent: AgentView | None
    decision: Outcome | str  # a text this version does not know stays text
    status: CaseStatus | str
    referral_office: str | None  # where a 不予受理 sends the applicant
    received_on: date
    promised_date: date | None
    promised_date_uncertain: bool
    supplement_deadline: date | None
    hall_code: str
    window_code: str
    clerk_login: str
    clerk_name: str
    created_at: datetime  # aware UTC
    materials: tuple[MaterialView, ...]
    findings: tuple[FindingView, ...]
    certificate: CertificateView | None
    life: LifecycleView = field(default_factory=LifecycleView)  # after the decision (app.lifecycle)
    bundle_number: str | None = None  # the 一件事 bundle it was decided in (app.bundles)
    prepared_by: PreparedBy | None = (
        None  # the helper whose draft was taken in, and any 代办委托书 (issue 15)
    )

    # What the status table's guards read (app.cases.status.CaseFacts).
    @property
    def tolerated_outstanding(self) -> tuple[str, ...]:
        return self.life.tolerated_outstanding

    @property
    def approve_before_supplied(self) -> bool:
        return self.life.approve_before_supplied

    @property
    def extended(self) -> bool:
        return self.life.extended

    @property
    def outcome(self) -> Outcome | None:
        return self.decision if isinstance(self.decision, Outcome) else None

    @property
    def decision_label(self) -> str:
        return OUTCOME_LABEL[self.decision] if isinstance(self.decision, Outcome) else self.decision

    @property
    def status_label(self) -> str:
        return status_label(self.status)

    @property
    def allowed_actions(self) -> tuple[CaseAction, ...]:
        """What may be done to the case now (the status table's answer, its guards read on the case)."""
        return allowed_actions(self.status, self)

    def findings_with(self, verdict: Verdict) -> tuple[FindingView, ...]:
        return tuple(f for f in self.findings if f.outcome == verdict)

    def materials_with(self, verdict: Verdict) -> list[str]:
        """The codes of the materials found `verdict` (missing, defective, tolerated …), in finding order."""
        return [f.material for f in self.findings_with(verdict) if f.material is not None]

    def snapshot(self) -> dict[str, Any]:
        """The case as data, without its certificate: the payload of its `case.decided` event
        (`app.acceptance.case_snapshot`), byte for byte as the wire has always carried it."""
        return {
            "number": self.number,
            "item_code": self.item_code,
            "item_name": self.item_name,
            "catalog_version": self.catalog_version,
            "checklist_sha256": self.checklist_sha256,
            "applicant": self.applicant.to_json(),
            "agent": None if self.agent is None else self.agent.to_json(),
            "decision": str(self.decision),
            "status": str(self.status),
            "referral_office": self.referral_office,
            "received_on": self.received_on.isoformat(),
            "promised_date": self.promised_date.isoformat() if self.promised_date else None,
            "promised_date_uncertain": self.promised_date_uncertain,
            "supplement_deadline": self.supplement_deadline.isoformat() if self.supplement_deadline else None,
            "hall_code": self.hall_code,
            "window_code": self.window_code,
            "clerk_login": self.clerk_login,
            "clerk_name": self.clerk_name,
            "created_at": _utc_text(self.created_at),
            "materials": [m.to_json() for m in self.materials],
            "findings": [f.to_json() for f in self.findings],
            # Only in a case decided in a 一件事 bundle: a case decided alone keeps the payload it always had.
            **({"bundle_number": self.bundle_number} if self.bundle_number else {}),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            **self.snapshot(),
            "certificate": None if self.certificate is None else self.certificate.to_json(),
            "lifecycle": self.life.to_json(),
            "format": VIEW_FORMAT,
        }


@dataclass(frozen=True)
class HallCaseView:
    """A case of another window of the hall, as sync last reported it: enough to answer an applicant who
    asks here. The case itself, its materials and documents stay at its window."""

    number: str
    window_code: str
    status: CaseStatus | str
    decision: Outcome | str | None
    item_code: str | None
    received_on: date | None
    updated_at: datetime  # aware UTC: the server's time of the change that said so

    @property
    def status_label(self) -> str:
        return status_label(self.status)

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "window_code": self.window_code,
            "status": str(self.status),
            "status_label": self.status_label,
            "decision": None if self.decision is None else str(self.decision),
            "item_code": self.item_code,
            "received_on": self.received_on.isoformat() if self.received_on else None,
            "updated_at": _utc_text(self.updated_at),
            "elsewhere": True,
            "format": VIEW_FORMAT,
        }


# -- from rows ------------------------------------------------------------------------------------------
def case_view(row: Case, *, certificate: Certificate | None, clerk_names: Mapping[str, str]) -> CaseView:
    """The view of a stored case (its materials and findings loaded) and its certificate row, if any.
    `clerk_names`: login → name, for the person who handed the certificate over."""
    agent = None
    if row.agent_name is not None:
        agent = AgentView(
            name=row.agent_name,
            id_type=row.agent_id_type or EARLIER_AGENT_ID_TYPE,
            id_number=row.agent_id_number or "",
            phone=row.agent_phone or "",
        )
    return CaseView(
        number=row.number,
        item_code=row.item_code,
        item_name=row.item_name,
        catalog_version=row.catalog_version,
        checklist_sha256=row.checklist_sha256,
        applicant=ApplicantView(
            kind=row.applicant_kind,
            name=row.applicant_name,
            id_type=row.applicant_id_type,
            id_number=row.applicant_id_number,
            phone=row.applicant_phone,
            id_override_reason=row.applicant_id_override,
        ),
        agent=agent,
        decision=_outcome_of(row.decision) or row.decision,
        status=status_of(row.status) or row.status,
        referral_office=row.referral_office,
        received_on=row.received_on,
        promised_date=row.promised_date,
        promised_date_uncertain=bool(row.promised_date_uncertain),
        supplement_deadline=row.supplement_deadline,
        hall_code=row.hall_code,
        window_code=row.window_code,
        clerk_login=row.clerk_login,
        clerk_name=row.clerk_name,
        created_at=_aware(row.created_at),
        prepared_by=PreparedBy.from_json(row.prepared_by),
        materials=tuple(
            MaterialView(
                material=m.material_code,
                name=m.material_name,
                form=m.form,
                copies=m.copies,
                pages=m.pages,
                defect=m.defect,
                visit=m.visit or 0,
                licence=_licence_evidence(m),
            )
            for m in row.materials
        ),
        findings=tuple(
            FindingView(rule=f.rule, outcome=f.outcome, material=f.material_code, message=f.message)
            for f in row.findings
        ),
        certificate=None if certificate is None else certificate_view(certificate, clerk_names=clerk_names),
        life=life_view(row),
        bundle_number=row.bundle_number,
    )


def _licence_evidence(row: CaseMaterial) -> dict[str, Any] | None:
    """A material row's licence evidence as the wire carries it (app.licence_library.evidence)."""
    if row.licence_id is None:
        return None
    data: dict[str, Any] = {
        "licence_id": row.licence_id,
        "licence_type": row.licence_type or "",
        "source": row.licence_source or "",
        "verified_by": row.licence_verified_by or "",
        "qr_text": row.licence_qr_text or "",
    }
    if row.licence_issuer_key is not None:
        data["issuer_key"] = row.licence_issuer_key
    return data


def certificate_view(row: Certificate, *, clerk_names: Mapping[str, str]) -> CertificateView:
    handover_login = row.handover_clerk_login
    return CertificateView(
        certificate_id=row.certificate_id,
        type_name=row.type_name,
        holder_name=row.holder_name,
        holder_id_masked=row.holder_id_masked,
        issuer_name=row.issuer_name,
        issuer_code=row.issuer_code,
        content=row.content,
        issued_on=row.issued_on,
        valid_until=row.valid_until,
        key_id=row.key_id,
        qr_text=row.qr_text,
        approver_login=row.approver_login,
        handed_over_at=_aware(row.handed_over_at) if row.handed_over_at else None,
        recipient_name=row.recipient_name,
        recipient_id_number=row.recipient_id_number,
        handover_clerk_name=clerk_names.get(handover_login, handover_login) if handover_login else None,
        licence_type=row.licence_type,
        fields=licence_fields_of(row.licence_fields),
        recipient_id_type=row.recipient_id_type,
        recipient_capacity=row.recipient_capacity,
        recipient_authorization=row.recipient_authorization,
        mailing=row.mailing,
    )


def hall_case_view(row: HallCase) -> HallCaseView:
    return HallCaseView(
        number=row.number,
        window_code=row.window_code,
        status=status_of(row.status) or row.status,
        decision=None if row.decision is None else (_outcome_of(row.decision) or row.decision),
        item_code=row.item_code,
        received_on=row.received_on,
        updated_at=_aware(row.updated_at),
    )


def _outcome_of(text: str) -> Outcome | None:
    try:
        return Outcome(text)
    except ValueError:
        return None


def _aware(stored: datetime) -> datetime:
    """A stored time (naive UTC in the window's database) as aware UTC."""
    return stored.replace(tzinfo=UTC) if stored.tzinfo is None else stored.astimezone(UTC)


def _utc_text(moment: datetime) -> str:
    """A UTC time as stored times have always been written out: ISO 8601 without offset, then `Z`."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"
