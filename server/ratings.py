"""好差评 on the server: the `rating` table, filled from the stored `service.rated` events (one per service
event: 一次一评) and updated by `service.followed_up`; the `rating` changes that bring a 差评 to every window
of its hall; the list `clerk-server ratings list` prints.

The server trusts no window: a rating must name a stored service event (`evaluation.SERVICE_EVENTS`) of
its own case, and a follow-up a 差评 of the device's hall not followed up yet. A second rating of a service
event, from this or any other window, is refused alone (`rated_twice`). The rating row is inserted with
`ON CONFLICT DO NOTHING` under its unique service event id, in the push's transaction, after the events
are stored: two pushes rating one service event at the same moment cannot both win (the second waits for
the first's commit, then finds the row). A refused event is removed again, like a decision whose number
is taken (server.sync.push).

Hooks in server.sync.push (`Push.run` and `Push._append_changes`): `store_ratings` after the cases are
stored, `rating_changes` among the change rows.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, delete, select, update

from app.clock import hall_time, hall_time_text
from app.lifecycle.evaluation import LEVELS, SERVICE_EVENTS
from app.lifecycle.ratings import follow_up_due
from app.sync.wire import (
    KIND_RATING,
    REJECTION_RATED_TWICE,
    REJECTION_RATING_REFUSED,
    EventKind,
    Rejection,
)
from app.workdays import CalendarError, WorkCalendar, parse_calendar
from server import dialect
from server.bulk import dumps
from server.models import calendar_publication, case_event, rating
from server.store import ServerDB
from server.sync.checks import Candidate, reject
from server.sync.device import Device

log = logging.getLogger("clerk.server.ratings")

UNFAVOURABLE = [value for value, level in LEVELS.items() if level.unfavourable]
RATING_KINDS = (EventKind.SERVICE_RATED, EventKind.SERVICE_FOLLOWED_UP)
ChangeRow = tuple[str, str, str, str, datetime, str | None]  # a change-log row (server.sync.change_log)


def store_ratings(
    connection: Connection,
    db: ServerDB,
    device_: Device,
    candidates: Sequence[Candidate],
    new_ids: set[str],
    now: datetime,
) -> list[Rejection]:
    """Fill `rating` from the new `service.rated` and `service.followed_up` events of the push (in the
    window's order); the refused ones are removed from `case_event` and from `new_ids`."""
    new = [c for c in candidates if c.event.kind in RATING_KINDS and c.event.event_id in new_ids]
    if not new:
        return []
    rejections: list[Rejection] = []
    for candidate in sorted(new, key=lambda c: c.order):
        refused = (
            _rate(connection, db, device_, candidate, now)
            if candidate.event.kind == EventKind.SERVICE_RATED
            else _follow_up(connection, device_, candidate)
        )
        if refused is not None:
            log.warning("%s %s refused: %s", candidate.event.kind, candidate.event.event_id, refused.message)
            rejections.append(refused)
    removed = sorted(r.event_id for r in rejections)
    if removed:
        connection.execute(delete(case_event).where(dialect.among(db, case_event.c.event_id, removed)))
        new_ids.difference_update(removed)
    return rejections


def _rate(
    connection: Connection, db: ServerDB, device_: Device, candidate: Candidate, now: datetime
) -> Rejection | None:
    event = candidate.event
    service_id = event.payload["service_event_id"]
    service = connection.execute(
        select(case_event.c.kind, case_event.c.case_number).where(case_event.c.event_id == service_id)
    ).first()
    if service is None or service.case_number != event.case_number or service.kind not in SERVICE_EVENTS:
        kinds = "、".join(SERVICE_EVENTS.values())
        return reject(
            event,
            REJECTION_RATING_REFUSED,
            f"办件 {event.case_number} 的服务评价所评的事件 {service_id} 不是该办件已上传的窗口服务记录"
            f"（{kinds}），本条评价未保存",
        )
    inserted = connection.execute(
        dialect.insert(db, rating)
        .values(
            event_id=event.event_id,
            service_event_id=service_id,
            hall_code=device_.hall_code,
            case_number=event.case_number,
            level=event.payload["level"],
            reason=event.payload.get("reason"),
            window_code=event.window_code,
            clerk_login=event.clerk_login,
            rated_at=event.device_time,
            received_at=now,
        )
        .on_conflict_do_nothing()
    )
    if inserted.rowcount == 1:
        return None
    held = connection.execute(select(rating).where(rating.c.service_event_id == service_id)).first()
    if held is None or held.event_id == event.event_id:
        return None  # the same rating (a retry racing itself)
    return reject(
        event,
        REJECTION_RATED_TWICE,
        f"办件 {event.case_number} 的{SERVICE_EVENTS[service.kind]}（事件 {service_id}）已于 "
        f"{hall_time_text(held.rated_at)} 在窗口 {held.window_code} 评价为“{LEVELS[held.level].label}”："
        "一次服务只评一次，本条评价未保存",
    )


def _follow_up(connection: Connection, device_: Device, candidate: Candidate) -> Rejection | None:
    event = candidate.event
    rating_id = event.payload["rating_event_id"]
    held = connection.execute(select(rating).where(rating.c.event_id == rating_id)).first()
    if held is None or held.hall_code != device_.hall_code or held.case_number != event.case_number:
        return reject(
            event,
            REJECTION_RATING_REFUSED,
            f"办件 {event.case_number} 在本大厅没有评价 {rating_id}，本条回访未保存",
        )
    if held.level not in UNFAVOURABLE:
        return reject(
            event,
            REJECTION_RATING_REFUSED,
            f"办件 {event.case_number} 的评价为“{LEVELS[held.level].label}”，不是差评，本条回访未保存",
        )
    done = connection.execute(
        update(rating)
        .where(rating.c.event_id == rating_id, rating.c.follow_up_event_id.is_(None))
        .values(
            follow_up_event_id=event.event_id,
            followed_up_at=event.device_time,
            followed_up_by=event.clerk_login,
            follow_up_note=event.payload["note"],
        )
    )
    if done.rowcount == 1:
        return None
    held = connection.execute(select(rating).where(rating.c.event_id == rating_id)).one()
    return reject(
        event,
        REJECTION_RATING_REFUSED,
        f"办件 {event.case_number} 的差评已于 {hall_time_text(held.followed_up_at)} 由 {held.followed_up_by} "
        "回访，本条回访未保存",
    )


def rating_changes(
    connection: Connection, db: ServerDB, accepted: Sequence[Candidate], device_: Device, now: datetime
) -> list[ChangeRow]:
    """A `rating` change for each 差评 the accepted events rated or followed up, as stored now."""
    ids = sorted(
        {
            c.event.event_id
            if c.event.kind == EventKind.SERVICE_RATED
            else c.event.payload["rating_event_id"]
            for c in accepted
            if c.event.kind in RATING_KINDS
        }
    )
    if not ids:
        return []
    rows = connection.execute(
        select(rating).where(dialect.among(db, rating.c.event_id, ids), rating.c.level.in_(UNFAVOURABLE))
    ).all()
    return [
        (r.hall_code, KIND_RATING, r.service_event_id, dumps(_change(r)), now, device_.device_id)
        for r in rows
    ]


def _change(row: Any) -> dict[str, Any]:
    return {
        "event_id": row.event_id,
        "service_event_id": row.service_event_id,
        "case_number": row.case_number,
        "level": row.level,
        "reason": row.reason,
        "window_code": row.window_code,
        "clerk_login": row.clerk_login,
        "rated_at": row.rated_at,
        "followed_up_at": row.followed_up_at,
        "follow_up_note": row.follow_up_note,
        "followed_up_by": row.followed_up_by,
    }


def list_ratings(
    db: ServerDB, *, unfavourable: bool = False, hall_code: str | None = None
) -> list[dict[str, Any]]:
    """The ratings (the newest first), each with its level's label and, for a 差评, its follow-up due day
    (working days by the calendars published here)."""
    query = select(rating).order_by(rating.c.rated_at.desc(), rating.c.event_id)
    if unfavourable:
        query = query.where(rating.c.level.in_(UNFAVOURABLE))
    if hall_code is not None:
        query = query.where(rating.c.hall_code == hall_code)
    with db.read() as connection:
        rows = connection.execute(query).all()
        calendar = _calendar(connection)
    listed = []
    for row in rows:
        rated = hall_time(row.rated_at).astimezone(UTC).replace(tzinfo=None)
        due: date | None = follow_up_due(calendar, rated, row.level)
        listed.append(
            {
                **_change(row),
                "hall_code": row.hall_code,
                "level_label": LEVELS[row.level].label,
                "follow_up_due": due.isoformat() if due else None,
            }
        )
    return listed


def _calendar(connection: Connection) -> WorkCalendar:
    years = []
    for (content,) in connection.execute(select(calendar_publication.c.content)):
        try:
            years.append(parse_calendar(dumps(content).encode()))
        except CalendarError as error:
            log.error("published calendar unusable: %s", error)
    return WorkCalendar(years=years)
