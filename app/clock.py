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


# A PC clock this far from the server's is corrected by the server's (and the clerk is told); closer, the
# difference is network delay and the HTTP Date header's whole seconds, and the PC's own clock is kept.
SKEW_TOLERANCE = timedelta(minutes=2)


class Clock:
    """What time it is for the window. The system clock (`Clock()`) follows the server's: once a sync
    finds the PC's clock off by more than SKEW_TOLERANCE, `now()` adds the difference, so cases, events and
    documents carry hall time even on a PC whose clock is wrong. A clock given a `now` (tests) does not."""

    def __init__(self, now: Callable[[], datetime] | None = None) -> None:
        self._now = now or (lambda: datetime.now(UTC))
        self.follows_server = now is None
        self.offset = timedelta(0)  # the server's clock minus this PC's

    def now(self) -> datetime:
        """Aware UTC."""
        return self._now().astimezone(UTC) + self.offset

    def pc_now(self) -> datetime:
        """The PC's own clock, uncorrected (aware UTC)."""
        return self._now().astimezone(UTC)

    def observe_server(self, server_time: datetime, *, sent: datetime, received: datetime) -> None:
        """A server answered at `server_time` a request sent and answered at these PC times: the offset
        follows it (the midpoint stands for the moment the server read its clock)."""
        if not self.follows_server:
            return
        difference = server_time - (sent + (received - sent) / 2)
        self.offset = difference if abs(difference) > SKEW_TOLERANCE else timedelta(0)

    def skew_warning(self) -> str | None:
        """What the clerk and hall IT are told while the PC's clock is off; None when it is right."""
        if not self.offset:
            return None
        minutes = round(abs(self.offset).total_seconds() / 60)
        way = "慢" if self.offset > timedelta(0) else "快"
        return f"本机时钟比服务器{way}约 {minutes} 分钟：已按服务器时间记录，请信息技术人员校准本机时钟"

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
