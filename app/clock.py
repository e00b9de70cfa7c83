"""Time as the window sees it. Injected everywhere so tests set the day instead of patching time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8), "CST")  # no daylight saving since 1991


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
