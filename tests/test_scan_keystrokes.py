"""A scan told from typing by the keys' timing (app.scanning.keystrokes), fed keys with their times."""

from __future__ import annotations

import pytest

from app.scanning.keystrokes import (
    ENTER,
    MAX_SCAN_CHARS,
    CalibrationError,
    Decision,
    KeyClock,
    KeystrokeReader,
    Scan,
    ScanTiming,
    TooLong,
    Typing,
    calibrated_interval,
)


def feed(reader: KeystrokeReader[int], text: str, *, start: float, step: float) -> list[Decision[int]]:
    decided: list[Decision[int]] = []
    for i, char in enumerate(text):
        decided += reader.feed(char=char, at_ms=start + i * step, key=i)
    return decided


def test_a_fast_burst_ended_by_enter_is_a_scan() -> None:
    reader: KeystrokeReader[int] = KeystrokeReader(timing=ScanTiming())
    assert feed(reader, f"SZX0103-20261120-0001Y{ENTER}", start=0, step=3) == [
        Scan("SZX0103-20261120-0001Y", ended_by_enter=True)
    ]
    assert not reader.holding


def test_human_typing_is_handed_back_key_by_key_in_order() -> None:
    reader: KeystrokeReader[int] = KeystrokeReader(timing=ScanTiming())
    decided = feed(reader, "张三ab", start=0, step=120)
    decided += reader.pause(now_ms=3 * 120 + 40)
    assert decided == [Typing((0,)), Typing((1,)), Typing((2,)), Typing((3,))]


def test_a_short_fast_burst_with_enter_is_typing_enter_included() -> None:
    reader: KeystrokeReader[int] = KeystrokeReader(timing=ScanTiming(min_length=4))
    assert feed(reader, f"ab{ENTER}", start=0, step=5) == [Typing((0, 1, 2))]


def test_enter_alone_passes_at_once() -> None:
    reader: KeystrokeReader[int] = KeystrokeReader(timing=ScanTiming())
    assert reader.feed(char=ENTER, at_ms=0, key=7) == [Typing((7,))]


def test_a_scanner_without_enter_ends_its_scan_by_a_pause() -> None:
    reader: KeystrokeReader[int] = KeystrokeReader(timing=ScanTiming(end_pause_ms=80))
    assert feed(reader, "110101199003074258", start=0, step=2) == []
    last = 17 * 2
    assert reader.pause(now_ms=last + 50) == []  # the scanner may still be sending
    assert reader.pause(now_ms=last + 80) == [Scan("110101199003074258", ended_by_enter=False)]


def test_a_slow_key_after_a_burst_ends_the_burst_and_starts_anew() -> None:
    reader: KeystrokeReader[int] = KeystrokeReader(timing=ScanTiming())
    decided = feed(reader, "ABCDE", start=0, step=2)
    decided += reader.feed(char="x", at_ms=500, key=99)
    assert decided == [Scan("ABCDE", ended_by_enter=False)]
    assert reader.pause(now_ms=600) == [Typing((99,))]


def test_a_burst_longer_than_any_code_is_refused_whole() -> None:
    reader: KeystrokeReader[int] = KeystrokeReader(timing=ScanTiming())
    decided = feed(reader, "A" * (MAX_SCAN_CHARS + 500) + ENTER, start=0, step=0.01)
    assert decided == [TooLong()]
    assert "扫描内容过长" in TooLong().message
    assert not reader.holding


def test_calibration_takes_the_slowest_interval_plus_a_margin() -> None:
    assert calibrated_interval([2, 3, 4, 12, 3]) == 22
    assert calibrated_interval([0.2, 0.1, 0.3]) == 10  # never below the floor


@pytest.mark.parametrize(("intervals", "said"), [([], "测试码太短"), ([5, 120, 140, 90], "不像扫码枪输入")])
def test_calibration_refuses_what_no_scanner_typed(intervals: list[float], said: str) -> None:
    with pytest.raises(CalibrationError, match=said):
        calibrated_interval(intervals)


def test_key_times_keep_their_spacing_when_read_late_and_follow_a_clock_that_jumps() -> None:
    clock = KeyClock()
    assert clock.at(0, now_ms=500.0) == 500.0  # no event time: when it is seen
    assert clock.at(10_000, now_ms=1_000.0) == 1_000.0  # the base taken from the first key
    assert clock.at(10_004, now_ms=1_005.0) == 1_004.0  # read 1 ms late: its own time
    # The window held up 150 ms: keys typed meanwhile read in a rush keep the spacing they were typed with.
    assert [clock.at(10_008 + 4 * n, now_ms=1_160.0) for n in range(3)] == [1_008.0, 1_012.0, 1_016.0]
    # A platform clock that wraps (or a new X server): a key read far later than its mapped time resets it.
    assert clock.at(3, now_ms=2_000.0) == 2_000.0
    assert clock.at(7, now_ms=2_004.5) == 2_004.0
    # One that jumps ahead of ours: never a key time in the future.
    assert clock.at(900_000, now_ms=2_010.0) == 2_010.0
