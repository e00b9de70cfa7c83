"""Time limits after acceptance (app.lifecycle.time_limits) on the real calendar: the 2025 and 2026 holidays
and moved weekends as `chinese_calendar` has them, a published 2027, suspensions stopping both clocks, an
extension, working days left by the index, urgency."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.catalog import TimeLimit
from app.lifecycle.time_limits import (
    URGENCY_LABEL,
    Due,
    Interval,
    TimeLimitError,
    Urgency,
    WorkdayIndex,
    WorkingDays,
    due,
    unknown_years,
    urgency,
)
from app.workdays import WorkCalendar, parse_calendar
from tests.helpers import calendar_json

CAL = WorkCalendar()
WITH_2027 = WorkCalendar(years=[parse_calendar(calendar_json())])
TODAY = date(2026, 11, 20)
INDEX = WorkdayIndex.build(CAL, first=date(2025, 1, 1), last=date(2027, 12, 31))


def working(days: int) -> TimeLimit:
    return TimeLimit(days, "working")


def natural(days: int) -> TimeLimit:
    return TimeLimit(days, "natural")


def due_day(start: date, limit: TimeLimit, *suspensions: Interval, today: date = TODAY, **kw: int) -> date:
    answer = due(CAL, start=start, limit=limit, suspensions=suspensions, today=today, **kw)
    assert not answer.uncertain
    return answer.day


# -- holidays and moved weekends --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # 2025 春节 01-28..02-04 (除夕 01-28 a holiday from 2025); Sunday 01-26 a working day.
        (date(2025, 1, 24), 3, date(2025, 2, 5)),
        # 2025 劳动节 05-01..05-05 (05-02 a holiday from 2025).
        (date(2025, 4, 29), 3, date(2025, 5, 7)),
        # Sunday 2025-04-27 moved to a working day.
        (date(2025, 4, 25), 2, date(2025, 4, 28)),
        # 2025 国庆+中秋 10-01..10-08; Saturday 10-11 a working day.
        (date(2025, 9, 30), 3, date(2025, 10, 11)),
        # Across the year: 元旦 2026 01-01..03, Sunday 01-04 a working day.
        (date(2025, 12, 31), 2, date(2026, 1, 5)),
        # 2026 春节 02-15..02-23; Saturday 02-14 a working day, so is Saturday 02-28.
        (date(2026, 2, 13), 2, date(2026, 2, 24)),
        (date(2026, 2, 27), 1, date(2026, 2, 28)),
        # 2026 劳动节 05-01..05-05; Saturday 05-09 a working day.
        (date(2026, 4, 30), 4, date(2026, 5, 9)),
        # 2026 中秋 09-25 (Friday); Sunday 09-20 a working day.
        (date(2026, 9, 18), 1, date(2026, 9, 20)),
        (date(2026, 9, 24), 1, date(2026, 9, 28)),
        # 2026 国庆 10-01..10-07; Saturday 10-10 a working day.
        (date(2026, 9, 30), 3, date(2026, 10, 10)),
    ],
)
def test_working_days_across_holidays_and_moved_weekends(start: date, days: int, expected: date) -> None:
    assert due_day(start, working(days)) == expected
    assert INDEX.working_days_between(start, expected) == WorkingDays(days, True)


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2026, 2, 10), 7, date(2026, 2, 24)),  # ends on 春节 02-17: moves past the holiday
        (date(2025, 9, 26), 10, date(2025, 10, 9)),  # ends on 10-06 (中秋): moves to Thursday 10-09
        (date(2026, 1, 25), 20, date(2026, 2, 14)),  # ends on a Saturday that is a working day: stays
        (date(2026, 11, 2), 12, date(2026, 11, 16)),  # ends on Saturday 11-14: Monday
    ],
)
def test_natural_days_ending_on_a_rest_day_move_to_the_next_working_day(
    start: date, days: int, expected: date
) -> None:
    assert due_day(start, natural(days)) == expected


def test_an_immediate_item_is_due_on_its_start_day() -> None:
    assert due_day(date(2026, 10, 1), working(0)) == date(2026, 10, 1)
    assert due_day(date(2026, 10, 1), natural(0)) == date(2026, 10, 1)


def test_past_the_known_calendar_the_answer_is_flagged_until_the_year_is_published() -> None:
    guess = due(CAL, start=date(2026, 12, 28), limit=working(10), today=TODAY)
    assert guess == Due(date(2027, 1, 11), uncertain=True, suspended=False)  # weekends alone
    assert unknown_years(CAL, first=date(2026, 12, 29), last=guess.day) == [2027]
    # The published 2027 (元旦 01-01..03) moves it a day and makes it certain.
    known = due(WITH_2027, start=date(2026, 12, 28), limit=working(10), today=TODAY)
    assert known == Due(date(2027, 1, 12), uncertain=False, suspended=False)
    assert unknown_years(WITH_2027, first=date(2026, 12, 29), last=known.day) == []


# -- suspensions and extension ------------------------------------------------------------------------------
ACCEPTED = date(2026, 11, 2)  # a Monday
LEGAL, PROMISED = working(20), working(10)


def both(*suspensions: Interval, today: date = TODAY) -> tuple[date, date]:
    return due_day(ACCEPTED, LEGAL, *suspensions, today=today), due_day(
        ACCEPTED, PROMISED, *suspensions, today=today
    )


def test_a_suspension_stops_and_restarts_the_legal_and_the_promised_clock() -> None:
    assert both() == (date(2026, 11, 30), date(2026, 11, 16))
    # 检测 from Monday 11-09 through Friday 11-13: five working days inside, both move by five.
    testing = Interval(date(2026, 11, 9), date(2026, 11, 13))
    assert both(testing) == (date(2026, 12, 7), date(2026, 11, 23))
    # Over a weekend, Friday 11-06 through Tuesday 11-10: the three working days inside count.
    assert both(Interval(date(2026, 11, 6), date(2026, 11, 10))) == (date(2026, 12, 3), date(2026, 11, 19))
    # A suspension that started on the acceptance day itself.
    assert both(Interval(ACCEPTED, date(2026, 11, 3))) == (date(2026, 12, 1), date(2026, 11, 17))


def test_two_suspensions_add_up_and_may_touch() -> None:
    first = Interval(date(2026, 11, 4), date(2026, 11, 5))
    second = Interval(date(2026, 11, 6), date(2026, 11, 6))  # the next day: touching, not overlapping
    assert both(first, second) == (date(2026, 12, 3), date(2026, 11, 19))
    assert both(second, first) == both(first, second)  # in any order
    # After the promised day (11-18 with the first): moves the legal limit only.
    later = Interval(date(2026, 11, 19), date(2026, 11, 20))
    assert both(first, later) == (date(2026, 12, 4), date(2026, 11, 18))


def test_a_running_suspension_gives_the_earliest_due_day_and_says_it_is_suspended() -> None:
    running = Interval(date(2026, 11, 9))
    answer = due(CAL, start=ACCEPTED, limit=LEGAL, suspensions=[running], today=date(2026, 11, 11))
    # 11-09..11-11 not counted so far: as if it ended today.
    assert answer == Due(date(2026, 12, 3), uncertain=False, suspended=True)
    ended_today = Interval(date(2026, 11, 9), date(2026, 11, 11))
    assert both(ended_today) == (answer.day, date(2026, 11, 19))
    # A day later the earliest due day is a working day later.
    later = due(CAL, start=ACCEPTED, limit=LEGAL, suspensions=[running], today=date(2026, 11, 12))
    assert later == Due(date(2026, 12, 4), uncertain=False, suspended=True)
    # A running suspension started today (or, by a clock behind, after today) stops its start day at least.
    assert due(CAL, start=ACCEPTED, limit=LEGAL, suspensions=[running], today=date(2026, 11, 5)).day == (
        date(2026, 12, 1)
    )


def test_an_extension_of_ten_working_days_moves_the_legal_limit() -> None:
    assert due_day(ACCEPTED, LEGAL, extension_days=10) == date(2026, 12, 14)
    testing = Interval(date(2026, 11, 9), date(2026, 11, 13))
    assert due_day(ACCEPTED, LEGAL, testing, extension_days=10) == date(2026, 12, 21)


def nov(first: int, last: int | None = None) -> Interval:
    """A suspension in November 2026, from day `first` through day `last` (None: still running)."""
    return Interval(date(2026, 11, first), None if last is None else date(2026, 11, last))


@pytest.mark.parametrize(
    ("suspensions", "message"),
    [
        ([nov(4, 6), nov(6, 9)], "挂起 2026-11-06–2026-11-09 与挂起 2026-11-04–2026-11-06 重叠"),
        ([nov(4, 20), nov(9, 10)], "重叠"),
        ([nov(4), nov(9, 10)], "挂起 2026-11-09–2026-11-10 与挂起 2026-11-04–（进行中） 重叠"),
        ([nov(4), nov(9)], "重叠"),
        ([Interval(date(2026, 10, 30), date(2026, 11, 3))], "挂起开始日 2026-10-30 早于时限起算日"),
        ([nov(9, 6)], "挂起结束日 2026-11-06 早于开始日 2026-11-09"),
    ],
)
def test_suspensions_that_cannot_be_counted_are_refused(suspensions: list[Interval], message: str) -> None:
    with pytest.raises(TimeLimitError, match=message):
        due(CAL, start=ACCEPTED, limit=LEGAL, suspensions=suspensions, today=TODAY)


@pytest.mark.parametrize(
    ("limit", "extension", "message"),
    [
        (working(-1), 0, "时限天数不能为负数：-1"),
        (LEGAL, -10, "延长天数不能为负数：-10"),
        (TimeLimit(20, "months"), 0, "时限单位 'months' 无效"),
    ],
)
def test_a_limit_that_cannot_be_counted_is_refused(limit: TimeLimit, extension: int, message: str) -> None:
    with pytest.raises(TimeLimitError, match=message):
        due(CAL, start=ACCEPTED, limit=limit, extension_days=extension, today=TODAY)


# -- working days left and urgency --------------------------------------------------------------------------
def test_days_left_counts_working_days_and_is_negative_once_overdue() -> None:
    deadline = date(2026, 10, 10)  # a working Saturday
    assert INDEX.days_left(today=date(2026, 9, 30), due=deadline) == WorkingDays(3, True)
    assert INDEX.days_left(today=date(2026, 10, 9), due=deadline) == WorkingDays(1, True)
    assert INDEX.days_left(today=deadline, due=deadline) == WorkingDays(0, True)
    # The next day is a Sunday: overdue all the same, by at least one.
    assert INDEX.days_left(today=date(2026, 10, 11), due=deadline) == WorkingDays(-1, True)
    assert INDEX.days_left(today=date(2026, 10, 12), due=deadline) == WorkingDays(-1, True)
    assert INDEX.days_left(today=date(2026, 10, 13), due=deadline) == WorkingDays(-2, True)
    # Into 2027, which the package does not know: an answer, not a certain one.
    assert INDEX.days_left(today=date(2026, 12, 28), due=date(2027, 1, 11)) == WorkingDays(10, False)
    dues = [deadline, date(2026, 10, 9), date(2026, 10, 13), date(2027, 1, 11), date(2030, 1, 1)]
    assert INDEX.days_left_each(today=date(2026, 10, 12), dues=dues) == [
        INDEX.days_left(today=date(2026, 10, 12), due=d).days for d in dues
    ]


def test_outside_its_span_the_index_still_answers_right() -> None:
    small = WorkdayIndex.build(CAL, first=date(2026, 10, 1), last=date(2026, 10, 31))
    for a, b in ((date(2026, 9, 1), date(2026, 10, 10)), (date(2026, 11, 30), date(2026, 10, 5))):
        assert small.working_days_between(a, b) == INDEX.working_days_between(a, b)
    outside = small.days_left_each(today=date(2026, 12, 1), dues=[date(2026, 10, 10)])
    assert outside == [INDEX.days_left(today=date(2026, 12, 1), due=date(2026, 10, 10)).days]
    with pytest.raises(TimeLimitError, match="截止日 2026-09-30 早于起始日 2026-10-01"):
        WorkdayIndex.build(CAL, first=date(2026, 10, 1), last=date(2026, 9, 30))


def test_an_index_covering_the_dues_answers_them_all_as_one_by_one() -> None:
    today = date(2026, 10, 12)
    dues = [date(2026, 10, 10), date(2025, 2, 5), date(2027, 1, 11), date(2026, 10, 12)]
    index = WorkdayIndex.covering(CAL, today=today, dues=dues)
    assert (index.first, index.last) == (date(2025, 2, 5), date(2027, 1, 11))
    expected = [INDEX.days_left(today=today, due=d).days for d in dues]
    assert expected == [-1, -418, 65, 0]
    assert index.days_left_each(today=today, dues=dues) == expected
    assert index.days_left_each(today=today, dues=dues[::-1]) == expected[::-1]  # from its cache


@pytest.mark.parametrize(
    ("days_left", "expected", "label"),
    [(10, Urgency.OK, "正常"), (3, Urgency.OK, "正常"), (2, Urgency.SOON, "即将到期")]
    + [(0, Urgency.SOON, "即将到期"), (-1, Urgency.OVERDUE, "已逾期"), (-400, Urgency.OVERDUE, "已逾期")],
)
def test_urgency_yellow_at_two_working_days_red_when_overdue(
    days_left: int, expected: Urgency, label: str
) -> None:
    assert urgency(days_left) is expected and URGENCY_LABEL[expected] == label


# -- properties ---------------------------------------------------------------------------------------------
starts = st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 12, 31))
limits = st.builds(TimeLimit, st.integers(min_value=0, max_value=60), st.sampled_from(["working", "natural"]))


@settings(max_examples=200, deadline=None)
@given(start=starts, limit=limits)
def test_without_suspensions_due_is_the_calendars_add(start: date, limit: TimeLimit) -> None:
    answer = due(CAL, start=start, limit=limit, today=start)
    expected = CAL.add(start, days=limit.days, unit=limit.unit)
    assert (answer.day, answer.uncertain, answer.suspended) == (expected.day, expected.uncertain, False)
    if limit.unit == "working":
        assert INDEX.working_days_between(start, answer.day).days == limit.days
    assert INDEX.days_left(today=answer.day, due=answer.day).days == 0


@settings(max_examples=200, deadline=None)
@given(
    start=starts,
    limit=limits,
    offset=st.integers(min_value=0, max_value=40),
    length=st.integers(min_value=0, max_value=30),
    extension=st.integers(min_value=0, max_value=10),
)
def test_a_suspension_never_brings_a_due_day_earlier_nor_falls_on_it(
    start: date, limit: TimeLimit, offset: int, length: int, extension: int
) -> None:
    suspension = Interval(start + timedelta(days=offset), start + timedelta(days=offset + length))
    plain = due(CAL, start=start, limit=limit, extension_days=extension, today=start)
    stopped = due(
        CAL, start=start, limit=limit, suspensions=[suspension], extension_days=extension, today=start
    )
    assert stopped.day >= plain.day
    assert suspension.end is not None
    if limit.days + extension:
        assert not suspension.start <= stopped.day <= suspension.end
    if suspension.start > plain.day:  # began after the limit ran out: changes nothing
        assert stopped.day == plain.day
