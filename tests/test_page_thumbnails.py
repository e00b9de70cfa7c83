"""Thumbnails of real pages (the project's receipt and certificate rendered at 300 dpi, as a scanner's PNG and
a document camera's JPEG), turned as the clerk turns them, loaded by Qt as the window will; and the on-disk
cache that opens a case's pages the second time without decoding them."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from PIL import Image, ImageChops, ImageDraw

from app.scanning.pages import CaptureError
from app.scanning.thumbnails import Thumbnail, ThumbnailCache, exif_rotation, thumbnail
from tests.test_page_quality import (
    BAD_PAGES,
    Rendered,
    any_page,
    camera_photo,
    jpeg,
    png,
    render_documents,
    scanner_noise,
)

A4_THUMBNAIL = (170, 240)  # 2480×3508 fitted into 240×240


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    return render_documents(tmp_path_factory.mktemp("rendered"))


@pytest.fixture(scope="module")
def receipt_png(rendered: Rendered) -> bytes:
    """The receipt as a 300 dpi colour PNG: made once for the tests that only read it."""
    return png(rendered.receipt)


@pytest.fixture(scope="module")
def certificate_png(rendered: Rendered) -> bytes:
    return png(rendered.certificate)


@pytest.fixture(scope="module")
def photo(rendered: Rendered) -> bytes:
    """The document camera's JPEG of the receipt, made once."""
    return camera_photo(rendered.receipt)


def opened(thumb: Thumbnail) -> Image.Image:
    image = Image.open(io.BytesIO(thumb.png), formats=["PNG"])
    image.load()
    assert image.size == (thumb.width, thumb.height)
    return image


def difference(a: Image.Image, b: Image.Image) -> float:
    """Mean absolute difference per sample, 0–255."""
    assert a.size == b.size
    histogram = ImageChops.difference(a.convert("RGB"), b.convert("RGB")).convert("L").histogram()
    return sum(level * count for level, count in enumerate(histogram)) / (a.width * a.height)


@pytest.fixture(scope="module")
def sources(rendered: Rendered, photo: bytes) -> dict[str, tuple[bytes, Image.Image]]:
    """Each source's file of the receipt and the picture it holds."""
    gray = scanner_noise(rendered.receipt.convert("L"))
    colour = scanner_noise(rendered.receipt)
    return {
        "scanner grey PNG": (png(gray), gray),
        "scanner colour PNG": (png(colour), colour),
        "camera JPEG": (photo, Image.open(io.BytesIO(photo)).convert("RGB")),
    }


@pytest.mark.parametrize("source", ["scanner grey PNG", "scanner colour PNG", "camera JPEG"])
def test_a_page_becomes_a_small_png_of_itself(
    sources: dict[str, tuple[bytes, Image.Image]], source: str
) -> None:
    data, picture = sources[source]
    thumb = thumbnail(data)
    assert (thumb.width, thumb.height) == A4_THUMBNAIL
    image = opened(thumb)
    assert image.mode == ("L" if source == "scanner grey PNG" else "RGB")
    assert len(thumb.png) < 80_000
    assert difference(image, picture.resize(A4_THUMBNAIL, Image.Resampling.LANCZOS)) < 4


def test_qt_loads_the_thumbnail(certificate_png: bytes, qapp: object) -> None:
    from PySide6.QtGui import QImage

    thumb = thumbnail(certificate_png, rotation=90)
    image = QImage.fromData(thumb.png)
    assert not image.isNull()
    assert (image.width(), image.height()) == (thumb.width, thumb.height) == (240, 170)


def marked_page() -> Image.Image:
    """An A4 page at 300 dpi, white but for a black square in its top left corner."""
    page = Image.new("L", (2480, 3508), 255)
    ImageDraw.Draw(page).rectangle((0, 0, 600, 600), fill=0)
    return page


@pytest.mark.parametrize(
    ("rotation", "size", "corner"),
    [
        (0, (170, 240), "top left"),
        (90, (240, 170), "top right"),
        (180, (170, 240), "bottom right"),
        (270, (240, 170), "bottom left"),
    ],
)
def test_rotation_turns_the_page_clockwise(rotation: int, size: tuple[int, int], corner: str) -> None:
    image = opened(thumbnail(png(marked_page()), rotation=rotation))
    assert image.size == size
    w, h = size
    corners = {
        "top left": (5, 5),
        "top right": (w - 6, 5),
        "bottom right": (w - 6, h - 6),
        "bottom left": (5, h - 6),
    }
    for name, xy in corners.items():
        assert image.getpixel(xy) == (0 if name == corner else 255), name


def test_a_turned_thumbnail_is_the_upright_one_turned(receipt_png: bytes) -> None:
    data = receipt_png
    upright = opened(thumbnail(data))
    assert (
        opened(thumbnail(data, rotation=90)).tobytes()
        == upright.transpose(Image.Transpose.ROTATE_270).tobytes()
    )
    assert (
        opened(thumbnail(data, rotation=180)).tobytes()
        == upright.transpose(Image.Transpose.ROTATE_180).tobytes()
    )


def sideways(upright: Image.Image, orientation: int) -> bytes:
    """A camera's JPEG of `upright` as stored by a camera held so that EXIF `orientation` puts it right."""
    stored = {6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270, 3: Image.Transpose.ROTATE_180}
    exif = Image.Exif()
    exif[0x0112] = orientation
    out = io.BytesIO()
    upright.transpose(stored[orientation]).save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


@pytest.mark.parametrize(("orientation", "rotation"), [(6, 90), (8, 270), (3, 180)])
def test_a_camera_jpeg_turned_by_its_exif_rotation_is_upright(
    photo: bytes, orientation: int, rotation: int
) -> None:
    """The thumbnail shows the pixels as stored, as the PDF export draws them; the rotation its EXIF asks
    for, recorded with the page, puts both upright."""
    upright = Image.open(io.BytesIO(photo)).convert("RGB")
    data = sideways(upright, orientation)
    assert exif_rotation(data) == rotation
    as_stored = opened(thumbnail(data))
    assert as_stored.size == (A4_THUMBNAIL if rotation == 180 else A4_THUMBNAIL[::-1])
    turned = opened(thumbnail(data, rotation=exif_rotation(data)))
    assert turned.size == A4_THUMBNAIL
    assert difference(turned, upright.resize(A4_THUMBNAIL, Image.Resampling.LANCZOS)) < 4


def test_a_page_without_exif_orientation_needs_no_rotation(photo: bytes, receipt_png: bytes) -> None:
    assert exif_rotation(photo) == 0
    assert exif_rotation(receipt_png) == 0
    with pytest.raises(CaptureError):
        exif_rotation(b"")


@pytest.mark.parametrize("rotation", [45, -90, 360, 1, 90.0, True])
def test_a_rotation_other_than_quarter_turns_is_refused(rotation: object) -> None:
    with pytest.raises(ValueError, match="rotation must be one of"):
        thumbnail(png(marked_page().reduce(8)), rotation=rotation)  # type: ignore[arg-type]


@pytest.mark.parametrize("box", [0, 15, 2049, 240.0, -240])
def test_a_box_out_of_range_is_refused(box: object) -> None:
    with pytest.raises(ValueError, match="box must be an int"):
        thumbnail(png(marked_page().reduce(8)), box=box)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("data", "message"), [(d, m) for _, d, m in BAD_PAGES], ids=[n for n, _, _ in BAD_PAGES]
)
def test_what_is_not_a_readable_page_is_refused_with_its_reason(data: bytes, message: str) -> None:
    with pytest.raises(CaptureError) as refused:
        thumbnail(data)
    assert str(refused.value) == message


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(data=any_page())
def test_any_image_of_any_size_fits_its_box(data: bytes) -> None:
    with Image.open(io.BytesIO(data)) as original:
        width, height = original.size
    thumb = thumbnail(data, box=100)
    assert 1 <= thumb.width <= 100 and 1 <= thumb.height <= 100
    assert max(thumb.width, thumb.height) == min(100, max(width, height))
    assert opened(thumb).mode in ("L", "RGB")


# -- the cache ---------------------------------------------------------------------------------------


def test_the_cache_keeps_each_thumbnail_and_hands_it_back_without_the_page(
    receipt_png: bytes, tmp_path: Path
) -> None:
    cache = ThumbnailCache(tmp_path / "thumbnails")
    data = receipt_png
    sha256 = hashlib.sha256(data).hexdigest()
    assert cache.get(sha256=sha256) is None
    made = cache.thumbnail(data)
    assert made == thumbnail(data)
    assert cache.get(sha256=sha256) == made  # the page itself is not needed
    kept = cache.path(sha256=sha256, rotation=0, box=240)
    assert kept.read_bytes() == made.png
    assert sorted(p.name for p in kept.parent.iterdir()) == [kept.name]  # no temporary file left

    turned = cache.thumbnail(data, rotation=270, box=120)  # another key, another file
    assert (turned.width, turned.height) == (120, 85)
    assert cache.path(sha256=sha256, rotation=270, box=120).read_bytes() == turned.png
    assert cache.get(sha256=sha256) == made


def test_a_kept_thumbnail_is_served_from_the_disk(certificate_png: bytes, tmp_path: Path) -> None:
    cache = ThumbnailCache(tmp_path)
    data = certificate_png
    cache.thumbnail(data)
    stand_in = io.BytesIO()
    Image.new("L", A4_THUMBNAIL, 0).save(stand_in, "PNG")  # what is on disk is what is handed back
    cache.path(sha256=hashlib.sha256(data).hexdigest(), rotation=0, box=240).write_bytes(stand_in.getvalue())
    assert cache.thumbnail(data).png == stand_in.getvalue()


def bad_thumbnail_files() -> list[tuple[str, bytes]]:
    full = io.BytesIO()
    Image.new("L", A4_THUMBNAIL, 0).save(full, "PNG")
    too_big = io.BytesIO()
    Image.new("L", (300, 300), 0).save(too_big, "PNG")
    return [
        ("empty", b""),
        ("garbage", b"not a png at all"),
        ("cut short", full.getvalue()[:-20]),
        ("a JPEG", jpeg(Image.new("L", A4_THUMBNAIL, 0))),
        ("larger than the box", too_big.getvalue()),
    ]


@pytest.mark.parametrize(
    "bad", [b for _, b in bad_thumbnail_files()], ids=[n for n, _ in bad_thumbnail_files()]
)
def test_a_damaged_kept_thumbnail_is_made_again(certificate_png: bytes, tmp_path: Path, bad: bytes) -> None:
    cache = ThumbnailCache(tmp_path)
    data = certificate_png
    sha256 = hashlib.sha256(data).hexdigest()
    path = cache.path(sha256=sha256, rotation=0, box=240)
    path.parent.mkdir(parents=True)
    path.write_bytes(bad)
    assert cache.get(sha256=sha256) is None
    assert not path.exists()  # dropped
    made = cache.thumbnail(data)
    assert made == thumbnail(data)
    assert path.read_bytes() == made.png


def test_a_cache_that_cannot_be_written_still_gives_the_thumbnail(
    certificate_png: bytes, tmp_path: Path
) -> None:
    blocked = tmp_path / "thumbnails"
    blocked.write_bytes(b"a file where the cache folder should be")
    cache = ThumbnailCache(blocked)
    data = certificate_png
    assert cache.thumbnail(data) == thumbnail(data)
    assert blocked.read_bytes() == b"a file where the cache folder should be"
    assert cache.get(sha256=hashlib.sha256(data).hexdigest()) is None


@pytest.mark.parametrize("sha256", ["../../etc/passwd", "A" * 64, "0" * 63, "g" * 64, ""])
def test_a_key_that_is_not_a_sha256_is_refused(tmp_path: Path, sha256: str) -> None:
    with pytest.raises(ValueError, match="sha256 must be 64 lowercase hex digits"):
        ThumbnailCache(tmp_path).get(sha256=sha256)
