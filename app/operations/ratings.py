"""好差评: the applicant's rating of a visit recorded at the counter, and the supervisor's list of 差评
with their follow-up (回访). The rules are app.lifecycle.ratings'; here the person's permission is checked
first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.accounts.roles import Permission, may
from app.case_number import CaseNumberError, parse_case_number
from app.lifecycle.ratings import Rating, RatingRefused, ServiceVisit
from app.operations.person import Actor

if TYPE_CHECKING:
    from app.workspace import Workspace


@dataclass(frozen=True)
class Rated:
    rating: Rating
    follow_up: bool  # a 差评: the supervisor follows it up by `rating.follow_up_due`


def _number(text: str) -> str:
    try:
        return str(parse_case_number(text.strip()))
    except CaseNumberError as error:
        raise RatingRefused(f"未记录评价：办件编号 {text} 有误（{error.reason}）") from None


def visit_to_offer(ws: Workspace, *, person: Actor, number: str) -> ServiceVisit | None:
    """The visit the applicant at this counter may rate now (None: nothing to offer, or no permission)."""
    if not may(person.roles, Permission.RECORD_RATING):
        return None  # a person who may not record ratings is simply not offered one
    return ws.ratings.visit_to_offer(number, window_code=person.window_code)


def rate_service(
    ws: Workspace, *, person: Actor, number: str, service_event_id: str, level: int, reason: str | None
) -> Rated:
    """Record the applicant's rating (1 非常满意 … 5 非常不满意; 4 and 5 need a reason) of one service event
    of case `number`; RatingRefused or PermissionDenied, nothing stored, otherwise."""
    person.require(Permission.RECORD_RATING)
    rating = ws.ratings.rate(
        _number(number), service_event_id=service_event_id, level=level, reason=reason, by=person
    )
    return Rated(rating, rating.unfavourable)


def unfavourable_ratings(ws: Workspace, *, person: Actor, open_only: bool = False) -> list[Rating]:
    """The hall's 差评 held here, the most urgent first (the supervisor's list)."""
    person.require(Permission.FOLLOW_UP_RATING)
    return ws.ratings.unfavourable(open_only=open_only)


def follow_up_rating(ws: Workspace, *, person: Actor, rating_event_id: str, note: str) -> Rating:
    """Record the supervisor's follow-up of a 差评; it reaches the hall's other windows by sync."""
    person.require(Permission.FOLLOW_UP_RATING)
    return ws.ratings.follow_up(rating_event_id, note=note, by=person)
