"""Approving an accepted case, issuing its certificate (一证一码) and handing it over (出件).

The issuing office's Ed25519 key signs the certificate's QR payload: each window PC has a key of its own
for each office (its id names the window), made and kept by app.signing_keys: the private half in the OS
keyring, the public half in the database; it travels with the `certificate.issued` event
(app.sync.events.CertificateIssued) and is exported for offline verifiers. Only the window holding a case
may approve or hand it over (app.sync.authority); what a case's status allows is the table of
app.cases.status.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, raiseload

from app.acceptance import Counter as CounterContext
from app.case_number import parse_case_number
from app.cases.status import (
    ACTION_LABEL,
    TRANSITIONS,
    CaseAction,
    CaseStatus,
    Transition,
    TransitionError,
    allowed_actions,
    status_label,
    transition,
)
from app.catalog import ServiceItem
from app.catalog_store import CatalogRepository
from app.clock import Clock, hall_time_text
from app.identifiers import mask_resident_id
from app.identity_documents import IdKind
from app.licences import (
    ApprovalForm,
    CaseFacts,
    LicenceError,
    LicenceTemplate,
    NumberContext,
    approval_form,
    checked_entries,
    number_label,
    template_for,
    valid_until_of,
)
from app.lifecycle.events import CaseChange
from app.lifecycle.service import RowFacts, acting_role
from app.pickup import Capacity, Holder, Person, PickupError, check_recipient, default_capacity
from app.seal import (
    CertificateClaims,
    KeyDirectory,
    OfficeKey,
    PublicKeyEntry,
    RevocationNote,
    Verification,
    VerificationStatus,
    certificate_identifier,
    sign_certificate,
    stored_entry,
    verify_payload,
)
from app.secrets import SecretStore, SecretStoreError
from app.settings import Settings
from app.signing_keys import SigningKeys
from app.signing_keys import key_row as key_row  # the key directory's row, for sync
from app.sync.authority import hall_refusal, refusal
from app.sync.events import CertificateHandedOver, CertificateIssued, EventPayload
from app.sync.outbox import UnsendableEvent, record_event
from app.sync.wire import EventKind
from db.models import Case, Certificate, CertificateRevocation
from db.models import Counter as SerialCounter
from db.models import OfficeKey as OfficeKeyRow
from db.store import Store, StoreError

log = logging.getLogger("clerk.certificates")

# A genuine seal: what a revocation recorded here turns into REVOKED (a forged one stays forged).
_GENUINE = (VerificationStatus.VALID, VerificationStatus.EXPIRED)


class CertificateError(Exception):
    """The case cannot be approved or handed over as asked; the message says why."""


@dataclass(frozen=True)
class Approval:
    certificate_id: str
    qr_text: str


@dataclass(frozen=True)
class HandoverForm:
    """What the hand-over form starts with: the capacity the case suggests."""

    capacity: Capacity


class CertificateService:
    def __init__(
        self,
        *,
        store: Store,
        catalog: CatalogRepository,
        clock: Clock,
        settings: Settings,
        secrets: SecretStore,
    ) -> None:
        self._store, self._catalog, self._clock = store, catalog, clock
        self._settings, self._secrets = settings, secrets
        self._keys = SigningKeys(store=store, secrets=secrets, clock=clock)

    # -- keys ------------------------------------------------------------------------------------
    def office_key(self, *, office_code: str, office_name: str, window_code: str | None = None) -> OfficeKey:
        """This PC's signing key for an office at this window, made on first use."""
        return self._signing_key(office_code, office_name, window_code)[0]

    def _signing_key(
        self, office_code: str, office_name: str, window_code: str | None
    ) -> tuple[OfficeKey, PublicKeyEntry]:
        """The key and its public entry as the key directory holds it (what the certificate event carries)."""
        window = window_code or str(self._settings.get("window_code"))
        return self._keys.current(office_code=office_code, office_name=office_name, window_code=window)

    def repair_signing_keys(self) -> list[str]:
        """Finish what a failure left half-done in making this window's signing keys (app.signing_keys);
        the workspace calls it when it opens. The ids of the keys whose directory row was written again.

        A keyring or database that cannot be used now is logged and left: the same repair runs when a key
        is next needed, where the clerk hears of what fails."""
        window = str(self._settings.get("window_code"))
        if not window:
            return []
        try:
            return self._keys.repair(window_code=window)
        except SecretStoreError as error:  # a PC without a keyring holds no key to repair; approval says so
            log.info("signing keys of window %s not checked at start: %s", window, error)
        except StoreError as error:
            log.warning("signing keys of window %s not checked at start: %s", window, error)
        except Exception:  # opening the data folder never fails for this: approval repairs it too
            log.exception("signing keys of window %s not checked at start", window)
        return []

    def key_directory(self) -> KeyDirectory:
        directory = KeyDirectory()
        with self._store.read() as session:
            for row in session.scalars(select(OfficeKeyRow)).all():
                directory.add(stored_entry(row))
        return directory

    def verify(self, text: str, *, extra: KeyDirectory | None = None) -> Verification:
        """The seal checked offline (`extra`: keys besides the directory's), and a genuine certificate this
        window has a revocation of reported REVOKED, with its day, reason and basis."""
        directory = self.key_directory()
        if extra is not None:
            for key_id in extra.key_ids():
                entry = extra.get(key_id)
                if entry is not None and directory.get(key_id) is None:
                    directory.add(entry)
        result = verify_payload(text, keys=directory, today=self._clock.today())
        if result.claims is None or result.status not in _GENUINE:
            return result
        with self._store.read() as session:
            revoked = session.get(CertificateRevocation, result.claims.certificate_id)
        if revoked is None:
            return result
        note = RevocationNote(revoked_on=revoked.revoked_on, reason=revoked.reason, basis=revoked.basis)
        return replace(
            result,
            status=VerificationStatus.REVOKED,
            message=f"证照 {result.claims.certificate_id} 印章真实，但{note.sentence()}",
            revocation=note,
        )

    # -- approve and issue -----------------------------------------------------------------------
    def approve(
        self,
        number: str,
        *,
        approver: CounterContext,
        content: str | None = None,
        valid_until: date | None = None,
        fields: Mapping[str, str] | None = None,
    ) -> Approval:
        """Approve an accepted case and issue its certificate, in one transaction with its event.

        The validity comes from the item's catalog entry (`valid_until` only where it says the approver
        enters it); `fields`: the approver's entries of the licence's template by their Chinese labels
        (app.licences), over what the case prefills."""
        today = self._clock.today()
        item, case_row = self._approvable(number, approver=approver, today=today)
        template = template_for(item.result)
        try:
            until = valid_until_of(item, valid_until, today)
            entries = checked_entries(template, fields or {}, _facts(case_row, item))
        except LicenceError as error:
            raise CertificateError(str(error)) from None
        key, key_entry = self._signing_key(item.body_code, item.body_name, approver.window_code)
        now = self._clock.now()
        with self._store.write() as session:
            case = session.scalars(select(Case).where(Case.number == number)).one()
            approval = _still_approvable(case)
            certificate_id = _next_certificate_id(session, issuer_code=item.body_code, year=today.year)
            licence_fields = (
                *entries.items(),
                *self._licence_number(session, template, item, entries, today),
            )
            issued = self._seal(
                case,
                item,
                certificate_id=certificate_id,
                key=key,
                key_entry=key_entry,
                content=content,
                issued_on=today,
                valid_until=until,
                approver=approver,
                template=template,
                licence_fields=licence_fields,
            )
            issued = replace(issued, change=_change(case, approval, approver))
            session.add(Certificate(case_number=number, **issued.columns()))
            case.status = approval.target
            case.step = (case.step or 0) + 1
            _record(session, issued, number=number, by=approver, now=now)
        log.info("case %s approved, certificate %s", number, issued.certificate_id)
        return Approval(issued.certificate_id, issued.qr_text)

    def _approvable(self, number: str, *, approver: CounterContext, today: date) -> tuple[ServiceItem, Case]:
        """The case's item and the case, once the case is here, held by this window and its status allows
        approval."""
        with self._store.read() as session:
            case = session.scalars(select(Case).where(Case.number == number)).first()
        if case is None:
            raise CertificateError(f"本窗口数据库中没有办件 {number}")
        _check_authority(EventKind.CERTIFICATE_ISSUED, number, approver, case_hall=case.hall_code)
        _check_status(case.status, CaseAction.APPROVE, number)
        _still_approvable(case)  # its guards: no tolerated material outstanding
        return self._item_of(case), case

    def _item_of(self, case: Case) -> ServiceItem:
        item = self._catalog.item_at(case.item_code, case.catalog_version)
        if item is None:
            raise CertificateError(f"找不到事项 {case.item_code}（目录版本 {case.catalog_version}）")
        return item

    def approval_form(self, number: str) -> ApprovalForm:
        """What approving case `number` asks of the approver (the window's approval inputs)."""
        with self._store.read() as session:
            case = session.scalars(_columns_only(number)).first()
        if case is None:
            raise CertificateError(f"本窗口数据库中没有办件 {number}")
        item = self._item_of(case)
        return approval_form(item, _facts(case, item))

    def handover_form(self, number: str) -> HandoverForm:
        with self._store.read() as session:
            case = session.scalars(_columns_only(number)).first()
        if case is None:
            raise CertificateError(f"本窗口数据库中没有办件 {number}")
        return HandoverForm(default_capacity(_holder(case)))

    def _licence_number(
        self,
        session: Session,
        template: LicenceTemplate,
        item: ServiceItem,
        entries: Mapping[str, str],
        today: date,
    ) -> tuple[tuple[str, str], ...]:
        """The licence's own number (label, number) by its template's rule, from the serial of its issuer,
        type and year; none when the template has no number of its own."""
        label = number_label(template)
        if label is None or template.number is None:
            return ()
        serial = _next_serial(session, f"licence:{template.key}:{item.body_code}:{today.year}")
        division = _division(item)
        region = self._catalog.region_name or item.body_name
        context = NumberContext(
            division=division, region_name=region, issued_on=today, serial=serial, entries=entries
        )
        return ((label, template.number(context)),)

    def _seal(
        self,
        case: Case,
        item: ServiceItem,
        *,
        certificate_id: str,
        key: OfficeKey,
        key_entry: PublicKeyEntry,
        content: str | None,
        issued_on: date,
        valid_until: date | None,
        approver: CounterContext,
        template: LicenceTemplate,
        licence_fields: tuple[tuple[str, str], ...],
    ) -> CertificateIssued:
        """The certificate of `case`, its claims sealed with `key` into the QR."""
        claims = CertificateClaims(
            certificate_id=certificate_id,
            type_name=str((item.raw.get("result") or {}).get("name") or item.name),
            holder_name=case.applicant_name,
            holder_id_masked=mask_resident_id(case.applicant_id_number),  # never a whole id in the QR
            issuer_name=item.body_name,
            issuer_code=item.body_code,
            issued_on=issued_on,
            valid_until=valid_until,
            case_number=case.number,
        )
        base = str(self._settings.get("verify_base")).rstrip("/")
        return CertificateIssued.sealed(
            claims,
            type_code=_type_code(item.body_code),
            content=(content or f"准予{case.item_name}").strip(),
            key=key_entry,
            qr_text=sign_certificate(claims, key=key, verify_base=f"{base}/V/"),
            approver_login=approver.clerk_login,
            licence_type=template.key,
            licence_fields=licence_fields,
        )

    # -- hand over -------------------------------------------------------------------------------
    def hand_over(
        self,
        number: str,
        *,
        clerk: CounterContext,
        recipient_name: str,
        recipient_id_number: str,
        recipient_id_type: IdKind | str | None = None,
        capacity: Capacity | str | None = None,
        authorization: str | None = None,
    ) -> None:
        """Record that the certificate was handed to the recipient (出件) and in what capacity they
        collected it (app.pickup): 本人, 法定代表人, or 受托人 with the authorisation recorded. With no
        capacity said, the applicant (a person) or the case's agent is recognised by their 证件; anyone
        else is refused until the capacity is said. `recipient_id_type`: a 证件类型 code (居民身份证 by
        default)."""
        _check_authority(EventKind.CERTIFICATE_HANDED_OVER, number, clerk)
        with self._store.read() as session:
            _, case_row, _ = _ready_to_hand_over(session, number)
            holder = _holder(case_row)
        try:
            recipient = check_recipient(
                holder,
                capacity=capacity,
                name=recipient_name,
                id_type=recipient_id_type,
                id_number=recipient_id_number,
                authorization=authorization,
                today=self._clock.today(),
            )
        except PickupError as error:
            raise CertificateError(str(error)) from None
        now = self._clock.now()
        with self._store.write() as session:
            certificate, case, handing = _ready_to_hand_over(session, number)
            certificate.handed_over_at = now.replace(tzinfo=None)
            certificate.recipient_name = recipient.name
            certificate.recipient_id_number = recipient.id_number
            certificate.recipient_id_type = str(recipient.id_type)
            certificate.recipient_capacity = str(recipient.capacity)
            certificate.recipient_authorization = recipient.authorization
            certificate.handover_clerk_login = clerk.clerk_login
            change = _change(case, handing, clerk)
            case.status = handing.target
            case.ended_on = now.date()
            handed = CertificateHandedOver(
                change=change,
                certificate_id=certificate.certificate_id,
                recipient_name=recipient.name,
                recipient_id_number=recipient.id_number,
                recipient_id_type=recipient.id_type,
                capacity=recipient.capacity,
                authorization=recipient.authorization,
            )
            case.step = (case.step or 0) + 1
            _record(session, handed, number=number, by=clerk, now=now)


def _change(case: Case, row: Transition, by: CounterContext) -> CaseChange:
    """The step an approval or a hand-over makes (app.cases.status): the case's next, in the role acting."""
    return CaseChange(
        KIND=row.event,
        step=(case.step or 0) + 1,
        source=CaseStatus(case.status),
        target=row.target,
        role=acting_role(by, row.permission),
        details={},
    )


def _type_code(issuer_code: str) -> str:
    return f"{issuer_code}001"


def _columns_only(number: str) -> Select[Case]:
    """Case `number` without its lists (visits, suspensions, corrections are loaded with every case
    otherwise): a form asks only the case's own columns, read each time a case is opened."""
    return select(Case).where(Case.number == number).options(raiseload("*"))


def _facts(case: Case, item: ServiceItem) -> CaseFacts:
    return CaseFacts(holder=case.applicant_name, applicant_kind=case.applicant_kind, issuer=item.body_name)


def _holder(case: Case) -> Holder:
    agent = None
    if case.agent_name is not None:
        agent = Person(case.agent_name, case.agent_id_type or IdKind.RESIDENT_ID, case.agent_id_number or "")
    applicant = Person(case.applicant_name, case.applicant_id_type, case.applicant_id_number)
    return Holder(kind=case.applicant_kind, applicant=applicant, agent=agent)


def _division(item: ServiceItem) -> str:
    """The 6-digit division of the item's region (the second part of its 实施编码)."""
    parts = item.code.split("-")
    division = parts[1][:6] if len(parts) > 1 else ""
    return division if len(division) == 6 and division.isdigit() else "000000"


def _next_serial(session: Session, name: str) -> int:
    serial = session.get(SerialCounter, name)
    if serial is None:
        serial = SerialCounter(name=name, last=0)
        session.add(serial)
    serial.last += 1
    return serial.last


def _next_certificate_id(session: Session, *, issuer_code: str, year: int) -> str:
    """The next certificate identifier (GB/T 36904) of the issuing office this year."""
    last = _next_serial(session, f"cert:{issuer_code}:{year}")
    return certificate_identifier(
        type_code=_type_code(issuer_code), issuer_code=issuer_code, serial=f"{year}{last:07d}"
    )


def _still_approvable(case: Case) -> Transition:
    """The table's row for approving `case`, checked again in the transaction that approves it."""
    try:
        return transition(case.status, CaseAction.APPROVE, facts=RowFacts(case), number=case.number)
    except TransitionError as error:  # decided elsewhere meanwhile, or a tolerated material outstanding
        if error.status is not None and CaseAction.APPROVE in allowed_actions(error.status):
            raise CertificateError(str(error)) from None
        shown = status_label(case.status)
        raise CertificateError(f"办件 {case.number} 当前状态为「{shown}」，不能重复发证") from None


def _ready_to_hand_over(session: Session, number: str) -> tuple[Certificate, Case, Transition]:
    """The case's certificate, the case, and the table's row for handing it over; CertificateError when
    there is nothing to hand over."""
    certificate = session.scalars(select(Certificate).where(Certificate.case_number == number)).first()
    if certificate is None:
        raise CertificateError(f"办件 {number} 尚未发证，不能交付")
    if certificate.handed_over_at is not None:
        raise CertificateError(f"办件 {number} 的证照已于 {hall_time_text(certificate.handed_over_at)} 交付")
    case = session.scalars(select(Case).where(Case.number == number)).one()
    return certificate, case, _check_status(case.status, CaseAction.HAND_OVER, number)


def _check_status(status: str, action: CaseAction, number: str) -> Transition:
    """The table's row for `action` on case `number` in `status`; CertificateError when the table has none."""
    try:
        return transition(status, action)
    except TransitionError:
        allowed = "、".join(status_label(t.source) for t in TRANSITIONS if t.action == action and t.source)
        shown = status_label(status)
        raise CertificateError(
            f"办件 {number} 当前状态为「{shown}」，只有{allowed}的办件可以{ACTION_LABEL[action]}"
        ) from None


def _record(session: Session, event: EventPayload, *, number: str, by: CounterContext, now: datetime) -> None:
    try:
        record_event(session=session, event=event, case_number=number, by=by, now=now)
    except UnsendableEvent as error:
        raise CertificateError(f"未保存：记录不符合上传格式（{error}），请修改后重试") from None


def _check_authority(
    kind: EventKind, number: str, who: CounterContext, *, case_hall: str | None = None
) -> None:
    """The window refuses first what the server would refuse (app.sync.authority): a kind its window may
    not record, a case of another hall."""
    refused = refusal(
        kind=kind,
        case_number=number,
        case_window=parse_case_number(number).window_code,
        recorder_window=who.window_code,
    )
    if refused is None and case_hall is not None:
        refused = hall_refusal(case_number=number, case_hall=case_hall, recorder_hall=who.hall.code)
    if refused is not None:
        raise CertificateError(refused.message)
