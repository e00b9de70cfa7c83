"""A page as a capture source delivers it, before it is stored (app.scanning.page_store) and attached to a
material: the image file's bytes exactly as they will be kept (PNG or JPEG), and what it is.

Every source (the document camera, a scanner through SANE, an imported image or PDF, the scan-to folder,
a feeder run) hands over `CapturedPage`s and refuses with `CaptureError`, whose message is the clerk's.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class PageFormat(StrEnum):
    PNG = "png"
    JPEG = "jpeg"


class PageSource(StrEnum):
    CAMERA = "camera"  # 高拍仪
    SCANNER = "scanner"  # SANE (Linux), WIA (Windows)
    FILE = "file"  # an image or PDF file the clerk chose
    FOLDER = "folder"  # the watched scan-to folder
    FEEDER = "feeder"  # one feeder run split by separator sheets


SOURCE_LABEL: dict[PageSource, str] = {
    PageSource.CAMERA: "高拍仪",
    PageSource.SCANNER: "扫描仪",
    PageSource.FILE: "文件",
    PageSource.FOLDER: "扫描文件夹",
    PageSource.FEEDER: "批量进纸",
}


class CaptureError(Exception):
    """A capture that could not be done; `str()` is the message for the clerk, naming the problem."""


@dataclass(frozen=True)
class CapturedPage:
    data: bytes  # a whole PNG or JPEG file
    format: PageFormat
    width: int  # pixels
    height: int
    dpi: int | None  # as the source reported it; None when it did not
    source: PageSource
    origin: str = ""  # where it came from, for messages: a file name, a device name
