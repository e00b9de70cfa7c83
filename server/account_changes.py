"""Changing a hall's accounts on the server, which holds the truth about them: hall IT disabling, enabling,
resetting a password (to a temporary one), setting roles; a person changing their own password; a hash of
an older scheme upgraded when its person proves the password.

Each change is one transaction that also appends the hall's whole list for its windows
(server.account_snapshot), and is logged (who, what; never a password or a hash). The change-log lock is
taken first, so the hall's changes are serialized and the rule below sees every committed one.

The hall's last enabled `it` account cannot be disabled or lose its `it` role (`LAST_IT`): hall IT would
lose the API's account management with it, and on the server's command line the way on is to add the
successor first. A change that changes nothing (disabling a disabled account, the same roles again)
appends nothing and says so.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select, update

from app.accounts.passwords import hash_password, needs_rehash
from app.accounts.people import AccountError, check_new_password, check_roles
from app.accounts.roles import Role
from app.sync.account_wire import TEMPORARY_EXPIRED, AccountEntry
from app.sync.schema import shown
from server.account_snapshot import entry_of, publish_accounts
from server.accounts import (
    ACCOUNT_REFUSED,
    DEFAULT_TEMPORARY_DAYS,
    expired_message,
    known_hall,
    proven_account,
    temporary_until,
)
from server.admin import AdminError
from server.clock import utc_naive
from server.models import account
from server.store import ServerDB
from server.sync import lock_change_log

log = logging.getLogger("clerk.server.accounts")

LAST_IT = "last_it"
# A temporary password made by the server: 12 characters without look-alikes (0/O, 1/l/I), ~70 bits.
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
GENERATED_CHARS = 12


@dataclass(frozen=True)
class Changed:
    """An account after a change; `changed` False: it was so already. `temporary_password`: the one the
    server made for a reset, to be shown once to hall IT (never stored, never logged)."""

    hall_code: str
    entry: AccountEntry
    changed: bool
    temporary_password: str | None = None

    def as_json(self) -> dict[str, Any]:
        """For hall IT: the account without its hash."""
        shown = self.entry.to_json()
        del shown["password_hash"]
        answer: dict[str, Any] = {"hall_code": self.hall_code, **shown, "changed": self.changed}
        if self.temporary_password is not None:
            answer["temporary_password"] = self.temporary_password
        return answer


def generate_password() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(GENERATED_CHARS))


Values = dict[str, Any] | None  # the columns to set; None: nothing to change
Decide = Callable[[Connection, Row[Any]], Values]


def _change(
    db: ServerDB, *, hall_code: str, login: str, doing: str, now: datetime, decide: Decide
) -> tuple[AccountEntry, bool]:
    moment = utc_naive(now)
    with db.write() as connection:
        lock_change_log(connection, db)
        known_hall(connection, hall_code, f"未能{doing}")
        row = _row(connection, hall_code, login)
        if row is None:
            raise AdminError(404, "not_found", f"大厅 {hall_code} 没有账号“{shown(login)}”，未能{doing}")
        values = decide(connection, row)
        if values is None:
            return entry_of(row), False
        connection.execute(update(account).where(account.c.id == row.id).values(updated_at=moment, **values))
        publish_accounts(connection, db, hall_code=hall_code, now=moment)
        changed = _row(connection, hall_code, login)
    assert changed is not None
    return entry_of(changed), True


def _row(connection: Connection, hall_code: str, login: str) -> Row[Any] | None:
    return connection.execute(
        select(account).where(account.c.hall_code == hall_code, account.c.login == login)
    ).first()


def _keep_an_it(connection: Connection, row: Row[Any], doing: str) -> None:
    """AdminError 409 when `row` is the hall's last enabled account holding `it`."""
    if row.disabled_at is not None or Role.IT not in row.roles.split():
        return
    others = connection.execute(
        select(account.c.roles).where(
            account.c.hall_code == row.hall_code, account.c.id != row.id, account.c.disabled_at.is_(None)
        )
    ).scalars()
    if not any(Role.IT in roles.split() for roles in others):
        raise AdminError(
            409,
            LAST_IT,
            f"账号 {row.login} 是大厅 {row.hall_code} 唯一启用的系统管理员账号，不能{doing}："
            "请先添加或启用另一个系统管理员账号",
        )


def disable(db: ServerDB, *, hall_code: str, login: str, now: datetime) -> Changed:
    """The account signs in nowhere any more (at a window: after its next pull); its cases keep its name."""

    def decide(connection: Connection, row: Row[Any]) -> Values:
        if row.disabled_at is not None:
            return None
        _keep_an_it(connection, row, "停用")
        return {"disabled_at": utc_naive(now)}

    entry, changed = _change(db, hall_code=hall_code, login=login, doing="停用账号", now=now, decide=decide)
    log.info("account %s of hall %s disabled%s", login, hall_code, "" if changed else " already")
    return Changed(hall_code, entry, changed)


def enable(db: ServerDB, *, hall_code: str, login: str, now: datetime) -> Changed:
    def decide(connection: Connection, row: Row[Any]) -> Values:
        return None if row.disabled_at is None else {"disabled_at": None}

    entry, changed = _change(db, hall_code=hall_code, login=login, doing="启用账号", now=now, decide=decide)
    log.info("account %s of hall %s enabled%s", login, hall_code, "" if changed else " already")
    return Changed(hall_code, entry, changed)


def reset_password(
    db: ServerDB,
    *,
    hall_code: str,
    login: str,
    now: datetime,
    password: str | None = None,
    valid_days: int = DEFAULT_TEMPORARY_DAYS,
) -> Changed:
    """A temporary password for the account, valid `valid_days` days, to be changed at its first sign-in;
    made by the server when `password` is None (answered once). A disabled account stays disabled."""
    made = password is None
    temporary = generate_password() if password is None else password
    try:
        check_new_password(temporary)
    except AccountError as error:
        raise AdminError(400, "invalid", f"{error}，未重置密码") from None
    until = temporary_until(now, valid_days)
    hashed = hash_password(temporary)

    def decide(connection: Connection, row: Row[Any]) -> Values:
        return {"password_hash": hashed, "temporary_until": until}

    entry, _ = _change(db, hall_code=hall_code, login=login, doing="重置密码", now=now, decide=decide)
    log.info(
        "password of account %s of hall %s reset to a temporary one (%s, valid until %s UTC)",
        login,
        hall_code,
        "made by the server" if made else "given by hall IT",
        f"{until:%Y-%m-%d %H:%M}",
    )
    return Changed(hall_code, entry, True, temporary if made else None)


def set_roles(db: ServerDB, *, hall_code: str, login: str, roles: list[str], now: datetime) -> Changed:
    try:
        kept = check_roles(roles)
    except AccountError as error:
        raise AdminError(400, "invalid", f"{error}，未修改角色") from None

    def decide(connection: Connection, row: Row[Any]) -> Values:
        if row.roles.split() == kept:
            return None
        if Role.IT not in kept:
            _keep_an_it(connection, row, "去掉其系统管理员角色")
        return {"roles": " ".join(kept)}

    entry, changed = _change(db, hall_code=hall_code, login=login, doing="修改角色", now=now, decide=decide)
    log.info(
        "roles of account %s of hall %s set to %s%s",
        login,
        hall_code,
        " ".join(kept),
        "" if changed else " (as they were)",
    )
    return Changed(hall_code, entry, changed)


def _proven(
    db: ServerDB, *, hall_code: str, login: str, password: str, now: datetime, doing: str
) -> Row[Any]:
    found = proven_account(db, hall_code=hall_code, login=login, password=password, now=now)
    if isinstance(found, str) and found == TEMPORARY_EXPIRED:
        raise AdminError(403, TEMPORARY_EXPIRED, expired_message(login, doing))
    if isinstance(found, str):
        raise AdminError(
            403,
            ACCOUNT_REFUSED,
            f"账号或密码不正确，或账号已停用：未能{doing}。请核对后重试（账号由大厅信息技术人员管理）",
        )
    return found


def _swap(db: ServerDB, row: Row[Any], values: dict[str, Any], now: datetime, doing: str) -> AccountEntry:
    """Store `values` if the account's hash is still the one just checked (else 409: changed meanwhile)."""
    moment = utc_naive(now)
    with db.write() as connection:
        lock_change_log(connection, db)
        done = connection.execute(
            update(account)
            .where(account.c.id == row.id, account.c.password_hash == row.password_hash)
            .values(updated_at=moment, **values)
        )
        if done.rowcount != 1:
            raise AdminError(409, "account_changed", f"账号 {row.login} 的密码刚被修改，未能{doing}，请重试")
        publish_accounts(connection, db, hall_code=row.hall_code, now=moment)
        changed = _row(connection, row.hall_code, row.login)
    assert changed is not None
    return entry_of(changed)


def change_password(
    db: ServerDB, *, hall_code: str, login: str, password: str, new_password: str, now: datetime
) -> AccountEntry:
    """The person's own new password, proven by their current one (the temporary one hall IT gave them,
    before it expires); the account as windows now hold it. AdminError 403 `account_refused` /
    `temporary_expired`, 400 for a new password the rules refuse."""
    doing = "修改密码"
    row = _proven(db, hall_code=hall_code, login=login, password=password, now=now, doing=doing)
    try:
        check_new_password(new_password)
    except AccountError as error:
        raise AdminError(400, "invalid", f"新{error}，未修改密码") from None
    if new_password == login:
        raise AdminError(400, "invalid", "新密码不能与账号相同，未修改密码")
    if new_password == password:
        raise AdminError(400, "invalid", "新密码不能与当前密码相同，未修改密码")
    entry = _swap(
        db, row, {"password_hash": hash_password(new_password), "temporary_until": None}, now, doing
    )
    log.info("account %s of hall %s changed its password", login, hall_code)
    return entry


def upgrade_hash(db: ServerDB, *, hall_code: str, login: str, password: str, now: datetime) -> Changed:
    """A hash of an older scheme replaced by today's, the person having just proven the password;
    `changed` False when the stored hash is today's already."""
    row = _proven(db, hall_code=hall_code, login=login, password=password, now=now, doing="更新密码摘要")
    if not needs_rehash(row.password_hash):
        return Changed(hall_code, entry_of(row), False)
    entry = _swap(db, row, {"password_hash": hash_password(password)}, now, "更新密码摘要")
    log.info("password hash of account %s of hall %s upgraded", login, hall_code)
    return Changed(hall_code, entry, True)
