"""A captured page made small: the thumbnail the clerk sees in a material's row, and the reduced grey page
the quality checks (app.scanning.quality) measure.

Only PNG and JPEG are read (what every capture source delivers, app.scanning.pages); anything else, a
damaged file or one too large to hold is refused with a CaptureError naming the problem. Decoding the full
page is the cost, so it is avoided where the format allows: a JPEG is decoded at 1/2, 1/4 or 1/8 of its size
by its own DCT scaling (`Image.draft`); a PNG has no such shortcut (one zlib stream for the whole page), so
it is decoded whole and then reduced by box averaging. Hence what a source should deliver: a 300 dpi A4
scan with a sensor's noise is 12.7 MB as a colour PNG and takes ~0.4 s to inflate, 4 MB and ~0.13 s as a
grey one, against ~30 ms for its thumbnail as a JPEG (quality 90) and ~20 ms as a 1-bit line-art PNG
(tests/bench/thumbnail.py).

A thumbnail is a PNG (the Qt side loads it with QImage.fromData), fitted into a square box after the
page's recorded rotation (clockwise, as the clerk turned it on screen): the pixels as stored, turned as
the case's PDF export turns them (app.scanning.export), so the clerk sees what the back office will. A
camera's EXIF orientation is therefore not applied here: `exif_rotation` says which rotation to record
when the page is captured, and both then show it upright. The `ThumbnailCache` keeps thumbnails on disk
by the page's SHA-256, so a case with 40 pages opens without decoding any page the second time.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from app.atomic import write_atomic
from app.scanning.pages import CaptureError
from app.scanning.pixels import on_white

log = logging.getLogger("clerk.scanning")

ROTATIONS = (0, 90, 180, 270)  # clockwise degrees, as the clerk turns a page
BOX_RANGE = (16, 2048)  # pixels; a thumbnail is for a row or a preview, never a full page
DEFAULT_BOX = 240
# Larger pages are refused rather than decoded: 80 million pixels is an A3 sheet at 600 dpi (70 million)
# with room to spare, and 240 MB once decoded in colour. Pillow itself warns from 89 million.
MAX_PAGE_PIXELS = 80_000_000
# Downscaling: reduce() (box averaging by an integer factor, fast) down to this many times the final size,
# then a Lanczos resample for the last step (sharp text without aliasing). 1.5 rather than Pillow's 2: a
# quarter of the Lanczos cost, and a JPEG decoded at 1/8 instead of 1/4; within 1.5 levels of 255 of a
# Lanczos over the whole way.
REDUCING_GAP = 1.5
# zlib level of a thumbnail's PNG: level 1 writes a 170×240 colour thumbnail in a third of the time of
# Pillow's default 6, for a file a few per cent larger.
THUMBNAIL_COMPRESSION = 1

_MAGIC: tuple[tuple[bytes, str], ...] = (  # formats that are not a page's, named in the refusal
    (b"%PDF", "PDF 文件（请用“导入 PDF”）"),
    (b"GIF8", "GIF 图像"),
    (b"II*\x00", "TIFF 图像"),
    (b"MM\x00*", "TIFF 图像"),
    (b"BM", "BMP 图像"),
    (b"RIFF", "WebP 或其他 RIFF 文件"),
)
_FORMAT_SHOWN = {"PNG": "PNG", "JPEG": "JPEG"}
# What Pillow raises on a damaged or hostile file (its plugins use all of these).
_DAMAGED = (OSError, SyntaxError, ValueError, EOFError, struct.error, zlib.error, IndexError)
# EXIF orientation (tag 0x0112) → the clockwise rotation that shows the picture upright; the mirrored
# orientations (2, 4, 5, 7: no camera writes them) have none.
_EXIF_ROTATION: dict[int, int] = {1: 0, 3: 180, 6: 90, 8: 270}
_CLOCKWISE: dict[int, Image.Transpose | None] = {
    0: None,
    90: Image.Transpose.ROTATE_270,  # Pillow turns counter-clockwise
    180: Image.Transpose.ROTATE_180,
    270: Image.Transpose.ROTATE_90,
}
_EXIF_ORIENTATION = 0x0112
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Thumbnail:
    png: bytes  # a whole PNG file
    width: int
    height: int


def open_page(data: bytes) -> Image.Image:
    """The page's image, opened but not decoded (decoding is `_decoded`'s, after a JPEG's draft), checked
    to be a PNG or a JPEG of a size that can be held."""
    if not data:
        raise CaptureError("图像文件为空（0 字节）")
    if not (data.startswith(b"\x89PNG\r\n\x1a\n") or data.startswith(b"\xff\xd8\xff")):
        for magic, shown in _MAGIC:
            if data.startswith(magic):
                raise CaptureError(f"这是{shown}，不是页面图像：页面只能是 PNG 或 JPEG")
        raise CaptureError("无法识别的图像文件：不是 PNG 也不是 JPEG")
    kind = "PNG" if data.startswith(b"\x89PNG") else "JPEG"
    try:
        image = Image.open(io.BytesIO(data), formats=[kind])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise CaptureError(f"{kind} 图像过大，超过 {MAX_PAGE_PIXELS // 10_000} 万像素的上限") from error
    except _DAMAGED as error:
        log.info("unreadable %s page: %s", kind, error)
        raise CaptureError(f"{kind} 图像已损坏或不完整，无法读取") from error
    width, height = image.size
    if width < 1 or height < 1:
        raise CaptureError(f"{kind} 图像没有像素（{width}×{height}）")
    if width * height > MAX_PAGE_PIXELS:
        raise CaptureError(
            f"{kind} 图像过大（{width}×{height} 像素），超过 {MAX_PAGE_PIXELS // 10_000} 万像素的上限"
        )
    return image


def _decoded(image: Image.Image) -> Image.Image:
    kind = _FORMAT_SHOWN.get(image.format or "", "图像")
    try:
        image.load()
    except _DAMAGED as error:
        log.info("undecodable %s page: %s", kind, error)
        raise CaptureError(f"{kind} 图像已损坏或不完整，无法读取") from error
    return image


def _fitted(size: tuple[int, int], box: int) -> tuple[int, int]:
    width, height = size
    scale = min(1.0, box / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def reduced(data: bytes, *, long_side: int, gray: bool) -> Image.Image:
    """The page at most `long_side` pixels on its longer side ("L" if `gray`, else "L" or "RGB"), reduced by
    box averaging (a scanner's noise averages out; nothing is sharpened). Never enlarged."""
    image = open_page(data)
    size = _fitted(image.size, long_side)
    if image.format == "JPEG":
        image.draft("L" if gray else None, size)
    image = on_white(_decoded(image), gray=gray)
    if image.size != size:
        image = image.resize(size, Image.Resampling.BOX, reducing_gap=1.0)
    return image


def _check_rotation(rotation: int) -> None:
    if type(rotation) is not int or rotation not in ROTATIONS:
        raise ValueError(f"rotation must be one of {ROTATIONS} (clockwise degrees), not {rotation!r}")


def _check_box(box: int) -> None:
    if type(box) is not int or not BOX_RANGE[0] <= box <= BOX_RANGE[1]:
        raise ValueError(f"box must be an int in {BOX_RANGE[0]}..{BOX_RANGE[1]} pixels, not {box!r}")


def thumbnail(data: bytes, *, rotation: int = 0, box: int = DEFAULT_BOX) -> Thumbnail:
    """The page fitted into box×box pixels and turned `rotation` degrees clockwise; grey pages stay grey.
    Never enlarged."""
    _check_rotation(rotation)
    _check_box(box)
    image = open_page(data)
    size = _fitted(image.size, box)
    if image.format == "JPEG":
        image.draft(None, (round(size[0] * REDUCING_GAP), round(size[1] * REDUCING_GAP)))
    image = on_white(_decoded(image), gray=False)
    if image.size != size:
        image = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=REDUCING_GAP)
    turn = _CLOCKWISE[rotation]
    if turn is not None:
        image = image.transpose(turn)
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=THUMBNAIL_COMPRESSION)
    return Thumbnail(out.getvalue(), image.width, image.height)


def exif_rotation(data: bytes) -> int:
    """The clockwise rotation (0, 90, 180, 270) that shows a camera's JPEG upright, as its EXIF orientation
    says; 0 when it has none, a mirrored one, or one that cannot be read, and for a PNG (whose EXIF may
    follow the pixels: reading it would decode the whole page)."""
    image = open_page(data)
    if image.format != "JPEG":
        return 0
    try:
        orientation = image.getexif().get(_EXIF_ORIENTATION, 1)
    except _DAMAGED:
        return 0
    return _EXIF_ROTATION.get(orientation, 0) if isinstance(orientation, int) else 0


class ThumbnailCache:
    """Thumbnails kept on disk, one PNG per (page SHA-256, rotation, box), written atomically. A cache file
    that does not read back as such a PNG is dropped and made again; a cache that cannot be written (disk
    full, folder gone) costs only speed: the thumbnail is still returned."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def path(self, *, sha256: str, rotation: int, box: int) -> Path:
        if not _SHA256.match(sha256):
            raise ValueError(f"sha256 must be 64 lowercase hex digits, not {sha256!r}")
        _check_rotation(rotation)
        _check_box(box)
        return self.folder / sha256[:2] / f"{sha256}-r{rotation}-{box}.png"

    def get(self, *, sha256: str, rotation: int = 0, box: int = DEFAULT_BOX) -> Thumbnail | None:
        """The kept thumbnail of the page with this SHA-256 (as the page store names it), or None."""
        path = self.path(sha256=sha256, rotation=rotation, box=box)
        try:
            png = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            log.warning("thumbnail cache: cannot read %s: %s", path, error)
            return None
        try:
            with Image.open(io.BytesIO(png), formats=["PNG"]) as image:
                image.verify()  # every chunk's CRC, through to the end: a file cut short is caught
            with Image.open(io.BytesIO(png), formats=["PNG"]) as image:
                image.load()  # and the pixels inflate
                width, height = image.size
        except _DAMAGED as error:
            log.warning("thumbnail cache: dropping damaged %s: %s", path, error)
            path.unlink(missing_ok=True)
            return None
        if max(width, height) > box:
            log.warning("thumbnail cache: dropping %s, %d×%d does not fit %d", path, width, height, box)
            path.unlink(missing_ok=True)
            return None
        return Thumbnail(png, width, height)

    def thumbnail(self, data: bytes, *, rotation: int = 0, box: int = DEFAULT_BOX) -> Thumbnail:
        """The page's thumbnail, from the cache if kept there, else made and kept."""
        sha256 = hashlib.sha256(data).hexdigest()
        kept = self.get(sha256=sha256, rotation=rotation, box=box)
        if kept is not None:
            return kept
        made = thumbnail(data, rotation=rotation, box=box)
        path = self.path(sha256=sha256, rotation=rotation, box=box)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, made.png)
        except OSError as error:
            log.warning("thumbnail cache: not kept: %s", error)
        return made
