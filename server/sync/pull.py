"""Pull: the changes of a device's hall after its cursor, in commit order (server.sync.change_log)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.sql import func

from app.sync.wire import MAX_PULL_CHANGES, Change, PullResponse
from server.clock import utc_text
from server.models import change_log
from server.store import ServerDB
from server.sync.device import Device


class CursorError(ValueError):
    """A pull cursor or limit that cannot be used; the message (Chinese) says why."""


def pull(
    db: ServerDB, device_: Device, cursor: str, limit: int | None, *, exclude_own: bool = False
) -> PullResponse:
    """Changes of the device's hall after `cursor`; with `exclude_own`, not those its own pushes caused.

    The horizon (the hall's highest seq) is read first. Under the change-log lock every seq at or
    below a visible seq is already committed, so the rows query sees all of them; when they all fit,
    the cursor jumps to the horizon, past this device's own changes, which are never scanned again.
    """
    after = parse_cursor(cursor)
    if limit is None:
        limit = MAX_PULL_CHANGES
    if limit < 1:
        raise CursorError(f"limit 应为正整数，实为 {limit}")
    limit = min(limit, MAX_PULL_CHANGES)
    with db.read() as connection:
        horizon = connection.execute(
            select(func.max(change_log.c.seq)).where(change_log.c.hall_code == device_.hall_code)
        ).scalar()
        if horizon is None or horizon <= after:
            return PullResponse([], str(after), False)
        rows = connection.execute(
            select(
                change_log.c.seq,
                change_log.c.kind,
                change_log.c.key,
                change_log.c.payload,
                change_log.c.committed_at,
            )
            .where(
                change_log.c.hall_code == device_.hall_code,
                change_log.c.seq > after,
                change_log.c.seq <= horizon,
                *_not_own(device_, exclude_own),
            )
            .order_by(change_log.c.seq)
            .limit(limit + 1)
        ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    changes = [Change(row.seq, row.kind, row.key, row.payload, utc_text(row.committed_at)) for row in rows]
    next_cursor = rows[-1].seq if more else horizon
    return PullResponse(changes, str(next_cursor), more)


def _not_own(device_: Device, exclude_own: bool) -> list[ColumnElement[bool]]:
    if not exclude_own:
        return []
    return [
        or_(
            change_log.c.origin_device_id.is_(None),
            change_log.c.origin_device_id != device_.device_id,
        )
    ]


def parse_cursor(cursor: str) -> int:
    """The seq a cursor stands for; "" and "0" mean the start."""
    text_ = cursor.strip()
    if text_ == "":
        return 0
    if not text_.isascii() or not text_.isdigit() or len(text_) > 18:
        raise CursorError(f"cursor “{cursor[:40]}” 无效：请使用上次拉取返回的 cursor，首次拉取用 0")
    return int(text_)
