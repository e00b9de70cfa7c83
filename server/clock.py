"""The server clock. Times are kept as naive UTC in the database and sent as ISO 8601 with `Z`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]  # returns the current time; aware (any zone) or naive UTC


def system_clock() -> datetime:
    return datetime.now(UTC)


def utc_naive(moment: datetime) -> datetime:
    """Naive UTC: an aware time is converted, a naive one is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def utc_text(moment: datetime) -> str:
    """`2026-11-20T02:00:00.000Z`."""
    return utc_naive(moment).isoformat(timespec="milliseconds") + "Z"
