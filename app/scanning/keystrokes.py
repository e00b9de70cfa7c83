"""A scan told from typing by timing: a handheld scanner types its code far faster than a person.

A burst is a run of keys each within `max_interval_ms` of the one before. A burst of at least `min_length`
characters is a scan when Enter ends it, or (a scanner set up to send no Enter) when no key follows it for
`end_pause_ms`. Anything else is typing, handed back key by key in order. A burst longer than
`MAX_SCAN_CHARS` is refused whole. Pure: the caller feeds keys with their times (milliseconds, any
monotonic clock) and asks at a pause; each key carries an opaque `key` the caller gets back to replay.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from app.seal import QR_MAX_CHARS

# No code a scanner reads is longer than the largest QR code holds.
MAX_SCAN_CHARS = QR_MAX_CHARS
TOO_LONG_MESSAGE = f"扫描内容过长（超过 {MAX_SCAN_CHARS} 个字符），已全部丢弃，请重新扫描"
ENTER = "\n"

# Calibration: what a test scan's keys may take, and the margin added to the slowest interval seen.
CALIBRATION_MARGIN_MS = 10
CALIBRATION_MIN_MS = 10
CALIBRATION_MAX_MS = 60

K = TypeVar("K")


@dataclass(frozen=True)
class ScanTiming:
    max_interval_ms: float = 35
    min_length: int = 4
    end_pause_ms: float = 80


@dataclass(frozen=True)
class Scan:
    text: str
    ended_by_enter: bool


@dataclass(frozen=True)
class Typing(Generic[K]):
    keys: tuple[K, ...]  # to be handed on, in order, as if never held back


@dataclass(frozen=True)
class TooLong:
    message: str = TOO_LONG_MESSAGE


Decision = Scan | Typing[K] | TooLong


@dataclass
class _Burst(Generic[K]):
    chars: list[str] = field(default_factory=list)
    keys: list[K] = field(default_factory=list)
    last_ms: float = 0.0
    overflowed: bool = False


class KeystrokeReader(Generic[K]):
    """Feed every key (`feed`) and call `pause` when no key came for `timing.end_pause_ms`."""

    def __init__(self, *, timing: ScanTiming) -> None:
        self.timing = timing
        self._burst: _Burst[K] = _Burst()

    @property
    def holding(self) -> bool:
        """Keys are held back waiting for the burst to end."""
        return bool(self._burst.chars) or self._burst.overflowed

    def feed(self, *, char: str, at_ms: float, key: K) -> list[Decision[K]]:
        """A key typed at `at_ms` (a character, or ENTER): what the keys held so far turned out to be."""
        decided: list[Decision[K]] = []
        burst = self._burst
        if self.holding and at_ms - burst.last_ms > self.timing.max_interval_ms:
            decided += self._end(enter=False)  # a slow key: the burst before it is over
            burst = self._burst
        if char == ENTER:
            if not self.holding:
                return [*decided, Typing((key,))]
            if burst.overflowed or len(burst.chars) >= self.timing.min_length:
                return [*decided, *self._end(enter=True)]
            held = tuple(burst.keys)
            self._burst = _Burst()
            return [*decided, Typing((*held, key))]
        burst.last_ms = at_ms
        if burst.overflowed:
            return decided
        burst.chars.append(char)
        burst.keys.append(key)
        if len(burst.chars) > MAX_SCAN_CHARS:
            self._burst = _Burst(last_ms=at_ms, overflowed=True)  # nothing of it kept
        return decided

    def pause(self, *, now_ms: float) -> list[Decision[K]]:
        """Asked when no key came for a while: keys held past `max_interval_ms` are typing, shown at once; a
        burst long enough to be a scan waits `end_pause_ms` (a scanner that sends no Enter) before it is."""
        if not self.holding:
            return []
        waited = now_ms - self._burst.last_ms
        wait = self.timing.end_pause_ms if self._long_enough() else self.timing.max_interval_ms
        return self._end(enter=False) if waited >= wait else []

    def _long_enough(self) -> bool:
        return self._burst.overflowed or len(self._burst.chars) >= self.timing.min_length

    def _end(self, *, enter: bool) -> list[Decision[K]]:
        burst, self._burst = self._burst, _Burst()
        if burst.overflowed:
            return [TooLong()]
        if len(burst.chars) >= self.timing.min_length:
            return [Scan("".join(burst.chars), ended_by_enter=enter)]
        return [Typing(tuple(burst.keys))] if burst.keys else []


RESYNC_MS = 1000.0  # a key event more than this late against the clock's base: the base is taken again


class KeyClock:
    """Key events' own times on this program's monotonic clock (milliseconds). The base is the smallest
    delay seen between a key's time and when it was read, so keys read in a rush after a hold-up keep the
    spacing they were typed with. A clock that jumps or drifts (a platform time that wraps, a new X server)
    is caught by a key read more than RESYNC_MS after its mapped time, or mapped ahead of now, and the base
    is taken again from it."""

    def __init__(self) -> None:
        self._offset: float | None = None

    def at(self, event_ms: int, *, now_ms: float) -> float:
        if event_ms <= 0:  # no time given (a synthetic event): when it is seen
            return now_ms
        offset = now_ms - event_ms
        if self._offset is None or offset < self._offset or offset - self._offset > RESYNC_MS:
            self._offset = offset
        return event_ms + self._offset


class CalibrationError(ValueError):
    """A test scan that cannot set the timing; the message says why, for hall IT."""


def calibrated_interval(intervals_ms: Sequence[float]) -> int:
    """The `scan_key_interval_ms` to use, from the intervals between the keys of a test scan: the slowest
    interval seen plus a margin, so every key of a scan from this scanner falls within it."""
    if len(intervals_ms) < 3:
        raise CalibrationError("测试码太短或未扫到，请扫描设置页上的测试码")
    slowest = max(intervals_ms)
    if slowest > CALIBRATION_MAX_MS:
        typical = statistics.median(intervals_ms)
        raise CalibrationError(
            f"按键间隔最长 {slowest:.0f} 毫秒（中位 {typical:.0f} 毫秒），不像扫码枪输入："
            "请用扫码枪扫描测试码，不要手工输入"
        )
    return max(CALIBRATION_MIN_MS, round(slowest) + CALIBRATION_MARGIN_MS)
