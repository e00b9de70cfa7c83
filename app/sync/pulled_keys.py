"""Pulled `signing_key` changes: a certificate signing key the server registered for a window of this hall
(its public entry, `window_code`, `hall_code`: app.sync.wire.KIND_SIGNING_KEY).

The key joins this window's key directory (db `office_key`), so a certificate any PC of the hall sealed
verifies here offline. It is taken only when its id names the window it is registered for
(app.sync.certificate_event.key_window) and, when this window knows its hall, for this hall. A key id held
here with another key is never replaced (logged at ERROR): the key held keeps verifying what it sealed.
`join_directory` is the one place a key from the server joins the directory (certificates pulled or
fetched bring theirs the same way).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.orm import Session

from app.seal import KeyDirectoryError, PublicKeyEntry, public_entry_from_json
from app.signing_keys import key_row
from app.sync import wire
from app.sync.certificate_event import key_window
from app.sync.changes import Applying
from db.models import OfficeKey as OfficeKeyRow

log = logging.getLogger("clerk.sync")

# The fields of a `signing_key` change besides the key's public entry.
REGISTERED_FOR = ("window_code", "hall_code")

Refuse = Callable[..., None]  # a logger's method: log.error or log.warning


def join_directory(session: Session, key: PublicKeyEntry, *, where: str, refuse: Refuse) -> int | None:
    """`key` into the key directory: 1 added, 0 held already; None when its id is held with another key
    (refused through `refuse`, naming `where`; the key held is kept)."""
    local = session.get(OfficeKeyRow, key.key_id)
    if local is None:
        session.add(key_row(key))
        log.info("signing key %s of window %s added to the key directory", key.key_id, key_window(key.key_id))
        return 1
    if (local.algorithm, local.public_key, local.office_code) != (
        key.algorithm,
        key.public_key.hex(),
        key.office_code,
    ):
        refuse("%s refused: its key id %s is held here with another key, which is kept", where, key.key_id)
        return None
    return 0


def apply_signing_key(applying: Applying, change: wire.Change) -> int:
    payload = change.payload
    where = f"signing key change {change.seq}"
    window, hall = payload.get("window_code"), payload.get("hall_code")
    entry = {k: v for k, v in payload.items() if k not in REGISTERED_FOR}
    try:
        key = public_entry_from_json(entry, where="服务器登记的签发密钥")
    except KeyDirectoryError as error:
        log.error("%s refused: %s", where, error)
        return 0
    if not isinstance(window, str) or key_window(key.key_id) != window:
        log.error("%s refused: key id %s does not name its window %r", where, key.key_id, window)
        return 0
    if applying.hall_code and hall != applying.hall_code:
        log.error("%s refused: key %s is registered for hall %r, not this hall", where, key.key_id, hall)
        return 0
    return join_directory(applying.session, key, where=where, refuse=log.error) or 0
