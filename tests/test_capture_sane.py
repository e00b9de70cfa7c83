"""Scanning through SANE with its `test` backend: a real driver path giving real images, a feeder that
runs empty after ten sheets, and the faults a scanner reports (busy, I/O error, jam, no paper, gone).

Each scenario runs in a process of its own (tests.sane_test_backend): SANE reads its configuration once
per process.
"""

from __future__ import annotations

import io
import threading
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from app.scanning.pages import CapturedPage, CaptureError, PageFormat, PageSource
from app.scanning.sources import (
    NO_SCANNER_MESSAGE,
    ColourMode,
    FeederEmpty,
    NoScanner,
    ScanInterrupted,
    ScannerDevice,
    ScanSettings,
    available_scanner,
    nearest_resolution,
)
from app.scanning.sources.sane_source import SaneScanner, choose_mode, choose_source
from tests.sane_test_backend import run_with_sane, sane_config, settle_reader_after_start

# The test backend's glass is 200 mm square; a scan takes all of it.
GLASS_MM = 200
FEEDER_SHEETS = 10  # the test backend's feeder holds ten sheets
# Sheets for fault scenarios: small enough for the backend's reader to finish first (sane_test_backend).
SMALL_SHEETS = ScanSettings(dpi=50, mode=ColourMode.LINEART, feeder=True)


def pixels(dpi: int) -> int:
    return int(dpi * GLASS_MM / 25.4)


def opened(page: CapturedPage) -> Image.Image:
    image = Image.open(io.BytesIO(page.data))
    image.load()
    return image


# Scenarios: run in the child process.


def scenario_devices() -> list[ScannerDevice]:
    return SaneScanner().devices()


def scenario_scan(device_name: str, settings: ScanSettings, faults: bool = False) -> list[CapturedPage]:
    if faults:
        settle_reader_after_start()
    scanner = SaneScanner()
    scanner.devices()
    return list(scanner.scan(device_name=device_name, settings=settings))


def scenario_each_mode(dpi: int) -> dict[str, CapturedPage]:
    scanner = SaneScanner()
    scanner.devices()
    made = {}
    for mode in ColourMode:
        (page,) = scanner.scan(device_name="test:0", settings=ScanSettings(dpi=dpi, mode=mode))
        made[mode.value] = page
    return made


def scenario_busy() -> str:
    import sane

    scanner = SaneScanner()
    scanner.devices()
    holder = sane.open("test:0")  # another program has the scanner
    try:
        list(scanner.scan(device_name="test:0", settings=ScanSettings()))
    except CaptureError as error:
        refused = f"{type(error).__name__}: {error}"
    else:
        refused = "scanned"
    holder.close()
    (page,) = scanner.scan(device_name="test:0", settings=ScanSettings())  # free again: scans
    return f"{refused} | then {page.width}×{page.height}"


def scenario_fault_after(sheets: int, status: str) -> tuple[int, BaseException]:
    """A feeder run whose device reports `status` once `sheets` sheets were read."""
    settle_reader_after_start()
    scanner = SaneScanner()
    scanner.devices()
    run = scanner.scan(device_name="test:0", settings=SMALL_SHEETS)
    received = [next(run) for _ in range(sheets)]
    scanner._device.read_return_value = status  # the driver's own fault switch, between two sheets
    try:
        received += list(run)
    except CaptureError as error:
        return len(received), error
    raise AssertionError("the run did not fail")


def scenario_cancel_between_sheets() -> tuple[int, int]:
    scanner = SaneScanner()
    scanner.devices()
    settings = ScanSettings(dpi=50, mode=ColourMode.GRAY, feeder=True)
    run = scanner.scan(device_name="test:0", settings=settings)
    received = [next(run), next(run)]
    scanner.cancel()
    received += list(run)
    again = list(scanner.scan(device_name="test:0", settings=settings))  # the device was let go
    return len(received), len(again)


def scenario_cancel_while_reading() -> tuple[int, str]:
    """The clerk cancels from the GUI thread while the scanning thread is in the middle of a sheet."""
    settle_reader_after_start()
    scanner = SaneScanner()
    scanner.devices()
    first = threading.Event()
    received: list[CapturedPage] = []
    failure: list[BaseException] = []

    def scanning() -> None:
        try:
            for page in scanner.scan(device_name="test:0", settings=SMALL_SHEETS):
                received.append(page)
                # The next sheet is handed over a byte per read: the cancel lands within it.
                scanner._device.read_limit = True
                scanner._device.read_limit_size = 1
                first.set()
        except BaseException as error:
            failure.append(error)
        finally:
            first.set()

    worker = threading.Thread(target=scanning)
    worker.start()
    first.wait(timeout=60)
    scanner.cancel()
    worker.join(timeout=60)
    return len(received), repr(failure)


_kept: list[Any] = []


def scenario_left_open_at_exit() -> tuple[int, str]:
    """A run abandoned with its device open (the window closed mid-run): what runs at exit lets the device
    go, and the process still ends cleanly."""
    import sane

    from app.scanning.sources import sane_source

    scanner = SaneScanner()
    scanner.devices()
    run = scanner.scan(device_name="test:1", settings=ScanSettings(dpi=50, feeder=True))
    page = next(run)
    _kept.append(run)
    try:
        sane.open("test:1")
    except Exception as error:
        held = str(error)
    sane_source._close_all()  # what atexit runs
    sane.open("test:1").close()  # free now
    return page.width, held


# Tests.


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return sane_config(tmp_path / "sane")


def test_devices_are_listed_with_a_label(config: Path) -> None:
    devices = run_with_sane(config, scenario_devices)
    assert [device.name for device in devices] == ["test:0", "test:1"]
    assert devices[0].label == "frontend-tester"  # the backend's "Noname" vendor left out
    assert devices[0].kind == "virtual device"


def test_no_scanner_is_said_so(tmp_path: Path) -> None:
    with pytest.raises(NoScanner) as refused:
        run_with_sane(sane_config(tmp_path / "none", enabled=False), scenario_devices)
    assert str(refused.value) == NO_SCANNER_MESSAGE


def test_a_flatbed_scan_is_one_jpeg_of_the_glass_at_the_resolution_asked(tmp_path: Path) -> None:
    config = sane_config(tmp_path / "sane", test_picture='"Color pattern"')
    (page,) = run_with_sane(
        config, scenario_scan, device_name="test:0", settings=ScanSettings(dpi=150, mode=ColourMode.COLOUR)
    )
    assert (page.format, page.source, page.dpi, page.origin) == (
        PageFormat.JPEG,
        PageSource.SCANNER,
        150,
        "frontend-tester",
    )
    image = opened(page)
    assert image.format == "JPEG" and image.mode == "RGB"
    assert image.size == (page.width, page.height) == (pixels(150), pixels(150))
    assert round(image.info["dpi"][0]) == 150
    assert len(image.getcolors(maxcolors=1 << 16) or range(1 << 16)) > 2  # a pattern, not a blank


def test_each_colour_mode_gives_its_kind_of_page(tmp_path: Path) -> None:
    pages = run_with_sane(sane_config(tmp_path / "sane", test_picture="Grid"), scenario_each_mode, dpi=100)
    modes = {mode: opened(page).mode for mode, page in pages.items()}
    assert modes == {"colour": "RGB", "gray": "L", "lineart": "1"}
    grid = opened(pages["lineart"])
    assert {value for _, value in grid.getcolors() or []} == {0, 255}  # black lines on white
    assert all(page.dpi == 100 and page.width == pixels(100) for page in pages.values())


def test_a_feeder_run_gives_every_sheet_until_it_is_empty(config: Path) -> None:
    pages = run_with_sane(
        config,
        scenario_scan,
        device_name="test:1",
        settings=ScanSettings(dpi=75, mode=ColourMode.GRAY, feeder=True),
    )
    assert len(pages) == FEEDER_SHEETS
    assert all(opened(page).size == (pixels(75), pixels(75)) for page in pages)


def test_an_empty_feeder_is_said_so(tmp_path: Path) -> None:
    config = sane_config(tmp_path / "sane", read_status_code='"SANE_STATUS_NO_DOCS"')
    with pytest.raises(FeederEmpty) as refused:
        run_with_sane(config, scenario_scan, device_name="test:0", settings=SMALL_SHEETS, faults=True)
    assert "进纸器中没有纸" in str(refused.value) and "frontend-tester" in str(refused.value)


def test_a_busy_scanner_is_refused_and_scans_once_free(config: Path) -> None:
    said = run_with_sane(config, scenario_busy)
    assert said.startswith("CaptureError: 扫描仪“frontend-tester”：设备忙"), said
    assert said.endswith(f"then {pixels(200)}×{pixels(200)}")


def test_an_io_error_on_the_first_sheet_refuses_the_scan(tmp_path: Path) -> None:
    config = sane_config(tmp_path / "sane", read_status_code='"SANE_STATUS_IO_ERROR"')
    with pytest.raises(CaptureError) as refused:
        flatbed = ScanSettings(dpi=SMALL_SHEETS.dpi, mode=SMALL_SHEETS.mode)
        run_with_sane(config, scenario_scan, device_name="test:0", settings=flatbed, faults=True)
    assert type(refused.value) is CaptureError
    assert "连接中断" in str(refused.value)


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("SANE_STATUS_IO_ERROR", "连接中断"),
        ("SANE_STATUS_JAMMED", "卡纸"),
        ("SANE_STATUS_COVER_OPEN", "盖板"),
    ],
)
def test_a_fault_mid_run_keeps_the_sheets_already_read(config: Path, status: str, words: str) -> None:
    received, error = run_with_sane(config, scenario_fault_after, sheets=3, status=status)
    assert received == 3
    assert isinstance(error, ScanInterrupted)
    assert len(error.pages) == 3 and all(
        opened(page).format == "PNG" for page in error.pages
    )  # black and white
    assert "已扫描 3 页（已保留）" in str(error) and "第 4 页未能扫描" in str(error) and words in str(error)


def test_a_device_gone_is_refused_by_name(config: Path) -> None:
    with pytest.raises(NoScanner) as refused:
        run_with_sane(config, scenario_scan, device_name="test:7", settings=ScanSettings())
    assert "test:7" in str(refused.value) and "未找到" in str(refused.value)


def test_cancel_between_sheets_ends_the_run_and_lets_the_device_go(config: Path) -> None:
    received, again = run_with_sane(config, scenario_cancel_between_sheets)
    assert received == 2
    assert again == FEEDER_SHEETS


def test_cancel_while_a_sheet_is_read_drops_that_sheet_quietly(config: Path) -> None:
    received, failure = run_with_sane(config, scenario_cancel_while_reading)
    assert failure == "[]"
    assert received == 1


def test_a_run_abandoned_with_its_device_open_ends_the_process_cleanly(config: Path) -> None:
    assert run_with_sane(config, scenario_left_open_at_exit) == (pixels(50), "Device busy")


def test_settings_are_matched_to_each_backends_words() -> None:
    assert choose_source(["Flatbed", "ADF Front", "ADF Back", "ADF Duplex"], feeder=True) == "ADF Front"
    assert choose_source(["Flatbed", "ADF Duplex"], feeder=True) == "ADF Duplex"
    assert choose_source(["Normal", "ADF"], feeder=False) == "Normal"
    assert choose_source(["Flatbed", "Automatic Document Feeder"], feeder=True) == "Automatic Document Feeder"
    assert choose_source(["ADF Front", "ADF Back"], feeder=False) is None
    assert choose_mode(["Lineart", "Halftone", "Gray", "Color"], mode=ColourMode.LINEART) == "Lineart"
    assert choose_mode(["Black & White", "Grayscale", "24bit Color"], mode=ColourMode.COLOUR) == "24bit Color"
    assert choose_mode(["Binary", "True Gray", "Gray", "Color"], mode=ColourMode.GRAY) == "Gray"
    assert choose_mode(["Gray", "Color"], mode=ColourMode.LINEART) is None
    assert nearest_resolution([75, 150, 300, 600], dpi=200) == 150  # nearest; 150 and 300 are 50 / 100 away
    assert nearest_resolution([100, 300], dpi=200) == 300  # a tie goes to the sharper
    assert nearest_resolution((50.0, 1200.0, 25.0), dpi=210) == 200
    assert nearest_resolution((1, 600, 1), dpi=1200) == 600


def test_the_platforms_scanner_is_sane_on_linux() -> None:
    assert isinstance(available_scanner(platform="linux"), SaneScanner)


def test_scan_settings_refuse_a_resolution_no_scanner_has() -> None:
    with pytest.raises(ValueError):
        ScanSettings(dpi=5000)
