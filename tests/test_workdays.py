from datetime import date

from app.workdays import WorkCalendar

CAL = WorkCalendar()


def test_start_day_not_counted_and_weekend_skipped() -> None:
    # Friday 2026-11-20 + 1 working day = Monday 2026-11-23.
    assert CAL.add_working_days(date(2026, 11, 20), 1).day == date(2026, 11, 23)
    assert CAL.add_working_days(date(2026, 11, 20), 10).day == date(2026, 12, 4)


def test_immediate_item_is_due_the_same_day() -> None:
    assert CAL.add_working_days(date(2026, 11, 20), 0).day == date(2026, 11, 20)


def test_national_day_and_moved_working_days_2026() -> None:
    # 10-01..10-07 are holidays; Saturday 10-10 is a moved working day (调休).
    deadline = CAL.add_working_days(date(2026, 9, 30), 3)
    assert deadline.day == date(2026, 10, 10) and not deadline.uncertain
    assert CAL.is_workday(date(2026, 9, 20))  # a Sunday made a working day


def test_natural_days_ending_on_a_holiday_move_to_next_working_day() -> None:
    # 2026-09-25 + 7 natural days = 10-02 (holiday) -> 10-08.
    assert CAL.add_natural_days(date(2026, 9, 25), 7).day == date(2026, 10, 8)


def test_beyond_known_calendar_is_flagged_not_trusted() -> None:
    deadline = CAL.add_working_days(date(2026, 12, 24), 10)
    assert deadline.uncertain
    assert deadline.day.weekday() < 5


def test_overrides_from_the_server_fill_unknown_years() -> None:
    overrides = {date(2027, 1, d): d in (4, 5) for d in range(1, 6)}
    cal = WorkCalendar(overrides)
    deadline = cal.add_working_days(date(2026, 12, 31), 2)
    assert deadline.day == date(2027, 1, 5) and not deadline.uncertain
