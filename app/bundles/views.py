"""A bundle as stored at this window: its cases with their statuses, followed together, and the bundle's
overall state, found by the bundle number or by the number of any of its cases."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select

from app.bundles.numbers import looks_like_bundle_number, parse_bundle_number
from app.case_number import parse_case_number
from app.cases.queries import CaseQueries
from app.cases.status import ENDED, CaseStatus, status_of
from app.cases.views import CaseView
from db.models import Case, CaseBundle
from db.store import Store


class BundleState(StrEnum):
    SUPPLEMENT = "supplement"  # at least one item waits for the applicant's 补正
    IN_PROGRESS = "in_progress"  # accepted items still being handled
    TO_COLLECT = "to_collect"  # nothing left but certificates to collect
    DONE = "done"  # every case ended


STATE_LABEL: dict[BundleState, str] = {
    BundleState.SUPPLEMENT: "有事项待补正",
    BundleState.IN_PROGRESS: "办理中",
    BundleState.TO_COLLECT: "证照待领取",
    BundleState.DONE: "全部办结",
}


def overall_state(statuses: Sequence[CaseStatus | str]) -> BundleState:
    """The bundle's state from its cases' statuses: the first rule that holds, read top to bottom."""
    known = [status_of(str(s)) for s in statuses]
    if any(s is CaseStatus.AWAITING_SUPPLEMENT for s in known):
        return BundleState.SUPPLEMENT
    if all(s in ENDED for s in known):
        return BundleState.DONE
    if all(s in ENDED or s is CaseStatus.APPROVED for s in known):
        return BundleState.TO_COLLECT
    return BundleState.IN_PROGRESS


@dataclass(frozen=True)
class BundleView:
    number: str
    code: str
    name: str
    catalog_version: str
    definition: dict[str, Any]
    handed_over: tuple[dict[str, Any], ...]
    hall_code: str
    window_code: str
    received_on: date
    clerk_name: str
    created_at: datetime
    cases: tuple[CaseView, ...]  # in the bundle's item order
    documents: dict[str, Any]

    @property
    def state(self) -> BundleState:
        return overall_state([c.status for c in self.cases])

    @property
    def state_label(self) -> str:
        return STATE_LABEL[self.state]

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "bundle": self.code,
            "name": self.name,
            "catalog_version": self.catalog_version,
            "received_on": self.received_on.isoformat(),
            "state": str(self.state),
            "state_label": self.state_label,
            "cases": [
                {
                    "number": c.number,
                    "item_code": c.item_code,
                    "item_name": c.item_name,
                    "decision": str(c.decision),
                    "decision_label": c.decision_label,
                    "status": str(c.status),
                    "status_label": c.status_label,
                }
                for c in self.cases
            ],
        }


class BundleQueries:
    def __init__(self, store: Store, cases: CaseQueries) -> None:
        self._store, self._cases = store, cases

    def find(self, text: str) -> BundleView | None:
        """The bundle of a bundle number, or the bundle a case number's case was decided in (None: neither
        here). A mistyped number raises the number's own error (BundleNumberError, CaseNumberError)."""
        if looks_like_bundle_number(text):
            number = str(parse_bundle_number(text))
        else:
            case_number = str(parse_case_number(text))
            with self._store.read() as session:
                found = session.scalar(select(Case.bundle_number).where(Case.number == case_number))
            if found is None:
                return None
            number = found
        with self._store.read() as session:
            row = session.scalars(select(CaseBundle).where(CaseBundle.number == number)).first()
            case_numbers = session.scalars(
                select(Case.number).where(Case.bundle_number == number).order_by(Case.id)
            ).all()
        if row is None:
            return None
        order = {code: i for i, code in enumerate(row.definition.get("items") or ())}
        cases = [c for n in case_numbers if (c := self._cases.find(n)) is not None]
        cases.sort(key=lambda c: order.get(c.item_code, len(order)))
        return BundleView(
            number=row.number,
            code=row.bundle_code,
            name=row.bundle_name,
            catalog_version=row.catalog_version,
            definition=dict(row.definition),
            handed_over=tuple(row.handed_over),
            hall_code=row.hall_code,
            window_code=row.window_code,
            received_on=row.received_on,
            clerk_name=row.clerk_name,
            created_at=row.created_at,
            cases=tuple(cases),
            documents=dict(row.documents or {}),
        )
