"""A hall's accounts as its windows receive them: the whole list, one `accounts` change per change.

Every change of a hall's accounts (added, disabled, enabled, a password reset or changed, a hash upgraded,
roles set, `init --demo`) appends, in the same transaction, ONE change for that hall carrying the hall's
whole list (app.sync.account_wire). A snapshot rather than a change per account: a window applies it whole
or not at all, so it never holds half an update, and the latest change alone says what is true.

The snapshot is read after the change-log lock is taken (server.sync.change_log): two transactions
changing accounts of one hall at once append in commit order, and the later one, reading after the
earlier committed, carries both changes.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from app.sync.account_wire import AccountEntry
from app.sync.wire import KIND_ACCOUNTS
from server import bulk
from server.bulk import dumps, insert_rows
from server.models import account
from server.store import ServerDB
from server.sync import lock_change_log

log = logging.getLogger("clerk.server.accounts")


def entry_of(row: Any) -> AccountEntry:
    """An `account` row as windows hold it."""
    return AccountEntry(
        login=row.login,
        name=row.name,
        roles=tuple(row.roles.split()),
        password_hash=row.password_hash,
        enabled=row.disabled_at is None,
        temporary_until=row.temporary_until,
    )


def hall_entries(connection: Connection, hall_code: str) -> list[AccountEntry]:
    rows = connection.execute(
        select(account).where(account.c.hall_code == hall_code).order_by(account.c.login)
    ).all()
    return [entry_of(row) for row in rows]


def publish_accounts(connection: Connection, db: ServerDB, *, hall_code: str, now: datetime) -> int:
    """Append the hall's whole list as one `accounts` change (for every window of the hall); how many
    accounts it holds. Call inside the transaction that changed them."""
    lock_change_log(connection, db)
    entries = hall_entries(connection, hall_code)
    payload = {"accounts": [entry.to_json() for entry in entries]}
    insert_rows(connection, bulk.CHANGES, [(hall_code, KIND_ACCOUNTS, hall_code, dumps(payload), now, None)])
    log.info("accounts of hall %s sent to its windows (%d accounts)", hall_code, len(entries))
    return len(entries)
