"""This PC's certificate signing keys: made in steps that can each be repeated, and finished at start-up.

A window PC seals certificates with a key of its own for each office (its id names the window:
app.sync.certificate_event). A key lives in two places that no one transaction spans: its private half in
the OS keyring, its public entry in the window's key directory (the database), which is what verifies what
the key sealed. A new key is made only after both places took a write just now (`SecretStore.probe`,
`Store.probe_write`), in these steps:

1. `office-key:{id}`: the private half (hex);
2. `office-key-entry:{id}`: its public entry, exactly as the directory will hold it (JSON);
3. `office-keys#{window}`: the ids of the keys this PC made for the window (JSON), what start-up reads;
4. `office-key-current:{office}#{window}`: the key that seals for the office at this window now;
5. the directory row (the public entry), in the database.

Repeating a step writes what it wrote before. A failure before step 3 leaves secrets that nothing refers to:
that key sealed nothing, and the next approval makes another. What a failure after step 3 left half-done is
finished by `repair` when the data folder is opened (and by `current` at the next approval): the row is
written from the kept entry, and the current pointer set when the failure came before it. A database
restored from an older backup lacks the rows of the keys made since; they are written back the same way, so
what those keys sealed verifies here again, under the very entry the server registered.

Never reused, as before: a key whose private half is gone (its row stays and verifies what it sealed), and a
key of an earlier version whose row is gone (its entry was not kept; a row rebuilt with a guessed office
name or first day would not be the entry the server registered). A new key with a new id is made instead.
"""

from __future__ import annotations

import json
import logging

from sqlalchemy import select

from app.clock import Clock
from app.seal import (
    KeyDirectoryError,
    OfficeKey,
    PublicKeyEntry,
    public_entry_from_json,
    public_entry_json,
    stored_entry,
)
from app.secrets import SecretStore, SecretStoreError
from app.sync.certificate_event import new_key_id
from db.models import OfficeKey as OfficeKeyRow
from db.models import RevokedSigningKey
from db.store import Store

log = logging.getLogger("clerk.certificates.keys")


def private_name(key_id: str) -> str:
    return f"office-key:{key_id}"


def entry_name(key_id: str) -> str:
    return f"office-key-entry:{key_id}"


def made_name(window_code: str) -> str:
    return f"office-keys#{window_code}"


def current_name(office_code: str, window_code: str) -> str:
    return f"office-key-current:{office_code}#{window_code}"


def key_row(entry: PublicKeyEntry) -> OfficeKeyRow:
    """The window's key directory row of a key entry (its own key, or one the server vouched for)."""
    return OfficeKeyRow(
        key_id=entry.key_id,
        algorithm=entry.algorithm,
        public_key=entry.public_key.hex(),
        office_name=entry.office_name,
        office_code=entry.office_code,
        valid_from=entry.valid_from,
        valid_until=entry.valid_until,
    )


class SigningKeys:
    def __init__(self, *, store: Store, secrets: SecretStore, clock: Clock) -> None:
        self._store, self._secrets, self._clock = store, secrets, clock

    def current(
        self, *, office_code: str, office_name: str, window_code: str
    ) -> tuple[OfficeKey, PublicKeyEntry]:
        """The key that seals for `office_code` at `window_code` and its entry as the key directory holds it
        (what the certificate event carries); made now if there is none that can be used."""
        key_id = self._secrets.get(current_name(office_code, window_code))
        if key_id is not None and self._revoked(key_id):
            # Revoked with this window's PC on the server (a PC lost or stolen holds it): a new key, which
            # the next sync publishes; what the old one sealed stays valid (app.helpers.revocations).
            log.warning("signing key %s of %s was revoked; a new one is made", key_id, office_name)
            key_id = None
        if key_id is not None:
            usable = self._usable(key_id, office_code=office_code)
            if usable is not None:
                return usable
            log.warning("signing key %s of %s is incomplete here; a new one is made", key_id, office_name)
        return self._make(office_code=office_code, office_name=office_name, window_code=window_code)

    def repair(self, *, window_code: str) -> list[str]:
        """Finish the steps a failure left half-done for the keys this PC made for `window_code` (see the
        module docstring); the ids of the keys whose directory row was written again."""
        made = self._made(window_code)
        if not made:
            return []
        with self._store.read() as session:
            present = set(session.scalars(select(OfficeKeyRow.key_id).where(OfficeKeyRow.key_id.in_(made))))
        written: list[PublicKeyEntry] = []
        for key_id in (k for k in made if k not in present):
            entry = self._kept_entry(key_id)
            if entry is None:
                log.error("signing key %s has no entry in the keyring; its row cannot be written", key_id)
                continue
            private = self._private(key_id, office_code=entry.office_code)
            if private is not None and private.public_bytes() != entry.public_key:
                log.error("signing key %s: the keyring's entry does not fit its private half", key_id)
                continue
            self._write_row(entry)
            written.append(entry)
            log.warning("signing key %s: its key directory row was missing, written from the keyring", key_id)
        latest = {entry.office_code: entry for entry in written}  # made last for its office
        for entry in latest.values():  # a failure before step 4: the key becomes current as meant
            pointer = current_name(entry.office_code, window_code)
            if self._secrets.get(pointer) is not None:
                continue
            if self._usable(entry.key_id, office_code=entry.office_code) is not None:
                self._secrets.set(pointer, entry.key_id)
                log.warning("signing key %s is now current for %s", entry.key_id, entry.office_name)
        return [entry.key_id for entry in written]

    # -- the steps ---------------------------------------------------------------------------------
    def _make(
        self, *, office_code: str, office_name: str, window_code: str
    ) -> tuple[OfficeKey, PublicKeyEntry]:
        try:
            self._secrets.probe()
        except SecretStoreError as error:
            raise SecretStoreError(f"无法生成本窗口的签发密钥：{error}") from error
        self._store.probe_write()
        key = OfficeKey.generate(
            key_id=new_key_id(office_code=office_code, window_code=window_code), office_code=office_code
        )
        entry = key.public_entry(office_name=office_name, valid_from=self._clock.today(), valid_until=None)
        self._secrets.set(private_name(key.key_id), key.private_bytes().hex())
        self._secrets.set(entry_name(key.key_id), _entry_text(entry))
        self._add_made(window_code, key.key_id)
        self._secrets.set(current_name(office_code, window_code), key.key_id)
        self._write_row(entry)
        log.info("created signing key %s for %s at window %s", key.key_id, office_name, window_code)
        return key, entry

    def _usable(self, key_id: str, *, office_code: str) -> tuple[OfficeKey, PublicKeyEntry] | None:
        """The key `key_id` and its directory entry when both halves are here and fit (a row missing is
        written from the kept entry first); None when it cannot seal."""
        key = self._private(key_id, office_code=office_code)
        if key is None:
            return None
        entry = self._directory_entry(key_id)
        if entry is None:
            kept = self._kept_entry(key_id)
            if kept is None or kept.public_key != key.public_bytes():
                return None  # an earlier version's key: its entry was not kept
            entry = self._write_row(kept)
            log.warning("signing key %s: its key directory row was missing, written from the keyring", key_id)
        return (key, entry) if entry.public_key == key.public_bytes() else None

    def _revoked(self, key_id: str) -> bool:
        with self._store.read() as session:
            return session.get(RevokedSigningKey, key_id) is not None

    def _private(self, key_id: str, *, office_code: str) -> OfficeKey | None:
        stored = self._secrets.get(private_name(key_id))
        if stored is None:
            return None
        try:
            return OfficeKey.from_private_bytes(bytes.fromhex(stored), key_id=key_id, office_code=office_code)
        except ValueError as error:
            log.error("signing key %s in the keyring is unusable: %s", key_id, error)
            return None

    def _kept_entry(self, key_id: str) -> PublicKeyEntry | None:
        text = self._secrets.get(entry_name(key_id))
        if text is None:
            return None
        try:
            entry = public_entry_from_json(json.loads(text), where=f"密钥库中签发密钥 {key_id} 的公钥")
        except (ValueError, KeyDirectoryError) as error:
            log.error("signing key %s: its entry in the keyring is unusable: %s", key_id, error)
            return None
        return entry if entry.key_id == key_id else None

    def _directory_entry(self, key_id: str) -> PublicKeyEntry | None:
        with self._store.read() as session:
            row = session.get(OfficeKeyRow, key_id)
            return None if row is None else stored_entry(row)

    def _write_row(self, entry: PublicKeyEntry) -> PublicKeyEntry:
        """The key's directory row, written unless there is one: what the directory holds now."""
        with self._store.write() as session:
            row = session.get(OfficeKeyRow, entry.key_id)
            if row is None:
                session.add(key_row(entry))
                return entry
            return stored_entry(row)

    def _made(self, window_code: str) -> list[str]:
        text = self._secrets.get(made_name(window_code))
        if text is None:
            return []
        try:
            made = json.loads(text)
        except ValueError:
            made = None
        if not isinstance(made, list) or not all(isinstance(k, str) for k in made):
            log.error("the keyring's list of signing keys of window %s is unusable; ignored", window_code)
            return []
        return made

    def _add_made(self, window_code: str, key_id: str) -> None:
        made = self._made(window_code)
        if key_id not in made:
            self._secrets.set(made_name(window_code), json.dumps([*made, key_id]))


def _entry_text(entry: PublicKeyEntry) -> str:
    return json.dumps(public_entry_json(entry), ensure_ascii=False, separators=(",", ":"))
