"""Device secrets, enrolment codes and bearer tokens.

A device secret is 32 random bytes (urlsafe base64, no padding); the server keeps only its SHA-256. With
256 bits of entropy a plain hash is enough: there is nothing to brute-force. Enrolment codes carry 80
bits, are shown once to hall IT and are also kept only as SHA-256.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass

# Crockford base32 without I, L, O, U: readable over the phone, typed on a counter keyboard.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_GROUPS = 4
CODE_GROUP_LENGTH = 4
_CODE_FOLD = str.maketrans({"I": "1", "L": "1", "O": "0", "U": "V"})
# Compared against when the device is unknown, so an unknown id costs the same as a wrong secret.
_DUMMY_HASH = hashlib.sha256(b"window-clerk: no such device").hexdigest()


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def new_device_id() -> str:
    return str(uuid.uuid4())


def new_device_secret() -> str:
    return secrets.token_urlsafe(32)


def new_enrollment_code() -> str:
    groups = (
        "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUP_LENGTH)) for _ in range(CODE_GROUPS)
    )
    return "-".join(groups)


def normalize_enrollment_code(code: str) -> str:
    """Upper case, no spaces or hyphens, look-alike letters folded (I/L→1, O→0, U→V)."""
    kept = "".join(ch for ch in code.upper() if ch.isalnum() and ch.isascii())
    return kept.translate(_CODE_FOLD)


def enrollment_code_hash(code: str) -> str:
    return sha256_hex(normalize_enrollment_code(code))


def secrets_match(secret: str, stored_hash: str | None) -> bool:
    """Constant-time comparison of a presented secret with a stored hash (None = unknown device)."""
    presented = sha256_hex(secret)
    expected = stored_hash if stored_hash is not None else _DUMMY_HASH
    same = hmac.compare_digest(presented.encode("ascii"), expected.encode("ascii"))
    return same and stored_hash is not None


@dataclass(frozen=True)
class BearerToken:
    device_id: str
    secret: str


def parse_bearer(header: str | None) -> BearerToken | None:
    """`Bearer {device_id}.{secret}` → the two parts; None when absent or malformed."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    device_id, dot, secret = token.strip().partition(".")
    if not dot or not device_id or not secret or len(device_id) > 64 or len(secret) > 256:
        return None
    return BearerToken(device_id, secret)
