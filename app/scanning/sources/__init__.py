"""Where captured pages come from, other than the document camera: a scanner (SANE on Linux, WIA on
Windows), image and PDF files the clerk chose (`files`), and the watched scan-to folder (`folder`).

Every scanner has one shape, `Scanner`: the devices it sees, a scan of one device with `ScanSettings`
(one page from the glass, or each sheet until the feeder is empty), and a cancel the UI may call from
another thread. `available_scanner()` picks the platform's. Nothing here runs a thread or a timer: the UI
runs a scan off its thread and polls the folder.

A failure is a `CaptureError` naming the device or file and the problem, for the clerk. What a scanner
reports (a SANE status, a WIA HRESULT) becomes one `sheets.Fault`, worded in one table (`sheets`).
A run that fails after some sheets were read raises `ScanInterrupted` carrying them: the clerk keeps the
pages scanned so far and is told that the rest failed.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from app.scanning.pages import CapturedPage, CaptureError

# Archival practice (DA/T 31) asks at least 200 dpi, and colour for a page with a red seal or a photo.
DEFAULT_DPI = 200
MIN_DPI = 50
MAX_DPI = 1200


class ColourMode(StrEnum):
    COLOUR = "colour"
    GRAY = "gray"
    LINEART = "lineart"  # black and white, delivered as a 1-bit PNG


COLOUR_MODE_LABEL: dict[ColourMode, str] = {
    ColourMode.COLOUR: "彩色",
    ColourMode.GRAY: "灰度",
    ColourMode.LINEART: "黑白",
}


@dataclass(frozen=True)
class ScanSettings:
    dpi: int = DEFAULT_DPI
    mode: ColourMode = ColourMode.COLOUR
    feeder: bool = False  # the sheet feeder: every sheet until it is empty; else one page from the glass

    def __post_init__(self) -> None:
        if not MIN_DPI <= self.dpi <= MAX_DPI:
            raise ValueError(f"dpi {self.dpi} outside {MIN_DPI}..{MAX_DPI}")


def nearest_resolution(constraint: object, *, dpi: int) -> float:
    """The allowed resolution nearest `dpi`, from what a device allows: a list of values, or a range
    (low, high, step) clamped and stepped; anything else allows `dpi` as it is."""
    if isinstance(constraint, list) and constraint:
        return float(min(constraint, key=lambda value: (abs(value - dpi), -value)))
    if isinstance(constraint, tuple) and len(constraint) == 3:
        low, high, step = constraint
        value = min(max(float(dpi), float(low)), float(high))
        if step:
            value = float(low) + round((value - float(low)) / float(step)) * float(step)
        return min(value, float(high))
    return float(dpi)


@dataclass(frozen=True)
class ScannerDevice:
    name: str  # what the driver layer calls it (a SANE device name, a WIA DeviceID); passed back to scan
    label: str  # what the clerk reads: vendor and model
    vendor: str
    model: str
    kind: str  # as the driver describes it: "flatbed scanner", "sheetfed scanner", ...


class Scanner(Protocol):
    def devices(self) -> list[ScannerDevice]:
        """The scanners attached now; `NoScanner` when there is none."""
        ...

    def scan(self, *, device_name: str, settings: ScanSettings) -> Iterator[CapturedPage]:
        """Each page as it is read. Ends quietly after `cancel()`, the page being read dropped."""
        ...

    def cancel(self) -> None:
        """Stop the scan under way; safe from any thread, and when nothing is scanning."""
        ...


class NoScanner(CaptureError):
    """No scanner found: the device list is empty, or the one chosen is gone."""


class FeederEmpty(CaptureError):
    """A feeder run found no paper before its first sheet."""


class ScanInterrupted(CaptureError):
    """A run that failed after `pages` were read: they are whole and the clerk keeps them; the message says
    how many were read and what stopped the rest."""

    def __init__(self, message: str, pages: Sequence[CapturedPage] = ()) -> None:
        super().__init__(message)
        self.pages = tuple(pages)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (str(self), self.pages))


NO_SCANNER_MESSAGE = "未检测到扫描仪：请确认扫描仪已接通电源并连接到本机，然后重试"
UNSUPPORTED_PLATFORM_MESSAGE = (
    "此操作系统不支持连接扫描仪（支持 Linux 与 Windows）；可改用高拍仪、导入文件或扫描文件夹"
)


def available_scanner(*, platform: str = sys.platform) -> Scanner:
    """The platform's scanner layer: SANE on Linux, WIA on Windows. Made without touching the driver layer:
    a missing driver shows when the devices are listed."""
    if platform.startswith("linux"):
        from app.scanning.sources.sane_source import SaneScanner

        return SaneScanner()
    if platform == "win32":
        from app.scanning.sources.wia_source import WiaScanner

        return WiaScanner()
    raise CaptureError(UNSUPPORTED_PLATFORM_MESSAGE)
