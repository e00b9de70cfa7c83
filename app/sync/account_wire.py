"""Accounts on the wire: the hall's list as the server sends it to its windows, and the requests that
change an account (hall IT over the API; a person changing their own password). Both sides import this.

The list travels whole, as the payload of one `accounts` change per change of the hall's accounts
(`{"accounts": [entry, ...]}`, key = the hall's code). A window trusts nothing pulled (shared/STYLE.md
habit 17): `read_snapshot` checks every entry before any is used, and refuses the whole list for one bad
entry, so a window never holds half an update. A role code this version does not know is kept (it grants
nothing here: app.accounts.roles); a hash of a scheme it does not know is refused.

Passwords cross only in requests; they are never in a `repr` (a request in a log or a crash report).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.accounts.passwords import MAX_HASH_CHARS, is_known_hash
from app.accounts.people import MAX_NAME_CHARS, AccountError, check_name
from app.sync.wire import (
    LOGIN_PATTERN,
    MAX_ACCOUNTS,
    MAX_LOGIN_CHARS,
    MAX_PASSWORD_CHARS,
    MAX_TEMPORARY_DAYS,
    WireError,
)

TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"  # temporary_until on the wire, UTC
MAX_ROLES = 20  # role codes of one account
MAX_ROLE_CHARS = 32
_LOGIN = re.compile(LOGIN_PATTERN)
_ROLE = re.compile(r"[a-z][a-z0-9_]{0,31}")

# The refusal a password change gets for a temporary password past its time (403), beside
# `account_refused` (unknown login, wrong password, disabled, another hall's: one answer).
TEMPORARY_EXPIRED = "temporary_expired"
# What hall IT may do to an account over the API (ACCOUNT_ACTION_PATH), and what each is called.
ACCOUNT_ACTIONS = {
    "disable": "停用账号",
    "enable": "启用账号",
    "reset-password": "重置密码",
    "roles": "设置角色",
}


def wire_time(moment: datetime) -> str:
    """Naive UTC (or aware) → `2026-12-02T08:00:00Z`."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.strftime(TIME_FORMAT)


def read_time(text: str) -> datetime:
    """`2026-12-02T08:00:00Z` → naive UTC; ValueError for anything else."""
    if len(text) != 20:
        raise ValueError(text)
    return datetime.strptime(text, TIME_FORMAT)


def _shown(value: Any) -> str:
    """A value from the wire as a message may name it: short, printable."""
    text = value if isinstance(value, str) else repr(value)
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text if len(text) <= 40 else text[:40] + "…"


@dataclass(frozen=True)
class AccountEntry:
    """One account as windows hold it; `temporary_until` naive UTC or None."""

    login: str
    name: str
    roles: tuple[str, ...]
    password_hash: str
    enabled: bool
    temporary_until: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {
            "login": self.login,
            "name": self.name,
            "roles": list(self.roles),
            "password_hash": self.password_hash,
            "enabled": self.enabled,
            "temporary_until": wire_time(self.temporary_until) if self.temporary_until else None,
        }

    def __repr__(self) -> str:  # not the hash
        return f"AccountEntry(login={self.login!r}, roles={self.roles!r}, enabled={self.enabled!r})"

    @classmethod
    def read(cls, data: Any, where: str = "账号") -> AccountEntry:
        """An entry checked field by field; WireError (Chinese, naming the account and the field)."""
        if not isinstance(data, dict):
            raise WireError(f"{where}不是对象")
        login = data.get("login")
        if not isinstance(login, str) or len(login) > MAX_LOGIN_CHARS or not _LOGIN.fullmatch(login):
            raise WireError(f"{where}的账号名“{_shown(login)}”无效")
        named = f"账号 {login} "
        name = data.get("name")
        try:
            if not isinstance(name, str) or check_name(name) != name:  # the rule the server added it by
                raise AccountError(name)
        except AccountError:
            raise WireError(f"{named}的姓名无效") from None
        roles = data.get("roles")
        if not isinstance(roles, list) or len(roles) > MAX_ROLES:
            raise WireError(f"{named}的角色不是列表")
        for role in roles:
            if not isinstance(role, str) or not _ROLE.fullmatch(role):
                raise WireError(f"{named}的角色“{_shown(role)}”无效")
        hashed = data.get("password_hash")
        if not isinstance(hashed, str) or len(hashed) > MAX_HASH_CHARS or not is_known_hash(hashed):
            raise WireError(f"{named}的密码摘要无法识别（格式未知）")
        enabled = data.get("enabled")
        if not isinstance(enabled, bool):
            raise WireError(f"{named}的启用状态无效")
        until = data.get("temporary_until")
        if until is not None:
            try:
                if not isinstance(until, str):
                    raise ValueError(until)
                until = read_time(until)
            except ValueError:
                raise WireError(f"{named}的临时密码有效期“{_shown(until)}”无效") from None
        return cls(login, name, tuple(roles), hashed, enabled, until)


def read_snapshot(payload: Any) -> list[AccountEntry]:
    """The hall's list from an `accounts` change, every entry checked; WireError for the first problem
    (the whole list is then refused: its message names the account and what is wrong)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("accounts"), list):
        raise WireError("没有账号列表（accounts）")
    listed = payload["accounts"]
    if len(listed) > MAX_ACCOUNTS:
        raise WireError(f"账号超过 {MAX_ACCOUNTS} 个")
    entries: list[AccountEntry] = []
    seen: set[str] = set()
    for i, raw in enumerate(listed):
        entry = AccountEntry.read(raw, f"第 {i + 1} 个账号")
        if entry.login in seen:
            raise WireError(f"账号 {entry.login} 出现两次")
        seen.add(entry.login)
        entries.append(entry)
    return entries


def _text(data: Any, key: str, where: str, *, limit: int, required: bool = True) -> str:
    if not isinstance(data, dict):
        raise WireError(f"{where}: 请求体不是对象")
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise WireError(f"{where}: 缺少字段 {key}" if value is None else f"{where}: 字段 {key} 类型错误")
    if len(value) > limit:
        raise WireError(f"{where}: 字段 {key} 超过 {limit} 个字符")
    return value


@dataclass(frozen=True)
class PasswordChange:
    """A person's new password, with their current one (possibly the temporary one hall IT gave them)."""

    login: str
    password: str
    new_password: str

    def to_json(self) -> dict[str, Any]:
        return {"login": self.login, "password": self.password, "new_password": self.new_password}

    def __repr__(self) -> str:
        return f"PasswordChange(login={self.login!r})"

    @classmethod
    def from_json(cls, data: Any) -> PasswordChange:
        where = "password"
        return cls(
            login=_text(data, "login", where, limit=MAX_LOGIN_CHARS),
            password=_text(data, "password", where, limit=MAX_PASSWORD_CHARS),
            new_password=_text(data, "new_password", where, limit=MAX_PASSWORD_CHARS),
        )


@dataclass(frozen=True)
class Rehash:
    """A person who just signed in with a password whose stored hash is of an older scheme."""

    login: str
    password: str

    def to_json(self) -> dict[str, Any]:
        return {"login": self.login, "password": self.password}

    def __repr__(self) -> str:
        return f"Rehash(login={self.login!r})"

    @classmethod
    def from_json(cls, data: Any) -> Rehash:
        return cls(
            login=_text(data, "login", "rehash", limit=MAX_LOGIN_CHARS),
            password=_text(data, "password", "rehash", limit=MAX_PASSWORD_CHARS),
        )


@dataclass(frozen=True)
class AccountRequest:
    """Hall IT acting on its hall's accounts over the API: its own login and password (an enabled account
    of the device's hall holding the `it` role), and what the action needs: `login`, `name` and `roles` to
    add, `roles` to set them, `temporary_password` (empty: the server makes one and answers it once) and
    `valid_days` to add or reset."""

    it_login: str
    it_password: str
    login: str = ""  # the account to add (the other actions name it in their path)
    name: str = ""
    roles: tuple[str, ...] = ()
    temporary_password: str = ""
    valid_days: int = 3

    def to_json(self) -> dict[str, Any]:
        return {
            "it_login": self.it_login,
            "it_password": self.it_password,
            "login": self.login,
            "name": self.name,
            "roles": list(self.roles),
            "temporary_password": self.temporary_password,
            "valid_days": self.valid_days,
        }

    def __repr__(self) -> str:
        return f"AccountRequest(it_login={self.it_login!r}, roles={self.roles!r})"

    @classmethod
    def from_json(cls, data: Any) -> AccountRequest:
        where = "account"
        roles = data.get("roles", []) if isinstance(data, dict) else []
        if not isinstance(roles, list) or len(roles) > MAX_ROLES:
            raise WireError(f"{where}: 字段 roles 应为角色代码的列表")
        for role in roles:
            if not isinstance(role, str) or len(role) > MAX_ROLE_CHARS:
                raise WireError(f"{where}: 角色“{_shown(role)}”无效")
        days = data.get("valid_days", 3) if isinstance(data, dict) else 3
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_TEMPORARY_DAYS:
            raise WireError(f"{where}: 字段 valid_days 应为 1–{MAX_TEMPORARY_DAYS} 的整数")
        return cls(
            it_login=_text(data, "it_login", where, limit=MAX_LOGIN_CHARS),
            it_password=_text(data, "it_password", where, limit=MAX_PASSWORD_CHARS),
            login=_text(data, "login", where, limit=MAX_LOGIN_CHARS, required=False),
            name=_text(data, "name", where, limit=MAX_NAME_CHARS * 2, required=False),
            roles=tuple(roles),
            temporary_password=_text(
                data, "temporary_password", where, limit=MAX_PASSWORD_CHARS, required=False
            ),
            valid_days=days,
        )
