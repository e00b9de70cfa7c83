"""The licence library of a window: certificates issued by this system (issued here, or pulled by sync with
the keys of the hall's windows and the hall's revocations) and third-party e-licences imported with their
issuers' keys (app.licence_library.imports).

A licence is only ever taken from its signed QR text, verified here with the keys the window holds: found
by scanning its QR (offline), or by the holder's ID in this library or on the server (lookup.py) — what the
server sends is checked here like a scanned QR (STYLE 17). Whether it satisfies a material is the table of
fitness.py; a case re-checks its evidence when it is decided (app.acceptance).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select

from app.clock import Clock
from app.identifiers import mask_resident_id
from app.licence_library.evidence import Licence, LicenceEvidence, LicenceSource, licence_type_named
from app.licence_library.fitness import Holder, Refusal, refusal
from app.licence_library.imports import read_licence_file
from app.licences import licence_fields_of, number_label, template_of
from app.seal import (
    KeyDirectory,
    RevocationNote,
    VerificationStatus,
    stored_entry,
    verify_payload,
)
from db.models import Case, Certificate, CertificateRevocation, ImportedLicence, LicenceIssuerKey
from db.models import OfficeKey as OfficeKeyRow
from db.store import Store

log = logging.getLogger("clerk.licences")

_GENUINE = (VerificationStatus.VALID, VerificationStatus.EXPIRED)


class LicenceError(ValueError):
    """A licence that cannot be used, or a library operation refused; the message (Chinese) says why."""


@dataclass(frozen=True)
class ImportResult:
    licences: int  # new in the library
    keys: int  # new issuer keys
    already: int  # held before


class LicenceLibrary:
    def __init__(self, *, store: Store, clock: Clock) -> None:
        self._store, self._clock = store, clock

    # -- keys ----------------------------------------------------------------------------------------
    def _directory(self) -> tuple[KeyDirectory, set[str]]:
        """Every key the window holds, and the ids of those of this system (the hall's windows)."""
        directory = KeyDirectory()
        with self._store.read() as session:
            own = session.scalars(select(OfficeKeyRow)).all()
            for row in own:
                directory.add(stored_entry(row))
            for other in session.scalars(select(LicenceIssuerKey)).all():
                if other.key_id not in directory:
                    directory.add(stored_entry(other))
        return directory, {row.key_id for row in own}

    # -- finding ---------------------------------------------------------------------------------------
    def verify(self, text: str) -> Licence:
        """The licence whose QR text (scanned, or sent by the server) is `text`, its seal verified offline
        with the keys the window holds; LicenceError (naming why) when it is not genuine."""
        directory, own = self._directory()
        result = verify_payload(text, keys=directory, today=self._clock.today())
        if result.status not in _GENUINE or result.claims is None or result.key_id is None:
            raise LicenceError(f"电子证照核验未通过：{result.message}")
        claims = result.claims
        with self._store.read() as session:
            certificate = session.scalars(
                select(Certificate).where(Certificate.certificate_id == claims.certificate_id)
            ).first()
            imported = session.get(ImportedLicence, claims.certificate_id)
            revoked = session.get(CertificateRevocation, claims.certificate_id)
        source = LicenceSource.ISSUED if result.key_id in own else LicenceSource.IMPORTED
        licence_type = licence_type_named(claims.type_name)
        number = claims.certificate_id
        if certificate is not None and certificate.licence_type:
            licence_type = certificate.licence_type
            label = number_label(template_of(certificate.licence_type))
            own_number = dict(licence_fields_of(certificate.licence_fields)).get(label or "")
            number = own_number or number
        elif imported is not None:
            licence_type = imported.licence_type
        status, message, note = result.status, result.message, None
        if revoked is not None:
            note = RevocationNote(revoked_on=revoked.revoked_on, reason=revoked.reason, basis=revoked.basis)
            status = VerificationStatus.REVOKED
            message = f"证照 {claims.certificate_id} 印章真实，但{note.sentence()}"
        return Licence(
            licence_id=claims.certificate_id,
            licence_type=licence_type,
            type_name=claims.type_name,
            number=number,
            holder_name=claims.holder_name,
            holder_id_masked=claims.holder_id_masked,
            issuer_name=claims.issuer_name,
            issued_on=claims.issued_on,
            valid_until=claims.valid_until,
            qr_text=claims.verify_url,
            source=source,
            issuer_key=None if source is LicenceSource.ISSUED else directory[result.key_id],
            status=status,
            status_message=message,
            revocation=note,
        )

    def by_holder(self, id_number: str) -> list[Licence]:
        """The licences of this window's library whose holder has the ID `id_number`: certificates of cases
        of that applicant held here, and imported licences of that (masked) number. Any whose seal does not
        verify here is left out (logged)."""
        wanted = id_number.strip().upper()
        with self._store.read() as session:
            texts = list(
                session.scalars(
                    select(Certificate.qr_text)
                    .join(Case, Case.number == Certificate.case_number)
                    .where(Case.applicant_id_number == wanted)
                    .order_by(Certificate.issued_on.desc())
                )
            )
            texts += list(
                session.scalars(
                    select(ImportedLicence.qr_text).where(
                        ImportedLicence.holder_id_masked == mask_resident_id(wanted)
                    )
                )
            )
        return self.verified_texts(texts)

    def verified_texts(self, texts: list[str]) -> list[Licence]:
        found: list[Licence] = []
        for text in dict.fromkeys(texts):
            try:
                found.append(self.verify(text))
            except LicenceError as error:
                log.warning("a licence of the library left out: %s", error)
        return found

    # -- satisfying a material ------------------------------------------------------------------------
    def refusal(
        self, licence: Licence, *, accepted_types: tuple[str, ...], material_name: str, holder: Holder
    ) -> Refusal | None:
        return refusal(
            licence,
            accepted_types=accepted_types,
            material_name=material_name,
            holder=holder,
            today=self._clock.today(),
        )

    def recheck(
        self,
        evidence: LicenceEvidence,
        *,
        accepted_types: tuple[str, ...],
        material_name: str,
        holder: Holder,
    ) -> Licence:
        """The licence `evidence` names for the material `material_name`, verified again now: its seal with
        the keys held here, then the table of fitness.py (revoked meanwhile, expired, type, holder). A
        complete evidence must name the licence its QR holds; one named by its QR only (a request file) takes
        it. LicenceError (naming the material and why) when it does not satisfy the material."""
        try:
            licence = self.verify(evidence.qr_text)
        except LicenceError as error:
            raise LicenceError(f"「{material_name}」的{error}") from None
        if evidence.licence_id and (
            licence.licence_id != evidence.licence_id or licence.source is not evidence.source
        ):
            raise LicenceError(f"「{material_name}」所附电子证照与其二维码内容不符")
        refused = refusal(
            licence,
            accepted_types=accepted_types,
            material_name=material_name,
            holder=holder,
            today=self._clock.today(),
        )
        if refused is not None:
            raise LicenceError(refused.message)
        return licence

    # -- third-party licences ------------------------------------------------------------------------
    def import_file(self, content: bytes, *, by: str) -> ImportResult:
        """Import a third-party licence file (imports.py) in one transaction; LicenceError naming the
        problem, nothing stored, when any part of it does not hold."""
        try:
            keys, entries = read_licence_file(content, today=self._clock.today())
        except ValueError as error:
            raise LicenceError(str(error)) from None
        now = self._clock.now().replace(tzinfo=None)
        new_keys = new_licences = already = 0
        with self._store.write() as session:
            own = set(session.scalars(select(OfficeKeyRow.key_id)))
            for key in keys:
                if key.key_id in own:
                    raise LicenceError(f"公钥 {key.key_id} 是本系统的签发密钥，不能作为外部签发机关导入")
                held = session.get(LicenceIssuerKey, key.key_id)
                if held is not None:
                    if stored_entry(held) != key:
                        raise LicenceError(f"公钥编号 {key.key_id} 已导入另一把不同的公钥，本文件未导入")
                    continue
                session.add(
                    LicenceIssuerKey(
                        key_id=key.key_id,
                        algorithm=key.algorithm,
                        public_key=key.public_key.hex(),
                        office_name=key.office_name,
                        office_code=key.office_code,
                        valid_from=key.valid_from,
                        valid_until=key.valid_until,
                        imported_at=now,
                    )
                )
                new_keys += 1
            session.flush()
            for entry in entries:
                claims = entry.claims
                if session.get(ImportedLicence, claims.certificate_id) is not None:
                    already += 1
                    continue
                if session.scalars(
                    select(Certificate.id).where(Certificate.certificate_id == claims.certificate_id)
                ).first():
                    raise LicenceError(
                        f"证照 {claims.certificate_id} 是本系统签发的证照，不能作为外部证照导入"
                    )
                session.add(
                    ImportedLicence(
                        licence_id=claims.certificate_id,
                        licence_type=entry.licence_type,
                        type_name=claims.type_name,
                        holder_name=claims.holder_name,
                        holder_id_masked=claims.holder_id_masked,
                        issuer_name=claims.issuer_name,
                        issued_on=claims.issued_on,
                        valid_until=claims.valid_until,
                        key_id=entry.key.key_id,
                        qr_text=claims.verify_url,
                        imported_by=by,
                        imported_at=now,
                    )
                )
                new_licences += 1
        log.info("licence file imported by %s: %s licences, %s keys", by, new_licences, new_keys)
        return ImportResult(new_licences, new_keys, already)
