"""A case's life after the decision as the window, `clerk` and the documents read it: frozen views of the
lifecycle columns and rows of a stored case (`life_view`), part of its `CaseView` (`CaseView.life`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from app.catalog import TimeLimit
from app.lifecycle.suspensions import suspension_label
from db.models import Case


@dataclass(frozen=True)
class VisitView:
    """A return of the applicant: a supplement (补正) or a tolerated material supplied (容缺补交)."""

    visit: int
    kind: str  # "supplement" | "tolerated"
    day: date
    asked: tuple[str, ...]  # material codes the notice (or the 容缺 list) named
    outcome: str  # the new check's outcome
    findings: tuple[dict[str, Any], ...]
    warnings: tuple[str, ...]  # gaps outside the first notice: shown to the clerk, never asked again
    supplement_deadline: date | None
    clerk_login: str
    event_id: str


@dataclass(frozen=True)
class SuspensionView:
    kind: str
    reason: str
    start: date
    expected_end: date
    actual_end: date | None
    clerk_login: str
    event_id: str

    @property
    def label(self) -> str:
        return suspension_label(self.kind)

    @property
    def running(self) -> bool:
        return self.actual_end is None


@dataclass(frozen=True)
class CorrectionView:
    field: str
    old: str | None
    new: str | None
    reason: str
    clerk_login: str


@dataclass(frozen=True)
class LifecycleView:
    step: int = 0
    department: str = ""
    accepted_on: date | None = None  # the day the time limits start from
    legal_limit: TimeLimit | None = None
    promised_limit: TimeLimit | None = None
    legal_due: date | None = None
    legal_due_uncertain: bool = False
    suspended_since: date | None = None
    extension_days: int = 0
    extension: dict[str, Any] | None = None  # days, reason, approved_by, approved_on
    tolerated_outstanding: tuple[str, ...] = ()  # material codes still to be supplied
    approve_before_supplied: bool = False  # the item's rule lets it be decided before they are
    ended_on: date | None = None
    ending: dict[str, Any] | None = None  # kind, day, reason, basis, request_day
    visits: tuple[VisitView, ...] = ()
    suspensions: tuple[SuspensionView, ...] = ()
    corrections: tuple[CorrectionView, ...] = ()
    refresh_needed: bool = False

    @property
    def extended(self) -> bool:
        return self.extension_days > 0

    @property
    def running_suspension(self) -> SuspensionView | None:
        return next((s for s in self.suspensions if s.running), None)

    @property
    def last_visit(self) -> VisitView | None:
        return self.visits[-1] if self.visits else None

    def to_json(self) -> dict[str, Any]:
        def day(value: date | None) -> str | None:
            return None if value is None else value.isoformat()

        return {
            "step": self.step,
            "department": self.department,
            "accepted_on": day(self.accepted_on),
            "legal_limit": None if self.legal_limit is None else asdict(self.legal_limit),
            "promised_limit": None if self.promised_limit is None else asdict(self.promised_limit),
            "legal_due": day(self.legal_due),
            "legal_due_uncertain": self.legal_due_uncertain,
            "suspended_since": day(self.suspended_since),
            "extension_days": self.extension_days,
            "extension": self.extension,
            "tolerated_outstanding": list(self.tolerated_outstanding),
            "ended_on": day(self.ended_on),
            "ending": self.ending,
            "visits": [
                {**asdict(v), "day": v.day.isoformat(), "supplement_deadline": day(v.supplement_deadline)}
                for v in self.visits
            ],
            "suspensions": [
                {
                    **asdict(s),
                    "start": s.start.isoformat(),
                    "expected_end": s.expected_end.isoformat(),
                    "actual_end": day(s.actual_end),
                }
                for s in self.suspensions
            ],
            "corrections": [asdict(c) for c in self.corrections],
        }


def _limit(days: int | None, unit: str | None) -> TimeLimit | None:
    return None if days is None or unit is None else TimeLimit(days, unit)


def life_view(row: Case) -> LifecycleView:
    return LifecycleView(
        step=row.step or 0,
        department=row.department or "",
        accepted_on=row.accepted_on,
        legal_limit=_limit(row.legal_limit_days, row.legal_limit_unit),
        promised_limit=_limit(row.promised_limit_days, row.promised_limit_unit),
        legal_due=row.legal_due,
        legal_due_uncertain=bool(row.legal_due_uncertain),
        suspended_since=row.suspended_since,
        extension_days=row.extension_days or 0,
        extension=row.extension,
        tolerated_outstanding=tuple((row.tolerated_outstanding or "").split()),
        approve_before_supplied=bool(row.approve_before_supplied),
        ended_on=row.ended_on,
        ending=row.ending,
        visits=tuple(
            VisitView(
                visit=v.visit,
                kind=v.kind,
                day=v.day,
                asked=tuple(v.asked),
                outcome=v.outcome,
                findings=tuple(v.findings),
                warnings=tuple(v.warnings),
                supplement_deadline=v.supplement_deadline,
                clerk_login=v.clerk_login,
                event_id=v.event_id,
            )
            for v in row.visits
        ),
        suspensions=tuple(
            SuspensionView(
                kind=s.kind,
                reason=s.reason,
                start=s.start,
                expected_end=s.expected_end,
                actual_end=s.actual_end,
                clerk_login=s.clerk_login,
                event_id=s.event_id,
            )
            for s in row.suspensions
        ),
        corrections=tuple(
            CorrectionView(field=c.field, old=c.old, new=c.new, reason=c.reason, clerk_login=c.clerk_login)
            for c in row.corrections
        ),
        refresh_needed=bool(row.refresh_needed),
    )
