"""The approver's queue and the supervisor's watch as queries (app.lifecycle.watch) over this PC's cases and
the hall index together: order, urgency, filters, suspended cases apart, 补正/容缺 deadlines, working days
left across the 2026 National Day holiday and its moved Saturday, paging, and the plans that keep it fast.
Real window database; the cases written straight into it (tests.open_cases)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from app.lifecycle.time_limits import Urgency
from app.lifecycle.watch import (
    WatchError,
    WatchFilter,
    WatchList,
    count_sql,
    departments,
    page_sql,
    review_queue,
    time_watch,
)
from app.workspace import Workspace
from tests.helpers import SEAL
from tests.open_cases import DEPARTMENTS, OpenCase, insert_open_cases, random_open_cases

TODAY = date(2026, 9, 30)  # a Wednesday; 10-01 … 10-07 are the National Day holiday, Saturday 10-10 is worked
MARKET, HEALTH = DEPARTMENTS[0], DEPARTMENTS[1]


def queue(workspace: Workspace, department: str | None = None, **options: object) -> list[tuple[str, int]]:
    page = review_queue(
        workspace.store, calendar=workspace.calendar, today=TODAY, department=department, **options
    )
    return [(r.number, r.days_left) for r in page.rows]


@pytest.fixture
def hall(workspace: Workspace) -> Workspace:
    """Cases held here and at other windows, open and not, over two departments."""
    insert_open_cases(
        workspace.store.path,
        held=[
            OpenCase("H-SOON", legal_due=date(2026, 10, 9), item_code=SEAL, applicant="王小明"),
            OpenCase("H-LATE", legal_due=date(2026, 9, 25), status="accepted"),
            OpenCase("H-HEALTH", legal_due=date(2026, 10, 12), department=HEALTH),
            OpenCase("H-DONE", legal_due=date(2026, 9, 1), status="approved"),
            OpenCase(
                "H-SUSP", status="suspended", legal_due=date(2026, 10, 20), suspended_since=date(2026, 9, 28)
            ),
            OpenCase(
                "H-TOL",
                status="accepted",
                legal_due=date(2026, 11, 30),
                supplement_deadline=date(2026, 10, 8),
                tolerated=("M02",),
            ),
            OpenCase("H-NODUE", legal_due=None),
        ],
        hall=[
            OpenCase("O-OK", legal_due=date(2026, 10, 10), window_code="SZX0104", item_code=SEAL),
            OpenCase("O-TODAY", legal_due=TODAY, window_code="SZX0105", promised_date=date(2026, 9, 29)),
            OpenCase(
                "O-AWAIT",
                status="awaiting_supplement",
                accepted_on=None,
                window_code="SZX0104",
                supplement_deadline=date(2026, 9, 29),
            ),
            OpenCase(  # a deadline without tolerated materials outstanding: none to watch
                "O-ACCEPTED-DEADLINE",
                status="accepted",
                legal_due=date(2026, 12, 1),
                supplement_deadline=date(2026, 10, 9),
                window_code="SZX0104",
            ),
            OpenCase("H-SOON", legal_due=date(2026, 10, 9)),  # also held here (fetched): listed once
        ],
    )
    return workspace


def test_the_queue_is_ordered_by_working_days_left_over_both_tables(hall: Workspace) -> None:
    assert queue(hall) == [
        ("H-LATE", -3),  # due Friday 09-25: Mon, Tue, Wed since
        ("O-TODAY", 0),
        ("H-SOON", 2),  # due 10-09: only 10-08 and 10-09 are worked after today, across the holiday
        ("O-OK", 3),  # due Saturday 10-10, a moved working day
        ("H-HEALTH", 4),
        ("H-TOL", 39),
        ("O-ACCEPTED-DEADLINE", 40),
    ]
    page = review_queue(hall.store, calendar=hall.calendar, today=TODAY, department=None)
    by_number = {r.number: r for r in page.rows}
    assert [by_number[n].urgency for n in ("H-LATE", "O-TODAY", "H-SOON", "O-OK")] == [
        Urgency.OVERDUE,
        Urgency.SOON,
        Urgency.SOON,
        Urgency.OK,
    ]
    assert by_number["H-LATE"].urgency_label == "已逾期"
    assert by_number["H-SOON"].held_here and by_number["H-SOON"].applicant == "王小明"
    other = by_number["O-OK"]
    assert not other.held_here and other.applicant is None and other.window_code == "SZX0104"
    assert other.item_name == hall.catalog.item(SEAL).name  # type: ignore[union-attr]  # the catalog's
    assert page.total == 7 and not page.more


def test_the_queue_of_one_department_and_its_pages(hall: Workspace) -> None:
    assert queue(hall, HEALTH) == [("H-HEALTH", 4)]
    assert queue(hall, MARKET, offset=1, limit=2) == [("O-TODAY", 0), ("H-SOON", 2)]
    page = review_queue(hall.store, calendar=hall.calendar, today=TODAY, department=MARKET, limit=2)
    assert page.total == 6 and page.more
    assert queue(hall, "没有这个部门") == []
    assert "示例市公安局" in departments(hall.store)  # the filter's choices: the catalog's departments


def test_suspended_cases_are_apart_with_the_days_they_had_when_the_clock_stopped(hall: Workspace) -> None:
    page = review_queue(hall.store, calendar=hall.calendar, today=TODAY, department=None, suspended=True)
    [row] = page.rows
    # Suspended from Monday 09-28 (not counted): 09-28, 09-29, 09-30, 10-08 … 10-20 worked, 10-10 too.
    assert (row.number, row.suspended_since, row.days_left) == ("H-SUSP", date(2026, 9, 28), 13)
    assert "H-SUSP" not in dict(queue(hall))


def test_the_watch_by_the_promised_limit_and_by_window(hall: Workspace) -> None:
    page = time_watch(
        hall.store, calendar=hall.calendar, today=TODAY, watch_list=WatchList.PROMISED, chosen=WatchFilter()
    )
    assert [(r.number, r.days_left, r.urgency) for r in page.rows] == [("O-TODAY", -1, Urgency.OVERDUE)]
    by_window = time_watch(
        hall.store,
        calendar=hall.calendar,
        today=TODAY,
        watch_list=WatchList.LEGAL,
        chosen=WatchFilter(window_code="SZX0104"),
    )
    assert [r.number for r in by_window.rows] == ["O-OK", "O-ACCEPTED-DEADLINE"]
    both = time_watch(
        hall.store,
        calendar=hall.calendar,
        today=TODAY,
        watch_list=WatchList.LEGAL,
        chosen=WatchFilter(department=HEALTH, window_code="SZX0103"),
    )
    assert [r.number for r in both.rows] == ["H-HEALTH"]


def test_the_supplement_and_tolerance_deadlines(hall: Workspace) -> None:
    page = time_watch(
        hall.store, calendar=hall.calendar, today=TODAY, watch_list=WatchList.DEADLINES, chosen=WatchFilter()
    )
    assert [(r.number, r.deadline_kind, r.days_left) for r in page.rows] == [
        ("O-AWAIT", "补正期限", -1),
        ("H-TOL", "容缺补交期限", 1),  # 10-08: the first working day after the holiday
    ]
    assert page.rows[1].tolerated == ("M02",)


def test_a_page_asked_for_wrongly_is_refused_with_the_reason(hall: Workspace) -> None:
    with pytest.raises(WatchError, match="起始行不能为负数"):
        review_queue(hall.store, calendar=hall.calendar, today=TODAY, department=None, offset=-1)
    with pytest.raises(WatchError, match="每页行数应在 1–1000 之间"):
        review_queue(hall.store, calendar=hall.calendar, today=TODAY, department=None, limit=0)


@pytest.mark.parametrize("watch_list", list(WatchList))
@pytest.mark.parametrize(
    "chosen", [WatchFilter(), WatchFilter(department=MARKET), WatchFilter(MARKET, "SZX0104")]
)
def test_every_list_is_read_in_order_from_its_indexes_without_a_sort(
    hall: Workspace, watch_list: WatchList, chosen: WatchFilter
) -> None:
    today = date(2026, 12, 2)
    insert_open_cases(
        hall.store.path,
        held=random_open_cases(3000, today=today, prefix="A", seed=1),
        hall=random_open_cases(3000, today=today, prefix="B", seed=2),
    )
    params = {"department": chosen.department, "window_code": chosen.window_code, "limit": 50, "offset": 0}
    with hall.store.read() as session:
        session.execute(
            text("ANALYZE")
        )  # a hall's statistics: more ended cases than open ones would not help
        page = [
            r[3] for r in session.execute(text("EXPLAIN QUERY PLAN " + page_sql(watch_list, chosen)), params)
        ]
        count = [
            r[3] for r in session.execute(text("EXPLAIN QUERY PLAN " + count_sql(watch_list, chosen)), params)
        ]
    assert not any("B-TREE" in step for step in page + count), page
    assert "MERGE (UNION ALL)" in page
    assert any(f"USING INDEX ix_case_watch_{watch_list}" in step for step in page)
    assert any(f"USING INDEX ix_hall_case_watch_{watch_list}" in step for step in page)
    assert any(f"COVERING INDEX ix_case_watch_{watch_list}" in step for step in count)
    assert any(f"COVERING INDEX ix_hall_case_watch_{watch_list}" in step for step in count)
