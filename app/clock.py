"""Time as the window sees it. Injected everywhere so tests set the day instead of patching time.

Times are stored and sent as UTC (naive UTC in the databases, ISO 8601 with `Z` or an offset on the wire
and in `--json`). Every time a person reads — the window, documents, the human output of the command
lines — is hall time, made by `hall_time_text`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Literal

CHINA = timezone(timedelta(hours=8), "CST")  # no daylight saving since 1991

TimeStyle = Literal["minute", "short", "clock", "document"]
# str.format patterns over the hall time's parts (not strftime: "%-d" is not portable to Windows).
TIME_FORMATS: dict[TimeStyle, str] = {
    "minute": "{year}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}",  # lists and histories: 2026-12-02 02:56
    "short": "{month:02d}-{day:02d} {hour:02d}:{minute:02d}",  # a status line: 12-02 02:56
    "clock": "{hour:02d}:{minute:02d}",  # today's cases: 02:56
    # printed documents: no leading zeros in the date (GB/T 9704), a 24-hour clock: 2026年12月2日 02:56
    "document": "{year}年{month}月{day}日 {hour:02d}:{minute:02d}",
}


class Clock:
    def __init__(self, now: Callable[[], datetime] | None = None) -> None:
        self._now = now or (lambda: datetime.now(UTC))

    def now(self) -> datetime:
        """Aware UTC."""
        return self._now().astimezone(UTC)

    def today(self) -> date:
        """The calendar day at the hall (China Standard Time)."""
        return self.now().astimezone(CHINA).date()


def fixed_clock(moment: datetime) -> Clock:
    return Clock(lambda: moment)


def hall_time(moment: datetime | str) -> datetime:
    """A stored time on the hall's clock. A time without a zone (naive, or ISO text without offset) is UTC,
    as the databases keep it. Raises ValueError for text that is not ISO 8601."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(CHINA)


def hall_time_text(moment: datetime | str, *, style: TimeStyle = "minute") -> str:
    """A stored time as a person at the hall reads it (see TIME_FORMATS)."""
    local = hall_time(moment)
    return TIME_FORMATS[style].format(
        year=local.year, month=local.month, day=local.day, hour=local.hour, minute=local.minute
    )
