"""Time limits of an accepted case: when the legal (法定) and the promised (承诺) limit fall due, how many
working days are left, and how urgent that is. Pure: no database; the calendar is handed in.

Counting (行政许可法 Arts. 42, 45, 82; 民法典 Arts. 201, 203):
- A limit runs from its start day, the acceptance date, which is not counted (Art. 201).
- The days of a suspension (挂起: 听证、检验、检测、鉴定 … Art. 45), from its start day through its end day,
  both inclusive, are not counted toward any limit: the same suspensions stop the legal and the promised
  clock. A suspension still running (no end day yet) counts as running through `today`; the due day given
  for it is the earliest the case can be due (were it to end today), so cases still sort, and
  `Due.suspended` says the day will move.
- An extension (Art. 42: 10 working days, once, legal limit only: the caller decides) adds its days to the
  limit.
- Working days (工作日) count only the working days of the calendar. Natural days (自然日) count every day not
  suspended; a due day on a rest day, or inside a suspension, moves to the next working day (Art. 203).
- A day looked at that the calendar does not know (a year neither the package nor the server has
  published) makes the answer uncertain: computed on weekends alone, never silently trusted.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from itertools import islice, pairwise

from app.catalog import TimeLimit
from app.workdays import WorkCalendar

ONE_DAY = timedelta(days=1)
UNITS = ("working", "natural")


class TimeLimitError(ValueError):
    """Suspensions or a limit that cannot be counted; the message names the problem."""


@dataclass(frozen=True)
class Interval:
    """A suspension (挂起) from its start day through its actual end day; `end` None: still running."""

    start: date
    end: date | None = None

    @property
    def label(self) -> str:
        return f"{self.start}–{self.end if self.end is not None else '（进行中）'}"


@dataclass(frozen=True)
class Due:
    day: date  # while a suspension runs: the earliest day the case can be due (were it to end today)
    uncertain: bool  # some day looked at is outside the known calendar
    suspended: bool  # a suspension is running: `day` moves one counted day later for each day it goes on


def _stopped_spans(*, start: date, suspensions: Sequence[Interval], today: date) -> list[tuple[date, date]]:
    """The suspensions as (first, last) days not counted, in order; refuses what cannot be counted."""
    ordered = sorted(suspensions, key=lambda s: s.start)
    for suspension in ordered:
        if suspension.start < start:
            raise TimeLimitError(f"挂起开始日 {suspension.start} 早于时限起算日 {start}")
        if suspension.end is not None and suspension.end < suspension.start:
            raise TimeLimitError(f"挂起结束日 {suspension.end} 早于开始日 {suspension.start}")
    for earlier, later in pairwise(ordered):
        if earlier.end is None or earlier.end >= later.start:
            raise TimeLimitError(f"挂起 {later.label} 与挂起 {earlier.label} 重叠")
    return [(s.start, s.end if s.end is not None else max(today, s.start)) for s in ordered]


def _counted_days(start: date, spans: Sequence[tuple[date, date]]) -> Iterator[date]:
    """The days after `start` outside every span, in order, without end."""
    day, k = start, 0
    while True:
        day += ONE_DAY
        while k < len(spans) and spans[k][1] < day:
            k += 1
        if k < len(spans) and spans[k][0] <= day:
            day = spans[k][1]  # the whole span is skipped at once
            continue
        yield day


def due(
    calendar: WorkCalendar,
    *,
    start: date,
    limit: TimeLimit,
    suspensions: Sequence[Interval] = (),
    extension_days: int = 0,
    today: date,
) -> Due:
    """The day a limit counted from `start` falls due, suspended days skipped (see the module's rules).

    Raises TimeLimitError for negative days, an unknown unit, a suspension before `start`, one ending before
    it starts, or two that overlap."""
    if limit.unit not in UNITS:
        raise TimeLimitError(f"时限单位 {limit.unit!r} 无效，应为 working（工作日）或 natural（自然日）")
    if limit.days < 0:
        raise TimeLimitError(f"时限天数不能为负数：{limit.days}")
    if extension_days < 0:
        raise TimeLimitError(f"延长天数不能为负数：{extension_days}")
    spans = _stopped_spans(start=start, suspensions=suspensions, today=today)
    running = any(s.end is None for s in suspensions)
    days = limit.days + extension_days
    if days == 0:  # 即办件: the start day itself
        return Due(start, False, running)
    counted = _counted_days(start, spans)
    uncertain = False
    if limit.unit == "working":
        left = days
        for day in counted:
            working, known = calendar.workday(day)
            uncertain |= not known
            left -= working
            if not left:
                break
        return Due(day, uncertain, running)
    day = next(islice(counted, days - 1, None))
    while True:
        working, known = calendar.workday(day)
        uncertain |= not known
        if working:
            return Due(day, uncertain, running)
        day = next(counted)


def unknown_years(calendar: WorkCalendar, *, first: date, last: date) -> list[int]:
    """The years of the days from `first` through `last` the calendar does not know, for a warning."""
    years: set[int] = set()
    day = first
    while day <= last:
        if not calendar.workday(day)[1]:
            years.add(day.year)
        day += ONE_DAY
    return sorted(years)


# -- working days left --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class WorkingDays:
    days: int
    certain: bool  # every day counted is in the known calendar


class WorkdayIndex:
    """Working days between two dates in O(1) over the span it was built for (cumulative counts by ordinal):
    what the approver's queue and the supervisor's watch read for every open case. Outside the span the
    answer is still right, found by walking the calendar (slow: build the index over the span needed)."""

    def __init__(self, calendar: WorkCalendar, *, first: date, last: date) -> None:
        if last < first:
            raise TimeLimitError(f"工作日索引的截止日 {last} 早于起始日 {first}")
        self._calendar = calendar
        self.first, self.last = first, last
        self._origin = first.toordinal()
        # Index i is the day first + i: working days and unknown days from `first` through it.
        self._working = array("q")
        self._unknown = array("q")
        working_total = unknown_total = 0
        day = first
        while day <= last:
            working, known = calendar.workday(day)
            working_total += working
            unknown_total += not known
            self._working.append(working_total)
            self._unknown.append(unknown_total)
            day += ONE_DAY
        self._left_cache: tuple[date, dict[date, int]] | None = None

    @classmethod
    def build(cls, calendar: WorkCalendar, *, first: date, last: date) -> WorkdayIndex:
        return cls(calendar, first=first, last=last)

    @classmethod
    def covering(cls, calendar: WorkCalendar, *, today: date, dues: Iterable[date]) -> WorkdayIndex:
        """An index over every day from the earliest to the latest of `today` and `dues`, the span a queue
        needs (days the calendar does not know cost most to look up: build once, not per refresh)."""
        days = [today, *dues]
        return cls(calendar, first=min(days), last=max(days))

    def _walk(self, a: date, b: date) -> WorkingDays:
        low, high = (a, b) if a <= b else (b, a)
        count, certain, day = 0, True, low + ONE_DAY
        while day <= high:
            working, known = self._calendar.workday(day)
            count += working
            certain &= known
            day += ONE_DAY
        return WorkingDays(count if a <= b else -count, certain)

    def working_days_between(self, a: date, b: date) -> WorkingDays:
        """Working days after `a` up to and including `b`; when b < a, minus those after `b` through `a`."""
        i, j = a.toordinal() - self._origin, b.toordinal() - self._origin
        size = len(self._working)
        if not (0 <= i < size and 0 <= j < size):
            return self._walk(a, b)
        return WorkingDays(self._working[j] - self._working[i], self._unknown[j] == self._unknown[i])

    def days_left(self, *, today: date, due: date) -> WorkingDays:
        """Working days from `today` to `due`: 0 on the due day; when overdue, minus the working days since
        the due day, at least 1 (a Saturday after a Friday due day is overdue, not "due today")."""
        left = self.working_days_between(today, due)
        if today > due:
            return WorkingDays(min(-1, left.days), left.certain)
        return left

    def days_left_each(self, *, today: date, dues: Sequence[date]) -> list[int]:
        """`days_left(...).days` for many due days at once (the queue's sort key): one dictionary of the
        span's answers for `today`, then a lookup per case. Due days outside the span are walked, once
        each (slow: see `covering`)."""
        answers: list[int | None] = list(map(self._left_by_day(today).get, dues))
        if None not in answers:
            return answers  # type: ignore[return-value]  # every one found
        outside: dict[date, int] = {}
        for n, d in enumerate(dues):
            if answers[n] is None:
                if d not in outside:
                    outside[d] = self.days_left(today=today, due=d).days
                answers[n] = outside[d]
        return answers  # type: ignore[return-value]  # every None replaced

    def _left_by_day(self, today: date) -> dict[date, int]:
        cached = self._left_cache
        if cached is not None and cached[0] == today:
            return cached[1]
        span = (self.first + timedelta(days=i) for i in range(len(self._working)))
        left = {day: self.days_left(today=today, due=day).days for day in span}
        self._left_cache = (today, left)
        return left


# -- urgency -----------------------------------------------------------------------------------------------
class Urgency(StrEnum):
    OK = "ok"
    SOON = "soon"  # two working days or fewer left: yellow
    OVERDUE = "overdue"  # past the due day: red


# The fewest working days left of each urgency, most relaxed first: the first row reached decides.
URGENCY_FLOOR: tuple[tuple[int, Urgency], ...] = (
    (3, Urgency.OK),
    (0, Urgency.SOON),
    (-sys.maxsize - 1, Urgency.OVERDUE),
)
URGENCY_LABEL = {Urgency.OK: "正常", Urgency.SOON: "即将到期", Urgency.OVERDUE: "已逾期"}


def urgency(days_left: int) -> Urgency:
    for floor, level in URGENCY_FLOOR:
        if days_left >= floor:
            return level
    raise AssertionError("the last floor is the least int")
