"""The third-party licence file (`window-clerk-licences/1`) a hall imports into its licence library.

    {"format": "window-clerk-licences/1",
     "keys": [ …the issuers' public keys, each as in a key directory (app.seal.KeyDirectory)… ],
     "licences": [{"licence_type": "business_licence", "qr_text": "HTTPS://…/V/…"}, …]}

Each licence is the signed payload of its QR (app.seal, format 1), verified with the keys of the same file;
its `licence_type` (a template key of app.licences) must be the type its seal names. The file is refused
whole, naming the first problem, when anything in it does not hold: nothing is half-imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from app import json_input
from app.licence_library.evidence import licence_type_named
from app.seal import (
    CertificateClaims,
    KeyDirectory,
    KeyDirectoryError,
    PublicKeyEntry,
    VerificationStatus,
    public_entry_from_json,
    verify_payload,
)

LICENCE_FILE_FORMAT = "window-clerk-licences/1"
MAX_LICENCES = 10_000
MAX_FILE_BYTES = 32 * 1024 * 1024


class LicenceFileError(ValueError):
    """A licence file that cannot be imported; the message (Chinese) names the problem."""


@dataclass(frozen=True)
class ImportedEntry:
    licence_type: str
    claims: CertificateClaims
    key: PublicKeyEntry
    qr_text: str


def read_licence_file(
    content: bytes, *, today: date
) -> tuple[tuple[PublicKeyEntry, ...], list[ImportedEntry]]:
    """The keys and the verified licences of a licence file; LicenceFileError otherwise."""
    if len(content) > MAX_FILE_BYTES:
        raise LicenceFileError(f"电子证照文件超过 {MAX_FILE_BYTES // (1024 * 1024)} MB")
    try:
        data = json_input.loads(content)
    except json_input.JsonInputError as error:
        raise LicenceFileError(f"电子证照文件{error}") from None
    if not isinstance(data, dict) or data.get("format") != LICENCE_FILE_FORMAT:
        raise LicenceFileError(f"电子证照文件格式不对（format 应为 {LICENCE_FILE_FORMAT}）")
    unknown = sorted(set(data) - {"format", "keys", "licences"})
    if unknown:
        raise LicenceFileError(f"电子证照文件有未知字段：{'、'.join(unknown)}")
    keys, licences = data.get("keys"), data.get("licences")
    if not isinstance(keys, list) or not keys:
        raise LicenceFileError("电子证照文件应有 keys（签发机关公钥的数组，至少一个）")
    if not isinstance(licences, list) or not licences:
        raise LicenceFileError("电子证照文件应有 licences（电子证照的数组，至少一个）")
    if len(licences) > MAX_LICENCES:
        raise LicenceFileError(f"电子证照文件最多 {MAX_LICENCES} 个证照")
    directory = KeyDirectory()
    for number, item in enumerate(keys, start=1):
        try:
            entry = public_entry_from_json(item, where=f"第 {number} 个公钥")
            directory.add(entry)
        except (KeyDirectoryError, ValueError) as error:
            raise LicenceFileError(str(error)) from None
    entries = [_licence(item, number, directory, today) for number, item in enumerate(licences, start=1)]
    ids = [e.claims.certificate_id for e in entries]
    if len(set(ids)) != len(ids):
        raise LicenceFileError("电子证照文件中有重复的证照")
    return tuple(directory[k] for k in directory), entries


def _licence(item: Any, number: int, directory: KeyDirectory, today: date) -> ImportedEntry:
    where = f"第 {number} 个证照"
    if not isinstance(item, dict) or set(item) != {"licence_type", "qr_text"}:
        raise LicenceFileError(f"{where}应为只含 licence_type 和 qr_text 的对象")
    licence_type, qr_text = item["licence_type"], item["qr_text"]
    if not isinstance(licence_type, str) or not isinstance(qr_text, str):
        raise LicenceFileError(f"{where}的 licence_type 和 qr_text 应为文本")
    result = verify_payload(qr_text, keys=directory, today=today)
    if result.status not in (VerificationStatus.VALID, VerificationStatus.EXPIRED) or result.claims is None:
        raise LicenceFileError(f"{where}核验未通过：{result.message}")
    named = licence_type_named(result.claims.type_name)
    if named is None or named != licence_type:
        raise LicenceFileError(
            f"{where}（{result.claims.type_name}）的证照类型 {licence_type} 与签名中的证照名称不符"
        )
    assert result.key_id is not None  # the signature verified with it
    return ImportedEntry(licence_type, result.claims, directory[result.key_id], qr_text.strip())
