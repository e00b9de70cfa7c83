"""Signing in at a window, against the accounts the server last sent (so it works offline).

The rules, in the order they are checked:
1. A password longer than any password (`MAX_PASSWORD_CHARS`, e.g. 10 MB pasted) is refused before it is
   hashed, and counts as a wrong one.
2. A login locked at this window (five wrong passwords in a row) is refused without checking the password,
   until the lock ends; each lock lasts longer than the one before (`LOCK_MINUTES`), and a right password
   after a lock ends starts the count afresh.
3. An unknown login and a wrong password read the same ("账号或密码不正确") and cost the same time; both
   count towards the lock.
4. A right password of a disabled account is refused as such (the person can ask hall IT).
5. A temporary password (set by hall IT) past its end is refused; one still valid signs in only to change
   it (`SignedIn.must_change`), which needs the server.

Failures are kept per login in this window's database (`SignInFailure`); the window's clock decides when
a lock ends. Nothing here imports Qt: the window, the `clerk` command line and the idle lock all call
`check_password`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from app.accounts.passwords import needs_rehash, verify_password, verify_unknown
from app.clock import hall_time_text
from app.sync.wire import MAX_PASSWORD_CHARS
from db.models import Clerk, SignInFailure
from db.store import Store

log = logging.getLogger("clerk.accounts.signin")

MAX_FAILURES = 5
LOCK_MINUTES = (5, 15, 60, 240)  # the first lock, the second …; the last repeats


class Refusal(StrEnum):
    WRONG = "wrong"  # unknown login or wrong password
    LOCKED = "locked"
    DISABLED = "disabled"
    TEMPORARY_EXPIRED = "temporary_expired"
    TOO_LONG = "too_long"


class SignInRefused(Exception):
    """Why a sign-in (or a password confirmation) was refused; the message is for the person at the window."""

    def __init__(self, message: str, *, reason: Refusal, login: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.login = login


@dataclass(frozen=True)
class SignedIn:
    login: str
    name: str
    must_change: bool  # a temporary password: change it (online) before doing anything
    rehash: bool  # the stored hash is of an older scheme: the server should make a new one


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def lock_minutes(lockouts: int) -> int:
    """How long the `lockouts`-th lock (1, 2, …) lasts."""
    return LOCK_MINUTES[min(lockouts, len(LOCK_MINUTES)) - 1]


def check_password(store: Store, login: str, password: str, *, now: datetime) -> SignedIn:
    """The account behind (login, password) at this window, or SignInRefused saying why not; a wrong
    password is counted (and may lock the login here), a right one clears the count."""
    moment = _naive(now)
    with store.read() as session:
        failure = session.get(SignInFailure, login[:40])
        locked_until = failure.locked_until if failure is not None else None
        clerk = session.get(Clerk, login) if len(login) <= 40 else None
        if clerk is not None:
            session.expunge(clerk)
    if locked_until is not None and locked_until > moment:
        raise SignInRefused(
            f"账号 {login} 在本窗口连续 {MAX_FAILURES} 次密码错误，已锁定至 "
            f"{hall_time_text(locked_until, style='short')}，届时再试；如忘记密码请信息技术人员重置",
            reason=Refusal.LOCKED,
            login=login,
        )
    if len(password) > MAX_PASSWORD_CHARS:
        left = _count_failure(store, login, moment)
        raise SignInRefused(
            f"密码过长（{len(password)} 个字符，密码最多 {MAX_PASSWORD_CHARS} 个字符），未予核对。{left}",
            reason=Refusal.TOO_LONG,
            login=login,
        )
    matches = (
        verify_password(password, clerk.password_hash) if clerk is not None else verify_unknown(password)
    )
    if clerk is None or not matches:
        left = _count_failure(store, login, moment)
        raise SignInRefused(f"账号或密码不正确。{left}", reason=Refusal.WRONG, login=login)
    _clear_failures(store, login)
    if not clerk.active:
        raise SignInRefused(
            f"账号 {login}（{clerk.name}）已停用，不能登录；如有疑问请联系大厅信息技术人员",
            reason=Refusal.DISABLED,
            login=login,
        )
    temporary = clerk.temporary_until is not None
    if clerk.temporary_until is not None and clerk.temporary_until <= moment:
        raise SignInRefused(
            f"账号 {login} 的临时密码已于 {hall_time_text(clerk.temporary_until, style='short')} 过期，"
            "请信息技术人员重置密码",
            reason=Refusal.TEMPORARY_EXPIRED,
            login=login,
        )
    return SignedIn(clerk.login, clerk.name, must_change=temporary, rehash=needs_rehash(clerk.password_hash))


def _count_failure(store: Store, login: str, moment: datetime) -> str:
    """One more wrong password for `login`; what the person is told about the lock."""
    key = login[:40]
    with store.write() as session:
        failure = session.get(SignInFailure, key)
        if failure is None:
            failure = SignInFailure(
                login=key, failures=0, lockouts=0, locked_until=None, last_failed_at=moment
            )
            session.add(failure)
        if failure.locked_until is not None and failure.locked_until <= moment:
            failure.failures = 0  # the lock ended: a fresh count, the next lock longer
            failure.locked_until = None
        failure.failures += 1
        failure.last_failed_at = moment
        if failure.failures >= MAX_FAILURES:
            failure.lockouts += 1
            minutes = lock_minutes(failure.lockouts)
            failure.locked_until = moment + timedelta(minutes=minutes)
            log.warning("login %s locked at this window for %d minutes", key, minutes)
            return f"连续 {MAX_FAILURES} 次错误，账号在本窗口锁定 {minutes} 分钟"
        left = MAX_FAILURES - failure.failures
    return f"再错 {left} 次，账号将在本窗口锁定"


def _clear_failures(store: Store, login: str) -> None:
    with store.read() as session:
        if session.get(SignInFailure, login) is None:
            return
    with store.write() as session:
        failure = session.get(SignInFailure, login)
        if failure is not None:  # the person proved who they are: later locks start short again
            failure.failures = 0
            failure.lockouts = 0
            failure.locked_until = None
