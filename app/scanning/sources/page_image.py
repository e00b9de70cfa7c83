"""A decoded image made into the bytes a CapturedPage keeps: a PNG (1-bit, gray or colour as the image is)
or a JPEG, with the resolution written into the file as well as beside it."""

from __future__ import annotations

import io

from PIL import Image

from app.scanning.pages import CapturedPage, PageFormat, PageSource
from app.scanning.pixels import eight_bit

JPEG_QUALITY = 90
# A resolution outside this is a wrong header (a JFIF aspect ratio read as dpi), not a page's.
PLAUSIBLE_DPI = range(20, 10_001)


def plain_image(image: Image.Image) -> Image.Image:
    """The image in a mode a page keeps: 1-bit, gray or RGB (alpha and palettes kept as PNG has them).
    16-bit gray is scaled, not clipped: clipping turns a 16-bit scan white."""
    if image.mode in ("1", "L", "RGB", "RGBA", "LA", "P"):
        return image
    if image.mode.startswith("I") or image.mode == "F":
        return eight_bit(image)
    return image.convert("RGB")  # CMYK, YCbCr, LAB …


def dpi_of(image: Image.Image) -> int | None:
    dpi = image.info.get("dpi")
    if not dpi:
        return None
    value = round(float(dpi[0]))
    return value if value in PLAUSIBLE_DPI else None


def png_page(image: Image.Image, *, dpi: int | None, source: PageSource, origin: str) -> CapturedPage:
    image = plain_image(image)
    buffer = io.BytesIO()
    if dpi is not None:
        image.save(buffer, "PNG", dpi=(dpi, dpi))
    else:
        image.save(buffer, "PNG")
    return CapturedPage(buffer.getvalue(), PageFormat.PNG, image.width, image.height, dpi, source, origin)


def jpeg_page(image: Image.Image, *, dpi: int | None, source: PageSource, origin: str) -> CapturedPage:
    if image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    buffer = io.BytesIO()
    if dpi is not None:
        image.save(buffer, "JPEG", quality=JPEG_QUALITY, dpi=(dpi, dpi))
    else:
        image.save(buffer, "JPEG", quality=JPEG_QUALITY)
    return CapturedPage(buffer.getvalue(), PageFormat.JPEG, image.width, image.height, dpi, source, origin)


def scanned_page(image: Image.Image, *, dpi: int | None, source: PageSource, origin: str) -> CapturedPage:
    """A scanner's page: black and white as a 1-bit PNG (small and exact); gray and colour as a JPEG at
    quality 90. A 300 dpi A4 page as PNG takes 140–410 ms only to decode, before its thumbnail or check
    (tests/bench/thumbnail.py); as JPEG it decodes reduced (DCT scaling) well within the 150 ms budget, and
    the separator sheets' codes read from it as well (tests/test_feeder_split.py)."""
    image = plain_image(image)
    if image.mode == "1":
        return png_page(image, dpi=dpi, source=source, origin=origin)
    return jpeg_page(image, dpi=dpi, source=source, origin=origin)
