"""How a person's password is kept: a salted scrypt hash, checked in constant time.

The window (its local accounts) and the server (the hall's accounts) use this one scheme, so a hash made on
one side checks on the other.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets

SCHEME = "scrypt"
_N, _R, _P = 2**14, 8, 1


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P)
    return f"{SCHEME}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """True when `password` matches `stored`; False for a wrong password and for a damaged hash."""
    try:
        scheme, salt_hex, digest_hex = stored.split("$")
        salt = bytes.fromhex(salt_hex)
    except ValueError:
        return False
    if scheme != SCHEME or not salt:
        return False
    expected = hash_password(password, salt=salt).split("$")[2]
    return hmac.compare_digest(expected, digest_hex)


@functools.cache
def _dummy_hash() -> str:
    return hash_password("window-clerk: no such account", salt=b"\x00" * 16)


def verify_unknown(password: str) -> bool:
    """What checking a password costs, for a login that does not exist: always False, in the time a real
    check takes, so the answer's timing does not tell which logins exist."""
    verify_password(password, _dummy_hash())
    return False
