"""Working days left for 100,000 open cases (the approver's queue and the supervisor's watch sort by it),
from a WorkdayIndex over the calendar: the index built once, then days-left for every due date per refresh.
Part of the ≤ 100 ms to show the queue; reported as the median of several runs."""

from __future__ import annotations

import random
import statistics
import time
from datetime import date, timedelta

from app.lifecycle.time_limits import WorkdayIndex, urgency
from app.workdays import WorkCalendar, parse_calendar
from tests.bench.report import summary
from tests.helpers import calendar_json

CASES = 100_000
RUNS = 15
TODAY = date(2026, 11, 20)


def main() -> None:
    calendar = WorkCalendar(years=[parse_calendar(calendar_json())])  # as after sync: 2027 published
    rng = random.Random(13)
    # Open cases due from two months overdue to four months ahead; a few (long suspensions) in 2029, a year
    # no calendar knows yet.
    dues = [TODAY + timedelta(days=rng.randint(-60, 120)) for _ in range(CASES - 10)]
    dues += [date(2029, 1, 1) + timedelta(days=n) for n in range(10)]
    builds = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        index = WorkdayIndex.covering(calendar, today=TODAY, dues=dues)
        builds.append(time.perf_counter() - t0)
    first, last = index.first, index.last
    each, one_by_one, with_urgency = [], [], []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        left = index.days_left_each(today=TODAY, dues=dues)
        each.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        single = [index.days_left(today=TODAY, due=d) for d in dues]
        one_by_one.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        levels = list(map(urgency, index.days_left_each(today=TODAY, dues=dues)))
        with_urgency.append(time.perf_counter() - t0)
    assert left == [s.days for s in single] and len(levels) == CASES
    span = (last - first).days + 1
    print(f"{CASES:,} due dates, index over {first}–{last} ({span} days), {RUNS} runs")
    print(summary("build the index over the dues (once per calendar change)", builds, budget_ms=100))
    print(summary("days_left_each: days left of every case", each, budget_ms=100))
    print(summary("days_left one by one (certainty too)", one_by_one, budget_ms=100))
    print(summary("days_left_each + urgency of every case", with_urgency, budget_ms=100))
    for name, samples in (("days_left_each", each), ("one by one", one_by_one), ("+ urgency", with_urgency)):
        print(f"  median {name}: {statistics.median(samples) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
