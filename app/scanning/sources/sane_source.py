"""Scanners through SANE (Linux), by python-sane: USB scanners with a SANE backend and network scanners
(eSCL/WSD through sane-airscan) alike.

SANE is started once per process, on first use; its configuration is read then and never again. At exit
every device left open is closed (what lets a scanner go), but sane_exit is not called: it unloads the
backends, and a backend whose reader thread was cancelled at a bad moment (SANE cancels them with an
asynchronous pthread_cancel) can leave the allocator's or the loader's lock held, so unloading hangs or
crashes the closing window; the process's end releases the rest. Calls into SANE are serialized, except a
cancel, which SANE allows from another thread while a sheet is read (python-sane releases the GIL then).

A device is set up from ScanSettings by SANE's well-known option names (source, mode, depth, resolution,
scan area), matching each backend's own wording of its sources and modes; the scan area is the whole
glass, since a clerk lays any size of paper on it. Pages come back as PNG with the resolution the device
confirmed; black and white as a 1-bit PNG (from the device's lineart mode, its 1-bit gray, or gray
thresholded here when it has neither). Every SANE status becomes a `sheets.Fault`.
"""

from __future__ import annotations

import atexit
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from PIL import Image

from app.scanning.pages import CapturedPage, CaptureError, PageSource
from app.scanning.sources import (
    COLOUR_MODE_LABEL,
    NO_SCANNER_MESSAGE,
    ColourMode,
    NoScanner,
    ScannerDevice,
    ScanSettings,
    nearest_resolution,
)
from app.scanning.sources.page_image import scanned_page
from app.scanning.sources.sheets import Fault, SheetFault, fault_message, run_sheets

log = logging.getLogger("clerk.scanning")

NO_DRIVER_MESSAGE = "本机缺少扫描仪驱动接口（SANE），无法使用扫描仪；请联系大厅信息技术人员"

# sane_strstatus() wording (SANE does not translate it) → what went wrong.
STATUS_FAULT: dict[str, Fault] = {
    "Device busy": Fault.BUSY,
    "Document feeder out of documents": Fault.FEEDER_EMPTY,
    "Document feeder jammed": Fault.JAMMED,
    "Scanner cover is open": Fault.COVER_OPEN,
    "Error during device I/O": Fault.DEVICE_GONE,
    "Out of memory": Fault.NO_MEMORY,
    "Access to resource has been denied": Fault.ACCESS_DENIED,
    "Operation was canceled": Fault.CANCELLED,
    "Operation was cancelled": Fault.CANCELLED,
    "Operation not supported": Fault.UNSUPPORTED,
    "Invalid argument": Fault.REFUSED_SETTINGS,
    "Lamp not ready, please retry": Fault.WARMING_UP,
}

# How backends word their sources and modes (lower case, matched as parts of the backend's word).
FEEDER_WORDS = ("adf", "feeder", "automatic document")
FEEDER_AVOID = ("duplex", "back")  # one side, front: a second side is a choice the clerk does not make here
FLATBED_WORDS = ("flatbed", "normal", "platen", "glass", "document table")
MODE_WORDS: dict[ColourMode, tuple[str, ...]] = {
    ColourMode.COLOUR: ("color", "colour"),
    ColourMode.GRAY: ("gray", "grey"),
    ColourMode.LINEART: ("lineart", "binary", "black & white", "black and white", "monochrome"),
}


def status_fault(message: str) -> Fault:
    return STATUS_FAULT.get(message, Fault.OTHER)


def choose_source(sources: Sequence[str], *, feeder: bool) -> str | None:
    """The backend's word for the feeder (front side) or the flatbed; None when it has no such source."""
    lowered = [(source, source.lower()) for source in sources]
    if feeder:
        candidates = [source for source, low in lowered if any(word in low for word in FEEDER_WORDS)]
        plain = [source for source in candidates if not any(word in source.lower() for word in FEEDER_AVOID)]
        return next(iter(plain or candidates), None)
    return next((source for source, low in lowered if any(word in low for word in FLATBED_WORDS)), None)


def choose_mode(modes: Sequence[str], *, mode: ColourMode) -> str | None:
    """The backend's word for the colour mode, preferring an exact match ("Gray" over "True Gray")."""
    words = MODE_WORDS[mode]
    exact = [value for value in modes if value.lower() in words]
    if exact:
        return exact[0]
    return next((value for value in modes if any(word in value.lower() for word in words)), None)


# SANE's process-wide state.
_lock = threading.Lock()
_started = False
_open_devices: set[Any] = set()
EXIT_WAIT_SECONDS = 2.0  # a driver call stuck at exit must not keep the window from closing


def _sane() -> Any:
    global _started
    with _lock:
        try:
            import sane
        except ImportError as error:
            raise CaptureError(NO_DRIVER_MESSAGE) from error
        if not _started:
            try:
                sane.init()
            except Exception as error:  # _sane.error, or a library that fails to load its backends
                raise CaptureError(f"扫描仪驱动（SANE）无法启动：{error}") from error
            _started = True
            atexit.register(_close_all)
        return sane


def _close_all() -> None:
    """At exit: every device still open is closed, unless a driver call is stuck holding SANE."""
    if not _lock.acquire(timeout=EXIT_WAIT_SECONDS):
        log.warning("SANE busy at exit: devices left to the process's end")
        return
    try:
        for device in list(_open_devices):
            _close(device)
    finally:
        _lock.release()


def _close(device: Any) -> None:
    _open_devices.discard(device)
    try:
        device.cancel()
        device.close()
    except Exception as error:  # already closed, or the device is gone: nothing left to release
        log.info("SANE device not closed cleanly: %s", error)


@dataclass(frozen=True)
class _Plan:
    dpi: int
    lineart: bool  # deliver 1-bit


class SaneScanner:
    """The Scanner for SANE. One scan at a time per scanner; cancel() from any thread."""

    def __init__(self) -> None:
        self._labels: dict[str, str] = {}
        self._device: Any = None
        self._device_lock = threading.Lock()
        self._cancelled = threading.Event()

    def devices(self) -> list[ScannerDevice]:
        sane = _sane()
        with _lock:
            try:
                found = sane.get_devices()
            except sane._sane.error as error:
                raise CaptureError(f"无法列出扫描仪：{error}") from error
        devices = [
            ScannerDevice(name, _label(vendor, model, name), vendor, model, kind)
            for name, vendor, model, kind in found
        ]
        if not devices:
            raise NoScanner(NO_SCANNER_MESSAGE)
        self._labels = {device.name: device.label for device in devices}
        return devices

    def scan(self, *, device_name: str, settings: ScanSettings) -> Iterator[CapturedPage]:
        sane = _sane()
        label = self._labels.get(device_name, device_name)
        with self._device_lock:
            if self._device is not None:
                raise CaptureError(f"扫描仪“{label}”正在扫描：请等本次扫描结束或取消后再试")
            self._cancelled.clear()
            device = _open(sane, device_name, label)
            self._device = device
        try:
            plan = _configure(device, settings, label, sane._sane.error)
            yield from run_sheets(
                lambda: _read_sheet(device, plan, label, sane._sane.error, self._cancelled.is_set),
                feeder=settings.feeder,
                device_label=label,
                cancelled=self._cancelled.is_set,
            )
        finally:
            with self._device_lock:
                self._device = None
                with _lock:
                    _close(device)

    def cancel(self) -> None:
        self._cancelled.set()
        with self._device_lock:
            if self._device is not None:
                try:
                    self._device.cancel()
                except Exception as error:  # between sheets, or closing: the flag stops the run
                    log.info("SANE cancel: %s", error)


def _label(vendor: str, model: str, name: str) -> str:
    return " ".join(part for part in (vendor, model) if part and part.lower() != "noname") or name


def _open(sane: Any, device_name: str, label: str) -> Any:
    with _lock:
        try:
            device = sane.open(device_name)
        except sane._sane.error as error:
            fault = status_fault(str(error))
            if fault is Fault.REFUSED_SETTINGS:  # "Invalid argument": no such device
                raise NoScanner(f"扫描仪“{label}”未找到（可能已断开连接）：请刷新扫描仪列表后重试") from error
            raise CaptureError(fault_message(fault, device_label=label, detail=str(error))) from error
        except RuntimeError as error:  # python-sane: the device vanished between open and its options
            raise NoScanner(f"扫描仪“{label}”未找到（可能已断开连接）：{error}") from error
        _open_devices.add(device)
        return device


def _settable(device: Any, name: str) -> Any:
    option = device.opt.get(name.replace("-", "_"))
    if option is None or not option.is_active() or not option.is_settable():
        return None
    return option


def _configure(device: Any, settings: ScanSettings, label: str, sane_error: type[Exception]) -> _Plan:
    def refused(what: str, error: Exception) -> CaptureError:
        return CaptureError(f"扫描仪“{label}”不接受设置（{what}）：{error}")

    source = _settable(device, "source")
    if source is not None and isinstance(source.constraint, list):
        chosen = choose_source(source.constraint, feeder=settings.feeder)
        if chosen is None and settings.feeder:
            raise CaptureError(f"扫描仪“{label}”没有进纸器：请把材料放在玻璃板上，取消“进纸器”后扫描")
        if chosen is None:
            raise CaptureError(f"扫描仪“{label}”只能从进纸器扫描：请把材料放入进纸器，勾选“进纸器”后扫描")
        _set(device, "source", chosen, refused, sane_error)
    elif settings.feeder:
        raise CaptureError(f"扫描仪“{label}”没有进纸器：请把材料放在玻璃板上，取消“进纸器”后扫描")

    lineart = settings.mode is ColourMode.LINEART
    mode = _settable(device, "mode")
    if mode is not None and isinstance(mode.constraint, list):
        chosen = choose_mode(mode.constraint, mode=settings.mode)
        if chosen is None and lineart:
            chosen = choose_mode(mode.constraint, mode=ColourMode.GRAY)  # made black and white below
        if chosen is None:
            wording = COLOUR_MODE_LABEL[settings.mode]
            raise CaptureError(f"扫描仪“{label}”不支持{wording}扫描：请改用其他色彩模式")
        _set(device, "mode", chosen, refused, sane_error)
        device_lineart = choose_mode(mode.constraint, mode=ColourMode.LINEART) == chosen
    else:
        device_lineart = False

    depth = _settable(device, "depth")
    if depth is not None and isinstance(depth.constraint, list) and not device_lineart:
        wanted = 1 if lineart and 1 in depth.constraint else 8
        if wanted in depth.constraint:
            _set(device, "depth", wanted, refused, sane_error)

    resolution = _settable(device, "resolution")
    dpi = settings.dpi
    if resolution is not None:
        nearest = nearest_resolution(resolution.constraint, dpi=settings.dpi)
        _set(device, "resolution", nearest, refused, sane_error)
        try:
            dpi = round(float(device.resolution))  # what the device took
        except (sane_error, AttributeError) as error:
            raise refused(f"resolution = {nearest}", error) from error

    for name, end in (("tl-x", min), ("tl-y", min), ("br-x", max), ("br-y", max)):
        option = _settable(device, name)
        if option is not None and isinstance(option.constraint, tuple | list) and option.constraint:
            bounds = option.constraint[:2] if isinstance(option.constraint, tuple) else option.constraint
            _set(device, name, end(bounds), refused, sane_error)
    return _Plan(dpi=dpi, lineart=lineart)


def _set(
    device: Any,
    name: str,
    value: object,
    refused: Callable[[str, Exception], CaptureError],
    sane_error: type[Exception],
) -> None:
    try:
        setattr(device, name.replace("-", "_"), value)
    except (sane_error, AttributeError, TypeError) as error:
        raise refused(f"{name} = {value}", error) from error


def _read_sheet(
    device: Any, plan: _Plan, label: str, sane_error: type[Exception], cancelled: Callable[[], bool]
) -> CapturedPage:
    try:
        device.start()
        _format, _last, (_width, lines), depth, _per_line = device.get_parameters()
        if depth not in (1, 8):
            raise SheetFault(Fault.UNSUPPORTED, f"{depth} 位色深")
        image = device.snap(True)
    except sane_error as error:
        raise SheetFault(status_fault(str(error)), str(error)) from error
    except (RuntimeError, ValueError) as error:  # no data, or less data than the image it claims
        raise SheetFault(Fault.CANCELLED if cancelled() else Fault.NO_IMAGE, str(error)) from error
    except MemoryError as error:
        raise SheetFault(Fault.NO_MEMORY) from error
    if cancelled():
        raise SheetFault(Fault.CANCELLED)
    if lines > 0 and image.height < lines:  # a read cut short comes back as a shorter image
        raise SheetFault(Fault.NO_IMAGE, f"只收到 {image.height}/{lines} 行")
    try:
        if plan.lineart:
            image = image.convert("1", dither=Image.Dither.NONE)
        return scanned_page(image, dpi=plan.dpi, source=PageSource.SCANNER, origin=label)
    except MemoryError as error:
        raise SheetFault(Fault.NO_MEMORY) from error
