"""Reading stored cases: by number (check character verified first) as a `CaseView`, a case of another
window of the hall as a `HallCaseView`, and the day's list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.case_number import parse_case_number
from app.cases.views import CaseView, HallCaseView, case_view, hall_case_view
from db.models import Case, Certificate, Clerk, HallCase
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

    def find(self, text: str) -> CaseView | None:
        """The case held at this window, or None. A number with a wrong check character raises
        CaseNumberError, so a mistyped number is reported as such, never taken for another case."""
        number = str(parse_case_number(text))
        with self._store.read() as session:
            case = session.scalars(
                select(Case)
                .where(Case.number == number)
                .options(selectinload(Case.materials), selectinload(Case.findings))
            ).first()
            if case is None:
                return None
            certificate = session.scalars(
                select(Certificate).where(Certificate.case_number == number)
            ).first()
            names: dict[str, str] = {}
            if certificate is not None and certificate.handover_clerk_login is not None:
                login = certificate.handover_clerk_login
                name = session.scalar(select(Clerk.name).where(Clerk.login == login))
                names = {} if name is None else {login: name}
            return case_view(case, certificate=certificate, clerk_names=names)

    def find_in_hall(self, text: str) -> HallCaseView | None:
        """A case of another window of the hall, as sync last reported it, or None. The check character
        is verified first, as in `find`."""
        number = str(parse_case_number(text))
        with self._store.read() as session:
            row = session.get(HallCase, number)
            return None if row is None else hall_case_view(row)

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
