"""The `certificate.issued` event as it crosses sync (its payload type: `app.sync.events.CertificateIssued`):
the public key entry it carries, and the one check made by the server before it stores the event and by
every window of the hall before it stores the certificate or the key: the window's seal vouches for every
field.

Key ids name their window: `{org9}-{window_code}-{suffix}` (the 9-character organisation part of the
office's credit code, the window code, and a random suffix drawn for every key a window PC makes). So two
windows of one office, or a window and its replacement PC, never make two different keys with one id, and
a window can tell offline which window a key seals for. Keys made before (`{org9}-1`, one id for every
window of an office) stay in the key directories and verify what they signed; new certificates are never
sealed with them, and the server registers no such key (`key_window` is None for them).
"""

from __future__ import annotations

import re
import secrets
from datetime import date
from typing import Any

from app.seal import (
    KeyDirectory,
    KeyDirectoryError,
    PublicKeyEntry,
    VerificationStatus,
    public_entry_from_json,
    verify_payload,
)

KEY_FIELD = "key"  # the payload field holding the sealing key's public entry (key directory format)
_SUFFIX_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O, U
SUFFIX_LENGTH = 6  # 30 bits: a window's own keys never meet
_WINDOW_KEY_ID = re.compile(r"[0-9A-Z]{9}-(?P<window>[A-Z][A-Z0-9]{3,11})-[0-9A-Z]{1,8}")
# The claims of the QR and the payload fields that must say the same (ISO dates in the payload).
_CLAIMED_TEXT = (
    "certificate_id",
    "type_name",
    "holder_name",
    "holder_id_masked",
    "issuer_name",
    "issuer_code",
)
_TRUSTED = (VerificationStatus.VALID, VerificationStatus.EXPIRED)  # expiry does not make a seal false


class CertificateEventError(ValueError):
    """A `certificate.issued` payload that cannot be checked; the message (Chinese) says why."""


def new_key_id(*, office_code: str, window_code: str) -> str:
    """A fresh key id for a new signing key of `window_code` for the office `office_code`."""
    suffix = "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(SUFFIX_LENGTH))
    return f"{office_code[8:17]}-{window_code}-{suffix}"


def key_window(key_id: str) -> str | None:
    """The window a key id names, or None for a key id of another form (an office key made before)."""
    match = _WINDOW_KEY_ID.fullmatch(key_id) if isinstance(key_id, str) else None
    return match.group("window") if match else None


def carried_key(payload: dict[str, Any]) -> PublicKeyEntry | None:
    """The key entry the payload carries; None when it carries none (events made before keys travelled).
    CertificateEventError when it carries one that is not a valid entry."""
    item = payload.get(KEY_FIELD)
    if item is None:
        return None
    try:
        return public_entry_from_json(item, where="证照所附的签发密钥")
    except KeyDirectoryError as error:
        raise CertificateEventError(str(error)) from None


def check_sealed(
    payload: dict[str, Any], *, case_number: str, window_code: str, key: PublicKeyEntry, today: date
) -> str | None:
    """Why the certificate in `payload` of case `case_number` is not vouched for by `key`, the key of
    `window_code` (the window that recorded the issue: the server checks its pushing device's, a window of
    the hall the window the server says recorded it); None when the key is that window's, the QR's
    signature verifies with it, and every signed claim says what the payload says."""
    where = f"办件 {case_number} 的证照"
    if payload.get("key_id") != key.key_id:
        return f"{where}：记录的签发密钥 {payload.get('key_id')} 与所附密钥 {key.key_id} 不一致"
    owner = key_window(key.key_id)
    if owner != window_code:
        return f"{where}：签发密钥 {key.key_id} 不属于签发该证照的窗口 {window_code}"
    qr_text = payload.get("qr_text")
    if not isinstance(qr_text, str):
        return f"{where}：缺少二维码内容 qr_text"
    verification = verify_payload(qr_text, keys=KeyDirectory([key]), today=today)
    claims = verification.claims
    if verification.status not in _TRUSTED or claims is None:
        return f"{where}：二维码未通过签发密钥 {key.key_id} 的核验（{verification.message}）"
    if verification.key_id != key.key_id:
        return f"{where}：二维码由密钥 {verification.key_id} 签发，不是 {key.key_id}"
    signed: dict[str, object] = {name: getattr(claims, name) for name in _CLAIMED_TEXT}
    signed["issued_on"] = claims.issued_on.isoformat()
    signed["valid_until"] = claims.valid_until.isoformat() if claims.valid_until else None
    for name, value in signed.items():
        if payload.get(name) != value:
            return f"{where}：字段 {name} 与二维码中签名的内容不一致"
    if claims.case_number != case_number:
        return f"{where}：二维码签发给办件 {claims.case_number}，不是本办件"
    return None
