"""Approving an accepted case, issuing its certificate (一证一码) and handing it over (出件).

The issuing office's Ed25519 key signs the certificate's QR payload: each window PC has a key of its own
for each office (its id names the window). The private key lives in the OS keyring; the public half is kept
in the database, travels with the `certificate.issued` event (app.sync.certificate_event) and is exported
for offline verifiers. Only the window holding a case may approve or hand it over (app.sync.authority).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select

from app.acceptance import Counter as CounterContext
from app.case_number import parse_case_number
from app.catalog_store import CatalogRepository
from app.clock import Clock, hall_time_text
from app.identifiers import check_name, check_resident_id, mask_resident_id
from app.seal import (
    CertificateClaims,
    KeyDirectory,
    OfficeKey,
    PublicKeyEntry,
    Verification,
    certificate_identifier,
    sign_certificate,
    stored_entry,
    verify_payload,
)
from app.secrets import SecretStore
from app.settings import Settings
from app.sync.authority import refusal
from app.sync.certificate_event import issued_payload, new_key_id
from app.sync.outbox import UnsendableEvent, outbox_row
from db.models import Case, CaseEvent, Certificate, Clerk
from db.models import Counter as SerialCounter
from db.models import OfficeKey as OfficeKeyRow
from db.store import Store

log = logging.getLogger("clerk.certificates")


class CertificateError(Exception):
    """The case cannot be approved or handed over as asked; the message says why."""


@dataclass(frozen=True)
class Approval:
    certificate_id: str
    qr_text: str


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

    # -- keys ------------------------------------------------------------------------------------
    def office_key(self, *, office_code: str, office_name: str, window_code: str | None = None) -> OfficeKey:
        """This PC's signing key for an office at this window, made on first use."""
        return self._signing_key(office_code, office_name, window_code)[0]

    def _signing_key(
        self, office_code: str, office_name: str, window_code: str | None
    ) -> tuple[OfficeKey, PublicKeyEntry]:
        """The key and its public entry as the key directory holds it (what the certificate event carries).

        Its id names the window (app.sync.certificate_event) and ends in a random part, so the windows of
        one office never share an id. The keyring remembers which key is current; when the private half or
        the directory row is gone (a replaced PC, a database restored from an older backup) a new key with
        a new id is made, never a second key under an id the server or other windows already know."""
        window = window_code or str(self._settings.get("window_code"))
        current = f"office-key-current:{office_code}#{window}"
        key_id = self._secrets.get(current)
        if key_id is not None:
            stored = self._secrets.get(f"office-key:{key_id}")
            entry = self._directory_entry(key_id)
            if stored is not None and entry is not None:
                key = OfficeKey.from_private_bytes(
                    bytes.fromhex(stored), key_id=key_id, office_code=office_code
                )
                if entry.public_key == key.public_bytes():
                    return key, entry
            log.warning("signing key %s of %s is incomplete here; a new one is made", key_id, office_name)
        key = OfficeKey.generate(
            key_id=new_key_id(office_code=office_code, window_code=window), office_code=office_code
        )
        self._secrets.set(f"office-key:{key.key_id}", key.private_bytes().hex())
        entry = key.public_entry(office_name=office_name, valid_from=self._clock.today(), valid_until=None)
        with self._store.write() as session:
            session.add(key_row(entry))
        self._secrets.set(current, key.key_id)  # last: a crash before leaves an unused key, never a lost one
        log.info("created signing key %s for %s at window %s", key.key_id, office_name, window)
        return key, entry

    def _directory_entry(self, key_id: str) -> PublicKeyEntry | None:
        with self._store.read() as session:
            row = session.get(OfficeKeyRow, key_id)
            return None if row is None else stored_entry(row)

    def key_directory(self) -> KeyDirectory:
        directory = KeyDirectory()
        with self._store.read() as session:
            for row in session.scalars(select(OfficeKeyRow)).all():
                directory.add(stored_entry(row))
        return directory

    def verify(self, text: str, *, extra: KeyDirectory | None = None) -> Verification:
        directory = self.key_directory()
        if extra is not None:
            for key_id in extra.key_ids():
                entry = extra.get(key_id)
                if entry is not None and directory.get(key_id) is None:
                    directory.add(entry)
        return verify_payload(text, keys=directory, today=self._clock.today())

    # -- approve and issue -----------------------------------------------------------------------
    def approve(
        self,
        number: str,
        *,
        approver: CounterContext,
        content: str | None = None,
        valid_until: date | None = None,
    ) -> Approval:
        """Approve an accepted case and issue its certificate, in one transaction with its event."""
        today = self._clock.today()
        with self._store.read() as session:
            case = session.scalars(select(Case).where(Case.number == number)).first()
        if case is None:
            raise CertificateError(f"本窗口数据库中没有办件 {number}")
        _check_authority("certificate.issued", number, approver)
        if case.status != "accepted":
            raise CertificateError(f"办件 {number} 当前状态为「{case.status}」，只有已受理的办件可以审批发证")
        if valid_until is not None and valid_until <= today:
            raise CertificateError(f"有效期至 {valid_until} 不能早于或等于发证日期 {today}")
        item = self._catalog.item_at(case.item_code, case.catalog_version)
        if item is None:
            raise CertificateError(f"找不到事项 {case.item_code}（目录版本 {case.catalog_version}）")
        result = item.raw.get("result") or {}
        type_name = str(result.get("name") or item.name)
        key, key_entry = self._signing_key(item.body_code, item.body_name, approver.window_code)
        holder_masked = mask_resident_id(case.applicant_id_number)  # the QR never carries a whole id
        now = self._clock.now()
        with self._store.write() as session:
            current = session.scalars(select(Case).where(Case.number == number)).one()
            if current.status != "accepted":  # decided elsewhere meanwhile
                raise CertificateError(f"办件 {number} 当前状态为「{current.status}」，不能重复发证")
            serial_name = f"cert:{item.body_code}:{today.year}"
            serial = session.get(SerialCounter, serial_name)
            if serial is None:
                serial = SerialCounter(name=serial_name, last=0)
                session.add(serial)
            serial.last += 1
            certificate_id = certificate_identifier(
                type_code=f"{item.body_code}001",
                issuer_code=item.body_code,
                serial=f"{today.year}{serial.last:07d}",
            )
            base = str(self._settings.get("verify_base")).rstrip("/")
            claims = CertificateClaims(
                certificate_id=certificate_id,
                type_name=type_name,
                holder_name=case.applicant_name,
                holder_id_masked=holder_masked,
                issuer_name=item.body_name,
                issuer_code=item.body_code,
                issued_on=today,
                valid_until=valid_until,
                case_number=number,
            )
            qr_text = sign_certificate(claims, key=key, verify_base=f"{base}/V/")
            session.add(
                Certificate(
                    certificate_id=certificate_id,
                    case_number=number,
                    type_name=type_name,
                    type_code=f"{item.body_code}001",
                    holder_name=case.applicant_name,
                    holder_id_masked=holder_masked,
                    issuer_name=item.body_name,
                    issuer_code=item.body_code,
                    content=(content or f"准予{case.item_name}").strip(),
                    issued_on=today,
                    valid_until=valid_until,
                    key_id=key.key_id,
                    qr_text=qr_text,
                    approver_login=approver.clerk_login,
                )
            )
            current.status = "approved"
            session.add(
                self._event(
                    number,
                    "certificate.issued",
                    approver,
                    now,
                    issued_payload(
                        claims=claims,
                        type_code=f"{item.body_code}001",
                        content=(content or f"准予{case.item_name}").strip(),
                        key=key_entry,
                        qr_text=qr_text,
                        approver_login=approver.clerk_login,
                    ),
                )
            )
        log.info("case %s approved, certificate %s", number, certificate_id)
        return Approval(certificate_id, qr_text)

    def hand_over(
        self, number: str, *, clerk: CounterContext, recipient_name: str, recipient_id_number: str
    ) -> None:
        """Record that the certificate was handed to the recipient (出件)."""
        name = check_name(recipient_name)
        person = check_resident_id(recipient_id_number, today=self._clock.today())
        problems = [
            p for p in (name.reason if not name.ok else None, person.reason if not person.ok else None) if p
        ]
        if problems:
            raise CertificateError("领取人信息有误：" + "；".join(problems))
        _check_authority("certificate.handed_over", number, clerk)
        now = self._clock.now()
        with self._store.write() as session:
            certificate = session.scalars(
                select(Certificate).where(Certificate.case_number == number)
            ).first()
            if certificate is None:
                raise CertificateError(f"办件 {number} 尚未发证，不能交付")
            if certificate.handed_over_at is not None:
                raise CertificateError(
                    f"办件 {number} 的证照已于 {hall_time_text(certificate.handed_over_at)} 交付"
                )
            certificate.handed_over_at = now.replace(tzinfo=None)
            certificate.recipient_name = name.normalized
            certificate.recipient_id_number = person.normalized
            certificate.handover_clerk_login = clerk.clerk_login
            case = session.scalars(select(Case).where(Case.number == number)).one()
            case.status = "delivered"
            session.add(
                self._event(
                    number,
                    "certificate.handed_over",
                    clerk,
                    now,
                    {
                        "certificate_id": certificate.certificate_id,
                        "recipient_name": name.normalized,
                        "recipient_id_number": person.normalized,
                    },
                )
            )

    @staticmethod
    def _event(
        number: str, kind: str, who: CounterContext, now: datetime, payload: dict[str, object]
    ) -> CaseEvent:
        try:
            return outbox_row(
                case_number=number,
                kind=kind,
                payload=dict(payload),
                clerk_login=who.clerk_login,
                window_code=who.window_code,
                now=now,
            )
        except UnsendableEvent as error:
            raise CertificateError(f"未保存：记录不符合上传格式（{error}），请修改后重试") from None


def _check_authority(kind: str, number: str, who: CounterContext) -> None:
    """The window refuses first what the server would refuse (app.sync.authority)."""
    refused = refusal(
        kind=kind,
        case_number=number,
        case_window=parse_case_number(number).window_code,
        recorder_window=who.window_code,
    )
    if refused is not None:
        raise CertificateError(refused.message)


def key_row(entry: PublicKeyEntry) -> OfficeKeyRow:
    """The window's key directory row of a key entry (its own key, or one the server vouched for)."""
    return OfficeKeyRow(
        key_id=entry.key_id,
        algorithm=entry.algorithm,
        public_key=entry.public_key.hex(),
        office_name=entry.office_name,
        office_code=entry.office_code,
        valid_from=entry.valid_from,
        valid_until=entry.valid_until,
    )


def certificate_view(row: Certificate, clerk_names: dict[str, str]) -> dict[str, object]:
    """The certificate as the documents and `case show` see it (dates as dates, times aware UTC)."""
    return {
        "certificate_id": row.certificate_id,
        "type_name": row.type_name,
        "holder_name": row.holder_name,
        "holder_id_masked": row.holder_id_masked,
        "issuer_name": row.issuer_name,
        "issuer_code": row.issuer_code,
        "content": row.content,
        "issued_on": row.issued_on,
        "valid_until": row.valid_until,
        "key_id": row.key_id,
        "qr_text": row.qr_text,
        "approver_login": row.approver_login,
        "handed_over_at": row.handed_over_at.replace(tzinfo=UTC) if row.handed_over_at else None,
        "recipient_name": row.recipient_name,
        "recipient_id_number": row.recipient_id_number,
        "handover_clerk_name": clerk_names.get(row.handover_clerk_login or "", row.handover_clerk_login),
    }


def clerk_names(store: Store) -> dict[str, str]:
    with store.read() as session:
        return {login: name for login, name in session.execute(select(Clerk.login, Clerk.name)).all()}
