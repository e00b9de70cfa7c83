"""A 一件事 bundle as the server follows it: the cases whose decision named its number (`case_record.
bundle_number`, checked on push by server.sync.checks), each with its projected status, for a PC of the
bundle's hall."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.bundles.numbers import BundleNumberError, parse_bundle_number
from server.models import case_record
from server.store import ServerDB
from server.sync.device import Device
from server.sync.fetch import FetchError


def bundle_cases(db: ServerDB, device_: Device, text: str) -> dict[str, Any]:
    """The bundle of number `text` (see app.sync.wire, BUNDLE_PATH); FetchError otherwise."""
    try:
        number = str(parse_bundle_number(text))
    except BundleNumberError as error:
        raise FetchError(400, "invalid", f"一件事编号无效：{error}") from None
    with db.read() as connection:
        rows = connection.execute(
            select(
                case_record.c.number,
                case_record.c.hall_code,
                case_record.c.window_code,
                case_record.c.item_code,
                case_record.c.decision,
                case_record.c.status,
                case_record.c.step,
            )
            .where(case_record.c.bundle_number == number)
            .order_by(case_record.c.number)
        ).all()
    if not rows:
        missing = f"服务器上没有一件事 {number} 的办件（编号有误，或受理窗口尚未同步）"
        raise FetchError(404, "not_found", missing)
    if any(row.hall_code != device_.hall_code for row in rows):
        other = f"一件事 {number} 不属于本设备登记的大厅 {device_.hall_code}，不能查看"
        raise FetchError(403, "forbidden", other)
    return {
        "number": number,
        "hall_code": rows[0].hall_code,
        "window_code": rows[0].window_code,
        "cases": [
            {
                "number": row.number,
                "item_code": row.item_code,
                "decision": row.decision,
                "status": row.status,
                "step": row.step,
            }
            for row in rows
        ],
    }
