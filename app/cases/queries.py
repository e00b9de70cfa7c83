"""Reading stored cases: by number (check character verified first), and the day's list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.acceptance import case_snapshot
from app.case_number import parse_case_number
from app.cases.status import status_label
from app.certificates import certificate_view, clerk_names
from db.models import Case, Certificate, HallCase
from db.store import Store


@dataclass(frozen=True)
class CaseSummary:
    number: str
    item_name: str
    applicant_name: str
    decision: str
    created_at: datetime
    clerk_name: str
    promised_date: date | None


class CaseQueries:
    def __init__(self, store: Store) -> None:
        self._store = store

    def find(self, text: str) -> dict[str, Any] | None:
        """The case as data, or None. A number with a wrong check character raises CaseNumberError,
        so a mistyped number is reported as such, never taken for another case."""
        number = str(parse_case_number(text))
        with self._store.read() as session:
            case = session.scalars(
                select(Case)
                .where(Case.number == number)
                .options(selectinload(Case.materials), selectinload(Case.findings))
            ).first()
            if case is None:
                return None
            snapshot = case_snapshot(case)
            certificate = session.scalars(
                select(Certificate).where(Certificate.case_number == number)
            ).first()
        snapshot["certificate"] = (
            None if certificate is None else certificate_view(certificate, clerk_names(self._store))
        )
        return snapshot

    def find_in_hall(self, text: str) -> dict[str, Any] | None:
        """A case of another window of the hall, as sync last reported it, or None. The check character
        is verified first, as in `find`."""
        number = str(parse_case_number(text))
        with self._store.read() as session:
            row = session.get(HallCase, number)
            if row is None:
                return None
            return {
                "number": row.number,
                "window_code": row.window_code,
                "status": row.status,
                "status_label": status_label(row.status),
                "decision": row.decision,
                "item_code": row.item_code,
                "received_on": row.received_on.isoformat() if row.received_on else None,
                "updated_at": row.updated_at.isoformat() + "Z",
            }

    def for_day(self, day: date, *, window_code: str | None = None) -> list[CaseSummary]:
        query = select(
            Case.number,
            Case.item_name,
            Case.applicant_name,
            Case.decision,
            Case.created_at,
            Case.clerk_name,
            Case.promised_date,
        ).where(Case.received_on == day)
        if window_code is not None:
            query = query.where(Case.window_code == window_code)
        with self._store.read() as session:
            rows = session.execute(query.order_by(Case.id.desc())).all()
        return [CaseSummary(*row) for row in rows]
