"""Pulled `rating` changes: a 差评 of the hall (recorded at any of its windows) as the server holds it now,
followed up or not, so the supervisor's list at every window shows it. Keyed by the service event rated: the
same change again, or a later one (the follow-up), updates the one row. Our own rating coming back changes
nothing but what the server adds (a follow-up recorded at another window). A change that does not read as
a 差评 is logged and skipped."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from app.lifecycle.evaluation import LEVELS
from app.lifecycle.ratings import follow_up_due
from app.sync import wire
from app.sync.changes import Applying
from app.sync.reference import stored_calendar_years
from app.workdays import WorkCalendar
from db.models import ServiceRating

log = logging.getLogger("clerk.sync")

_TEXTS = ("event_id", "service_event_id", "case_number", "window_code", "clerk_login", "rated_at")


def _moment(text: Any) -> datetime | None:
    """A UTC time as the wire carries it (ISO 8601), naive UTC; None when absent or unreadable."""
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def apply_rating(applying: Applying, change: wire.Change) -> int:
    payload = change.payload
    level = payload.get("level")
    rated_at = _moment(payload.get("rated_at"))
    if (
        any(not isinstance(payload.get(name), str) for name in _TEXTS)
        or isinstance(level, bool)
        or level not in LEVELS
        or not LEVELS[level].unfavourable
        or rated_at is None
    ):
        log.error("rating change %s is not a 差评 this window can read; skipped", change.seq)
        return 0
    session = applying.session
    row = session.scalars(
        select(ServiceRating).where(ServiceRating.service_event_id == payload["service_event_id"])
    ).first()
    followed_up_at = _moment(payload.get("followed_up_at"))
    note = _text(payload.get("follow_up_note"))
    if row is None:
        calendar = WorkCalendar(years=stored_calendar_years(session))
        session.add(
            ServiceRating(
                event_id=payload["event_id"],
                service_event_id=payload["service_event_id"],
                case_number=payload["case_number"],
                level=level,
                reason=_text(payload.get("reason")),
                window_code=payload["window_code"],
                clerk_login=payload["clerk_login"],
                rated_at=rated_at,
                follow_up_due=follow_up_due(calendar, rated_at, level),
                followed_up_at=followed_up_at,
                follow_up_note=note,
            )
        )
        return 1
    if row.event_id != payload["event_id"]:
        log.error(
            "rating change %s names rating %s of %s, this window holds %s: kept",
            change.seq,
            payload["event_id"],
            payload["service_event_id"],
            row.event_id,
        )
        return 0
    if followed_up_at is None or row.followed_up_at is not None:
        return 0  # nothing new (a follow-up is recorded once)
    row.followed_up_at = followed_up_at
    row.follow_up_note = note
    return 1
