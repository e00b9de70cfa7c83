"""Page quality checks on real pages: the project's own documents printed to PDF and rendered at 300 dpi (as
a scanner delivers them, grey or colour PNG, and as a document camera does, a JPEG in uneven light), then
blurred, darkened, emptied; a blank sheet as a scanner sees one; a page holding one short line."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops, ImageDraw, ImageEnhance, ImageFilter, ImageOps
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from app.clock import fixed_clock
from app.documents.content import DocumentKind
from app.documents.fonts import font_chain
from app.documents.layout import Layout
from app.intake import parse_request
from app.scanning.pages import CaptureError
from app.scanning.quality import (
    BLANK_INK_SHARE,
    BLURRED_SHARPNESS,
    PageQuality,
    WarningCode,
    check_page,
    count_warning,
)
from tests.conftest import DEFAULT_NOW
from tests.helpers import COMPANY, PLANNING, PLANNING_FIELDS, open_demo_workspace, request_json
from tests.page_fixtures import png_claiming

DPI = 300
A4_PIXELS = (2480, 3508)  # 300 dpi


@dataclass(frozen=True)
class Rendered:
    """The project's documents at 300 dpi, colour, as pdfium draws them."""

    receipt: Image.Image
    certificate: Image.Image


def render_page(pdf: bytes, *, dpi: int = DPI) -> Image.Image:
    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        try:
            return page.render(scale=dpi / 72).to_pil().convert("RGB")
        finally:
            page.close()
    finally:
        document.close()


def render_documents(folder: Path) -> Rendered:
    """A receipt and a certificate of an accepted, approved case of a demo window, printed and rendered."""
    home = folder / "home"
    home.mkdir()
    workspace = open_demo_workspace(home, clock=fixed_clock(DEFAULT_NOW), secrets_in_file=True)
    try:
        counter = workspace.counter("demo")
        planning = workspace.catalog.item(PLANNING)
        assert planning is not None
        number = workspace.acceptance.accept(
            parse_request(request_json(planning, applicant=COMPANY)), counter=counter
        )
        workspace.certificates.approve(number, approver=counter, fields=PLANNING_FIELDS)
        pages = {
            kind: render_page(
                workspace.documents.prepare(kind, number, counter=counter, layout=Layout.A4).pdf
            )
            for kind in (DocumentKind.RECEIPT, DocumentKind.CERTIFICATE)
        }
    finally:
        workspace.close()
    return Rendered(pages[DocumentKind.RECEIPT], pages[DocumentKind.CERTIFICATE])


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    return render_documents(tmp_path_factory.mktemp("rendered"))


# -- pages as the sources deliver them ---------------------------------------------------------------


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1)
    return out.getvalue()


def jpeg(image: Image.Image, *, quality: int = 85) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def scanner_noise(image: Image.Image, *, sigma: float = 3.0) -> Image.Image:
    """A sensor's noise, band by band (Gaussian, `sigma` levels of 255)."""
    bands = [
        ImageChops.add(band, Image.effect_noise(image.size, sigma), offset=-128) for band in image.split()
    ]
    return Image.merge(image.mode, bands)


def camera_photo(page: Image.Image, *, focus_blur: float = 0.7) -> bytes:
    """A document camera's JPEG of a page: lit from one side (a lamp at the top left, the far corner at 55 %),
    a warm cast, its lens's softness, sensor noise."""
    light = Image.linear_gradient("L").rotate(-35, fillcolor=0).resize(page.size)
    light = light.point(lambda level: 255 - level * 0.45)
    tint = Image.merge(
        "RGB", [light, light.point(lambda level: level * 0.96), light.point(lambda v: v * 0.88)]
    )
    lit = ImageChops.multiply(page.convert("RGB").filter(ImageFilter.GaussianBlur(focus_blur)), tint)
    return jpeg(scanner_noise(lit, sigma=4), quality=85)


def blank_sheet(reverse: Image.Image) -> Image.Image:
    """A blank sheet as a scanner sees it: off-white paper with noise, the lid's shadow along two edges,
    two punched holes at the binding edge (12 mm in), dust, and the print on the reverse showing through."""
    width, height = A4_PIXELS
    showing = ImageOps.mirror(reverse.convert("L").resize(A4_PIXELS))
    showing = showing.point(lambda level: 255 - (255 - level) * 0.12).filter(ImageFilter.GaussianBlur(2))
    sheet = ImageChops.multiply(Image.new("L", A4_PIXELS, 238), showing)
    draw = ImageDraw.Draw(sheet)
    draw.rectangle((0, 0, width - 1, 45), fill=95)  # lid shadow
    draw.rectangle((0, 0, 30, height - 1), fill=125)
    hole = 6 * DPI / 25.4 / 2
    for y in (height / 2 - 40 * DPI / 25.4, height / 2 + 40 * DPI / 25.4):
        x = 12 * DPI / 25.4
        draw.ellipse((x - hole, y - hole, x + hole, y + hole), fill=35)
    for n in range(40):  # dust
        x, y = (n * 7919) % width, (n * 104729) % height
        draw.ellipse((x, y, x + 4, y + 4), fill=140)
    return scanner_noise(sheet)


def one_line_page() -> Image.Image:
    """A page holding only "此页无正文" in 12 pt (as a 公文's signature page does), rendered at 300 dpi."""
    chain = font_chain()
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    pdf.setFont(chain.primary, 12)
    pdf.drawString(200, 420, "此页无正文")
    pdf.showPage()
    pdf.save()
    return render_page(out.getvalue()).convert("L")


# -- clean pages -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "document"), [("L", "receipt"), ("L", "certificate"), ("RGB", "certificate")]
)  # in colour once: the three bands are read as one page, like the gray ones
def test_a_scanned_document_is_clean(rendered: Rendered, document: str, mode: str) -> None:
    page: Image.Image = getattr(rendered, document)
    quality = check_page(png(scanner_noise(page.convert(mode))))
    assert quality.warnings == ()
    assert quality.paper_luminance > 0.95
    assert quality.ink_share > 0.02
    assert quality.sharpness is not None and quality.sharpness > 2 * BLURRED_SHARPNESS


def test_a_camera_photo_in_uneven_light_is_clean(rendered: Rendered) -> None:
    photo = camera_photo(rendered.receipt)
    quality = check_page(photo)
    assert quality.warnings == ()
    scanned = check_page(png(rendered.receipt))
    assert quality.mean_luminance < scanned.mean_luminance - 0.15  # the light really was uneven
    assert quality.ink_share == pytest.approx(scanned.ink_share, rel=0.25)  # shade is not ink


def test_a_page_with_one_short_line_is_neither_blank_nor_blurred() -> None:
    quality = check_page(png(scanner_noise(one_line_page())))
    assert quality.warnings == ()
    assert BLANK_INK_SHARE < quality.ink_share < 0.002  # sparse indeed
    assert quality.sharpness is not None and quality.sharpness > 2 * BLURRED_SHARPNESS


# -- pages to retake ---------------------------------------------------------------------------------


def test_a_blurred_scan_is_blurred(rendered: Rendered) -> None:
    quality = check_page(
        png(scanner_noise(rendered.receipt.convert("L").filter(ImageFilter.GaussianBlur(4))))
    )
    assert quality.codes == (WarningCode.BLURRED,)
    assert quality.sharpness is not None
    assert quality.warnings[0].message.startswith(f"页面模糊：文字清晰度 {quality.sharpness * 100:.0f}（")


def test_a_camera_photo_out_of_focus_is_blurred(rendered: Rendered) -> None:
    quality = check_page(camera_photo(rendered.certificate, focus_blur=4))
    assert quality.codes == (WarningCode.BLURRED,)


def test_a_darkened_page_is_too_dark(rendered: Rendered) -> None:
    quality = check_page(png(ImageEnhance.Brightness(rendered.receipt).enhance(0.15)))
    assert quality.codes == (WarningCode.TOO_DARK,)
    assert quality.warnings[0].message.startswith("页面过暗：纸面亮度仅 15%")
    assert quality.mean_luminance < 0.2


def test_a_photo_with_the_lid_closed_is_too_dark_not_blank() -> None:
    dark = scanner_noise(Image.new("RGB", (3264, 2448), (14, 12, 10)), sigma=5)
    assert check_page(jpeg(dark)).codes == (WarningCode.TOO_DARK,)


def test_a_blank_sheet_is_blank(rendered: Rendered) -> None:
    quality = check_page(png(blank_sheet(reverse=rendered.receipt)))
    assert quality.codes == (WarningCode.BLANK,)
    assert quality.ink_share < BLANK_INK_SHARE
    assert quality.warnings[0].message == (
        f"疑似空白页：有字迹的面积仅占 {quality.ink_share * 100:.3f}%，请确认是否为空白页或背面"
    )


# -- what is not a page ------------------------------------------------------------------------------


def small_page() -> Image.Image:
    return Image.new("L", (300, 424), 250)


BAD_PAGES: list[tuple[str, bytes, str]] = [
    ("empty", b"", "图像文件为空（0 字节）"),
    ("text", "办件编号 SZX0103".encode(), "无法识别的图像文件：不是 PNG 也不是 JPEG"),
    (
        "pdf",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
        "这是PDF 文件（请用“导入 PDF”），不是页面图像：页面只能是 PNG 或 JPEG",
    ),
    ("gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "这是GIF 图像，不是页面图像：页面只能是 PNG 或 JPEG"),
    ("tiff", b"II*\x00\x08\x00\x00\x00", "这是TIFF 图像，不是页面图像：页面只能是 PNG 或 JPEG"),
    ("png cut short", png(small_page())[:60], "PNG 图像已损坏或不完整，无法读取"),
    ("png cut in half", png(scanner_noise(small_page()))[:5000], "PNG 图像已损坏或不完整，无法读取"),
    ("jpeg cut in half", jpeg(scanner_noise(small_page()))[:4000], "JPEG 图像已损坏或不完整，无法读取"),
    ("png header only", b"\x89PNG\r\n\x1a\n", "PNG 图像已损坏或不完整，无法读取"),
    ("81 million pixels", png_claiming(9000, 9000), "PNG 图像过大（9000×9000 像素），超过 8000 万像素的上限"),
    ("900 million pixels", png_claiming(30000, 30000), "PNG 图像过大，超过 8000 万像素的上限"),
]


@pytest.mark.parametrize(
    ("data", "message"), [(d, m) for _, d, m in BAD_PAGES], ids=[n for n, _, _ in BAD_PAGES]
)
def test_what_is_not_a_readable_page_is_refused_with_its_reason(data: bytes, message: str) -> None:
    with pytest.raises(CaptureError) as refused:
        check_page(data)
    assert str(refused.value) == message


def test_a_16_bit_grey_scan_is_read_as_grey_not_white(rendered: Rendered) -> None:
    """A scanner set to 16 bits a sample: a naive conversion clips every level to white (a "blank" page)."""
    sixteen = rendered.certificate.convert("I").point(lambda level: level * 257).convert("I;16")
    quality = check_page(png(sixteen))
    assert quality.warnings == ()
    assert quality.ink_share > 0.02


def test_a_bilevel_scan_is_clean(rendered: Rendered) -> None:
    """A scanner in line-art mode (1 bit a pixel)."""
    assert check_page(png(rendered.receipt.convert("1"))).warnings == ()


# -- page count --------------------------------------------------------------------------------------


def test_fewer_pages_than_the_standard_is_warned() -> None:
    warning = count_warning(pages=2, standard_pages=4)
    assert warning is not None
    assert warning.code is WarningCode.TOO_FEW_PAGES
    assert warning.message == "页数少于规范要求：应不少于 4 页，实有 2 页"
    assert count_warning(pages=0, standard_pages=1) is not None


@pytest.mark.parametrize(("pages", "standard"), [(4, 4), (5, 4), (0, None), (3, None), (0, 0)])
def test_enough_pages_or_no_standard_is_not_warned(pages: int, standard: int | None) -> None:
    assert count_warning(pages=pages, standard_pages=standard) is None


@pytest.mark.parametrize(("pages", "standard"), [(-1, 4), (2, -1)])
def test_a_negative_page_count_is_a_bug(pages: int, standard: int) -> None:
    with pytest.raises(ValueError, match="cannot be negative"):
        count_warning(pages=pages, standard_pages=standard)


# -- any image -----------------------------------------------------------------------------------------


@st.composite
def any_page(draw: st.DrawFn) -> bytes:
    """An image of any size from 1×1 to 4000×4000 in any of the modes a PNG or JPEG comes in, with a mark."""
    width = draw(st.integers(1, 4000))
    height = draw(st.integers(1, 4000))
    mode, kind = draw(
        st.sampled_from(
            [
                ("L", "PNG"),
                ("RGB", "PNG"),
                ("1", "PNG"),
                ("P", "PNG"),
                ("RGBA", "PNG"),
                ("LA", "PNG"),
                ("I;16", "PNG"),
                ("L", "JPEG"),
                ("RGB", "JPEG"),
                ("CMYK", "JPEG"),
            ]
        )
    )
    image = Image.new("L", (width, height), draw(st.integers(0, 255)))
    left, top = draw(st.integers(0, width - 1)), draw(st.integers(0, height - 1))
    right, bottom = draw(st.integers(left, width - 1)), draw(st.integers(top, height - 1))
    ImageDraw.Draw(image).rectangle((left, top, right, bottom), fill=draw(st.integers(0, 255)))
    image = (
        image.convert("I").point(lambda v: v * 257).convert("I;16") if mode == "I;16" else image.convert(mode)
    )
    out = io.BytesIO()
    image.save(out, kind, **({"compress_level": 1} if kind == "PNG" else {}))
    return out.getvalue()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(data=any_page())
def test_any_image_of_any_size_is_measured(data: bytes) -> None:
    quality = check_page(data)
    assert isinstance(quality, PageQuality)
    assert len(quality.warnings) <= 1
    for figure in (quality.mean_luminance, quality.paper_luminance, quality.ink_share):
        assert 0.0 <= figure <= 1.0
    assert quality.sharpness is None or quality.sharpness >= 0.0


@pytest.fixture(scope="module")
def small_pages(rendered: Rendered) -> list[bytes]:
    small = rendered.receipt.reduce(6)
    return [png(small.convert("L")), png(small), jpeg(small), jpeg(small.convert("L"))]


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_damaged_bytes_are_refused_or_measured_never_a_crash(
    small_pages: list[bytes], data: st.DataObject
) -> None:
    page = bytearray(data.draw(st.sampled_from(small_pages)))
    cut = data.draw(st.integers(0, len(page)))
    for _ in range(data.draw(st.integers(0, 8))):
        page[data.draw(st.integers(0, len(page) - 1))] = data.draw(st.integers(0, 255))
    try:
        check_page(bytes(page[:cut]) if data.draw(st.booleans()) else bytes(page))
    except CaptureError as refused:
        assert str(refused)  # a message for the clerk


def test_the_rendered_pages_are_a4_at_300_dpi(rendered: Rendered) -> None:
    """The pages these tests measure are what a 300 dpi scan of an A4 sheet is."""
    for page in (rendered.receipt, rendered.certificate):
        assert abs(page.width - A4_PIXELS[0]) <= 1 and page.height == A4_PIXELS[1]
