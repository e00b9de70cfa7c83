"""The approver's queue (审批队列) and the supervisor's time-limit watch (时限监控): the hall's open cases
by working days left, read at any PC of the hall.

Each list is one query over this PC's own cases (`case`) and the hall index of the other windows' cases
(`hall_case`, whose due days the server's `timing` brings: app.lifecycle.timing) together, UNION ALL:

- `legal`: accepted and in-review cases by the legal due day (法定时限) — the approver's queue;
- `promised`: the same cases by the promised day (承诺时限);
- `suspended`: suspended cases (挂起), shown apart: their clocks stand still, so they are ordered by the day
  the suspension began and their days left are those left when it began (what they will have on resuming);
- `deadlines`: cases awaiting a supplement (补正, the notice's deadline) and cases with tolerated (容缺)
  materials still to come (their deadline), by that deadline.

Fast for 100,000 open cases: every list has a partial index per table on (day, department, window_code)
whose condition the query repeats word for word (db.models.WATCH_LISTS). SQLite then merges the two tables'
index scans in the list's order (no sort), stops after the page, and counts from the indexes alone.
A case both held here and in the hall index (a record fetched from the server) is listed once, as held here.
Working days left are computed for the rows of the page only, with one `WorkdayIndex` over their span.
A case whose list day is unknown (decided before time limits were kept; an index entry of a change that
carried no timing) is in no list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.cases.status import status_label
from app.lifecycle.time_limits import URGENCY_LABEL, Urgency, WorkdayIndex, urgency
from app.workdays import WorkCalendar
from db.models import WATCH_LISTS
from db.store import Store

PAGE_ROWS = 100
MAX_PAGE_ROWS = 1000


class WatchList(StrEnum):
    LEGAL = "legal"
    PROMISED = "promised"
    SUSPENDED = "suspended"
    DEADLINES = "deadlines"


WATCH_LIST_LABEL = {
    WatchList.LEGAL: "按法定时限",
    WatchList.PROMISED: "按承诺时限",
    WatchList.SUSPENDED: "挂起中",
    WatchList.DEADLINES: "补正/容缺期限",
}


class WatchError(ValueError):
    """A page that cannot be asked for; the message names the problem."""


@dataclass(frozen=True)
class WatchFilter:
    department: str | None = None  # None: every department
    window_code: str | None = None  # None: every window


@dataclass(frozen=True)
class WatchRow:
    number: str
    held_here: bool  # this PC holds the case; otherwise it is another window's (the hall index)
    window_code: str
    department: str
    status: str
    item_code: str | None
    item_name: str | None  # the case's own, or the current catalog's for another window's case
    applicant: str | None  # held here only: the hall index carries no personal data
    accepted_on: date | None
    legal_due: date | None
    legal_due_uncertain: bool
    promised_date: date | None
    supplement_deadline: date | None
    suspended_since: date | None
    tolerated: tuple[str, ...]  # material codes of tolerated materials still to come
    day: date  # the day the list is ordered by
    days_left: int  # working days left to `day` (see the module's rules); negative: overdue
    days_left_certain: bool  # every day counted is in the known calendar

    @property
    def urgency(self) -> Urgency:
        return urgency(self.days_left)

    @property
    def urgency_label(self) -> str:
        return URGENCY_LABEL[self.urgency]

    @property
    def status_label(self) -> str:
        return status_label(self.status)

    @property
    def deadline_kind(self) -> str:
        """What the deadline of the `deadlines` list is for."""
        return "补正期限" if self.status == "awaiting_supplement" else "容缺补交期限"


@dataclass(frozen=True)
class WatchPage:
    watch_list: WatchList
    filter: WatchFilter
    today: date
    offset: int
    rows: tuple[WatchRow, ...]
    total: int  # rows of the list under the filter, all pages

    @property
    def more(self) -> bool:
        return self.offset + len(self.rows) < self.total


_COLUMNS = (
    "number, {held} AS held_here, window_code, department, status, item_code, {item_name} AS item_name,"
    " {applicant} AS applicant, accepted_on, legal_due, legal_due_uncertain, promised_date,"
    " supplement_deadline, suspended_since, tolerated_outstanding"
)
_NOT_HELD = 'NOT EXISTS (SELECT 1 FROM "case" AS held WHERE held.number = hall_case.number)'


def _where(watch_list: WatchList, chosen: WatchFilter, *, hall: bool) -> str:
    terms = [WATCH_LISTS[watch_list][1]]
    if chosen.department is not None:
        terms.append("department = :department")
    if chosen.window_code is not None:
        terms.append("window_code = :window_code")
    if hall:
        terms.append(_NOT_HELD)
    return " AND ".join(terms)


def _tables(watch_list: WatchList) -> tuple[str, str]:
    """Both tables, each bound to its list's index: the statistics of a hall whose cases are mostly ended
    would otherwise tempt the planner to the status index and a sort (INDEXED BY fails loudly if the
    index cannot serve the query, rather than quietly sorting)."""
    return (
        f'"case" INDEXED BY ix_case_watch_{watch_list}',
        f"hall_case INDEXED BY ix_hall_case_watch_{watch_list}",
    )


def page_sql(watch_list: WatchList, chosen: WatchFilter) -> str:
    """The query of one page of a list (bound: department, window_code, limit, offset)."""
    day = WATCH_LISTS[watch_list][0]
    held = _COLUMNS.format(held=1, item_name="item_name", applicant="applicant_name")
    other = _COLUMNS.format(held=0, item_name="NULL", applicant="NULL")
    cases, hall_cases = _tables(watch_list)
    return (
        f"SELECT {held} FROM {cases} WHERE {_where(watch_list, chosen, hall=False)}"
        f" UNION ALL SELECT {other} FROM {hall_cases} WHERE {_where(watch_list, chosen, hall=True)}"
        f" ORDER BY {day} LIMIT :limit OFFSET :offset"
    )


def count_sql(watch_list: WatchList, chosen: WatchFilter) -> str:
    cases, hall_cases = _tables(watch_list)
    return (
        f"SELECT (SELECT count(*) FROM {cases} WHERE {_where(watch_list, chosen, hall=False)})"
        f" + (SELECT count(*) FROM {hall_cases} WHERE {_where(watch_list, chosen, hall=True)})"
    )


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def watch_page(
    session: Session,
    *,
    calendar: WorkCalendar,
    watch_list: WatchList,
    chosen: WatchFilter = WatchFilter(),
    today: date,
    offset: int = 0,
    limit: int = PAGE_ROWS,
) -> WatchPage:
    """One page of a list, the most urgent first, with the list's total under the filter."""
    if offset < 0:
        raise WatchError(f"起始行不能为负数：{offset}")
    if not 1 <= limit <= MAX_PAGE_ROWS:
        raise WatchError(f"每页行数应在 1–{MAX_PAGE_ROWS} 之间，实为 {limit}")
    params = {
        "department": chosen.department,
        "window_code": chosen.window_code,
        "limit": limit,
        "offset": offset,
    }
    found = session.execute(text(page_sql(watch_list, chosen)), params).all()
    total = int(session.execute(text(count_sql(watch_list, chosen)), params).scalar_one())
    names = _item_names(session, {r.item_code for r in found if not r.held_here and r.item_code})
    day_column = WATCH_LISTS[watch_list][0]
    days = [_day(getattr(r, day_column)) for r in found]
    suspended = watch_list is WatchList.SUSPENDED
    rows = _rows(found, days, names, calendar=calendar, today=today, suspended=suspended)
    return WatchPage(watch_list, chosen, today, offset, tuple(rows), total)


def _rows(
    found: Sequence[Any],
    days: list[date | None],
    names: dict[str, str],
    *,
    calendar: WorkCalendar,
    today: date,
    suspended: bool,
) -> list[WatchRow]:
    """The page's rows with their working days left: for a suspended case, those it had when its suspension
    began (the start day is not counted), to its legal due day."""
    counted = [(r, d) for r, d in zip(found, days, strict=True) if d is not None]
    targets = [(_day(r.legal_due), d - timedelta(days=1)) if suspended else (d, today) for r, d in counted]
    index = WorkdayIndex.covering(
        calendar, today=today, dues=[x for pair in targets for x in pair if x is not None]
    )
    rows = []
    for (r, d), (due, since) in zip(counted, targets, strict=True):
        left = index.days_left(today=since, due=due if due is not None else since)
        rows.append(
            WatchRow(
                number=r.number,
                held_here=bool(r.held_here),
                window_code=r.window_code,
                department=r.department or "",
                status=r.status,
                item_code=r.item_code,
                item_name=r.item_name if r.held_here else names.get(r.item_code or ""),
                applicant=r.applicant,
                accepted_on=_day(r.accepted_on),
                legal_due=_day(r.legal_due),
                legal_due_uncertain=bool(r.legal_due_uncertain),
                promised_date=_day(r.promised_date),
                supplement_deadline=_day(r.supplement_deadline),
                suspended_since=_day(r.suspended_since),
                tolerated=tuple((r.tolerated_outstanding or "").split()),
                day=d,
                days_left=left.days,
                days_left_certain=left.certain,
            )
        )
    return rows


def _item_names(session: Session, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    binds = {f"c{n}": code for n, code in enumerate(sorted(codes))}
    found = session.execute(
        text(
            "SELECT i.code, i.name FROM catalog_item AS i JOIN catalog_version AS v"
            " ON v.id = i.catalog_version_id WHERE v.is_current AND i.code IN"
            f" ({', '.join(':' + name for name in binds)})"
        ),
        binds,
    ).all()
    return {code: name for code, name in found}


def review_queue(
    store: Store,
    *,
    calendar: WorkCalendar,
    today: date,
    department: str | None,
    suspended: bool = False,
    offset: int = 0,
    limit: int = PAGE_ROWS,
) -> WatchPage:
    """The approver's queue: the hall's cases under review of a department (None: all), by working days
    left on the legal limit; `suspended`: the suspended ones, which the queue shows apart."""
    with store.read() as session:
        return watch_page(
            session,
            calendar=calendar,
            watch_list=WatchList.SUSPENDED if suspended else WatchList.LEGAL,
            chosen=WatchFilter(department=department),
            today=today,
            offset=offset,
            limit=limit,
        )


def time_watch(
    store: Store,
    *,
    calendar: WorkCalendar,
    today: date,
    watch_list: WatchList,
    chosen: WatchFilter,
    offset: int = 0,
    limit: int = PAGE_ROWS,
) -> WatchPage:
    """The supervisor's watch: one of its lists, filtered by department and window."""
    with store.read() as session:
        return watch_page(
            session,
            calendar=calendar,
            watch_list=watch_list,
            chosen=chosen,
            today=today,
            offset=offset,
            limit=limit,
        )


def departments(store: Store) -> list[str]:
    """The departments of the current catalog's items: the choices of the department filter."""
    with store.read() as session:
        found = session.execute(
            text(
                "SELECT DISTINCT i.department FROM catalog_item AS i JOIN catalog_version AS v"
                " ON v.id = i.catalog_version_id WHERE v.is_current AND i.department != ''"
                " ORDER BY i.department"
            )
        ).scalars()
        return list(found)


def windows(store: Store) -> list[str]:
    """The hall's windows this PC knows of (its own cases' and the hall index's): the window filter's
    choices. Read once when a list opens, not with each page."""
    with store.read() as session:
        found = session.execute(
            text('SELECT window_code FROM hall_case UNION SELECT window_code FROM "case" ORDER BY 1')
        ).scalars()
        return list(found)
