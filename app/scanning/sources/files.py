"""Pages imported from a file the clerk chose (or the scan-to folder delivered): PNG, JPEG, TIFF (every
page), BMP, and PDF.

What is kept: a JPEG as it is (no second loss), unless it must be turned upright (a photo's EXIF rotation)
or is CMYK, then re-encoded once; a PNG as it is; a TIFF or BMP page as PNG. A PDF page is rendered by
PDFium at 200 dpi: the archival minimum (DA/T 31) and the scanners' default here, sharp enough for text
and for the separator sheets' Code 128 and the QR codes to decode, at under half the pixels of 300 dpi.
A rendered page is made gray when it has no colour, and kept as PNG (a text page: crisp and small) unless
its PNG is large and a JPEG (quality 90) is smaller (a scanned photo page).

A file gives all its pages or none: a corrupt, truncated, encrypted or oversized file, an unknown kind, an
empty or missing file is a CaptureError naming the file and the problem, and no page of it is returned.
The file's kind is told by its content, not by its name.
"""

from __future__ import annotations

import io
import logging
import threading
import warnings
from pathlib import Path

import pypdfium2
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageChops, ImageOps, UnidentifiedImageError

from app.scanning.pages import CapturedPage, CaptureError, PageFormat, PageSource
from app.scanning.sources.page_image import dpi_of, jpeg_page, plain_image, png_page

log = logging.getLogger("clerk.scanning")

MAX_FILE_MB = 200
MAX_FILE_BYTES = MAX_FILE_MB * 1024 * 1024
MAX_PDF_PAGES = 500
PDF_DPI = 200
# Pillow's own bound for an image that is not a decompression bomb (~89 million pixels: an A3 page at
# 600 dpi fits); a page above it is refused whatever kind of file holds it.
MAX_PAGE_PIXELS = int(Image.MAX_IMAGE_PIXELS or 89_478_485)
IMAGE_FORMATS = ("PNG", "JPEG", "TIFF", "BMP")
IMAGE_SIGNATURES = (b"\x89PNG", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"BM")
# A rendered PDF page whose PNG is above this is tried as JPEG too, and the smaller kept.
PNG_TRY_JPEG_BYTES = 512 * 1024
EXIF_ORIENTATION = 0x0112

# PDFium is not thread-safe: every call into it in this process goes through this lock.
PDFIUM_LOCK = threading.Lock()

SUPPORTED = "支持 PNG、JPEG、TIFF、BMP 图片和 PDF 文件"


def _refuse(name: str, problem: str) -> CaptureError:
    return CaptureError(f"无法导入“{name}”：{problem}")


def import_file(path: Path, *, source: PageSource = PageSource.FILE) -> list[CapturedPage]:
    """Every page of the file, or CaptureError."""
    name = path.name
    try:
        size = path.stat().st_size
        is_file = path.is_file()
    except FileNotFoundError:
        raise _refuse(name, "文件不存在") from None
    except OSError as error:
        raise _refuse(name, f"无法读取文件信息（{error.strerror or error}）") from error
    if not is_file:
        raise _refuse(name, "这不是文件")
    if size > MAX_FILE_BYTES:
        raise _refuse(name, f"文件过大（{size / 1024 / 1024:.0f} MB，上限 {MAX_FILE_MB} MB）")
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise _refuse(name, "文件不存在") from None
    except PermissionError:
        raise _refuse(name, "没有读取权限") from None
    except OSError as error:
        raise _refuse(name, f"读取失败（{error.strerror or error}）") from error
    if len(data) > MAX_FILE_BYTES:
        raise _refuse(name, f"文件过大（上限 {MAX_FILE_MB} MB）")
    return read_pages(data, name=name, source=source)


def read_pages(data: bytes, *, name: str, source: PageSource, dpi: int | None = None) -> list[CapturedPage]:
    """Every page in a file's bytes, or CaptureError. `dpi` is what the source knows when the file does
    not say (a scanner's transfer)."""
    if not data:
        raise _refuse(name, "文件是空的（0 字节）")
    if len(data) > MAX_FILE_BYTES:
        raise _refuse(name, f"文件过大（上限 {MAX_FILE_MB} MB）")
    if not data.startswith(IMAGE_SIGNATURES) and b"%PDF-" in data[:1024]:  # a PDF may have a preamble
        return _pdf_pages(data, name=name, source=source)
    return _image_pages(data, name=name, source=source, dpi=dpi)


def _image_pages(data: bytes, *, name: str, source: PageSource, dpi: int | None) -> list[CapturedPage]:
    with warnings.catch_warnings():
        # A decoded file's own complaints (odd EXIF …) are not the clerk's; a bomb is refused.
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=IMAGE_FORMATS) as image:
                return _decoded_pages(image, data, name=name, source=source, dpi=dpi)
        except UnidentifiedImageError:
            raise _refuse(name, f"不是可导入的图片或 PDF 文件（{SUPPORTED}）") from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _refuse(name, f"图片尺寸过大（超过 {MAX_PAGE_PIXELS // 1_000_000} 百万像素）") from None
        except MemoryError:
            raise _refuse(name, "图片太大，内存不足") from None
        except CaptureError:
            raise
        except Exception as error:  # what a damaged file makes Pillow raise is open-ended
            log.info("image %s not decoded: %r", name, error)
            raise _refuse(name, "图片文件已损坏或不完整") from error


def _decoded_pages(
    image: Image.Image, data: bytes, *, name: str, source: PageSource, dpi: int | None
) -> list[CapturedPage]:
    kind = image.format
    frames = getattr(image, "n_frames", 1) if kind == "TIFF" else 1
    pages: list[CapturedPage] = []
    for index in range(frames):
        image.seek(index)
        if image.width * image.height > MAX_PAGE_PIXELS:
            raise _refuse(name, f"第 {index + 1} 页图片尺寸过大（{image.width}×{image.height} 像素）")
        image.load()
        page_dpi = dpi_of(image) or dpi
        width, height = image.size
        if kind == "PNG":
            pages.append(CapturedPage(data, PageFormat.PNG, width, height, page_dpi, source, name))
        elif kind == "JPEG" and image.mode in ("L", "RGB") and _upright(image):
            pages.append(CapturedPage(data, PageFormat.JPEG, width, height, page_dpi, source, name))
        elif kind == "JPEG":
            turned = ImageOps.exif_transpose(image)
            pages.append(jpeg_page(turned, dpi=page_dpi, source=source, origin=name))
        else:
            frame = ImageOps.exif_transpose(plain_image(image.copy()))
            pages.append(png_page(frame, dpi=page_dpi, source=source, origin=name))
    return pages


def _upright(image: Image.Image) -> bool:
    """No rotation asked for; a damaged EXIF block asks for none (the picture itself decoded)."""
    try:
        orientation: object = image.getexif().get(EXIF_ORIENTATION, 1)
    except Exception:  # what a damaged EXIF block makes Pillow raise is open-ended
        return True
    return orientation == 1


def _pdf_pages(data: bytes, *, name: str, source: PageSource) -> list[CapturedPage]:
    if b"%%EOF" not in data[-1024:]:
        raise _refuse(name, "PDF 文件不完整（可能没有下载或复制完）")
    with PDFIUM_LOCK:
        try:
            document = pypdfium2.PdfDocument(data)
        except pypdfium2.PdfiumError as error:
            if error.err_code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
                raise _refuse(name, "PDF 已加密（需要密码），请导入未加密的文件") from None
            raise _refuse(name, "PDF 文件已损坏，无法打开") from error
    try:
        with PDFIUM_LOCK:
            count = len(document)
        if count == 0:
            raise _refuse(name, "PDF 中没有页面")
        if count > MAX_PDF_PAGES:
            raise _refuse(name, f"PDF 页数过多（{count} 页，上限 {MAX_PDF_PAGES} 页）")
        return [_pdf_page(document, index, name=name, source=source) for index in range(count)]
    except pypdfium2.PdfiumError as error:
        raise _refuse(name, "PDF 文件已损坏，无法显示其页面") from error
    finally:
        with PDFIUM_LOCK:
            document.close()


def _pdf_page(document: pypdfium2.PdfDocument, index: int, *, name: str, source: PageSource) -> CapturedPage:
    """One page rendered (the lock held for PDFium's part only) and encoded."""
    with PDFIUM_LOCK:
        page = document[index]
        try:
            width_pt, height_pt = page.get_size()
            scale = PDF_DPI / 72
            if width_pt * scale * height_pt * scale > MAX_PAGE_PIXELS:
                raise _refuse(
                    name,
                    f"PDF 第 {index + 1} 页尺寸过大（{width_pt / 72 * 25.4:.0f}×"
                    f"{height_pt / 72 * 25.4:.0f} 毫米）",
                )
            bitmap = page.render(scale=scale)
            try:
                image = bitmap.to_pil().convert("RGB")  # a copy: PDFium's buffer is freed below
            finally:
                bitmap.close()
        finally:
            page.close()
    if _is_gray(image):
        image = image.convert("L")
    as_png = png_page(image, dpi=PDF_DPI, source=source, origin=name)
    if len(as_png.data) <= PNG_TRY_JPEG_BYTES:
        return as_png
    as_jpeg = jpeg_page(image, dpi=PDF_DPI, source=source, origin=name)
    return as_jpeg if len(as_jpeg.data) < len(as_png.data) else as_png


def _is_gray(image: Image.Image) -> bool:
    red, green, blue = image.split()
    pairs = ((red, green), (green, blue))
    return all(ImageChops.difference(one, other).getbbox() is None for one, other in pairs)
