"""Reconcile: per day, how many cases of a window the server holds, and how many of its events; the
window compares them with its own counts and says so ("synced" never shows green over missing records)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Column, Connection, func, select

from app.sync.wire import DayCount, ReconcileResponse
from server.models import case_event, case_record
from server.store import ServerDB
from server.sync.device import Device

MAX_RECONCILE_DAYS = 366


class RangeError(ValueError):
    """A reconcile range that cannot be used; the message (Chinese) says why."""


def reconcile(db: ServerDB, device_: Device, first_text: str, last_text: str) -> ReconcileResponse:
    first, last = parse_range(first_text, last_text)
    window = device_.window_code
    with db.read() as connection:
        cases = _per_day(connection, case_record.c.received_on, window=window, first=first, last=last)
        events = _per_day(connection, case_event.c.case_day, window=window, first=first, last=last)
    days = sorted(set(cases) | set(events))
    return ReconcileResponse(
        window_code=window,
        days=[DayCount(day.isoformat(), int(cases.get(day, 0)), int(events.get(day, 0))) for day in days],
    )


def _per_day(
    connection: Connection, day: Column[date], *, window: str, first: date, last: date
) -> dict[date, int]:
    """How many rows of `day`'s table the window has on each day of [first, last] that has any."""
    counted = select(day, func.count()).where(day.table.c.window_code == window, day.between(first, last))
    return {found: count for found, count in connection.execute(counted.group_by(day))}


def parse_range(first_text: str, last_text: str) -> tuple[date, date]:
    try:
        first = date.fromisoformat(first_text)
        last = date.fromisoformat(last_text)
    except ValueError:
        raise RangeError(f"日期应为 YYYY-MM-DD 格式：from={first_text!r} to={last_text!r}") from None
    if len(first_text) != 10 or len(last_text) != 10:
        raise RangeError(f"日期应为 YYYY-MM-DD 格式：from={first_text!r} to={last_text!r}")
    if last < first:
        raise RangeError(f"日期范围无效：结束日期 {last} 早于开始日期 {first}")
    if (last - first).days + 1 > MAX_RECONCILE_DAYS:
        raise RangeError(f"一次最多核对 {MAX_RECONCILE_DAYS} 天")
    return first, last
