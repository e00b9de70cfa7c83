"""The hall's accounts at a window: the list the server sends (an `accounts` change, the hall's whole list)
replaces the window's `clerk` rows, and a password change or a hash upgrade goes to the server, which holds
the truth, before the window stores what it answers.

A pulled list is checked whole before anything is written (app.sync.account_wire.read_snapshot: a window
trusts nothing pulled). One bad entry — the same login twice, roles that are not a list, a hash of an
unknown scheme, a 500-character login — refuses the whole list: the window keeps the list it had, the
problem is logged, named in the round's report (`account_problems`) and kept in the sync state
(`ACCOUNTS_PROBLEM_STATE`) until a good list arrives; the pull goes on and its cursor moves (a later list
repairs it; stopping there would stop every later change too).

A good list is written in the pull's transaction: each account in it as sent (active = enabled, roles
joined by spaces, temporary_until), each account of the window not in it set inactive (the row stays: old
cases name it). Sign-in reads those rows offline (app.accounts).
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.sync import wire
from app.sync.account_wire import AccountEntry, PasswordChange, Rehash, read_snapshot
from app.sync.changes import Applying
from app.sync.transport import SyncError, Transport
from db.models import Clerk, SyncState
from db.store import Store

log = logging.getLogger("clerk.sync")

ACCOUNTS_PROBLEM_STATE = "accounts_problem"  # sync_state: why the last list pulled was not taken


def refusal_message(problem: str) -> str:
    return f"服务器下发的账号名单中{problem}，未采用，仍用上次的名单"


def apply_accounts(applying: Applying, change: wire.Change) -> int:
    """The hall's list, checked whole, replacing the window's accounts; how many rows it changed. A list
    refused changes nothing and does not stop the pull."""
    try:
        entries = read_snapshot(change.payload)
    except wire.WireError as error:
        message = refusal_message(str(error))
        log.warning("accounts list of change %s refused: %s", change.seq, message)
        applying.report.account_problems.append(message)
        applying.session.merge(SyncState(key=ACCOUNTS_PROBLEM_STATE, value=message))
        return 0
    changed = store_entries(applying.session, entries, whole=True)
    problem = applying.session.get(SyncState, ACCOUNTS_PROBLEM_STATE)
    if problem is not None:
        applying.session.delete(problem)
    applying.report.accounts_updated = True
    log.info(
        "accounts list of change %s taken: %d accounts, %d rows changed", change.seq, len(entries), changed
    )
    return changed


def _entry_values(entry: AccountEntry) -> dict[str, object]:
    return {
        "name": entry.name,
        "password_hash": entry.password_hash,
        "active": entry.enabled,
        "roles": " ".join(entry.roles),
        "temporary_until": entry.temporary_until,
    }


def store_entries(session: Session, entries: list[AccountEntry], *, whole: bool) -> int:
    """Write `entries` into the `clerk` rows; with `whole`, the accounts not among them are set inactive.
    How many rows changed."""
    rows = {row.login: row for row in session.scalars(select(Clerk))}
    changed = 0
    for entry in entries:
        values = _entry_values(entry)
        row = rows.get(entry.login)
        if row is None:
            session.add(Clerk(login=entry.login, **values))
            changed += 1
        elif any(getattr(row, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(row, key, value)
            changed += 1
    if whole:
        listed = {entry.login for entry in entries}
        for login, row in rows.items():
            if login not in listed and row.active:
                row.active = False
                changed += 1
    return changed


def _online(transport: Transport, path: str, body: dict[str, object], doing: str) -> dict[str, object]:
    credential = transport.registered()
    try:
        answer = transport.request("POST", credential.server_url, path, credential=credential, json=body)
    except SyncError as error:
        if error.kind == "offline":
            raise SyncError(
                "offline", f"无法连接服务器，未能{doing}（{doing}需要连接服务器）：{error.message}"
            ) from None
        raise
    if not isinstance(answer, dict):
        raise SyncError("protocol", f"服务器的回应无法识别，未能{doing}")
    return answer


def _store_answer(store: Store, answer: dict[str, object], doing: str) -> AccountEntry:
    """The account the server answered, checked like a pulled one and written into its `clerk` row."""
    try:
        entry = AccountEntry.read(answer.get("account"), "服务器回应的账号")
    except wire.WireError as error:
        raise SyncError("protocol", f"{error}：未能在本机{doing}，下次同步后生效") from None
    with store.write() as session:
        store_entries(session, [entry], whole=False)
    return entry


def change_password(
    *, store: Store, transport: Transport, login: str, password: str, new_password: str
) -> AccountEntry:
    """Change a person's password on the server (their current password, possibly the temporary one hall
    IT gave them) and store the account it answers here at once. SyncError: `offline` (the server could
    not be reached), `refused` (login or password wrong, or the account disabled), `temporary_expired`
    (hall IT must reset it), `protocol` (a new password the rules refuse: the server's message)."""
    request = PasswordChange(login=login, password=password, new_password=new_password)
    answer = _online(transport, wire.PASSWORD_CHANGE_PATH, request.to_json(), "修改密码")
    entry = _store_answer(store, answer, "修改密码")
    log.info("password of %s changed on the server", login)
    return entry


def upgrade_hash(*, store: Store, transport: Transport, login: str, password: str) -> AccountEntry | None:
    """After a sign-in whose stored hash is of an older scheme: the server stores today's and answers the
    account, stored here at once; None when the server had nothing to do. SyncError as `change_password`."""
    answer = _online(transport, wire.PASSWORD_REHASH_PATH, Rehash(login, password).to_json(), "更新密码摘要")
    if answer.get("changed") is not True:
        return None
    return _store_answer(store, answer, "更新密码摘要")
