"""The hall's messages as its supervisor reads them (`clerk-server messages list`): newest first."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select

from app.clock import CHINA
from server.clock import utc_naive, utc_text
from server.models import message
from server.store import ServerDB

MAX_LISTED = 10_000


def day_start(day: date) -> datetime:
    """The start of `day` at the hall, as naive UTC (how the table keeps times)."""
    return utc_naive(datetime.combine(day, time(0), tzinfo=CHINA))


def list_messages(
    db: ServerDB,
    *,
    hall_code: str | None = None,
    since: datetime | None = None,
    state: str | None = None,
    limit: int = 500,
) -> list[dict[str, Any]]:
    """The newest `limit` messages (of a hall, created at or after `since`, in `state`, if given)."""
    query = select(message).order_by(message.c.created_at.desc(), message.c.id.desc())
    if hall_code is not None:
        query = query.where(message.c.hall_code == hall_code)
    if since is not None:
        query = query.where(message.c.created_at >= utc_naive(since))
    if state is not None:
        query = query.where(message.c.state == state)
    with db.read() as connection:
        rows = [dict(row._mapping) for row in connection.execute(query.limit(max(1, min(limit, MAX_LISTED))))]
    for row in rows:
        for name in ("created_at", "next_attempt_at", "delivered_at"):
            if row[name] is not None:
                row[name] = utc_text(row[name])
    return rows
