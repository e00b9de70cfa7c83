"""WIA on Windows: what can be tested off Windows (see app.scanning.sources.wia_source's docstring for
what is tested where): settings to WIA properties, HRESULTs out of COM errors to the clerk's words, a
transferred BMP to a page, and the rules of a run (shared with SANE) driven by WIA's own error codes.

The sheets a run reads here come from a list of transferred images and WIA codes: the COM transfer itself
cannot run on Linux."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator

import pytest
from PIL import Image, ImageDraw

from app.scanning.pages import CapturedPage, CaptureError, PageFormat, PageSource
from app.scanning.sources import (
    UNSUPPORTED_PLATFORM_MESSAGE,
    ColourMode,
    FeederEmpty,
    ScanInterrupted,
    ScanSettings,
    available_scanner,
)
from app.scanning.sources.sheets import MAX_FEEDER_SHEETS, Fault, SheetFault, run_sheets
from app.scanning.sources.wia_source import (
    FEEDER,
    FLATBED,
    NO_WIA_MESSAGE,
    WiaProperty,
    WiaScanner,
    error_words,
    handling_properties,
    hresult_of,
    item_properties,
    page_from_transfer,
    wia_fault,
)

DISP_E_EXCEPTION_SIGNED = 0x80020009 - (1 << 32)  # as pywin32 reports it


def com_error_args(code: int, text: str = "") -> tuple[object, ...]:
    """A pywin32 com_error's args for a WIA failure raised through IDispatch."""
    signed = code - (1 << 32) if code & 0x80000000 else code
    return (DISP_E_EXCEPTION_SIGNED, "发生意外。", (0, "WIA", text, None, 0, signed), None)


def bmp(mode: str, dpi: int = 300) -> bytes:
    image = Image.new(mode, (200, 280), "white")
    ImageDraw.Draw(image).rectangle((20, 20, 100, 60), fill="black")
    buffer = io.BytesIO()
    image.save(buffer, "BMP", dpi=(dpi, dpi))
    return buffer.getvalue()


def transfers(*steps: bytes | int) -> Callable[[], CapturedPage]:
    """Each call: the next step, a transferred image, or the HRESULT of a failed transfer."""
    remaining: Iterator[bytes | int] = iter(steps)

    def read_sheet() -> CapturedPage:
        step = next(remaining)
        if isinstance(step, int):
            args = com_error_args(step)
            raise SheetFault(wia_fault(args), error_words(args))
        return page_from_transfer(step, dpi=300, origin="Canon DR-C225")

    return read_sheet


def never() -> bool:
    return False


def test_each_mode_sets_intent_data_type_depth_and_resolution_in_that_order() -> None:
    assert list(item_properties(ScanSettings(dpi=300, mode=ColourMode.COLOUR)).items()) == [
        (WiaProperty.INTENT, 1),
        (WiaProperty.DATA_TYPE, 3),
        (WiaProperty.DEPTH, 24),
        (WiaProperty.X_RESOLUTION, 300),
        (WiaProperty.Y_RESOLUTION, 300),
    ]
    gray = item_properties(ScanSettings(dpi=200, mode=ColourMode.GRAY))
    assert (gray[WiaProperty.INTENT], gray[WiaProperty.DATA_TYPE], gray[WiaProperty.DEPTH]) == (2, 2, 8)
    lineart = item_properties(ScanSettings(mode=ColourMode.LINEART))
    assert (lineart[WiaProperty.INTENT], lineart[WiaProperty.DATA_TYPE], lineart[WiaProperty.DEPTH]) == (
        4,
        0,
        1,
    )


def test_feeder_or_flatbed_is_chosen_from_what_the_device_can() -> None:
    both = FEEDER | FLATBED
    assert handling_properties(both, feeder=True) == {
        WiaProperty.HANDLING_SELECT: FEEDER,
        WiaProperty.PAGES: 1,
    }
    assert handling_properties(both, feeder=False) == {WiaProperty.HANDLING_SELECT: FLATBED}
    assert handling_properties(FLATBED, feeder=True) is None  # no feeder
    assert handling_properties(FEEDER, feeder=False) is None  # a sheet-fed scanner has no glass
    assert handling_properties(None, feeder=False) == {}  # a plain flatbed names no handling at all
    assert handling_properties(None, feeder=True) is None


@pytest.mark.parametrize(
    ("code", "fault"),
    [
        (0x80210003, Fault.FEEDER_EMPTY),
        (0x80210002, Fault.JAMMED),
        (0x80210006, Fault.BUSY),
        (0x8021000A, Fault.DEVICE_GONE),
        (0x80210005, Fault.DEVICE_GONE),
        (0x80210016, Fault.COVER_OPEN),
        (0x80210020, Fault.MULTI_FEED),
        (0x80070005, Fault.ACCESS_DENIED),
        (0x80004004, Fault.CANCELLED),
        (0x80211234, Fault.OTHER),
    ],
)
def test_a_com_errors_hresult_is_read_and_mapped(code: int, fault: Fault) -> None:
    args = com_error_args(code, "driver words")
    assert hresult_of(args) == code
    assert wia_fault(args) is fault


def test_an_hresult_outside_idispatch_and_a_malformed_error_are_read_too() -> None:
    direct = (0x80210006 - (1 << 32), "设备忙", None, None)
    assert hresult_of(direct) == 0x80210006 and wia_fault(direct) is Fault.BUSY
    assert error_words(direct) == "设备忙，0x80210006"
    assert hresult_of(()) is None and wia_fault(("not a number",)) is Fault.OTHER
    assert (
        error_words(com_error_args(0x80211234, "Scanner lamp failure")) == "Scanner lamp failure，0x80211234"
    )


@pytest.mark.parametrize(("mode", "kept"), [("1", "1"), ("L", "L"), ("RGB", "RGB")])
def test_a_transferred_bmp_becomes_a_png_page(mode: str, kept: str) -> None:
    page = page_from_transfer(bmp(mode, dpi=300), dpi=200, origin="Canon DR-C225")
    image = Image.open(io.BytesIO(page.data))
    assert (page.format, page.source, page.origin) == (PageFormat.PNG, PageSource.SCANNER, "Canon DR-C225")
    assert image.mode == kept and image.size == (200, 280)
    assert page.dpi == 300  # the file's own resolution over the one asked for


def test_a_broken_transfer_is_no_image() -> None:
    with pytest.raises(SheetFault) as fault:
        page_from_transfer(bmp("L")[:300], dpi=300, origin="scanner")
    assert fault.value.fault is Fault.NO_IMAGE


def test_a_feeder_run_ends_when_wia_says_the_paper_ran_out() -> None:
    run = run_sheets(
        transfers(bmp("L"), bmp("L"), bmp("L"), 0x80210003),
        feeder=True,
        device_label="Canon DR-C225",
        cancelled=never,
    )
    assert len(list(run)) == 3


def test_a_feeder_empty_before_the_first_sheet_is_said_so() -> None:
    with pytest.raises(FeederEmpty, match="扫描仪“Canon DR-C225”：进纸器中没有纸"):
        list(run_sheets(transfers(0x80210003), feeder=True, device_label="Canon DR-C225", cancelled=never))


def test_a_lost_connection_mid_run_keeps_the_sheets_read() -> None:
    run = run_sheets(
        transfers(bmp("L"), bmp("L"), 0x8021000A), feeder=True, device_label="Canon DR-C225", cancelled=never
    )
    received = []
    with pytest.raises(ScanInterrupted) as interrupted:
        received.extend(run)
    assert len(received) == 2 and interrupted.value.pages == tuple(received)
    assert str(interrupted.value) == (
        "扫描仪“Canon DR-C225”：已扫描 2 页（已保留），第 3 页未能扫描："
        "与扫描仪的连接中断（可能已断开或关机）：请检查电源和数据线后重试。请把其余材料重新扫描"
    )


def test_an_unknown_failure_on_the_first_sheet_names_the_drivers_words() -> None:
    with pytest.raises(CaptureError) as refused:
        list(run_sheets(transfers(0x80211234), feeder=False, device_label="HP ScanJet", cancelled=never))
    assert type(refused.value) is CaptureError
    assert "扫描仪“HP ScanJet”：扫描仪出错" in str(refused.value) and "0x80211234" in str(refused.value)


def test_a_flatbed_scan_reads_one_sheet_only() -> None:
    pages = list(run_sheets(transfers(bmp("RGB")), feeder=False, device_label="HP ScanJet", cancelled=never))
    assert len(pages) == 1  # a second read would have found no step left


def test_a_cancel_drops_the_sheet_under_way_and_ends_quietly() -> None:
    asked = [False]
    read = transfers(bmp("L"), bmp("L"), bmp("L"))

    def read_then_cancel() -> CapturedPage:
        page = read()
        asked[0] = True  # the clerk pressed cancel while this sheet came in
        return page

    assert list(run_sheets(read_then_cancel, feeder=True, device_label="x", cancelled=lambda: asked[0])) == []
    assert list(run_sheets(transfers(0x80004004), feeder=True, device_label="x", cancelled=never)) == []


def test_a_feeder_that_never_runs_empty_is_stopped() -> None:
    sheet = page_from_transfer(bmp("1"), dpi=300, origin="x")
    run = run_sheets(lambda: sheet, feeder=True, device_label="x", cancelled=never)
    with pytest.raises(ScanInterrupted) as stopped:
        list(run)
    assert len(stopped.value.pages) == MAX_FEEDER_SHEETS and "超过上限" in str(stopped.value)


def test_wia_off_windows_refuses_with_a_clear_message() -> None:
    scanner = available_scanner(platform="win32")
    assert isinstance(scanner, WiaScanner)
    with pytest.raises(CaptureError) as refused:
        scanner.devices()
    assert str(refused.value) == NO_WIA_MESSAGE
    with pytest.raises(CaptureError):
        list(scanner.scan(device_name="x", settings=ScanSettings()))


def test_a_platform_without_scanner_support_is_said_so() -> None:
    with pytest.raises(CaptureError) as refused:
        available_scanner(platform="darwin")
    assert str(refused.value) == UNSUPPORTED_PLATFORM_MESSAGE
