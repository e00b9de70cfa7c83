"""Scanners on Windows through WIA 2.0, by its COM automation layer ("WIA.DeviceManager", wiaaut.dll,
part of Windows) driven by pywin32, imported only when a scanner is used on Windows.

What is tested where:
- On Linux (every test run): everything above `WiaScanner` — the WIA property ids and values each
  ScanSettings sets (intent, data type, depth, resolution, document handling), the choice between
  feeder and flatbed from the device's capabilities, the HRESULT read out of a COM error and mapped to a
  `sheets.Fault` (so the clerk reads the same words as with SANE), a transfer's image file (BMP, 1-bit,
  gray or colour) made into a CapturedPage, and a run of sheets ended by WIA's "paper empty" or cut by a
  communication error, through the same `run_sheets` SANE uses. Also that `WiaScanner` off Windows
  refuses with a clear message instead of failing on an import.
- Only on Windows with a scanner: `WiaScanner` itself, the thin part that calls COM (list devices,
  connect, set properties, Transfer). It is not run in CI; check it by hand on a counter PC.

A transfer asks for BMP, which every WIA driver must deliver (PNG is optional), and is made PNG here.
`cancel()` cannot stop a transfer under way (the automation layer has no cancel): the run stops after
the sheet being transferred, which is dropped.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from enum import IntEnum
from typing import Any

from app.scanning.pages import CapturedPage, CaptureError, PageSource
from app.scanning.sources import (
    NO_SCANNER_MESSAGE,
    ColourMode,
    NoScanner,
    ScannerDevice,
    ScanSettings,
    nearest_resolution,
)
from app.scanning.sources.files import read_pages
from app.scanning.sources.sheets import Fault, SheetFault, fault_message, run_sheets

NO_WIA_MESSAGE = "本机缺少扫描仪接口组件（pywin32），无法使用扫描仪；请联系大厅信息技术人员"

WIA_DEVICE_TYPE_SCANNER = 1
WIA_FORMAT_BMP = "{B96B3CAB-0728-11D3-9D7B-0000F81EF32E}"
DISP_E_EXCEPTION = 0x80020009


class WiaProperty(IntEnum):
    DEVICE_NAME = 7  # WIA_DIP_DEV_NAME
    VENDOR = 3  # WIA_DIP_VEND_DESC
    DESCRIPTION = 4  # WIA_DIP_DEV_DESC
    HANDLING_CAPABILITIES = 3086  # WIA_DPS_DOCUMENT_HANDLING_CAPABILITIES
    HANDLING_SELECT = 3088  # WIA_DPS_DOCUMENT_HANDLING_SELECT
    PAGES = 3096  # WIA_DPS_PAGES
    DATA_TYPE = 4103  # WIA_IPA_DATATYPE
    DEPTH = 4104  # WIA_IPA_DEPTH
    INTENT = 6146  # WIA_IPS_CUR_INTENT
    X_RESOLUTION = 6147  # WIA_IPS_XRES
    Y_RESOLUTION = 6148  # WIA_IPS_YRES
    X_POSITION = 6149  # WIA_IPS_XPOS
    Y_POSITION = 6150  # WIA_IPS_YPOS
    X_EXTENT = 6151  # WIA_IPS_XEXTENT
    Y_EXTENT = 6152  # WIA_IPS_YEXTENT


# Document handling flags (capabilities and select).
FEEDER = 0x001
FLATBED = 0x002

# ScanSettings.mode → (intent, data type, bits per pixel). Intent first: setting it resets the others.
MODE_PROPERTIES: dict[ColourMode, tuple[int, int, int]] = {
    ColourMode.COLOUR: (1, 3, 24),  # WIA_INTENT_IMAGE_TYPE_COLOR, WIA_DATA_COLOR
    ColourMode.GRAY: (2, 2, 8),  # WIA_INTENT_IMAGE_TYPE_GRAYSCALE, WIA_DATA_GRAYSCALE
    ColourMode.LINEART: (4, 0, 1),  # WIA_INTENT_IMAGE_TYPE_TEXT, WIA_DATA_THRESHOLD
}

# HRESULT (unsigned) → what went wrong; an unknown one is Fault.OTHER with its number shown.
HRESULT_FAULT: dict[int, Fault] = {
    0x80210001: Fault.OTHER,  # WIA_ERROR_GENERAL_ERROR
    0x80210002: Fault.JAMMED,  # WIA_ERROR_PAPER_JAM
    0x80210003: Fault.FEEDER_EMPTY,  # WIA_ERROR_PAPER_EMPTY
    0x80210004: Fault.PAPER_PROBLEM,  # WIA_ERROR_PAPER_PROBLEM
    0x80210005: Fault.DEVICE_GONE,  # WIA_ERROR_OFFLINE
    0x80210006: Fault.BUSY,  # WIA_ERROR_BUSY
    0x80210007: Fault.WARMING_UP,  # WIA_ERROR_WARMING_UP
    0x80210009: Fault.DEVICE_GONE,  # WIA_ERROR_ITEM_DELETED
    0x8021000A: Fault.DEVICE_GONE,  # WIA_ERROR_DEVICE_COMMUNICATION
    0x8021000B: Fault.UNSUPPORTED,  # WIA_ERROR_INVALID_COMMAND
    0x8021000C: Fault.REFUSED_SETTINGS,  # WIA_ERROR_INCORRECT_HARDWARE_SETTING
    0x8021000D: Fault.BUSY,  # WIA_ERROR_DEVICE_LOCKED
    0x80210015: Fault.DEVICE_GONE,  # WIA_S_NO_DEVICE_AVAILABLE
    0x80210016: Fault.COVER_OPEN,  # WIA_ERROR_COVER_OPEN
    0x80210020: Fault.MULTI_FEED,  # WIA_ERROR_MULTI_FEED
    0x80070005: Fault.ACCESS_DENIED,  # E_ACCESSDENIED
    0x8007000E: Fault.NO_MEMORY,  # E_OUTOFMEMORY
    0x80070057: Fault.REFUSED_SETTINGS,  # E_INVALIDARG
    0x80004001: Fault.UNSUPPORTED,  # E_NOTIMPL
    0x80004004: Fault.CANCELLED,  # E_ABORT
    0x800704C7: Fault.CANCELLED,  # HRESULT_FROM_WIN32(ERROR_CANCELLED)
}


def item_properties(settings: ScanSettings) -> dict[WiaProperty, int]:
    """What the scan item is set to, in this order."""
    intent, data_type, depth = MODE_PROPERTIES[settings.mode]
    return {
        WiaProperty.INTENT: intent,
        WiaProperty.DATA_TYPE: data_type,
        WiaProperty.DEPTH: depth,
        WiaProperty.X_RESOLUTION: settings.dpi,
        WiaProperty.Y_RESOLUTION: settings.dpi,
    }


def handling_properties(capabilities: int | None, *, feeder: bool) -> dict[WiaProperty, int] | None:
    """What the device is set to for the feeder (one page per transfer) or the flatbed; None when it
    cannot (no feeder; a feeder-only scanner asked for the flatbed). No capabilities: a flatbed."""
    if capabilities is None:
        return None if feeder else {}
    if feeder:
        return {WiaProperty.HANDLING_SELECT: FEEDER, WiaProperty.PAGES: 1} if capabilities & FEEDER else None
    return {WiaProperty.HANDLING_SELECT: FLATBED} if capabilities & FLATBED else None


def hresult_of(args: Sequence[object]) -> int | None:
    """The HRESULT in a pywin32 com_error's args (hresult, text, excepinfo, argerror), unsigned. Through
    IDispatch the call's own code is DISP_E_EXCEPTION and the driver's is the excepinfo's scode."""
    if not args or not isinstance(args[0], int):
        return None
    code = args[0] & 0xFFFFFFFF
    excepinfo = args[2] if len(args) > 2 else None
    if code == DISP_E_EXCEPTION and isinstance(excepinfo, tuple) and len(excepinfo) > 5:
        scode = excepinfo[5]
        if isinstance(scode, int) and scode:
            return scode & 0xFFFFFFFF
    return code


def error_words(args: Sequence[object]) -> str:
    """The driver's own words and number, for hall IT."""
    code = hresult_of(args)
    excepinfo = args[2] if len(args) > 2 else None
    text = ""
    if isinstance(excepinfo, tuple) and len(excepinfo) > 2 and isinstance(excepinfo[2], str):
        text = excepinfo[2].strip()
    elif len(args) > 1 and isinstance(args[1], str):
        text = args[1].strip()
    number = f"0x{code:08X}" if code is not None else ""
    return "，".join(part for part in (text, number) if part)


def wia_fault(args: Sequence[object]) -> Fault:
    code = hresult_of(args)
    return HRESULT_FAULT.get(code, Fault.OTHER) if code is not None else Fault.OTHER


def page_from_transfer(data: bytes, *, dpi: int, origin: str) -> CapturedPage:
    """A transferred image file (BMP, or what the driver sent) as a page; SheetFault when it is not one
    whole image."""
    try:
        pages = read_pages(data, name=origin, source=PageSource.SCANNER, dpi=dpi)
    except CaptureError as error:
        raise SheetFault(Fault.NO_IMAGE, str(error)) from error
    if len(pages) != 1:
        raise SheetFault(Fault.NO_IMAGE, f"一次传回 {len(pages)} 页")
    return pages[0]


def _com() -> tuple[Any, Any, type[Exception]]:
    try:
        import pythoncom
        import pywintypes
        import win32com.client
    except ImportError as error:
        raise CaptureError(NO_WIA_MESSAGE) from error
    pythoncom.CoInitialize()  # once per thread is enough; a second call is a no-op
    return win32com.client, pythoncom, pywintypes.com_error


class WiaScanner:
    """The Scanner for WIA. Runs only on Windows (see the module docstring)."""

    def __init__(self) -> None:
        self._labels: dict[str, str] = {}
        self._cancelled = threading.Event()

    def devices(self) -> list[ScannerDevice]:
        client, _pythoncom, com_error = _com()
        try:
            manager = client.Dispatch("WIA.DeviceManager")
            devices = []
            for info in manager.DeviceInfos:
                if info.Type != WIA_DEVICE_TYPE_SCANNER:
                    continue
                values = _values(info.Properties)
                vendor = str(values.get(WiaProperty.VENDOR, ""))
                model = str(values.get(WiaProperty.DEVICE_NAME) or values.get(WiaProperty.DESCRIPTION) or "")
                label = " ".join(part for part in (vendor, model) if part) or str(info.DeviceID)
                devices.append(ScannerDevice(str(info.DeviceID), label, vendor, model, "scanner"))
        except com_error as error:
            raise CaptureError(f"无法列出扫描仪：{error_words(error.args)}") from error
        if not devices:
            raise NoScanner(NO_SCANNER_MESSAGE)
        self._labels = {device.name: device.label for device in devices}
        return devices

    def scan(self, *, device_name: str, settings: ScanSettings) -> Iterator[CapturedPage]:
        client, _pythoncom, com_error = _com()
        label = self._labels.get(device_name, device_name)
        self._cancelled.clear()
        try:
            item = _prepare(client, device_name, settings, label)
        except com_error as error:
            detail = error_words(error.args)
            raise CaptureError(
                fault_message(wia_fault(error.args), device_label=label, detail=detail)
            ) from error

        def read_sheet() -> CapturedPage:
            try:
                image_file = item.Transfer(WIA_FORMAT_BMP)
                data = bytes(image_file.FileData.BinaryData)
            except com_error as error:
                raise SheetFault(wia_fault(error.args), error_words(error.args)) from error
            return page_from_transfer(data, dpi=settings.dpi, origin=label)

        yield from run_sheets(
            read_sheet, feeder=settings.feeder, device_label=label, cancelled=self._cancelled.is_set
        )

    def cancel(self) -> None:
        self._cancelled.set()


def _values(properties: Any) -> dict[int, object]:
    return {int(prop.PropertyID): prop.Value for prop in properties}


def _property(properties: Any, property_id: int) -> Any:
    return next((prop for prop in properties if int(prop.PropertyID) == property_id), None)


def _prepare(client: Any, device_name: str, settings: ScanSettings, label: str) -> Any:
    manager = client.Dispatch("WIA.DeviceManager")
    info = next((info for info in manager.DeviceInfos if str(info.DeviceID) == device_name), None)
    if info is None:
        raise NoScanner(f"扫描仪“{label}”未找到（可能已断开连接）：请刷新扫描仪列表后重试")
    device = info.Connect()
    capabilities = _property(device.Properties, WiaProperty.HANDLING_CAPABILITIES)
    handling = handling_properties(
        None if capabilities is None else int(capabilities.Value), feeder=settings.feeder
    )
    if handling is None and settings.feeder:
        raise CaptureError(f"扫描仪“{label}”没有进纸器：请把材料放在玻璃板上，取消“进纸器”后扫描")
    if handling is None:
        raise CaptureError(f"扫描仪“{label}”只能从进纸器扫描：请把材料放入进纸器，勾选“进纸器”后扫描")
    for property_id, value in handling.items():
        _set(device.Properties, property_id, value)
    item = device.Items[1]
    for property_id, value in item_properties(settings).items():
        prop = _property(item.Properties, property_id)
        if prop is None:
            continue
        if property_id in (WiaProperty.X_RESOLUTION, WiaProperty.Y_RESOLUTION):
            value = round(nearest_resolution(_allowed(prop), dpi=value))
        prop.Value = value
    for property_id in (WiaProperty.X_POSITION, WiaProperty.Y_POSITION):
        _set(item.Properties, property_id, 0)
    for property_id in (WiaProperty.X_EXTENT, WiaProperty.Y_EXTENT):  # the whole glass
        prop = _property(item.Properties, property_id)
        if prop is not None and int(prop.SubType) == 1:
            prop.Value = int(prop.SubTypeMax)
    return item


def _allowed(prop: Any) -> object:
    """A WIA property's allowed values in nearest_resolution's terms: 1 range, 2 list."""
    sub_type = int(prop.SubType)
    if sub_type == 1:
        return (int(prop.SubTypeMin), int(prop.SubTypeMax), int(prop.SubTypeStep))
    if sub_type == 2:
        return [int(value) for value in prop.SubTypeValues]
    return None


def _set(properties: Any, property_id: int, value: int) -> None:
    prop = _property(properties, property_id)
    if prop is not None:
        prop.Value = value
