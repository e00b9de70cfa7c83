"""A licence as the library finds it, and what a case records of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from app.seal import (
    PublicKeyEntry,
    RevocationNote,
    VerificationStatus,
    public_entry_from_json,
    public_entry_json,
)


class LicenceSource(StrEnum):
    ISSUED = "issued"  # a certificate issued by this system (a window of the hall sealed it)
    IMPORTED = "imported"  # a third-party e-licence, imported with its issuer's public key


class VerifiedBy(StrEnum):
    """How the window found and checked the licence (its seal is verified at the window every time)."""

    QR_OFFLINE = "qr_offline"  # the licence's QR scanned, its seal verified with the keys the window holds
    LIBRARY = "library"  # found in this window's library by the holder's ID
    SERVER_LOOKUP = "server_lookup"  # found on the server by the holder's ID (online)


VERIFIED_BY_LABEL = {
    VerifiedBy.QR_OFFLINE: "扫码离线核验",
    VerifiedBy.LIBRARY: "本窗口证照库",
    VerifiedBy.SERVER_LOOKUP: "联网按证件号查得",
}
SOURCE_LABEL = {LicenceSource.ISSUED: "本系统签发", LicenceSource.IMPORTED: "外部导入"}


def licence_type_named(type_name: str) -> str | None:
    """The licence type (app.licences template key) whose licence is called `type_name`, as the seal signs
    it; None when no template of this program has that name."""
    from app.licences import TEMPLATES

    wanted = "".join(type_name.split())
    return next((key for key, t in TEMPLATES.items() if t.name == wanted), None)


def type_label(licence_type: str) -> str:
    from app.licences import TEMPLATES

    template = TEMPLATES.get(licence_type)
    return template.name if template is not None else licence_type


LICENCE_EXEMPT = "电子证照免提交"  # how a receipt names a material a licence stood in for


def licence_named(licence_type: str, licence_id: str | None) -> str:
    """A licence as a receipt names it under its material: its type and its identifier (证照标识)."""
    return f"{type_label(licence_type)} 证照标识 {licence_id or '—'}"


@dataclass(frozen=True)
class Licence:
    """A licence whose seal verified (genuine): VALID, EXPIRED or REVOKED as `status` says."""

    licence_id: str  # the GB/T 36904 identifier
    licence_type: str | None  # None: its type name is no template's of this program
    type_name: str
    number: str  # its own number (许可证编号 …) where known, else its identifier
    holder_name: str
    holder_id_masked: str
    issuer_name: str
    issued_on: date
    valid_until: date | None  # None: 长期
    qr_text: str
    source: LicenceSource
    issuer_key: PublicKeyEntry | None  # an imported licence's issuer key (it travels with the evidence)
    status: VerificationStatus
    status_message: str
    revocation: RevocationNote | None = None

    def evidence(self, verified_by: VerifiedBy) -> LicenceEvidence:
        return LicenceEvidence(
            licence_id=self.licence_id,
            licence_type=self.licence_type or "",
            source=self.source,
            verified_by=verified_by,
            qr_text=self.qr_text,
            issuer_key=self.issuer_key,
        )

    @property
    def valid_until_label(self) -> str:
        return "长期" if self.valid_until is None else self.valid_until.isoformat()

    @property
    def summary(self) -> str:
        """One line for the checklist: type, number, holder, validity."""
        return f"{self.type_name} {self.number}｜{self.holder_name}｜有效期至 {self.valid_until_label}"


@dataclass(frozen=True)
class LicenceEvidence:
    """What a case records of the licence that satisfied a material: its id and type, where it comes from,
    how it was verified, and the signed QR text (so the server, and anyone later, checks the seal again)."""

    licence_id: str
    licence_type: str
    source: LicenceSource
    verified_by: VerifiedBy
    qr_text: str
    issuer_key: PublicKeyEntry | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "licence_id": self.licence_id,
            "licence_type": self.licence_type,
            "source": str(self.source),
            "verified_by": str(self.verified_by),
            "qr_text": self.qr_text,
        }
        if self.issuer_key is not None:
            data["issuer_key"] = public_entry_json(self.issuer_key)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LicenceEvidence:
        """From a payload the wire's schema checked (app.sync.event_parts.LICENCE); ValueError otherwise."""
        key = data.get("issuer_key")
        return cls(
            licence_id=str(data["licence_id"]),
            licence_type=str(data["licence_type"]),
            source=LicenceSource(data["source"]),
            verified_by=VerifiedBy(data["verified_by"]),
            qr_text=str(data["qr_text"]),
            issuer_key=None if key is None else public_entry_from_json(key, where="证照签发机关密钥"),
        )
