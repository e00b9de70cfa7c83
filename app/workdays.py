"""Working-day arithmetic (行政许可法 Art. 82; 民法典 Art. 201/203).

The start day is not counted; a deadline in natural days that falls on a rest day moves to the next
working day. The package calendar (`chinese_calendar`) covers a fixed span of years; dates it does not
know can be supplied by `overrides` (the server will distribute them). A date known to neither is
computed on weekends alone and the result is flagged `uncertain`, never silently trusted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar


@dataclass(frozen=True)
class Deadline:
    day: date
    uncertain: bool  # some day on the way was outside the known calendar


class WorkCalendar:
    def __init__(self, overrides: Mapping[date, bool] | None = None) -> None:
        self._overrides = dict(overrides or {})

    def workday(self, day: date) -> tuple[bool, bool]:
        """(is a working day, known for sure)."""
        if day in self._overrides:
            return self._overrides[day], True
        try:
            return bool(chinese_calendar.is_workday(day)), True
        except NotImplementedError:
            return day.weekday() < 5, False

    def is_workday(self, day: date) -> bool:
        return self.workday(day)[0]

    def add_working_days(self, start: date, days: int) -> Deadline:
        """The day on which `days` working days after `start` have passed (start not counted).

        Zero days (即办件) is the start day itself.
        """
        if days < 0:
            raise ValueError("days must not be negative")
        day, uncertain, left = start, False, days
        while left:
            day += timedelta(days=1)
            working, known = self.workday(day)
            uncertain |= not known
            if working:
                left -= 1
        return Deadline(day, uncertain)

    def add_natural_days(self, start: date, days: int) -> Deadline:
        day = start + timedelta(days=days)
        uncertain = False
        while days:
            working, known = self.workday(day)
            uncertain |= not known
            if working:
                break
            day += timedelta(days=1)
        return Deadline(day, uncertain)

    def add(self, start: date, *, days: int, unit: str) -> Deadline:
        if unit == "working":
            return self.add_working_days(start, days)
        if unit == "natural":
            return self.add_natural_days(start, days)
        raise ValueError(f"unknown time-limit unit {unit!r}")
