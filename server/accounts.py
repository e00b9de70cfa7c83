"""The hall's people on the server: accounts (login, name, roles, password hash) per hall, and checking that
the person behind a window's request is who they say and may do what they ask.

A window's device credential says which PC is asking; it says nothing of who sits at it. An action that
needs a person (a supervisor resolving a conflict; later corrections) carries that person's login and
password, and the server checks them here against the accounts of the device's hall: the account must
exist in that hall, be enabled, and hold the role the action needs (`app.accounts.roles.GRANTS`), and
the password must match. What the server records is the account (its name and login), never a name the
window sends.

Refusals do not tell which part was wrong (unknown login, wrong password, disabled account, another hall's
account all read the same, and cost the same time); only a person whose password was right but who lacks
the role is told so. The API throttles failed attempts per address (`server.throttle`).

Passwords use the window's scheme (`app.accounts.passwords`); only hashes are stored. Hall IT adds and lists
accounts with `clerk-server account` (or over the API: server.routes.accounts); an account added, or a
password reset, by hall IT has a temporary password (`temporary_until`): the person sets their own at first
sign-in, and past that time it is refused (`temporary_expired`, a refusal of its own since the password was
right). The demo hall gets the demo accounts, with their own passwords, with `clerk-server init --demo`.
Every change of a hall's accounts is sent to its windows whole (server.account_snapshot); changing an
account otherwise than adding it is `server.account_changes`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, insert, select
from sqlalchemy.exc import IntegrityError

from app.accounts.passwords import hash_password, verify_password, verify_unknown
from app.accounts.people import (
    AccountError,
    check_login,
    check_name,
    check_new_password,
    check_roles,
)
from app.accounts.roles import GRANTS, ROLE_LABEL, Permission, may
from app.sync.account_wire import TEMPORARY_EXPIRED
from app.sync.wire import LOGIN_PATTERN, MAX_LOGIN_CHARS, MAX_PASSWORD_CHARS, MAX_TEMPORARY_DAYS
from server.account_snapshot import publish_accounts
from server.admin import AdminError
from server.clock import system_clock, utc_naive, utc_text
from server.models import account, hall
from server.store import ServerDB

log = logging.getLogger("clerk.server.accounts")
_LOGIN = re.compile(LOGIN_PATTERN)

ACCOUNT_REFUSED = "account_refused"
ROLE_MISSING = "role_missing"
DEFAULT_TEMPORARY_DAYS = 3  # a temporary password hall IT sets signs in for this many days


@dataclass(frozen=True)
class Person:
    """An enabled account whose password was just checked."""

    hall_code: str
    login: str
    name: str
    roles: tuple[str, ...]

    def signature(self, window_code: str) -> str:
        """How a resolution records who made it: the account's name, its login and the window."""
        return f"{self.name}（{self.login}@{window_code}）"


def _roles(text: str) -> list[str]:
    return text.split()


def temporary_until(now: datetime, valid_days: int | None) -> datetime | None:
    """When a temporary password set now for `valid_days` days stops signing in; None: not temporary."""
    if valid_days is None:
        return None
    if not 1 <= valid_days <= MAX_TEMPORARY_DAYS:
        raise AdminError(400, "invalid", f"临时密码有效天数应为 1–{MAX_TEMPORARY_DAYS} 天")
    return utc_naive(now).replace(microsecond=0) + timedelta(days=valid_days)


def add_account(
    db: ServerDB,
    *,
    hall_code: str,
    login: str,
    name: str,
    roles: list[str],
    password: str,
    now: datetime,
    valid_days: int | None = DEFAULT_TEMPORARY_DAYS,
    publish: bool = True,
) -> Person:
    """A new enabled account of a hall, its password temporary for `valid_days` (hall IT hands it to the
    person, who sets their own at first sign-in; None: the password is the person's own, as the demo's),
    and the hall's list sent to its windows (unless `publish` is False: the caller sends it). AdminError
    (nothing stored): 400 for a bad login, name, role or password or an unknown hall, 409 for a login the
    hall already has."""
    try:
        check_login(login)
        shown = check_name(name)
        kept = check_roles(roles)
        check_new_password(password)
    except AccountError as error:
        raise AdminError(400, "invalid", f"{error}，未添加账号") from None
    moment = utc_naive(now)
    until = temporary_until(moment, valid_days)
    try:
        with db.write() as connection:
            known_hall(connection, hall_code, "未添加账号")
            taken = connection.execute(
                select(account.c.id).where(account.c.hall_code == hall_code, account.c.login == login)
            ).first()
            if taken is not None:
                raise AdminError(409, "account_exists", f"大厅 {hall_code} 已有账号 {login}，未添加")
            connection.execute(
                insert(account).values(
                    hall_code=hall_code,
                    login=login,
                    name=shown,
                    roles=" ".join(kept),
                    password_hash=hash_password(password),
                    created_at=moment,
                    updated_at=moment,
                    temporary_until=until,
                )
            )
            if publish:
                publish_accounts(connection, db, hall_code=hall_code, now=moment)
    except IntegrityError:  # added at the same moment by another request
        raise AdminError(409, "account_exists", f"大厅 {hall_code} 已有账号 {login}，未添加") from None
    log.info(
        "account %s of hall %s added (roles: %s; password %s)",
        login,
        hall_code,
        " ".join(kept),
        f"temporary until {until:%Y-%m-%d %H:%M} UTC" if until else "set",
    )
    return Person(hall_code, login, shown, tuple(kept))


def known_hall(connection: Connection, hall_code: str, nothing_done: str) -> None:
    """AdminError 400 naming the halls there are, for a hall code the server does not know."""
    if connection.execute(select(hall.c.code).where(hall.c.code == hall_code)).first() is None:
        known = "、".join(connection.execute(select(hall.c.code).order_by(hall.c.code)).scalars())
        raise AdminError(400, "invalid", f"没有大厅“{hall_code}”（已有：{known or '无'}），{nothing_done}")


def ensure_accounts(db: ServerDB, accounts: list[tuple[str, str, str, str, str]], *, now: datetime) -> int:
    """Add those of (hall, login, name, password, role) the server does not have yet, with their own
    (not temporary) passwords; the number added. One it has is left as it is (hall IT may have changed
    it). Each hall that got one has its list sent once."""
    added: set[str] = set()
    count = 0
    for hall_code, login, name, password, role in accounts:
        with db.read() as connection:
            exists = connection.execute(
                select(account.c.id).where(account.c.hall_code == hall_code, account.c.login == login)
            ).first()
        if exists is None:
            try:
                add_account(
                    db,
                    hall_code=hall_code,
                    login=login,
                    name=name,
                    roles=[role],
                    password=password,
                    now=now,
                    valid_days=None,
                    publish=False,
                )
            except AdminError as error:
                if error.code != "account_exists":  # added a moment ago by another `init`: fine
                    raise
            else:
                added.add(hall_code)
                count += 1
    for hall_code in sorted(added):
        with db.write() as connection:
            publish_accounts(connection, db, hall_code=hall_code, now=utc_naive(now))
    return count


def list_accounts(
    db: ServerDB, *, hall_code: str | None = None, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Accounts (never their hashes), by hall and login; `temporary`: the password is one hall IT set,
    `expired`: and it signs in no more (as of `now`)."""
    query = select(account).order_by(account.c.hall_code, account.c.login)
    if hall_code is not None:
        query = query.where(account.c.hall_code == hall_code)
    moment = utc_naive(now or system_clock())
    with db.read() as connection:
        rows = connection.execute(query).all()
    return [
        {
            "hall_code": r.hall_code,
            "login": r.login,
            "name": r.name,
            "roles": _roles(r.roles),
            "enabled": r.disabled_at is None,
            "disabled_at": utc_text(r.disabled_at) if r.disabled_at else None,
            "created_at": utc_text(r.created_at),
            "temporary": r.temporary_until is not None,
            "temporary_until": utc_text(r.temporary_until) if r.temporary_until else None,
            "expired": r.temporary_until is not None and r.temporary_until <= moment,
        }
        for r in rows
    ]


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def proven_account(
    db: ServerDB, *, hall_code: str, login: str, password: str, now: datetime
) -> Row[Any] | str:
    """The `account` row of `hall_code` behind (login, password), enabled; otherwise the refusal's code:
    `account_refused` (unknown login, wrong password, disabled, another hall's: one code, one cost) or
    `temporary_expired` (the password was right, but it is a temporary one past its time)."""
    row = None
    if not _encodable(password):  # a lone surrogate: no password of anyone's, and no hash can take it
        password = ""
    if _LOGIN.fullmatch(login) and len(login) <= MAX_LOGIN_CHARS and len(password) <= MAX_PASSWORD_CHARS:
        with db.read() as connection:
            row = connection.execute(
                select(account).where(account.c.hall_code == hall_code, account.c.login == login)
            ).first()
    matches = verify_password(password, row.password_hash) if row is not None else verify_unknown(password)
    if row is None or not matches or row.disabled_at is not None:
        return ACCOUNT_REFUSED
    if row.temporary_until is not None and row.temporary_until <= utc_naive(now):
        return TEMPORARY_EXPIRED
    return row


def expired_message(login: str, doing: str) -> str:
    return f"账号 {login} 的临时密码已过期，请信息技术人员重置：未能{doing}"


def check_person(
    db: ServerDB,
    *,
    hall_code: str,
    login: str,
    password: str,
    action: Permission,
    now: datetime,
) -> Person:
    """The account of `hall_code` behind (login, password), allowed to do `action`; AdminError 403 otherwise:
    `account_refused` (unknown, wrong password, disabled: one message, one cost), `temporary_expired` or
    `role_missing`."""
    needed = GRANTS[action]
    role_label = ROLE_LABEL[needed.named_role]
    row = proven_account(db, hall_code=hall_code, login=login, password=password, now=now)
    if row == TEMPORARY_EXPIRED:
        raise AdminError(403, TEMPORARY_EXPIRED, expired_message(login, needed.label))
    if isinstance(row, str):
        raise AdminError(
            403,
            ACCOUNT_REFUSED,
            f"{role_label}账号或密码不正确，或账号已停用：未能{needed.label}。"
            "请核对后重试（账号由大厅信息技术人员在服务器上管理）",
        )
    roles = tuple(_roles(row.roles))
    if not may(roles, action):
        raise AdminError(
            403,
            ROLE_MISSING,
            f"账号 {login}（{row.name}）没有{role_label}角色，不能{needed.label}",
        )
    return Person(row.hall_code, row.login, row.name, roles)
