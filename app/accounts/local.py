"""Local accounts of a window, kept in its database with scrypt password hashes."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from sqlalchemy import select

from app.sync.wire import LOGIN_PATTERN
from db.models import Clerk
from db.store import Store

ROLES = {"clerk": "窗口工作人员", "supervisor": "大厅负责人"}
MIN_PASSWORD_LENGTH = 8
_LOGIN = re.compile(LOGIN_PATTERN)


class AccountError(ValueError):
    """An account that cannot be added; the message names the problem."""


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=2**14, r=8, p=1)
    return f"scrypt${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, salt_hex, digest_hex = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    expected = hash_password(password, salt=bytes.fromhex(salt_hex)).split("$")[2]
    return hmac.compare_digest(expected, digest_hex)


def has_accounts(store: Store) -> bool:
    with store.read() as session:
        return session.scalars(select(Clerk.login).where(Clerk.active)).first() is not None


def add_account(store: Store, *, login: str, name: str, password: str, role: str = "clerk") -> None:
    """A new active account. AccountError (nothing stored) for a bad or taken login, a bad name, password
    or role."""
    if not _LOGIN.fullmatch(login):
        raise AccountError(
            f"账号“{login}”无效：应为 2–40 位小写字母、数字或 . _ -，以字母开头（如 wang.fang）"
        )
    shown = name.strip()
    if not shown or len(shown) > 100:
        raise AccountError("姓名应为 1–100 个字")
    if role not in ROLES:
        raise AccountError(f"角色“{role}”无效：应为 {'、'.join(f'{k}（{v}）' for k, v in ROLES.items())}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"密码至少 {MIN_PASSWORD_LENGTH} 位")
    hashed = hash_password(password)
    with store.write() as session:
        if session.get(Clerk, login) is not None:
            raise AccountError(f"账号 {login} 已存在")
        session.add(Clerk(login=login, name=shown, password_hash=hashed, active=True, role=role))
