"""The windows' certificate signing keys: registered on first sight, and every `certificate.issued` checked
against them before it is stored.

A `certificate.issued` event carries the public entry of the key that sealed its QR
(app.sync.certificate_event). It is checked against the key of the window that *recorded* it — the pushing
device's, which need not hold the case: the back office approves at its own PC for a case accepted at
another window of the hall, and seals with its own key. The server stores the event only when
- the key is the pushing device's window's: its id names that window, and the key is registered to that
  window and hall, or is registered now, bound to them (`INSERT … ON CONFLICT DO NOTHING`, then read back
  and compared, so two pushes racing with different keys under one id cannot both win);
- the QR's signature verifies with that key, and every signed claim is what the payload says, the case
  number the event's.
A key id registered to another window or hall, or with another public key, is refused and logged at ERROR
(a stolen or cloned PC, or two PCs that made one id). An event that carries no key entry (made before keys
travelled) is checked against the key registered under its key id for this window, and refused when there
is none: the server cannot vouch for a seal it has no key for.

The hall's windows receive the certificate with the key entry as registered here, and check it again
themselves before they store it (app.sync.client); each key registered also goes to every window of the
hall on its own (a `signing_key` change), so any window verifies offline what any PC of the hall sealed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import Connection, select

from app.seal import PublicKeyEntry, public_entry_json, stored_entry
from app.sync.certificate_event import CertificateEventError, carried_key, check_sealed
from app.sync.wire import REJECTION_BAD_SIGNATURE, EventKind, Rejection, WireEvent
from server import dialect
from server.models import signing_key
from server.store import ServerDB

log = logging.getLogger("clerk.server.sync")


class Device(Protocol):
    """Who pushes (what this module reads of server.sync.Device)."""

    @property
    def device_id(self) -> str: ...

    @property
    def hall_code(self) -> str: ...

    @property
    def window_code(self) -> str: ...


@dataclass
class Checked:
    rejections: list[Rejection] = field(default_factory=list)
    keys: dict[str, dict[str, Any]] = field(default_factory=dict)  # event id → the key entry as registered
    # The keys this push registered: public entry, `window_code`, `hall_code` (a `signing_key` change each).
    registered: list[dict[str, Any]] = field(default_factory=list)


def _registered(connection: Connection, db: ServerDB, key_ids: Sequence[str]) -> dict[str, Any]:
    if not key_ids:
        return {}
    return {
        row.key_id: row
        for row in connection.execute(
            select(signing_key).where(dialect.among(db, signing_key.c.key_id, sorted(set(key_ids))))
        )
    }


def _refuse(event: WireEvent, message: str) -> Rejection:
    return Rejection(event.event_id, REJECTION_BAD_SIGNATURE, message)


def binding_problem(row: Any, device: Device, presented: PublicKeyEntry | None) -> str | None:
    """Why the registered key `row` cannot seal for `device` (with the entry the event presented)."""
    if row.hall_code != device.hall_code or row.window_code != device.window_code:
        owner = f"窗口 {row.window_code}" if row.hall_code == device.hall_code else "其他大厅的窗口"
        return f"签发密钥 {row.key_id} 已登记给{owner}，不是本设备登记的窗口 {device.window_code}"
    if presented is not None and public_entry_json(presented) != public_entry_json(stored_entry(row)):
        return (
            f"签发密钥 {row.key_id} 已在服务器登记了另一把公钥（或不同的机关、有效期）："
            "同一编号不能代表两把密钥"
        )
    return None


def check_certificates(
    connection: Connection,
    db: ServerDB,
    device: Device,
    events: Sequence[WireEvent],
    *,
    today: date,
    now: datetime,
) -> Checked:
    """Check the `certificate.issued` events among `events` (see the module docstring); register the new
    keys of those that pass. Keys are inserted sorted by id, before the push inserts its events."""
    checked = Checked()
    issued = [e for e in events if e.kind == EventKind.CERTIFICATE_ISSUED]
    if not issued:
        return checked
    presented = _presented_keys(issued, checked)
    issued = [e for e in issued if e.event_id in presented]
    key_ids = [k for e in issued if (k := _key_id(e, presented[e.event_id])) is not None]
    registered = _registered(connection, db, key_ids)
    fresh: dict[str, PublicKeyEntry] = {}  # key id → entry to register
    waiting: list[tuple[WireEvent, PublicKeyEntry]] = []
    for event in issued:
        found = _sealing_key(event, presented[event.event_id], registered, device, today=today)
        if isinstance(found, Rejection):
            checked.rejections.append(found)
            continue
        key, new = found
        if new:
            fresh.setdefault(key.key_id, key)
        waiting.append((event, key))
    if fresh:
        new_ids = register_keys(connection, db, device, fresh.values(), now=now)
        registered.update(_registered(connection, db, list(fresh)))
        checked.registered = [
            {
                **public_entry_json(stored_entry(registered[key_id])),
                "window_code": registered[key_id].window_code,
                "hall_code": registered[key_id].hall_code,
            }
            for key_id in sorted(new_ids)
        ]
    for event, key in waiting:
        _bind(event, key, registered[key.key_id], device, fresh=key.key_id in fresh, checked=checked)
    return checked


def _presented_keys(issued: Sequence[WireEvent], checked: Checked) -> dict[str, PublicKeyEntry | None]:
    """The key entry each event carries (None: it carries none), by event id; an event carrying one that
    is not a valid entry is refused (into `checked`) and left out."""
    presented: dict[str, PublicKeyEntry | None] = {}
    for event in issued:
        try:
            presented[event.event_id] = carried_key(event.payload)
        except CertificateEventError as error:
            checked.rejections.append(_refuse(event, f"办件 {event.case_number} 的证照：{error}"))
    return presented


def _key_id(event: WireEvent, entry: PublicKeyEntry | None) -> str | None:
    key_id = entry.key_id if entry is not None else event.payload.get("key_id")
    return key_id if isinstance(key_id, str) else None


def _sealing_key(
    event: WireEvent,
    entry: PublicKeyEntry | None,
    registered: dict[str, Any],
    device: Device,
    *,
    today: date,
) -> tuple[PublicKeyEntry, bool] | Rejection:
    """The key that sealed `event`'s certificate and whether it is new to the server, once the seal checks
    with it; else the refusal."""
    key_id = _key_id(event, entry)
    where = f"办件 {event.case_number} 的证照"
    row = registered.get(key_id) if key_id is not None else None
    if row is not None:
        problem = binding_problem(row, device, entry)
        if problem is not None:
            _log_clash(event, device, problem)
            return _refuse(event, f"{where}：{problem}，本条未保存")
        key = stored_entry(row)
    elif entry is None:
        return _refuse(
            event,
            f"{where}：签发密钥 {key_id} 未在服务器登记，"
            "本条记录也未附该密钥的公钥（旧版本窗口签发），服务器无法核验签章，未保存。证照在本窗口仍可核验；请联系大厅信息技术人员",
        )
    else:
        key = entry
    problem = check_sealed(
        event.payload, case_number=event.case_number, window_code=device.window_code, key=key, today=today
    )
    if problem is not None:
        log.warning(
            "certificate event %s from device %s refused: %s", event.event_id, device.device_id, problem
        )
        return _refuse(event, f"{problem}，本条未保存")
    return key, row is None


def register_keys(
    connection: Connection, db: ServerDB, device: Device, keys: Iterable[PublicKeyEntry], *, now: datetime
) -> set[str]:
    """Register `keys` to the device's window and hall, sorted by id; a key id registered meanwhile (by
    another push) is left as it is, and checked against by `_bind`. Returns the ids registered now (each
    goes to every window of the hall as a `signing_key` change: server.sync.change_log)."""
    inserted = connection.execute(
        dialect.insert(db, signing_key)
        .on_conflict_do_nothing(index_elements=["key_id"])
        .returning(signing_key.c.key_id),
        [
            {
                "key_id": key.key_id,
                "hall_code": device.hall_code,
                "window_code": device.window_code,
                "device_id": device.device_id,
                "algorithm": key.algorithm,
                "public_key": key.public_key.hex(),
                "office_code": key.office_code,
                "office_name": key.office_name,
                "valid_from": key.valid_from,
                "valid_until": key.valid_until,
                "registered_at": now,
            }
            for key in sorted(keys, key=lambda k: k.key_id)
        ],
    )
    return set(inserted.scalars())


def _bind(
    event: WireEvent, key: PublicKeyEntry, row: Any, device: Device, *, fresh: bool, checked: Checked
) -> None:
    """The event's key as registered now (`row`) goes with the certificate, unless another push (or another
    event of this one) registered the id first, to another window or with another key: then refused."""
    problem = binding_problem(row, device, key)
    if problem is not None:
        _log_clash(event, device, problem)
        checked.rejections.append(_refuse(event, f"办件 {event.case_number} 的证照：{problem}，本条未保存"))
        return
    if fresh and row.device_id == device.device_id:
        log.info(
            "signing key %s registered for window %s/%s", key.key_id, device.hall_code, device.window_code
        )
    checked.keys[event.event_id] = public_entry_json(stored_entry(row))


def _log_clash(event: WireEvent, device: Device, problem: str) -> None:
    log.error(
        "SIGNING KEY CLASH: certificate event %s of case %s from device %s (hall %s, window %s) refused: %s",
        event.event_id,
        event.case_number,
        device.device_id,
        device.hall_code,
        device.window_code,
        problem,
    )
