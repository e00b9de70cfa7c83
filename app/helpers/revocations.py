"""The signing keys this window no longer trusts for a helper's hand-off: a helper's PC revoked, lost or
stolen. A hand-off code signed with such a key is refused whatever date it claims (a stolen PC's clock
says what its thief likes). Recorded by hall IT at the window (`revoke_key`), or, the usual way, learned by
sync: revoking a device on the server (`clerk-server revoke`) revokes its window's keys, and each comes to
every window of the hall as a `signing_key.revoked` change (`apply_key_revocation`; server.helper_keys).

Only hand-offs consult this table: a certificate a revoked key sealed before stays valid (its seal is
checked against the key's entry in the directory), unless the certificate itself is revoked.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.sync import wire
from app.sync.certificate_event import key_window
from app.sync.changes import Applying
from app.sync.event_parts import CLERK_TEXT
from app.sync.schema import Problem, Record, Text, required
from db.models import RevokedSigningKey
from db.store import Store

log = logging.getLogger("clerk.sync")

KEY_REVOCATION = Record(
    {
        "key_id": required(Text(80)),
        "window_code": required(Text(12)),
        "hall_code": required(Text(32)),
        "revoked_at": required(Text(40)),
        "reason": required(CLERK_TEXT),
    }
)


def revoke_key(store: Store, *, key_id: str, reason: str, now: datetime) -> None:
    """Stop trusting `key_id` for hand-offs here (again: the first revocation is kept)."""
    reason = reason.strip()
    if not reason:
        raise ValueError("请填写停用该设备密钥的原因")
    with store.write() as session:
        _record(session, key_id=key_id, reason=reason, at=now.astimezone(UTC).replace(tzinfo=None))


def _record(session: Session, *, key_id: str, reason: str, at: datetime) -> int:
    if session.get(RevokedSigningKey, key_id) is not None:
        return 0
    session.add(RevokedSigningKey(key_id=key_id, revoked_at=at, reason=reason))
    return 1


def revoked_keys(session: Session) -> dict[str, RevokedSigningKey]:
    return {row.key_id: row for row in session.scalars(select(RevokedSigningKey))}


def apply_key_revocation(applying: Applying, change: wire.Change) -> int:
    """A pulled `signing_key.revoked` change, checked (its shape; a key id naming its window; this hall),
    recorded once."""
    payload = change.payload
    problems: list[Problem] = []
    KEY_REVOCATION.check(payload, "key revocation", problems)
    if problems:
        log.error("key revocation change %s refused, not stored: %s", change.seq, problems[0])
        return 0
    key_id = str(payload["key_id"])
    if key_window(key_id) != payload["window_code"]:
        log.error(
            "key revocation change %s refused: %s does not name window %r",
            change.seq,
            key_id,
            payload["window_code"],
        )
        return 0
    if applying.hall_code and payload["hall_code"] != applying.hall_code:
        log.error("key revocation change %s refused: key %s is of another hall", change.seq, key_id)
        return 0
    try:
        at = datetime.fromisoformat(str(payload["revoked_at"]).replace("Z", "+00:00"))
    except ValueError:
        log.error("key revocation change %s refused: revoked_at %r", change.seq, payload["revoked_at"])
        return 0
    stored = _record(
        applying.session,
        key_id=key_id,
        reason=str(payload["reason"]),
        at=at.astimezone(UTC).replace(tzinfo=None),
    )
    if stored:
        log.warning(
            "signing key %s of window %s revoked for hand-offs: %s",
            key_id,
            payload["window_code"],
            payload["reason"],
        )
    return stored
