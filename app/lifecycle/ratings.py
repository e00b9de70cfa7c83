"""好差评 at the window: which visits of a case can be rated (its service events, the table
`evaluation.SERVICE_EVENTS`), a rating recorded (the `service.rated` event and its `ServiceRating` row in one
transaction), the hall's 差评 for the supervisor, and their follow-up (`service.followed_up`).

A rating is refused, nothing stored, for a level out of 1–5, a 差评 without a reason, an event that is no
service event of the case, a case this window does not know, and a service event rated already (一次一评;
the server refuses a second rating from another window as well: server.ratings).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import Clock, hall_time, hall_time_text
from app.lifecycle.evaluation import (
    FOLLOW_UP_WORKING_DAYS,
    LEVELS,
    MAX_REASON_CHARS,
    SERVICE_EVENTS,
    level_problem,
    reason_problem,
)
from app.lifecycle.events import ServiceFollowedUp, ServiceRated
from app.operations.changes import OperationRefused
from app.sync.outbox import RecordedBy, UnsendableEvent, record_event
from app.workdays import WorkCalendar
from db.models import Case, CaseEvent, ServiceRating
from db.store import Store

log = logging.getLogger("clerk.ratings")


class RatingRefused(OperationRefused):
    """A rating or a follow-up refused before anything was stored; the message says why."""


@dataclass(frozen=True)
class ServiceVisit:
    """A service event of a case: a visit that ended at a counter, and its rating if it has one."""

    event_id: str
    case_number: str
    kind: str
    window_code: str
    at: datetime  # naive UTC, as the event was recorded
    rated_level: int | None

    @property
    def label(self) -> str:
        return SERVICE_EVENTS[self.kind]

    def describe(self) -> str:
        return f"办件 {self.case_number} 的{self.label}（{hall_time_text(self.at)}）"


@dataclass(frozen=True)
class Rating:
    """A rating as the window holds it (recorded here, or a 差评 of the hall brought by sync)."""

    event_id: str
    service_event_id: str
    case_number: str
    level: int
    reason: str | None
    window_code: str
    clerk_login: str
    rated_at: datetime  # naive UTC
    follow_up_due: date | None
    followed_up_at: datetime | None
    follow_up_note: str | None

    @property
    def level_label(self) -> str:
        return LEVELS[self.level].label

    @property
    def unfavourable(self) -> bool:
        return LEVELS[self.level].unfavourable

    def overdue(self, today: date) -> bool:
        """A 差评 not followed up by its due day."""
        return self.followed_up_at is None and self.follow_up_due is not None and self.follow_up_due < today

    @staticmethod
    def of(row: ServiceRating) -> Rating:
        return Rating(
            event_id=row.event_id,
            service_event_id=row.service_event_id,
            case_number=row.case_number,
            level=row.level,
            reason=row.reason,
            window_code=row.window_code,
            clerk_login=row.clerk_login,
            rated_at=row.rated_at,
            follow_up_due=row.follow_up_due,
            followed_up_at=row.followed_up_at,
            follow_up_note=row.follow_up_note,
        )


def follow_up_due(calendar: WorkCalendar, rated_at: datetime, level: int) -> date | None:
    """When a 差评 rated at `rated_at` (naive UTC) must be followed up; None for a favourable rating."""
    if not LEVELS[level].unfavourable:
        return None
    return calendar.add_working_days(hall_time(rated_at).date(), FOLLOW_UP_WORKING_DAYS).day


def _visits(session: Session, number: str) -> list[ServiceVisit]:
    rated = dict(
        session.execute(
            select(ServiceRating.service_event_id, ServiceRating.level).where(
                ServiceRating.case_number == number
            )
        ).all()
    )
    rows = session.execute(
        select(CaseEvent.event_id, CaseEvent.kind, CaseEvent.window_code, CaseEvent.device_time)
        .where(
            CaseEvent.case_number == number,
            CaseEvent.kind.in_(list(SERVICE_EVENTS)),
            CaseEvent.rejected_at.is_(None),
        )
        .order_by(CaseEvent.id)
    ).all()
    return [ServiceVisit(e, number, k, w, t, rated.get(e)) for e, k, w, t in rows]


def _known(session: Session, number: str) -> bool:
    if session.scalars(select(Case.number).where(Case.number == number)).first() is not None:
        return True
    return session.scalars(select(CaseEvent.id).where(CaseEvent.case_number == number)).first() is not None


class RatingService:
    def __init__(self, *, store: Store, calendar: WorkCalendar, clock: Clock) -> None:
        self._store = store
        self._calendar = calendar
        self._clock = clock

    def visits(self, number: str) -> list[ServiceVisit]:
        """The service events of case `number` recorded at this window, oldest first, with their ratings."""
        with self._store.read() as session:
            return _visits(session, number)

    def visit_to_offer(self, number: str, *, window_code: str) -> ServiceVisit | None:
        """The visit the applicant at the counter may rate now: the case's last service event, if it was
        recorded at this window today and is not rated yet; None otherwise."""
        visits = self.visits(number)
        if not visits:
            return None
        last = visits[-1]
        today = self._clock.today()
        if (
            last.rated_level is not None
            or last.window_code != window_code
            or hall_time(last.at).date() != today
        ):
            return None
        return last

    def rate(
        self, number: str, *, service_event_id: str, level: int, reason: str | None, by: RecordedBy
    ) -> Rating:
        """Record the applicant's rating of the service event `service_event_id` of case `number`.
        RatingRefused (nothing stored) says why not."""
        problem = level_problem(level) or reason_problem(level, reason)
        if problem is not None:
            raise RatingRefused(f"未记录评价：{problem}")
        text = (reason or "").strip() or None
        now = self._clock.now()
        rated_at = now.astimezone(UTC).replace(tzinfo=None)
        with self._store.write() as session:
            if not _known(session, number):
                raise RatingRefused(f"未记录评价：本窗口没有办件 {number}")
            visit = next((v for v in _visits(session, number) if v.event_id == service_event_id), None)
            if visit is None:
                kinds = "、".join(SERVICE_EVENTS.values())
                raise RatingRefused(
                    f"未记录评价：{service_event_id} 不是办件 {number} 在本窗口的一次窗口服务"
                    f"（{kinds}），不能评价"
                )
            if visit.rated_level is not None:
                raise RatingRefused(
                    f"未记录评价：{visit.describe()}已评价为“{LEVELS[visit.rated_level].label}”，"
                    "一次服务只评一次（一次一评）"
                )
            rated = ServiceRated(service_event_id=service_event_id, level=level, reason=text)
            try:
                event = record_event(session=session, event=rated, case_number=number, by=by, now=now)
            except UnsendableEvent as error:
                raise RatingRefused(f"未记录评价：{error}") from None
            row = ServiceRating(
                event_id=event.event_id,
                service_event_id=service_event_id,
                case_number=number,
                level=level,
                reason=text,
                window_code=by.window_code,
                clerk_login=by.clerk_login,
                rated_at=rated_at,
                follow_up_due=follow_up_due(self._calendar, rated_at, level),
                followed_up_at=None,
                follow_up_note=None,
            )
            session.add(row)
            session.flush()
            log.info("rating %s of %s (case %s) recorded", level, service_event_id, number)
            return Rating.of(row)

    def unfavourable(self, *, open_only: bool = False) -> list[Rating]:
        """The hall's 差评 this window holds (its own and those sync brought), the most urgent first: not
        followed up before followed up, then by due day."""
        query = select(ServiceRating).where(
            ServiceRating.level.in_([v for v, lv in LEVELS.items() if lv.unfavourable])
        )
        if open_only:
            query = query.where(ServiceRating.followed_up_at.is_(None))
        with self._store.read() as session:
            rows = [Rating.of(r) for r in session.scalars(query)]
        return sorted(
            rows, key=lambda r: (r.followed_up_at is not None, r.follow_up_due or date.max, r.rated_at)
        )

    def follow_up(self, rating_event_id: str, *, note: str, by: RecordedBy) -> Rating:
        """Record a supervisor's follow-up (回访) of the 差评 `rating_event_id`; RatingRefused: why not."""
        text = note.strip()
        if not text:
            raise RatingRefused("未记录回访：请写明回访情况（联系了谁、结果如何）")
        if len(text) > MAX_REASON_CHARS:
            raise RatingRefused(f"未记录回访：回访情况最多 {MAX_REASON_CHARS} 字，现有 {len(text)} 字")
        now = self._clock.now()
        with self._store.write() as session:
            row = session.scalars(
                select(ServiceRating).where(ServiceRating.event_id == rating_event_id)
            ).first()
            if row is None:
                raise RatingRefused(f"未记录回访：本窗口没有评价 {rating_event_id}")
            if not LEVELS[row.level].unfavourable:
                raise RatingRefused(
                    f"未记录回访：办件 {row.case_number} 的评价为“{LEVELS[row.level].label}”，"
                    "不是差评，无需回访"
                )
            if row.followed_up_at is not None:
                raise RatingRefused(
                    f"未记录回访：办件 {row.case_number} 的差评已于 {hall_time_text(row.followed_up_at)} 回访"
                )
            followed = ServiceFollowedUp(rating_event_id=rating_event_id, note=text)
            try:
                record_event(session=session, event=followed, case_number=row.case_number, by=by, now=now)
            except UnsendableEvent as error:
                raise RatingRefused(f"未记录回访：{error}") from None
            row.followed_up_at = now.astimezone(UTC).replace(tzinfo=None)
            row.follow_up_note = text
            session.flush()
            return Rating.of(row)
