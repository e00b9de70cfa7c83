"""Working-day arithmetic (行政许可法 Art. 82; 民法典 Art. 201/203).

The start day is not counted; a deadline in natural days that falls on a rest day moves to the next
working day. The package calendar (`chinese_calendar`) covers a fixed span of years; the region's server
publishes the State Council's holiday arrangement for later years (`CalendarYear`, distributed by sync),
which then takes precedence. A date known to neither is computed on weekends alone and the result is
flagged `uncertain`, never silently trusted.

A published year (format `window-clerk-calendar/1`, see docs/calendar-format.md):
    {"format": "window-clerk-calendar/1", "year": 2027, "source": "国务院办公厅关于…的通知",
     "holidays": [{"name": "春节", "from": "2027-02-06", "to": "2027-02-13"}, …],
     "workdays": [{"name": "春节", "date": "2027-02-20"}, …]}
Every day of `year` is then known: a rest day if it is in a holiday range or a weekend not listed as a
working day (调休上班). Holiday ranges may run a few days into the neighbouring years (元旦 often does).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import chinese_calendar

from app import json_input

CALENDAR_FORMAT = "window-clerk-calendar/1"
MAX_HOLIDAY_DAYS = 15
MAX_CALENDAR_BYTES = 64 * 1024


class CalendarError(ValueError):
    """A published calendar that cannot be used; the message names the problem."""


@dataclass(frozen=True)
class CalendarYear:
    year: int
    source: str
    holidays: frozenset[date]  # rest days by the arrangement (may include days of neighbouring years)
    workdays: frozenset[date]  # weekend days that are working days (调休上班)
    sha256: str
    content: dict[str, Any]

    def workday(self, day: date) -> bool | None:
        """Whether `day` is a working day by this arrangement; None when it says nothing of that day."""
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        if day.year == self.year:
            return day.weekday() < 5
        return None


def _day(value: Any, where: str, year: int, *, slack: int) -> date:
    if not isinstance(value, str):
        raise CalendarError(f"{where}：应为日期文本 YYYY-MM-DD")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise CalendarError(f"{where}：{value!r} 不是有效日期（YYYY-MM-DD）") from None
    if not date(year, 1, 1) - timedelta(days=slack) <= day <= date(year, 12, 31) + timedelta(days=slack):
        raise CalendarError(f"{where}：{value} 不在 {year} 年内")
    return day


def _name(entry: Mapping[str, Any], where: str) -> str:
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 40:
        raise CalendarError(f"{where}.name：应为节日名称（1–40 字）")
    return name


def parse_calendar(content: bytes) -> CalendarYear:
    """Check and read a published year. Raises CalendarError naming the first problem."""
    if len(content) > MAX_CALENDAR_BYTES:
        raise CalendarError(f"节假日安排文件过大（{len(content)} 字节，上限 {MAX_CALENDAR_BYTES}）")
    try:
        data = json_input.loads(content)
    except json_input.JsonInputError as error:
        raise CalendarError(f"节假日安排文件{error}") from None
    if not isinstance(data, dict):
        raise CalendarError("节假日安排文件应为 JSON 对象")
    if data.get("format") != CALENDAR_FORMAT:
        raise CalendarError(f"format 应为 {CALENDAR_FORMAT!r}，实为 {data.get('format')!r}")
    year = data.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        raise CalendarError(f"year 应为 2000–2100 的整数，实为 {year!r}")
    source = data.get("source")
    if not isinstance(source, str) or not source.strip() or len(source) > 200:
        raise CalendarError("source：应写明依据的通知（1–200 字）")
    holidays: set[date] = set()
    workdays: set[date] = set()
    raw_holidays = data.get("holidays")
    if not isinstance(raw_holidays, list) or not raw_holidays:
        raise CalendarError("holidays：应为非空列表")
    for i, entry in enumerate(raw_holidays):
        where = f"holidays[{i}]"
        if not isinstance(entry, dict):
            raise CalendarError(f"{where}：应为对象 {{name, from, to}}")
        _name(entry, where)
        first = _day(entry.get("from"), f"{where}.from", year, slack=31)
        last = _day(entry.get("to"), f"{where}.to", year, slack=31)
        if last < first:
            raise CalendarError(f"{where}：结束日 {last} 早于开始日 {first}")
        if (last - first).days + 1 > MAX_HOLIDAY_DAYS:
            raise CalendarError(f"{where}：假期 {first}–{last} 超过 {MAX_HOLIDAY_DAYS} 天，请核对")
        holidays.update(first + timedelta(days=n) for n in range((last - first).days + 1))
    raw_workdays = data.get("workdays", [])
    if not isinstance(raw_workdays, list):
        raise CalendarError("workdays：应为列表")
    for i, entry in enumerate(raw_workdays):
        where = f"workdays[{i}]"
        if not isinstance(entry, dict):
            raise CalendarError(f"{where}：应为对象 {{name, date}}")
        _name(entry, where)
        day = _day(entry.get("date"), f"{where}.date", year, slack=31)
        if day.weekday() < 5:
            raise CalendarError(f"{where}：{day} 本是工作日（周一至周五），调休上班日应为周末")
        if day in holidays:
            raise CalendarError(f"{where}：{day} 同时被列为放假日")
        workdays.add(day)
    canonical = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return CalendarYear(
        year=year,
        source=source,
        holidays=frozenset(holidays),
        workdays=frozenset(workdays),
        sha256=hashlib.sha256(canonical.encode()).hexdigest(),
        content=data,
    )


@dataclass(frozen=True)
class Deadline:
    day: date
    uncertain: bool  # some day on the way was outside the known calendar


class WorkCalendar:
    def __init__(
        self, overrides: Mapping[date, bool] | None = None, *, years: Iterable[CalendarYear] = ()
    ) -> None:
        self._overrides = dict(overrides or {})
        self._years: tuple[CalendarYear, ...] = ()
        self.set_years(years)

    def set_years(self, years: Iterable[CalendarYear]) -> None:
        """Use these published years (replacing those used so far); one assignment, safe for readers."""
        self._years = tuple(sorted(years, key=lambda y: y.year))

    @property
    def published_years(self) -> list[int]:
        return [y.year for y in self._years]

    def workday(self, day: date) -> tuple[bool, bool]:
        """(is a working day, known for sure)."""
        if day in self._overrides:
            return self._overrides[day], True
        # The year's own arrangement first, then a neighbour's holiday range that runs into this year.
        for published in self._years:
            if published.year == day.year:
                return bool(published.workday(day)), True
        for published in self._years:
            answer = published.workday(day)
            if answer is not None:
                return answer, True
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
