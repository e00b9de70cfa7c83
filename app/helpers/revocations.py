"""The signing keys this window no longer trusts for a helper's hand-off: a helper's PC revoked, lost or
stolen. A hand-off code signed with such a key is refused whatever date it claims (a stolen PC's clock
says what its thief likes). Recorded here by hall IT at the window (`revoke_key`); a revocation sent to
every window by sync is a later part (see app.helpers)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import RevokedSigningKey
from db.store import Store


def revoke_key(store: Store, *, key_id: str, reason: str, now: datetime) -> None:
    """Stop trusting `key_id` for hand-offs here (again: the first revocation is kept)."""
    reason = reason.strip()
    if not reason:
        raise ValueError("请填写停用该设备密钥的原因")
    with store.write() as session:
        if session.get(RevokedSigningKey, key_id) is None:
            session.add(
                RevokedSigningKey(
                    key_id=key_id, revoked_at=now.astimezone(UTC).replace(tzinfo=None), reason=reason
                )
            )


def revoked_keys(session: Session) -> dict[str, RevokedSigningKey]:
    return {row.key_id: row for row in session.scalars(select(RevokedSigningKey))}
