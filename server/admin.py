"""Halls, enrolment codes, devices and conflicts: what hall IT does (CLI) and what enrolment needs (API).

Registering a window: hall IT runs `clerk-server enroll-code --hall H --window W [--window-name N]` on the
server and reads the one-time code to the window; the window sends it (with its window code if it has
one: a folder that is not a window yet sends none and takes the one the code was issued for); the server
answers with a new *pending* device id and secret (shown once, kept in the window's OS keyring) and the
hall, window code and window name. A code is single-use and expires; `--replace` lets it take over a
window whose PC is being replaced.

Two steps: the pending device can do nothing but confirm; the window's active device keeps working until
the new one confirms with its credential (`confirm_device`), which revokes the old one in the same
transaction. A registration that fails at the window (its keyring refused the credential, the connection
dropped) thus never leaves the window without a working device. An enrolment supersedes an earlier
pending device of the window that never confirmed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from app.case_number import is_valid_window_code
from app.catalog import Hall
from app.clock import hall_time_text
from app.sync.wire import (
    KIND_CONFLICT_RESOLVED,
    MAX_RESOLUTION_CHARS,
    ConfirmResponse,
    EnrollRequest,
    EnrollResponse,
)
from server import bulk, helper_keys
from server.bulk import dumps, insert_rows
from server.clock import utc_naive, utc_text
from server.models import ACTIVE_DEVICE, PENDING_DEVICE, conflict, device, enrollment, hall
from server.security import (
    enrollment_code_hash,
    new_device_id,
    new_device_secret,
    new_enrollment_code,
    secrets_match,
    sha256_hex,
)
from server.store import ServerDB
from server.sync import Device, lock_change_log

log = logging.getLogger("clerk.server.admin")

MAX_CODE_HOURS = 24 * 30
MAX_DEVICE_NAME = 100
MAX_WINDOW_NAME = 40
MAX_RESOLVER_CHARS = 200  # "name（login@WINDOW）" of an account, or what hall IT types


class AdminError(Exception):
    """A request hall IT or a window made that cannot be done; `status` is the HTTP status to answer."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


# -- halls --------------------------------------------------------------------------------------------
def load_halls(db: ServerDB, halls: Iterable[Hall], *, now: datetime) -> tuple[int, int]:
    """Insert new halls and rename changed ones; returns (added, updated)."""
    added = updated = 0
    with db.write() as connection:
        existing = dict(connection.execute(select(hall.c.code, hall.c.name)).all())
        for item in halls:
            if item.code not in existing:
                connection.execute(
                    insert(hall).values(code=item.code, name=item.name, created_at=utc_naive(now))
                )
                added += 1
            elif existing[item.code] != item.name:
                connection.execute(update(hall).where(hall.c.code == item.code).values(name=item.name))
                updated += 1
    return added, updated


def list_halls(db: ServerDB) -> list[dict[str, Any]]:
    with db.read() as connection:
        active: dict[str, int] = dict(
            connection.execute(
                select(device.c.hall_code, func.count())
                .where(text(ACTIVE_DEVICE))
                .group_by(device.c.hall_code)
            ).all()
        )
        rows = connection.execute(select(hall.c.code, hall.c.name).order_by(hall.c.code)).all()
    return [{"code": r.code, "name": r.name, "active_devices": int(active.get(r.code, 0))} for r in rows]


# -- enrolment codes ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class IssuedCode:
    code: str
    hall_code: str
    window_code: str
    replace: bool
    expires_at: datetime
    window_name: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "hall_code": self.hall_code,
            "window_code": self.window_code,
            "window_name": self.window_name,
            "replace": self.replace,
            "expires_at": utc_text(self.expires_at),
        }


def _window_halls(connection: Any, window_code: str) -> set[str]:
    from_devices = connection.execute(
        select(device.c.hall_code).where(device.c.window_code == window_code).distinct()
    ).scalars()
    return set(from_devices)


def issue_enrollment_code(
    db: ServerDB,
    *,
    hall_code: str,
    window_code: str,
    replace: bool,
    hours: int,
    now: datetime,
    window_name: str = "",
) -> IssuedCode:
    """A new one-time code for registering a PC as `window_code` of `hall_code`. AdminError on bad input."""
    if not is_valid_window_code(window_code):
        raise AdminError(
            400, "invalid", f"窗口编码“{window_code}”无效：应为 4–12 位大写字母或数字，以字母开头"
        )
    window_name = window_name.strip()
    if len(window_name) > MAX_WINDOW_NAME or any(ord(ch) < 32 for ch in window_name):
        raise AdminError(400, "invalid", f"窗口名称应不超过 {MAX_WINDOW_NAME} 个字，且不含控制字符")
    if not 1 <= hours <= MAX_CODE_HOURS:
        raise AdminError(400, "invalid", f"有效时长应为 1–{MAX_CODE_HOURS} 小时，实为 {hours}")
    now = utc_naive(now)
    code = new_enrollment_code()
    with db.write() as connection:
        if connection.execute(select(hall.c.code).where(hall.c.code == hall_code)).first() is None:
            known = "、".join(connection.execute(select(hall.c.code).order_by(hall.c.code)).scalars()) or "无"
            raise AdminError(
                400,
                "invalid",
                f"没有大厅“{hall_code}”（已有：{known}；可用 clerk-server init --demo 载入示例大厅）",
            )
        other_halls = _window_halls(connection, window_code) - {hall_code}
        if other_halls:
            raise AdminError(
                409,
                "window_taken",
                f"窗口编码 {window_code} 已登记在大厅 {'、'.join(sorted(other_halls))}："
                "窗口编码在全区域内必须唯一",
            )
        expires_at = now + timedelta(hours=hours)
        connection.execute(
            insert(enrollment).values(
                code_hash=enrollment_code_hash(code),
                hall_code=hall_code,
                window_code=window_code,
                replace_device=replace,
                created_at=now,
                expires_at=expires_at,
                window_name=window_name or None,
            )
        )
    log.info(
        "enrolment code issued for %s/%s (replace=%s) until %s", hall_code, window_code, replace, expires_at
    )
    return IssuedCode(code, hall_code, window_code, replace, expires_at, window_name)


# -- enrolment ----------------------------------------------------------------------------------------
def enroll(db: ServerDB, request: EnrollRequest, *, now: datetime) -> EnrollResponse:
    """Register a window PC with a one-time code, as a pending device (see the module docstring).

    AdminError: 403 for a bad code or a code for another window, 409 for a window with an active device
    and a code that may not replace it. A refused request leaves the code unused."""
    now = utc_naive(now)
    name = request.device_name.strip()
    if not name or len(name) > MAX_DEVICE_NAME or "\x00" in name:
        raise AdminError(400, "invalid", f"enroll: 字段 device_name 应为 1–{MAX_DEVICE_NAME} 个字符")
    device_id, secret = new_device_id(), new_device_secret()
    try:
        with db.write() as connection:
            row = _claim_code(connection, request, device_id=device_id, now=now)
            _make_room(connection, row, device_id=device_id, now=now)
            connection.execute(
                insert(device).values(
                    device_id=device_id,
                    hall_code=row.hall_code,
                    window_code=row.window_code,
                    secret_hash=sha256_hex(secret),
                    name=name,
                    enrolled_at=now,
                )
            )
    except IntegrityError:  # a registration for the same window committed in between
        raise AdminError(
            409,
            "window_taken",
            f"窗口 {request.window_code or '（登记码所指窗口）'} 此刻正有另一台电脑在登记，本次未登记、"
            "登记码未使用：请稍后重试，或请信息技术人员核对（clerk-server devices）",
        ) from None
    log.info(
        "device %s (%s) enrolled as window %s of hall %s, pending its confirmation",
        device_id,
        name,
        row.window_code,
        row.hall_code,
    )
    return EnrollResponse(
        device_id=device_id,
        secret=secret,
        hall_code=row.hall_code,
        window_code=row.window_code,
        window_name=row.window_name or "",
    )


def _claim_code(connection: Connection, request: EnrollRequest, *, device_id: str, now: datetime) -> Any:
    """The enrolment row of the request's code, marked used by `device_id`; AdminError 403 for a code
    unknown, used, expired or for another window."""
    row = connection.execute(
        select(enrollment).where(enrollment.c.code_hash == enrollment_code_hash(request.code))
    ).first()
    if row is None:
        raise AdminError(403, "enroll_code_unknown", "登记码无效：请核对后重新输入，或请信息技术人员重新签发")
    if row.used_at is not None:
        raise _code_used()
    if row.expires_at <= now:
        raise AdminError(403, "enroll_code_expired", "登记码已过期，请信息技术人员重新签发")
    if request.window_code and request.window_code != row.window_code:
        raise AdminError(
            403,
            "forbidden",
            f"该登记码是为窗口 {row.window_code} 签发的，本机数据目录已是窗口 {request.window_code}："
            "一个数据目录只能是一个窗口",
        )
    claimed = connection.execute(
        update(enrollment)
        .where(enrollment.c.id == row.id, enrollment.c.used_at.is_(None))
        .values(used_at=now, device_id=device_id)
    )
    if claimed.rowcount != 1:  # another request used it a moment ago
        raise _code_used()
    return row


def _code_used() -> AdminError:
    return AdminError(
        403, "enroll_code_used", "登记码已使用过（每个登记码只能用一次），请信息技术人员重新签发"
    )


def _make_room(connection: Connection, code: Any, *, device_id: str, now: datetime) -> None:
    """Room for a new pending device at the code's window: AdminError 409 when the window has an active
    device the code may not replace; an earlier pending device of the window is superseded."""
    active = connection.execute(
        select(device.c.device_id, device.c.name, device.c.enrolled_at).where(
            device.c.window_code == code.window_code, text(ACTIVE_DEVICE)
        )
    ).first()
    if active is not None and not code.replace_device:
        raise _window_taken(code.window_code, active.name, active.enrolled_at)
    connection.execute(
        update(device)
        .where(device.c.window_code == code.window_code, text(PENDING_DEVICE))
        .values(revoked_at=now, revoked_reason=f"superseded by {device_id} before confirming")
    )


def confirm_device(db: ServerDB, device_id: str, *, now: datetime) -> ConfirmResponse:
    """The pending device `device_id` (authenticated by its own credential) becomes its window's active
    device; the previous active one is revoked in the same transaction. Confirming again changes nothing."""
    now = utc_naive(now)
    with db.write() as connection:
        row = connection.execute(
            select(device).where(device.c.device_id == device_id).with_for_update()
        ).first()
        if row is None or row.revoked_at is not None:
            raise AdminError(401, "revoked", "本次登记已作废（已有更新的登记或已注销），请重新登记")
        if row.confirmed_at is not None:
            return ConfirmResponse(row.device_id, row.hall_code, row.window_code, [])
        replaced = list(
            connection.execute(
                select(device.c.device_id).where(device.c.window_code == row.window_code, text(ACTIVE_DEVICE))
            ).scalars()
        )
        if replaced:
            may_replace = connection.execute(
                select(enrollment.c.replace_device).where(enrollment.c.device_id == device_id)
            ).scalar()
            if not may_replace:  # another PC became the window's device after this one enrolled
                raise _window_taken(row.window_code, None, None)
            connection.execute(
                update(device)
                .where(device.c.device_id.in_(replaced))
                .values(revoked_at=now, revoked_reason=f"replaced by {device_id}")
            )
        connection.execute(update(device).where(device.c.device_id == device_id).values(confirmed_at=now))
    for old in replaced:
        log.warning("device %s of window %s revoked: replaced by %s", old, row.window_code, device_id)
    log.info("device %s confirmed as window %s of hall %s", device_id, row.window_code, row.hall_code)
    return ConfirmResponse(row.device_id, row.hall_code, row.window_code, replaced)


def _window_taken(window_code: str, name: str | None, since: datetime | None) -> AdminError:
    who = f"（设备“{name}”，登记于 {hall_time_text(since)}）" if name and since else ""
    return AdminError(
        409,
        "window_taken",
        f"窗口 {window_code} 已有登记的设备{who}。更换电脑时请让信息技术人员签发替换登记码"
        "（clerk-server enroll-code --replace），旧设备将被注销",
    )


# -- authentication -----------------------------------------------------------------------------------
def authenticate(db: ServerDB, device_id: str, secret: str) -> Device | AdminError:
    """The device for a bearer token (pending or active), or the 401 to answer (unknown/wrong secret vs
    revoked). The API lets a pending device only confirm."""
    with db.read() as connection:
        row = connection.execute(select(device).where(device.c.device_id == device_id)).first()
    if not secrets_match(secret, row.secret_hash if row is not None else None) or row is None:
        return AdminError(401, "unauthorized", "设备凭据无效：本窗口未登记或凭据有误，请重新登记窗口")
    if row.revoked_at is not None:
        return AdminError(
            401,
            "revoked",
            f"本窗口的设备登记已于 {hall_time_text(row.revoked_at)} 注销，"
            "必须重新登记窗口（向大厅信息技术人员索取登记码）",
        )
    return Device(row.device_id, row.hall_code, row.window_code, row.name, row.confirmed_at is not None)


# -- devices and conflicts ----------------------------------------------------------------------------
def list_devices(db: ServerDB, *, include_revoked: bool = True) -> list[dict[str, Any]]:
    """Devices, each with its `state`: active, pending (enrolled, not confirmed) or revoked."""
    query = select(device).order_by(device.c.hall_code, device.c.window_code, device.c.enrolled_at)
    if not include_revoked:
        query = query.where(device.c.revoked_at.is_(None))
    with db.read() as connection:
        rows = connection.execute(query).all()
    return [
        {
            "device_id": r.device_id,
            "hall_code": r.hall_code,
            "window_code": r.window_code,
            "name": r.name,
            "state": "revoked" if r.revoked_at else ("active" if r.confirmed_at else "pending"),
            "enrolled_at": utc_text(r.enrolled_at),
            "confirmed_at": utc_text(r.confirmed_at) if r.confirmed_at else None,
            "revoked_at": utc_text(r.revoked_at) if r.revoked_at else None,
            "revoked_reason": r.revoked_reason,
        }
        for r in rows
    ]


def revoke_device(db: ServerDB, device_id: str, *, now: datetime, reason: str = "revoked by hall IT") -> None:
    """Revoke a device, and the signing keys of its window for hand-offs (server.helper_keys); AdminError
    when unknown or already revoked."""
    with db.write() as connection:
        row = connection.execute(select(device).where(device.c.device_id == device_id)).first()
        if row is None:
            raise AdminError(404, "not_found", f"没有设备 {device_id}（用 clerk-server devices 查看）")
        if row.revoked_at is not None:
            raise AdminError(409, "revoked", f"设备 {device_id} 已于 {hall_time_text(row.revoked_at)} 注销")
        connection.execute(
            update(device)
            .where(device.c.device_id == device_id)
            .values(revoked_at=utc_naive(now), revoked_reason=reason)
        )
        # Its PC's signing keys stop vouching for hand-offs at the hall's windows (server.helper_keys).
        helper_keys.revoke_window_keys(
            connection, db, hall_code=row.hall_code, window_code=row.window_code, now=now, reason=reason
        )
    log.warning("device %s (window %s) revoked: %s", device_id, row.window_code, reason)


def list_conflicts(db: ServerDB, *, include_resolved: bool = False) -> list[dict[str, Any]]:
    query = select(conflict).order_by(conflict.c.id)
    if not include_resolved:
        query = query.where(conflict.c.resolved_at.is_(None))
    with db.read() as connection:
        rows = connection.execute(query).all()
    return [
        {
            "id": r.id,
            "hall_code": r.hall_code,
            "case_number": r.case_number,
            "reason": r.reason,
            "event_id": r.event_id,
            "other_event_id": r.other_event_id,
            "device_id": r.device_id,
            "window_code": r.window_code,
            "message": r.message,
            "created_at": utc_text(r.created_at),
            "resolved_at": utc_text(r.resolved_at) if r.resolved_at else None,
            "resolution": r.resolution,
            "resolved_by": r.resolved_by,
        }
        for r in rows
    ]


def resolve_conflict(
    db: ServerDB,
    conflict_id: int,
    *,
    resolution: str,
    resolved_by: str,
    now: datetime,
    hall_code: str | None = None,
) -> dict[str, Any]:
    """Record a supervisor's resolution and tell the hall's windows. `hall_code`: only a conflict of that
    hall (a window's request); None: any (hall IT on the server). The conflict row is kept."""
    text_ = resolution.strip()
    if not text_ or len(text_) > MAX_RESOLUTION_CHARS:
        raise AdminError(400, "invalid", f"处理意见应为 1–{MAX_RESOLUTION_CHARS} 字，写明核实结果和处理办法")
    who = resolved_by.strip()
    if not who or len(who) > MAX_RESOLVER_CHARS:
        raise AdminError(400, "invalid", f"处理人应为 1–{MAX_RESOLVER_CHARS} 字")
    moment = utc_naive(now)
    with db.write() as connection:
        # The change-log lock first, as every appender takes it before touching conflict rows.
        lock_change_log(connection, db)
        row = connection.execute(
            select(
                conflict.c.id,
                conflict.c.hall_code,
                conflict.c.case_number,
                conflict.c.resolved_at,
                conflict.c.resolved_by,
            )
            .where(conflict.c.id == conflict_id)
            .with_for_update()
        ).first()
        if row is None or (hall_code is not None and row.hall_code != hall_code):
            raise AdminError(404, "not_found", f"没有编号为 {conflict_id} 的冲突")
        if row.resolved_at is not None:
            raise AdminError(
                409,
                "already_resolved",
                f"冲突 {conflict_id} 已于 {hall_time_text(row.resolved_at)} 由 {row.resolved_by} 处理",
            )
        connection.execute(
            update(conflict)
            .where(conflict.c.id == conflict_id)
            .values(resolved_at=moment, resolution=text_, resolved_by=who)
        )
        about = {
            "conflict_id": conflict_id,
            "case_number": row.case_number,
            "resolution": text_,
            "resolved_by": who,
            "resolved_at": utc_text(moment),
        }
        insert_rows(
            connection,
            bulk.CHANGES,
            [(row.hall_code, KIND_CONFLICT_RESOLVED, row.case_number, dumps(about), moment, None)],
        )
    log.warning("conflict %s on case %s resolved by %s: %s", conflict_id, row.case_number, who, text_)
    return about
