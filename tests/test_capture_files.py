"""Pages imported from files: the project's own PDFs rendered and read back, Pillow-made images in every
kind the counter meets, and every bad file refused whole with its name and the problem."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image, ImageDraw
from reportlab.lib.colors import red
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from app.documents.content import DocumentKind
from app.documents.layout import Layout
from app.intake import parse_request
from app.scanning.pages import CapturedPage, CaptureError, PageFormat, PageSource
from app.scanning.sources.files import MAX_FILE_BYTES, MAX_PDF_PAGES, PDF_DPI, import_file, read_pages
from app.workspace import Workspace
from tests.helpers import COMPANY, PLANNING, request_json
from tests.page_fixtures import png_claiming

ROOT = Path(__file__).resolve().parent.parent
A4_AT_200 = (round(210 / 25.4 * PDF_DPI), round(297 / 25.4 * PDF_DPI))


def opened(page: CapturedPage) -> Image.Image:
    image = Image.open(io.BytesIO(page.data))
    image.load()
    return image


def image_bytes(image: Image.Image, kind: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, kind, **options)
    return buffer.getvalue()


def document_page(size: tuple[int, int] = (400, 300), mode: str = "RGB") -> Image.Image:
    """A page with a dark mark at its top left, to tell which way up it is."""
    image = Image.new(mode, size, "white")
    ImageDraw.Draw(image).rectangle((0, 0, 40, 40), fill="black")
    return image


def pdf_bytes(pages: list[Callable[[canvas.Canvas], None]], **options: object) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, **options)  # type: ignore[arg-type]
    for draw in pages:
        draw(pdf)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def text_page(pdf: canvas.Canvas) -> None:
    pdf.setFont("Helvetica", 14)
    pdf.drawString(72, 760, "Application form, page text in black")


def colour_page(pdf: canvas.Canvas) -> None:
    pdf.setFillColor(red)
    pdf.circle(300, 500, 80, fill=1)  # a red seal


def photo_page(pdf: canvas.Canvas) -> None:
    noise = Image.effect_noise((600, 850), 90).convert("RGB")
    pdf.drawImage(ImageReader(noise), 0, 0, width=A4[0], height=A4[1])


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


# What is kept.


def test_png_and_jpeg_are_kept_byte_for_byte(tmp_path: Path) -> None:
    png = image_bytes(document_page(mode="L"), "PNG", dpi=(300, 300))
    jpeg = image_bytes(document_page(), "JPEG", quality=85, dpi=(200, 200))
    (png_page,) = import_file(write(tmp_path, "表格.png", png))
    (jpeg_page,) = import_file(write(tmp_path, "身份证.jpg", jpeg))
    assert png_page == CapturedPage(png, PageFormat.PNG, 400, 300, 300, PageSource.FILE, "表格.png")
    assert jpeg_page == CapturedPage(jpeg, PageFormat.JPEG, 400, 300, 200, PageSource.FILE, "身份证.jpg")


def test_a_jpeg_with_a_damaged_exif_block_is_kept_as_it_is(tmp_path: Path) -> None:
    damaged = b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x05\x01\x12"  # an IFD cut short
    data = image_bytes(document_page(), "JPEG", exif=damaged)
    (page,) = import_file(write(tmp_path, "phone.jpg", data))
    assert (page.format, page.data) == (PageFormat.JPEG, data)


def test_a_photo_turned_by_its_exif_is_stored_upright(tmp_path: Path) -> None:
    landscape = document_page((400, 300))
    exif = landscape.getexif()
    exif[0x0112] = 6  # the camera was turned: shown rotated 90° clockwise
    data = image_bytes(landscape, "JPEG", exif=exif.tobytes(), quality=92)
    (page,) = import_file(write(tmp_path, "photo.jpg", data))
    image = opened(page)
    assert page.format is PageFormat.JPEG and (page.width, page.height) == image.size == (300, 400)
    assert image.getexif().get(0x0112, 1) == 1
    assert image.convert("L").getpixel((280, 20)) < 80  # the mark, now at the top right
    assert image.convert("L").getpixel((20, 20)) > 200


def test_a_cmyk_jpeg_becomes_an_rgb_jpeg(tmp_path: Path) -> None:
    data = image_bytes(document_page().convert("CMYK"), "JPEG")
    (page,) = import_file(write(tmp_path, "print.jpg", data))
    assert page.format is PageFormat.JPEG and opened(page).mode == "RGB"


def test_every_tiff_page_becomes_a_png_page_of_its_own_kind(tmp_path: Path) -> None:
    frames = [document_page(mode="1"), document_page(mode="L"), document_page(mode="RGB")]
    data = image_bytes(frames[0], "TIFF", save_all=True, append_images=frames[1:], dpi=(300, 300))
    pages = import_file(write(tmp_path, "stack.tif", data))
    assert [page.format for page in pages] == [PageFormat.PNG] * 3
    assert [opened(page).mode for page in pages] == ["1", "L", "RGB"]
    assert all(page.dpi == 300 and page.origin == "stack.tif" for page in pages)


def test_a_16_bit_scan_is_scaled_not_clipped(tmp_path: Path) -> None:
    gray16 = Image.new("I;16", (64, 64), 32768)  # mid gray in 16 bits
    (page,) = import_file(write(tmp_path, "deep.tif", image_bytes(gray16, "TIFF")))
    image = opened(page)
    assert image.mode == "L" and image.getpixel((10, 10)) in (127, 128)  # mid gray, not white (255)


def test_a_bmp_becomes_a_png(tmp_path: Path) -> None:
    (page,) = import_file(write(tmp_path, "old.bmp", image_bytes(document_page(), "BMP")))
    assert page.format is PageFormat.PNG and opened(page).size == (400, 300)


def test_a_scanners_file_gets_the_resolution_the_scanner_knows() -> None:
    data = image_bytes(document_page(mode="L"), "PNG")  # no pHYs chunk
    (page,) = read_pages(data, name="transfer", source=PageSource.SCANNER, dpi=300)
    assert (page.dpi, page.source) == (300, PageSource.SCANNER)


def test_a_project_receipt_is_rendered_at_200_dpi_and_its_codes_read_back(
    workspace: Workspace, tmp_path: Path
) -> None:
    counter = workspace.counter("demo")
    item = workspace.catalog.item(PLANNING)
    assert item is not None
    number = workspace.acceptance.accept(
        parse_request(request_json(item, applicant=COMPANY)), counter=counter
    )
    receipt = workspace.documents.prepare(DocumentKind.RECEIPT, number, counter=counter, layout=Layout.A4)
    pages = import_file(write(tmp_path, "回执.pdf", receipt.pdf))
    assert pages and all((page.width, page.height) == A4_AT_200 and page.dpi == PDF_DPI for page in pages)
    image = opened(pages[0])
    assert image.mode == "L"  # a black receipt is stored gray
    codes = {(found.format, found.text) for found in zxingcpp.read_barcodes(image)}
    assert (zxingcpp.BarcodeFormat.Code128, number) in codes
    assert (zxingcpp.BarcodeFormat.QRCode, f"HTTPS://ZWFW.EXAMPLE.GOV.CN/CASE/{number}") in codes


def test_pdf_pages_are_gray_colour_or_jpeg_as_their_content_asks(tmp_path: Path) -> None:
    data = pdf_bytes([text_page, colour_page, photo_page])
    text, seal, photo = import_file(write(tmp_path, "mixed.pdf", data))
    assert (text.format, opened(text).mode) == (PageFormat.PNG, "L")
    assert (seal.format, opened(seal).mode) == (PageFormat.PNG, "RGB")
    assert photo.format is PageFormat.JPEG  # a scanned photo page: JPEG is several times smaller
    assert opened(photo).size == A4_AT_200


# What is refused, whole.


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def three_page_tiff() -> bytes:
    frames = [Image.effect_noise((300, 400), 60).convert("L") for _ in range(3)]
    return image_bytes(frames[0], "TIFF", save_all=True, append_images=frames[1:])


BAD_FILES: list[tuple[str, Callable[[], bytes], str]] = [
    ("empty.png", lambda: b"", "文件是空的（0 字节）"),
    ("notes.png", lambda: "这不是图片\n".encode() * 50, "不是可导入的图片或 PDF 文件"),
    ("letter.docx", lambda: b"PK\x03\x04" + bytes(200), "不是可导入的图片或 PDF 文件"),
    ("anim.gif", lambda: image_bytes(document_page(), "GIF"), "不是可导入的图片或 PDF 文件"),
    ("cut.png", lambda: truncated(image_bytes(Image.effect_noise((300, 300), 60), "PNG")), "已损坏或不完整"),
    ("cut.jpg", lambda: truncated(image_bytes(Image.effect_noise((300, 300), 60), "JPEG")), "已损坏或不完整"),
    ("cut.tif", lambda: three_page_tiff()[: len(three_page_tiff()) * 2 // 3], "已损坏或不完整"),
    ("bomb.png", lambda: png_claiming(100_000, 100_000), "图片尺寸过大"),
    ("big.png", lambda: png_claiming(10_000, 10_000), "图片尺寸过大"),
    ("cut.pdf", lambda: truncated(pdf_bytes([text_page, colour_page])), "PDF 文件不完整"),
    ("garbage.pdf", lambda: b"%PDF-1.7\n" + bytes(range(256)) * 8 + b"\n%%EOF\n", "PDF 文件已损坏"),
    ("locked.pdf", lambda: pdf_bytes([text_page], encrypt="secret"), "PDF 已加密"),
    (
        "long.pdf",
        lambda: pdf_bytes([text_page] * (MAX_PDF_PAGES + 1)),
        f"PDF 页数过多（{MAX_PDF_PAGES + 1} 页",
    ),
]


@pytest.mark.parametrize(("name", "make", "words"), BAD_FILES, ids=[name for name, _, _ in BAD_FILES])
def test_a_bad_file_is_refused_with_its_name_and_the_problem(
    tmp_path: Path, name: str, make: Callable[[], bytes], words: str
) -> None:
    path = write(tmp_path, name, make())
    with pytest.raises(CaptureError) as refused:
        import_file(path)
    assert str(refused.value).startswith(f"无法导入“{name}”：") and words in str(refused.value), refused.value


def test_a_missing_file_a_folder_and_a_file_over_200_mb_are_refused(tmp_path: Path) -> None:
    with pytest.raises(CaptureError, match=re.escape("无法导入“gone.pdf”：文件不存在")):
        import_file(tmp_path / "gone.pdf")
    with pytest.raises(CaptureError, match="这不是文件"):
        import_file(tmp_path)
    huge = tmp_path / "huge.tif"
    with huge.open("wb") as sparse:
        sparse.truncate(MAX_FILE_BYTES + 1)  # no disk used: refused before it is read
    with pytest.raises(CaptureError, match=r"“huge.tif”：文件过大（200 MB，上限 200 MB）"):
        import_file(huge)


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    """A folder an unprivileged user can enter (pytest's own temp folders are the owner's only)."""
    folder = Path(tempfile.mkdtemp(prefix="clerk-capture-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def refusal_as_unprivileged(snippet: str) -> str:
    """What `snippet` prints, run as an unprivileged user when the tests run as root (root reads
    everything), else as ourselves."""
    command = [sys.executable, "-W", "error", "-c", snippet]
    if os.geteuid() == 0:
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_file_without_read_permission_is_refused(shared_folder: Path) -> None:
    path = write(shared_folder, "private.png", image_bytes(document_page(), "PNG"))
    path.chmod(0o200)
    said = refusal_as_unprivileged(
        "from pathlib import Path\n"
        "from app.scanning.pages import CaptureError\n"
        "from app.scanning.sources.files import import_file\n"
        "try:\n"
        f"    import_file(Path({str(path)!r}))\n"
        "except CaptureError as error:\n"
        "    print(error)\n"
    )
    assert said == "无法导入“private.png”：没有读取权限"
