"""Helpers' drafts (帮办预审) through the server: the online hand-off (issue 15).

A helper's PC sends each draft it prepared (`DRAFTS_PATH`) with the hand-off code in its reference form
(draft id and SHA-256, signed by the PC: app.helpers.handoff); a window of the same hall fetches one by id
when its reference QR is scanned, or lists the hall's open drafts and loads one, and checks the signature
and the hash itself before it fills anything (the server is trusted for nothing it could alter).

The server trusts no window either: a draft is stored only when its code is a reference signed by the key
registered for the sending device's own window and hall and not revoked, naming exactly this content (its
id and SHA-256), the content is a valid draft in canonical form (app.helpers.drafts) made on that window,
its helper an active account of the hall that may prepare drafts, and its item in the catalog version it
names, of a body the hall accepts for, whose key signed it. A draft id held with other content is refused
(409); the same draft again is answered `stored: false`. Each refusal carries its reason
(app.sync.wire.HelperRefusal): the PC sends again only what may yet be taken (a key not registered yet, a
helper's account not on the server yet, a catalog version not published yet).

Used: the first case whose decision names the draft (`prepared_by.draft_id`, server.sync.push) marks it
used, and it leaves the hall's open list. A second case naming it is NOT refused: the case was decided at a
counter already (perhaps offline), and an applicant may come again with the same sheet — after a 不予受理,
a withdrawal or a case terminated for want of a supplement. The window is told the draft was used (by which
case) when it loads it, and the clerk decides.

Another hall's PC gets nothing of this hall's drafts: a draft of another hall is answered as unknown (404).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select, update

from app.accounts.roles import Permission, PermissionDenied, require
from app.helpers.drafts import Draft, DraftError, canonical_bytes, draft_from_bytes
from app.helpers.handoff import read_reference
from app.helpers.prepared_by import DRAFT_ID
from app.seal import PayloadMalformed, stored_entry
from app.sync.certificate_event import key_window
from app.sync.wire import (
    MAX_CLOCK_AHEAD_SECONDS,
    MAX_DRAFT_BYTES,
    MAX_DRAFT_CODE_CHARS,
    MAX_LISTED_DRAFTS,
    OPEN_DRAFT_DAYS,
    EventKind,
    HelperRefusal,
    WireEvent,
)
from server import dialect
from server.clock import utc_naive, utc_text
from server.hall_catalogs import catalog_facts
from server.models import account, helper_draft, signing_key
from server.store import ServerDB
from server.sync.device import Device

log = logging.getLogger("clerk.server.drafts")


class DraftRefused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _invalid(message: str, reason: HelperRefusal = HelperRefusal.INVALID) -> DraftRefused:
    return DraftRefused(400, reason, message)


def _read_body(data: Any) -> tuple[bytes, str]:
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("draft"), str)
        or not isinstance(data.get("code"), str)
    ):
        raise _invalid('预审单上传应为 {"draft": 文本, "code": 文本}')
    content = data["draft"].encode("utf-8")
    if len(content) > MAX_DRAFT_BYTES:
        raise DraftRefused(413, HelperRefusal.TOO_LARGE, f"预审单超过 {MAX_DRAFT_BYTES} 字节")
    if len(data["code"]) > MAX_DRAFT_CODE_CHARS:
        raise _invalid(f"预审单交接码超过 {MAX_DRAFT_CODE_CHARS} 个字符")
    return content, data["code"]


def _checked(
    connection: Connection, device: Device, content: bytes, code: str, now: datetime
) -> tuple[Draft, str]:
    """The draft and its key id, once everything the module docstring lists holds; DraftRefused otherwise."""
    try:
        reference = read_reference(code)
    except PayloadMalformed as error:
        raise _invalid(f"预审单交接码无效：{error.detail}") from None
    try:
        draft = draft_from_bytes(content)
    except DraftError as error:
        raise _invalid(f"预审单内容无效：{error}") from None
    if canonical_bytes(draft) != content:
        raise _invalid("预审单内容不是规范形式（app.helpers.drafts.canonical_bytes）")
    if reference.draft_id != draft.draft_id or reference.sha256 != hashlib.sha256(content).digest():
        raise _invalid("交接码所签的预审单编号或摘要与所传内容不符")
    where = f"预审单 {draft.draft_id}"
    if draft.device != device.window_code or key_window(reference.key_id) != device.window_code:
        raise _invalid(f"{where}不是在本设备登记的窗口 {device.window_code} 制作或签名的")
    row = connection.execute(select(signing_key).where(signing_key.c.key_id == reference.key_id)).first()
    if row is None or row.hall_code != device.hall_code or row.window_code != device.window_code:
        raise _invalid(
            f"{where}的签名密钥 {reference.key_id} 未在服务器登记为本窗口的密钥（请先同步发布密钥）",
            HelperRefusal.KEY_NOT_REGISTERED if row is None else HelperRefusal.INVALID,
        )
    if row.revoked_at is not None:
        raise _invalid(f"{where}的签名密钥 {reference.key_id} 已停用", HelperRefusal.KEY_REVOKED)
    entry = stored_entry(row)
    if not reference.signed_by(entry):
        raise _invalid(f"{where}的交接码签名不符")
    day = draft.created_at.date()
    if day < entry.valid_from or (entry.valid_until is not None and day > entry.valid_until):
        raise _invalid(f"{where}的制作日期 {day} 不在签名密钥的有效期内")
    if draft.created_at.astimezone(UTC).replace(tzinfo=None) > now + timedelta(
        seconds=MAX_CLOCK_AHEAD_SECONDS
    ):
        raise _invalid(f"{where}的制作时间晚于服务器时间（本机时钟可能有误）")
    person = connection.execute(
        select(account.c.name, account.c.roles, account.c.disabled_at).where(
            account.c.hall_code == device.hall_code, account.c.login == draft.helper_login
        )
    ).first()
    if person is None or person.disabled_at is not None:
        raise _invalid(
            f"{where}的帮办员 {draft.helper_login} 不是大厅 {device.hall_code} 在服务器上的在用账号",
            HelperRefusal.HELPER_NOT_SYNCED if person is None else HelperRefusal.HELPER_DISABLED,
        )
    try:
        require(person.roles.split(), Permission.PREPARE_DRAFT, who=f"{person.name}（{draft.helper_login}）")
    except PermissionDenied as denied:
        raise _invalid(f"{where}：{denied}", HelperRefusal.HELPER_DISABLED) from None
    facts = catalog_facts(connection, draft.catalog_version)
    if facts is None:
        raise _invalid(
            f"{where}所用的事项目录版本 {draft.catalog_version} 未在服务器发布",
            HelperRefusal.CATALOG_NOT_PUBLISHED,
        )
    body = facts.item_bodies.get(draft.item_code)
    if body is None or body not in facts.bodies.get(device.hall_code, frozenset()):
        raise _invalid(
            f"{where}所列事项 {draft.item_code} 不是大厅 {device.hall_code} 受理的事项",
            HelperRefusal.NOT_HALL_BODY,
        )
    if entry.office_code != body:
        raise _invalid(f"{where}的签名密钥不属于该事项的实施机关")
    return draft, reference.key_id


def store_draft(db: ServerDB, device: Device, data: Any, *, now: datetime) -> dict[str, Any]:
    """Keep the draft a helper's PC sent (see the module docstring): {"draft_id", "stored"}."""
    now = utc_naive(now)
    content, code = _read_body(data)
    with db.write() as connection:
        draft, key_id = _checked(connection, device, content, code, now)
        digest = hashlib.sha256(content).hexdigest()
        inserted = (
            connection.execute(
                dialect.insert(db, helper_draft)
                .on_conflict_do_nothing(index_elements=["draft_id"])
                .returning(helper_draft.c.draft_id),
                [
                    {
                        "draft_id": draft.draft_id,
                        "hall_code": device.hall_code,
                        "window_code": device.window_code,
                        "device_id": device.device_id,
                        "key_id": key_id,
                        "item_code": draft.item_code,
                        "catalog_version": draft.catalog_version,
                        "helper_login": draft.helper_login,
                        "helper_name": draft.helper_name,
                        "applicant_name": draft.request.applicant.name,
                        "created_at": draft.created_at.astimezone(UTC).replace(tzinfo=None),
                        "content": content.decode("utf-8"),
                        "sha256": digest,
                        "code": code,
                        "received_at": now,
                    }
                ],
            )
            .scalars()
            .first()
        )
        if inserted is None:
            held = connection.execute(
                select(helper_draft.c.sha256).where(helper_draft.c.draft_id == draft.draft_id)
            ).scalar_one()
            if held != digest:
                log.error(
                    "device %s: draft %s sent again with other content: refused",
                    device.device_id,
                    draft.draft_id,
                )
                raise DraftRefused(
                    409,
                    HelperRefusal.CONFLICT,
                    f"预审单 {draft.draft_id} 已以不同内容保存在服务器，本次未保存",
                )
            return {"draft_id": draft.draft_id, "stored": False}
    log.info("draft %s of %s stored for hall %s", draft.draft_id, draft.helper_login, device.hall_code)
    return {"draft_id": draft.draft_id, "stored": True}


def open_drafts(db: ServerDB, device: Device, *, now: datetime) -> dict[str, Any]:
    """The device's hall's open drafts (see app.sync.wire beside DRAFTS_PATH)."""
    since = utc_naive(now) - timedelta(days=OPEN_DRAFT_DAYS)
    query = (
        select(helper_draft)
        .where(
            helper_draft.c.hall_code == device.hall_code,
            helper_draft.c.used_by.is_(None),
            helper_draft.c.received_at >= since,
        )
        .order_by(helper_draft.c.received_at.desc(), helper_draft.c.draft_id)
        .limit(MAX_LISTED_DRAFTS)
    )
    with db.read() as connection:
        rows = connection.execute(query).all()
    return {
        "drafts": [
            {
                "draft_id": r.draft_id,
                "item_code": r.item_code,
                "catalog_version": r.catalog_version,
                "applicant_name": r.applicant_name,
                "helper_login": r.helper_login,
                "helper_name": r.helper_name,
                "window_code": r.window_code,
                "created_at": utc_text(r.created_at),
                "received_at": utc_text(r.received_at),
            }
            for r in rows
        ]
    }


def draft_for(db: ServerDB, device: Device, draft_id: str) -> dict[str, Any]:
    """One draft of the device's hall; DraftRefused 404 for one the server does not hold for this hall."""
    if not DRAFT_ID.fullmatch(draft_id):
        raise _invalid(f"预审单编号 {draft_id[:40]} 格式不对")
    with db.read() as connection:
        row = connection.execute(select(helper_draft).where(helper_draft.c.draft_id == draft_id)).first()
    if row is None or row.hall_code != device.hall_code:
        if row is not None:
            log.warning(
                "device %s of hall %s asked for draft %s of hall %s: not told",
                device.device_id,
                device.hall_code,
                draft_id,
                row.hall_code,
            )
        raise DraftRefused(404, "not_found", f"服务器上没有本大厅的预审单 {draft_id}")
    return {
        "draft_id": row.draft_id,
        "draft": row.content,
        "code": row.code,
        "window_code": row.window_code,
        "received_at": utc_text(row.received_at),
        "used_by": row.used_by,
    }


def mark_used(connection: Connection, device: Device, decided: Sequence[WireEvent], now: datetime) -> None:
    """The drafts the new decisions `decided` name, marked used by the first case naming each (a draft of
    the device's hall only; a later case naming a used draft changes nothing)."""
    named: dict[str, str] = {}
    for event in decided:
        prepared = event.payload.get("prepared_by") if event.kind == EventKind.CASE_DECIDED else None
        draft_id = prepared.get("draft_id") if isinstance(prepared, dict) else None
        if isinstance(draft_id, str):
            named.setdefault(draft_id, event.case_number)
    for draft_id, number in sorted(named.items()):
        connection.execute(
            update(helper_draft)
            .where(
                helper_draft.c.draft_id == draft_id,
                helper_draft.c.hall_code == device.hall_code,
                helper_draft.c.used_by.is_(None),
            )
            .values(used_by=number, used_at=utc_naive(now))
        )
