"""The window's `sync_state` table: small named values sync keeps between rounds (the pull cursor, how far
a page was applied, the last success, a revocation, a pending registration)."""

from __future__ import annotations

from sqlalchemy import select

from db.models import SyncState
from db.store import Store


class SyncStates:
    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, key: str) -> str | None:
        with self.store.read() as session:
            row = session.get(SyncState, key)
            return None if row is None else row.value

    def set(self, key: str, value: str) -> None:
        with self.store.write() as session:
            session.merge(SyncState(key=key, value=value))

    def drop(self, key: str) -> None:
        with self.store.write() as session:
            row = session.get(SyncState, key)
            if row is not None:
                session.delete(row)

    def all(self) -> dict[str, str]:
        with self.store.read() as session:
            return {row.key: row.value for row in session.scalars(select(SyncState)).all()}
