"""`record_audit`: the one call for events about no case (sign-in and sign-out, failed sign-ins, lock and
unlock, password changes, exports), written to the outbox like a case's events so the window's hash chain
and the server hold them too.

A failed sign-in for a login this window does not know is recorded under `wire.UNKNOWN_LOGIN`, which no
account can have, with what was typed in its payload: cut to the login's length and stripped of control
characters, so a long paste (a password typed in the login field, 10 MB from the clipboard) neither
reaches the record whole nor fails it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.sync.events import AuditRecord
from app.sync.outbox import record_event
from app.sync.wire import AUDIT_KINDS, MAX_LOGIN_CHARS, UNKNOWN_LOGIN, EventKind
from db.models import Clerk
from db.store import Store

# What the sign-in code records, by name (the `audit.*` kinds of `wire.EventKind`).
AuditKind = EventKind


@dataclass(frozen=True)
class _At:
    clerk_login: str
    window_code: str


def typed_login(text: str) -> str:
    """What was typed as a login, fit to keep: the first `MAX_LOGIN_CHARS` characters that are not control
    characters or lone surrogates (and no more than that is ever looked at)."""
    kept = []
    for char in text[: MAX_LOGIN_CHARS * 4]:
        if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp"):
            continue
        kept.append(char)
        if len(kept) == MAX_LOGIN_CHARS:
            break
    return "".join(kept).strip()


def record_audit(
    target: Store | Session,
    kind: EventKind,
    *,
    login: str,
    window_code: str,
    now: datetime,
    details: Mapping[str, Any] | None = None,
) -> str:
    """Record an `audit.*` event by `login` at `window_code` at `now`, with `details` as its payload (the
    kind's schema in `app.sync.events` says which fields); returns its event id. With a Session, in the
    caller's transaction (e.g. a password change with its event); with the Store, in a transaction of its
    own. For `audit.sign_in_failed`, `login` is what was typed: a login this window does not know is kept
    in the payload (`typed_login`) and the event names no one. ValueError for a kind about a case;
    `app.sync.outbox.UnsendableEvent` for details the schema refuses (nothing is written)."""
    if kind not in AUDIT_KINDS:
        raise ValueError(f"{kind} 是办件的事项，不是登录、锁屏或导出记录")
    if isinstance(target, Store):
        with target.write() as session:
            return _record(session, kind, login=login, window_code=window_code, now=now, details=details)
    return _record(target, kind, login=login, window_code=window_code, now=now, details=details)


def _record(
    session: Session,
    kind: EventKind,
    *,
    login: str,
    window_code: str,
    now: datetime,
    details: Mapping[str, Any] | None,
) -> str:
    payload = dict(details or {})
    known = len(login) <= MAX_LOGIN_CHARS and session.get(Clerk, login) is not None
    if kind == EventKind.SIGN_IN_FAILED and not known:
        payload["typed_login"] = typed_login(login)
        payload["reason"] = "unknown_login"
        login = UNKNOWN_LOGIN
    row = record_event(
        session=session,
        event=AuditRecord(kind, payload),
        case_number="",
        by=_At(login, window_code),
        now=now,
    )
    return row.event_id
