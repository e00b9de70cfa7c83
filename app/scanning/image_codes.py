"""QR codes and barcodes read from a captured page or an image file (zxing-cpp), so that a code on paper held
up to the document camera, or on a scanned page, goes where a handheld scan of it goes
(app.scanning.routing).

Two passes, measured (medians, a shared 2-core machine) on a 300 dpi A4 page (2481 × 3508) of the project's
own certificate:

1. The formats the project prints (QR code: receipts, notices, certificates, separator sheets; Code 128:
   case numbers, separator sheets) at full resolution, zxing's own downscaling on: ~45 ms; full resolution
   is needed — a receipt's 0.3 mm Code 128 is lost at half resolution (1.8 pixels a module at 150 dpi).
2. Every other readable format (what an e-licence or another office prints: Data Matrix, PDF417, Aztec,
   and the linear codes, read so the clerk sees what it was) on a copy reduced to at most
   `OTHER_FORMATS_LONG_SIDE` pixels: ~40 ms, against ~175 ms at full resolution.

Together ~75–90 ms a page, where one all-format pass at full resolution takes ~170–210 ms. A camera frame
(1920 × 1080, or a 150 dpi photo of a page: ~45 ms in all) is not reduced at all. A picture larger than
`MAX_DECODE_PIXELS` is reduced before the first pass too (pass 1 alone costs ~190 ms at 4000 × 5657).
"""

from __future__ import annotations

import io
import logging
import warnings
from dataclasses import dataclass

import zxingcpp
from PIL import Image, UnidentifiedImageError

from app.scanning.pages import CaptureError
from app.scanning.pixels import on_white

log = logging.getLogger("clerk.scanning")

_F = zxingcpp.BarcodeFormat
PROJECT_FORMATS: tuple[zxingcpp.BarcodeFormat, ...] = (_F.QRCode, _F.Code128)
OTHER_FORMATS: tuple[zxingcpp.BarcodeFormat, ...] = (
    _F.MicroQRCode,
    _F.RMQRCode,
    _F.DataMatrix,
    _F.PDF417,
    _F.Aztec,
    _F.MaxiCode,
    _F.Code39,
    _F.Code93,
    _F.Codabar,
    _F.EAN13,
    _F.EAN8,
    _F.UPCA,
    _F.UPCE,
    _F.ITF,
    _F.DataBar,
    _F.DataBarExp,
    _F.DataBarLtd,
)
OTHER_FORMATS_LONG_SIDE = 2000  # pixels: about 170 dpi on A4
MAX_DECODE_PIXELS = 12_000_000  # a 300 dpi A3 page is 17.4 M; a 12 MP camera frame fits

QR_CODE = str(_F.QRCode)  # "QR Code": FoundCode.format of the project's QR codes
CODE_128 = str(_F.Code128)  # "Code 128"


@dataclass(frozen=True)
class Point:
    x: int
    y: int


@dataclass(frozen=True)
class FoundCode:
    format: str  # zxing-cpp's name of the symbology: "QR Code", "Code 128", "EAN-13", "Data Matrix" …
    text: str
    # The symbol's corners in the image's pixels, as the symbol is oriented: its top left, top right, bottom
    # right and bottom left (a code upside down on the page has its top left at the page's bottom right).
    position: tuple[Point, Point, Point, Point]


def open_page_image(data: bytes, *, what: str = "图像") -> Image.Image:
    """The page's picture, decoded once and in memory; CaptureError naming `what` when the bytes are not a
    readable image (corrupt, cut short, another kind of file) or are too large to decode safely."""
    if not data:
        raise CaptureError(f"{what}为空（0 字节），无法读取")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise CaptureError(f"{what}像素过多，超出可处理的大小，请降低扫描分辨率后重试") from None
    except UnidentifiedImageError:
        raise CaptureError(f"{what}不是可识别的图片格式（应为 PNG 或 JPEG），文件可能已损坏") from None
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        log.info("unreadable picture (%d bytes): %s", len(data), error)
        raise CaptureError(f"{what}已损坏或不完整，无法读取，请重新扫描或拍摄") from None
    return image


def gray(image: Image.Image) -> Image.Image:
    """8-bit grayscale, what zxing and the separator band check read (app.scanning.pixels)."""
    return on_white(image, gray=True)


def reduced(image: Image.Image, *, long_side: int) -> tuple[Image.Image, int]:
    """`image` shrunk by a whole factor (box averaging: fast, no ringing) until its long side is at most
    `long_side`, and the factor."""
    factor = max(1, -(-max(image.size) // long_side))
    return (image, 1) if factor == 1 else (image.reduce(factor), factor)


def read_codes(
    image: Image.Image,
    *,
    formats: tuple[zxingcpp.BarcodeFormat, ...],
    scale: int = 1,
    try_downscale: bool = True,
    try_invert: bool = True,
) -> list[FoundCode]:
    """One zxing pass over a grayscale image; positions multiplied by `scale` (the factor it was reduced
    by) so they are the original picture's pixels."""
    found: list[FoundCode] = []
    for barcode in zxingcpp.read_barcodes(
        image,
        formats=zxingcpp.BarcodeFormats(list(formats)),
        try_downscale=try_downscale,
        try_invert=try_invert,
    ):
        corners = barcode.position
        points = (corners.top_left, corners.top_right, corners.bottom_right, corners.bottom_left)
        tl, tr, br, bl = (Point(p.x * scale, p.y * scale) for p in points)
        found.append(FoundCode(str(barcode.format), barcode.text, (tl, tr, br, bl)))
    return found


def codes_in_image(data: bytes | Image.Image) -> list[FoundCode]:
    """Every code found in a page or a photo: the project's own formats first, then the others (see the
    module docstring). Raw bytes are decoded here (CaptureError when they are not a readable image)."""
    image = gray(open_page_image(data) if isinstance(data, bytes) else data)
    whole, whole_scale = reduced(image, long_side=_long_side_for(image, MAX_DECODE_PIXELS))
    found = read_codes(whole, formats=PROJECT_FORMATS, scale=whole_scale)
    small, small_scale = reduced(image, long_side=OTHER_FORMATS_LONG_SIDE)
    for code in read_codes(small, formats=OTHER_FORMATS, scale=small_scale, try_invert=False):
        if code not in found:
            found.append(code)
    return found


def _long_side_for(image: Image.Image, max_pixels: int) -> int:
    """The long side at which the image has at most `max_pixels` pixels."""
    width, height = image.size
    if width * height <= max_pixels:
        return max(width, height)
    return int(max(width, height) * (max_pixels / (width * height)) ** 0.5)
