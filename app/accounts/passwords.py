"""How a person's password is kept: argon2id (memory-hard), checked in constant time.

The hashes travel to every window PC of the hall (sign-in works offline), so a stolen PC must not make
guessing cheap: argon2id with 64 MiB and two passes costs each guess a quarter of a second and the memory
a GPU would rather not spend. Hashes made by earlier versions (salted scrypt, n = 2^14) still check, and
`needs_rehash` says so, for the server to replace them the next time the person proves their password.

The window and the server use this one scheme, so a hash made on one side checks on the other.
"""

from __future__ import annotations

import functools
import hashlib
import hmac

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

ARGON2_PREFIX = "$argon2id$"
LEGACY_SCHEME = "scrypt"
MAX_HASH_CHARS = 300  # longer than any hash this scheme makes; a longer one from the wire is refused
# The parameters every hash is made with (its string records them, so a check costs what it cost to make).
STRONG = {"time_cost": 2, "memory_cost": 64 * 1024, "parallelism": 1}


def make_hasher(*, time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(
        time_cost=time_cost,
        memory_cost=memory_cost,
        parallelism=parallelism,
        hash_len=32,
        salt_len=16,
        type=Type.ID,
    )


_HASHER = make_hasher(**STRONG)  # the test suite makes its hashes cheaper (tests/conftest.py)


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password: str, stored: str) -> bool:
    """True when `password` matches `stored`; False for a wrong password and for a damaged or unknown
    hash."""
    if stored.startswith(ARGON2_PREFIX):
        try:
            return _HASHER.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
    return _verify_legacy(password, stored)


def needs_rehash(stored: str) -> bool:
    """True for a hash made otherwise than today's scheme makes it (an old scrypt one, weaker argon2)."""
    if not stored.startswith(ARGON2_PREFIX):
        return True
    try:
        return _HASHER.check_needs_rehash(stored)
    except (InvalidHashError, ValueError):
        return True


def is_known_hash(stored: str) -> bool:
    """A hash of a scheme this version checks (the window refuses a pulled account list's other ones)."""
    if len(stored) > MAX_HASH_CHARS:
        return False
    if stored.startswith(ARGON2_PREFIX):
        return True
    parts = stored.split("$")
    return len(parts) == 3 and parts[0] == LEGACY_SCHEME


def _verify_legacy(password: str, stored: str) -> bool:
    """An earlier version's salted scrypt hash (n = 2^14, r = 8, p = 1)."""
    try:
        scheme, salt_hex, digest_hex = stored.split("$")
        salt = bytes.fromhex(salt_hex)
    except ValueError:
        return False
    if scheme != LEGACY_SCHEME or not salt:
        return False
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=2**14, r=8, p=1)
    return hmac.compare_digest(digest.hex(), digest_hex)


def legacy_hash(password: str, *, salt: bytes) -> str:
    """An earlier version's hash, for tests of the upgrade and for reading old data folders."""
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=2**14, r=8, p=1)
    return f"{LEGACY_SCHEME}${salt.hex()}${digest.hex()}"


@functools.cache
def _dummy_hash() -> str:
    return hash_password("window-clerk: no such account")


def verify_unknown(password: str) -> bool:
    """What checking a password costs, for a login that does not exist: always False, in the time a real
    check takes, so the answer's timing does not tell which logins exist."""
    verify_password(password, _dummy_hash())
    return False
