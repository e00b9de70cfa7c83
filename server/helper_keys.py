"""A PC's signing keys published by the PC itself, and revoked with it (issue 15).

A key reaches the server inside the first certificate it seals (server.signing_keys); a helper's laptop
seals none, yet the windows of its hall must know its key to read the 帮办预审单 it signs. So every PC
publishes its own key entries (`KEYS_PUBLISH_PATH`, each sync round until the server holds them). The server
trusts no window: a key is registered only when
- it is a valid Ed25519 public entry, its office name within `MAX_OFFICE_NAME_CHARS`;
- its id names the pushing device's own window, and the office its id names is the entry's office;
- the office is an implementing body the device's hall accepts for (the latest published catalog);
- its validity is sane: from no earlier than `EARLIEST_KEY_DAY`, not after tomorrow (a PC's clock a day
  ahead), and to no earlier than from;
- its id is not registered already to another window or hall, or with another entry (nothing is ever
  overwritten: the clash is logged at ERROR).
Each key refused carries its reason (app.sync.wire.HelperRefusal): no catalog published yet, or a key that
starts after tomorrow, may yet be registered in a later round; anything else is final.
A key registered now goes to every window of the hall as a `signing_key` change, the same change a key
registered by a certificate makes.

Revoking a device (`clerk-server revoke`, hall IT: a PC lost or stolen) revokes the keys registered for its
window up to then — made on that PC, or on the PC it replaced, whose keyring it may hold — in the same
transaction: each goes to the hall's windows as a `signing_key.revoked` change, and from then on they refuse
a hand-off it signed. What such a key sealed before (certificates) stays valid unless revoked itself: a
certificate is checked against its key's entry, never against the key's revocation.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, select, update

from app.seal import ED25519, KeyDirectoryError, PublicKeyEntry, public_entry_from_json, public_entry_json
from app.sync.certificate_event import key_window
from app.sync.wire import (
    KIND_SIGNING_KEY_REVOKED,
    MAX_OFFICE_NAME_CHARS,
    MAX_PUBLISHED_KEYS,
    HelperRefusal,
    WireError,
)
from server import bulk
from server.bulk import dumps, insert_rows
from server.clock import utc_naive, utc_text
from server.hall_catalogs import catalog_facts
from server.models import signing_key
from server.signing_keys import Device, binding_problem, register_keys
from server.store import ServerDB
from server.sync import change_log

log = logging.getLogger("clerk.server.keys")

EARLIEST_KEY_DAY = date(2020, 1, 1)


@dataclass
class Published:
    registered: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)
    refused: list[dict[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"registered": self.registered, "held": self.held, "refused": self.refused}


def read_publication(data: Any) -> list[Any]:
    """The entries of a publication body; WireError for a body of another shape."""
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise WireError('publish: 应为 {"keys": [...]}')
    keys: list[Any] = data["keys"]
    if len(keys) > MAX_PUBLISHED_KEYS:
        raise WireError(f"publish: 一次最多 {MAX_PUBLISHED_KEYS} 把密钥，收到 {len(keys)} 把")
    return keys


Problem = tuple[HelperRefusal, str]


def _entry_problem(
    item: Any, device: Device, bodies: frozenset[str] | None, today: date
) -> PublicKeyEntry | Problem:
    """The entry, or why it is refused. `bodies`: those the device's hall accepts for (None: no catalog is
    published yet)."""
    invalid = HelperRefusal.INVALID
    try:
        entry = public_entry_from_json(item, where="发布的签发密钥")
    except KeyDirectoryError as error:
        return invalid, str(error)
    if entry.algorithm != ED25519:
        return invalid, f"签发密钥 {entry.key_id} 的算法 {entry.algorithm} 不受支持（应为 {ED25519}）"
    try:
        Ed25519PublicKey.from_public_bytes(entry.public_key)
    except ValueError:
        return invalid, f"签发密钥 {entry.key_id} 的公钥不是有效的 Ed25519 公钥"
    if not 0 < len(entry.office_name) <= MAX_OFFICE_NAME_CHARS:
        return invalid, f"签发密钥 {entry.key_id} 的机关名称应为 1–{MAX_OFFICE_NAME_CHARS} 个字符"
    if key_window(entry.key_id) != device.window_code:
        return invalid, f"签发密钥 {entry.key_id} 的编号不是本设备登记的窗口 {device.window_code} 的密钥"
    if entry.key_id.split("-", 1)[0] != entry.office_code[8:17]:
        return invalid, f"签发密钥 {entry.key_id} 的编号与其机关代码 {entry.office_code} 不符"
    hall = device.hall_code
    if bodies is None:
        return (
            HelperRefusal.CATALOG_NOT_PUBLISHED,
            f"服务器尚未发布事项目录，签发密钥 {entry.key_id} 暂不登记",
        )
    if entry.office_code not in bodies:
        why = f"签发密钥 {entry.key_id} 的机关（{entry.office_code}）不是大厅 {hall} 受理事项的实施机关"
        return HelperRefusal.NOT_HALL_BODY, why
    if entry.valid_from > today + timedelta(days=1):
        why = f"签发密钥 {entry.key_id} 的启用日期 {entry.valid_from} 晚于服务器日期（本机时钟可能有误）"
        return HelperRefusal.KEY_NOT_YET_VALID, why
    if entry.valid_from < EARLIEST_KEY_DAY:
        return invalid, f"签发密钥 {entry.key_id} 的启用日期 {entry.valid_from} 不合理（本机时钟可能有误）"
    if entry.valid_until is not None and entry.valid_until < entry.valid_from:
        return invalid, f"签发密钥 {entry.key_id} 的停用日期早于启用日期"
    return entry


def publish_keys(db: ServerDB, device: Device, items: list[Any], *, now: datetime) -> Published:
    """Register the device's own key entries `items` (see the module docstring), in one transaction."""
    now = utc_naive(now)
    published = Published()
    with db.write() as connection:
        facts = catalog_facts(connection)
        bodies = facts.bodies.get(device.hall_code, frozenset()) if facts is not None else None
        fresh: dict[str, PublicKeyEntry] = {}
        for item in items:
            checked = _entry_problem(item, device, bodies, now.date())
            if isinstance(checked, tuple):
                key_id = item.get("key_id") if isinstance(item, dict) else None
                reason, message = checked
                published.refused.append({"key_id": str(key_id)[:40], "reason": reason, "message": message})
                continue
            fresh.setdefault(checked.key_id, checked)
        new_ids = register_keys(connection, db, device, fresh.values(), now=now) if fresh else set()
        rows = {
            row.key_id: row
            for row in connection.execute(select(signing_key).where(signing_key.c.key_id.in_(sorted(fresh))))
        }
        announced: list[dict[str, Any]] = []
        for key_id, entry in sorted(fresh.items()):
            problem = binding_problem(rows[key_id], device, entry)
            if problem is not None:
                log.error(
                    "SIGNING KEY CLASH: key %s published by device %s (%s/%s) refused: %s",
                    key_id,
                    device.device_id,
                    device.hall_code,
                    device.window_code,
                    problem,
                )
                published.refused.append(
                    {"key_id": key_id, "reason": HelperRefusal.KEY_CLASH, "message": problem}
                )
            elif key_id in new_ids:
                published.registered.append(key_id)
                announced.append(
                    {
                        **public_entry_json(entry),
                        "window_code": device.window_code,
                        "hall_code": device.hall_code,
                    }
                )
            else:
                published.held.append(key_id)
        if announced:
            change_log.lock_change_log(connection, db)
            change_log.append(
                connection, change_log.key_changes(device.hall_code, announced, now, device.device_id)
            )
    for refused in published.refused:
        log.warning(
            "device %s: key %s not registered: %s", device.device_id, refused["key_id"], refused["message"]
        )
    if published.registered:
        log.info("device %s published keys %s", device.device_id, ", ".join(published.registered))
    return published


def revoke_window_keys(
    connection: Connection, db: ServerDB, *, hall_code: str, window_code: str, now: datetime, reason: str
) -> list[str]:
    """Revoke the keys registered for `window_code` of `hall_code` not revoked yet, and tell the hall's
    windows (a `signing_key.revoked` change each); the ids revoked. In the caller's transaction."""
    now = utc_naive(now)
    key_ids = sorted(
        connection.execute(
            select(signing_key.c.key_id).where(
                signing_key.c.hall_code == hall_code,
                signing_key.c.window_code == window_code,
                signing_key.c.revoked_at.is_(None),
            )
        ).scalars()
    )
    if not key_ids:
        return []
    connection.execute(
        update(signing_key)
        .where(signing_key.c.key_id.in_(key_ids))
        .values(revoked_at=now, revoked_reason=reason)
    )
    change_log.lock_change_log(connection, db)
    rows = [
        (
            hall_code,
            KIND_SIGNING_KEY_REVOKED,
            key_id,
            dumps(
                {
                    "key_id": key_id,
                    "window_code": window_code,
                    "hall_code": hall_code,
                    "revoked_at": utc_text(now),
                    "reason": reason,
                }
            ),
            now,
            None,
        )
        for key_id in key_ids
    ]
    insert_rows(connection, bulk.CHANGES, rows)
    log.warning("signing keys of window %s/%s revoked for hand-offs: %s", hall_code, window_code, key_ids)
    return key_ids
