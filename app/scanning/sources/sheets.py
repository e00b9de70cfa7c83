"""One scan run, sheet by sheet, whatever the driver: what went wrong as one `Fault`, worded in one table,
and the rules of a run (a flatbed gives one page; a feeder gives sheets until it is empty; a failure after
some sheets keeps them; a cancel ends the run quietly). SANE and WIA each map their own codes to a Fault
and hand `run_sheets` a function that reads one sheet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from enum import Enum

from app.scanning.pages import CapturedPage, CaptureError
from app.scanning.sources import FeederEmpty, ScanInterrupted

# A driver that never reports an empty feeder must not scan forever.
MAX_FEEDER_SHEETS = 500


class Fault(Enum):
    FEEDER_EMPTY = "feeder_empty"
    BUSY = "busy"
    JAMMED = "jammed"
    MULTI_FEED = "multi_feed"
    PAPER_PROBLEM = "paper_problem"
    COVER_OPEN = "cover_open"
    WARMING_UP = "warming_up"
    DEVICE_GONE = "device_gone"  # I/O error, offline, unplugged
    ACCESS_DENIED = "access_denied"
    NO_MEMORY = "no_memory"
    UNSUPPORTED = "unsupported"
    REFUSED_SETTINGS = "refused_settings"
    NO_IMAGE = "no_image"  # nothing, or less than a whole page, came back
    CANCELLED = "cancelled"
    OTHER = "other"


FAULT_MESSAGE: dict[Fault, str] = {
    Fault.FEEDER_EMPTY: "进纸器中没有纸：请把材料放入进纸器后重试",
    Fault.BUSY: "设备忙：扫描仪正被其他程序或另一次扫描占用，请关闭其他扫描软件后重试",
    Fault.JAMMED: "卡纸：请取出卡住的纸，把未扫描的材料重新放入进纸器",
    Fault.MULTI_FEED: "进纸器一次送入了多张纸：请理齐材料后重新扫描",
    Fault.PAPER_PROBLEM: "进纸出现问题：请检查材料和进纸器后重试",
    Fault.COVER_OPEN: "扫描仪盖板未合上：请合上后重试",
    Fault.WARMING_UP: "扫描仪正在预热：请稍候再试",
    Fault.DEVICE_GONE: "与扫描仪的连接中断（可能已断开或关机）：请检查电源和数据线后重试",
    Fault.ACCESS_DENIED: "没有使用扫描仪的权限：请联系大厅信息技术人员",
    Fault.NO_MEMORY: "内存不足，无法完成扫描：请关闭其他程序后重试",
    Fault.UNSUPPORTED: "扫描仪不支持所选的扫描方式：请改用其他分辨率或色彩模式",
    Fault.REFUSED_SETTINGS: "扫描仪不接受所选的设置：请改用其他分辨率或色彩模式",
    Fault.NO_IMAGE: "扫描仪没有送回完整的图像：请重新扫描",
    Fault.CANCELLED: "扫描已取消",
    Fault.OTHER: "扫描仪出错，请重试；仍不行请联系大厅信息技术人员",
}

# Faults whose driver wording helps hall IT, added to the message.
SHOW_DRIVER_WORDS = {Fault.OTHER, Fault.UNSUPPORTED, Fault.REFUSED_SETTINGS, Fault.NO_IMAGE}


class SheetFault(Exception):
    """A sheet not read; `detail` is the driver's own words."""

    def __init__(self, fault: Fault, detail: str = "") -> None:
        super().__init__(fault, detail)
        self.fault = fault
        self.detail = detail


def fault_words(fault: Fault, *, detail: str = "") -> str:
    if detail and fault in SHOW_DRIVER_WORDS:
        return f"{FAULT_MESSAGE[fault]}（驱动报告：{detail}）"
    return FAULT_MESSAGE[fault]


def fault_message(fault: Fault, *, device_label: str, detail: str = "") -> str:
    return f"扫描仪“{device_label}”：{fault_words(fault, detail=detail)}"


def run_sheets(
    read_sheet: Callable[[], CapturedPage],
    *,
    feeder: bool,
    device_label: str,
    cancelled: Callable[[], bool],
) -> Iterator[CapturedPage]:
    """Each sheet `read_sheet` returns, by the rules of a run. `read_sheet` raises SheetFault; a feeder run
    ends at FEEDER_EMPTY once a sheet was read, and fails with FeederEmpty before."""
    pages: list[CapturedPage] = []
    while not cancelled():
        if len(pages) >= MAX_FEEDER_SHEETS:
            raise ScanInterrupted(
                f"扫描仪“{device_label}”：一次进纸已扫描 {len(pages)} 页（已保留），超过上限，已停止；"
                "如还有材料请再扫描一次",
                pages,
            )
        try:
            page = read_sheet()
        except SheetFault as fault:
            if fault.fault is Fault.CANCELLED or cancelled():
                return
            if fault.fault is Fault.FEEDER_EMPTY and feeder and pages:
                return
            words = fault_words(fault.fault, detail=fault.detail)
            if pages:
                raise ScanInterrupted(
                    f"扫描仪“{device_label}”：已扫描 {len(pages)} 页（已保留），"
                    f"第 {len(pages) + 1} 页未能扫描：{words}。请把其余材料重新扫描",
                    pages,
                ) from fault
            message = f"扫描仪“{device_label}”：{words}"
            if fault.fault is Fault.FEEDER_EMPTY:
                raise FeederEmpty(message) from fault
            raise CaptureError(message) from fault
        if cancelled():
            return
        pages.append(page)
        yield page
        if not feeder:
            return
