"""Codes read from pictures (app.scanning.image_codes): the project's own printed documents, rendered from
their PDFs at a scanner's 300 dpi and as a camera would see them (150 dpi, turned a little, blurred, JPEG),
decoded with zxing-cpp and routed as a handheld scan of them would be (app.scanning.routing); a certificate's
QR verified offline with the keys of the office that sealed it; codes of other symbologies; broken files."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import pypdfium2
import pytest
import zxingcpp
from PIL import Image, ImageDraw, ImageFilter

from app.clock import fixed_clock
from app.documents.content import DocumentKind
from app.documents.layout import Layout
from app.intake import parse_request
from app.scanning.image_codes import CODE_128, QR_CODE, FoundCode, codes_in_image, open_page_image
from app.scanning.pages import CaptureError
from app.scanning.routing import OpenCase, Unrecognised, VerifyCertificate, route_scan, shown_text
from app.seal import KeyDirectory, VerificationStatus, verify_payload
from tests.conftest import DEFAULT_NOW
from tests.helpers import (
    COMPANY,
    PASSPORT,
    PERSON,
    PLANNING,
    PLANNING_FIELDS,
    open_demo_workspace,
    request_json,
)

TODAY = DEFAULT_NOW.date()


@dataclass(frozen=True)
class Printed:
    """The project's documents as a window printed them, and what a verifier needs."""

    accepted: str  # the case of the receipt and the certificate
    supplement: str  # the case of the one-time notice
    rejected: str  # the case of the 不予受理通知书
    pdfs: dict[tuple[DocumentKind, Layout], bytes]
    certificate_qr: str
    keys: KeyDirectory


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Printed]:
    """One window's cases and their documents, made once for the module (its secrets in the folder's own
    file, so no keyring is needed outside a test)."""
    home = tmp_path_factory.mktemp("printed") / "home"
    home.mkdir()
    workspace = open_demo_workspace(home, clock=fixed_clock(DEFAULT_NOW), secrets_in_file=True)
    try:
        counter = workspace.counter("demo")
        planning = workspace.catalog.item(PLANNING)
        passport = workspace.catalog.item(PASSPORT)
        assert planning is not None and passport is not None

        def accept(data: dict) -> str:  # type: ignore[type-arg]
            return workspace.acceptance.accept(parse_request(data), counter=counter)

        accepted = accept(request_json(planning, applicant=COMPANY))
        supplement = accept(request_json(planning, applicant=COMPANY, skip=("M05",)))
        rejected = accept(request_json(passport, applicant=PERSON, agent=None))
        workspace.certificates.approve(accepted, approver=counter, fields=PLANNING_FIELDS)
        pdfs = {}
        for kind, number, layout in (
            (DocumentKind.RECEIPT, accepted, Layout.A4),
            (DocumentKind.RECEIPT, accepted, Layout.RECEIPT80),
            (DocumentKind.SUPPLEMENT_NOTICE, supplement, Layout.A4),
            (DocumentKind.REJECTION_NOTICE, rejected, Layout.A4),
            (DocumentKind.CERTIFICATE, accepted, Layout.A4),
        ):
            document = workspace.documents.prepare(kind, number, counter=counter, layout=layout)
            pdfs[(kind, layout)] = document.pdf
        case = workspace.cases.find(accepted)
        assert case is not None and case.certificate is not None
        yield Printed(
            accepted=accepted,
            supplement=supplement,
            rejected=rejected,
            pdfs=pdfs,
            certificate_qr=case.certificate.qr_text,
            keys=workspace.certificates.key_directory(),
        )
    finally:
        workspace.close()


def first_page(pdf: bytes, *, dpi: int) -> Image.Image:
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        try:
            return page.render(scale=dpi / 72).to_pil()
        finally:
            page.close()
    finally:
        document.close()


def scanned(pdf: bytes) -> bytes:
    """A flatbed or feeder scan: 300 dpi, colour, PNG."""
    buffer = io.BytesIO()
    first_page(pdf, dpi=300).save(buffer, format="PNG")
    return buffer.getvalue()


def photographed(pdf: bytes) -> bytes:
    """The document camera's view of the page: about 150 dpi, turned 4°, out of focus a little, JPEG."""
    picture = first_page(pdf, dpi=150).rotate(
        4, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(205, 205, 200)
    )
    buffer = io.BytesIO()
    picture.filter(ImageFilter.GaussianBlur(0.8)).save(buffer, format="JPEG", quality=82)
    return buffer.getvalue()


CAPTURES = {"scanner-300dpi": scanned, "camera-150dpi": photographed}


def routes(found: list[FoundCode]) -> dict[str, object]:
    return {code.format: route_scan(code.text, today=TODAY) for code in found}


@pytest.mark.parametrize("capture", CAPTURES)
@pytest.mark.parametrize(
    ("kind", "layout", "which"),
    [
        (DocumentKind.RECEIPT, Layout.A4, "accepted"),
        (DocumentKind.RECEIPT, Layout.RECEIPT80, "accepted"),
        (DocumentKind.SUPPLEMENT_NOTICE, Layout.A4, "supplement"),
        (DocumentKind.REJECTION_NOTICE, Layout.A4, "rejected"),
    ],
)
def test_a_receipt_or_notice_opens_its_case(
    printed: Printed, capture: str, kind: DocumentKind, layout: Layout, which: str
) -> None:
    number = getattr(printed, which)
    found = codes_in_image(CAPTURES[capture](printed.pdfs[(kind, layout)]))
    # Every code on the page goes to the case; the QR code is read from the camera too, the 0.3 mm Code 128
    # only from the scan (at 150 dpi a module is under 2 pixels).
    assert routes(found)[QR_CODE] == OpenCase(number)
    if capture == "scanner-300dpi":
        assert routes(found) == {QR_CODE: OpenCase(number), CODE_128: OpenCase(number)}
    else:
        assert set(routes(found).values()) == {OpenCase(number)}


@pytest.mark.parametrize("capture", CAPTURES)
def test_a_certificate_held_up_to_the_camera_is_verified_like_a_scanned_one(
    printed: Printed, capture: str
) -> None:
    found = codes_in_image(CAPTURES[capture](printed.pdfs[(DocumentKind.CERTIFICATE, Layout.A4)]))
    qr = [code.text for code in found if code.format == QR_CODE]
    assert qr == [printed.certificate_qr]
    assert route_scan(qr[0], today=TODAY) == VerifyCertificate(printed.certificate_qr)
    verification = verify_payload(qr[0], keys=printed.keys, today=TODAY)
    assert verification.status is VerificationStatus.VALID
    assert verification.claims is not None and verification.claims.case_number == printed.accepted
    # With keys of no office it is not taken for valid.
    assert verify_payload(qr[0], keys=KeyDirectory(), today=TODAY).status is not VerificationStatus.VALID


def test_positions_are_the_pictures_pixels_and_follow_the_symbols_turn(printed: Printed) -> None:
    page = first_page(printed.pdfs[(DocumentKind.RECEIPT, Layout.A4)], dpi=300)
    upright = {code.format: code for code in codes_in_image(page)}
    turned = {code.format: code for code in codes_in_image(page.rotate(180))}
    width, height = page.size
    for found in (upright, turned):
        for code in found.values():
            assert all(0 <= p.x <= width and 0 <= p.y <= height for p in code.position)
    # The receipt's QR code sits in the top right; upside down its top-left corner is at the bottom right.
    qr_top_left = upright[QR_CODE].position[0]
    assert qr_top_left.x > width / 2 and qr_top_left.y < height / 2
    turned_top_left = turned[QR_CODE].position[0]
    assert abs(turned_top_left.x - (width - qr_top_left.x)) < 10
    assert abs(turned_top_left.y - (height - qr_top_left.y)) < 10


def other_symbology(fmt: zxingcpp.BarcodeFormat, text: str) -> Image.Image:
    """A code the project never prints, on a white page as a product label or a foreign document has it."""
    symbol = Image.fromarray(zxingcpp.create_barcode(text, fmt).to_image(scale=6))  # type: ignore[arg-type]
    page = Image.new("L", (1240, 1754), 255)  # A4 at 150 dpi
    page.paste(symbol, (200, 300))
    return page


@pytest.mark.parametrize(
    ("fmt", "text"),
    [
        (zxingcpp.BarcodeFormat.EAN13, "6901234567892"),
        (zxingcpp.BarcodeFormat.DataMatrix, "电子证照:2026/0042 示例"),
        (zxingcpp.BarcodeFormat.PDF417, "ID:ABC-123"),
    ],
)
def test_a_code_of_another_symbology_is_read_and_routed_to_unrecognised_never_an_error(
    fmt: zxingcpp.BarcodeFormat, text: str
) -> None:
    found = codes_in_image(other_symbology(fmt, text))
    assert [(code.format, code.text) for code in found] == [(str(fmt), text)]
    route = route_scan(found[0].text, today=TODAY)
    assert route == Unrecognised(shown_text(text))
    assert route.message.startswith("未能识别扫描内容：")


def test_a_transparent_image_reads_as_on_white_paper(printed: Printed) -> None:
    page = first_page(printed.pdfs[(DocumentKind.RECEIPT, Layout.A4)], dpi=300).convert("L")
    ink = page.point(lambda level: 255 - level)
    clear = Image.new("RGBA", page.size, (0, 0, 0, 0))
    clear.putalpha(ink)  # black ink on nothing: a screenshot or an exported stamp
    buffer = io.BytesIO()
    clear.save(buffer, format="PNG")
    assert {code.text for code in codes_in_image(buffer.getvalue())} == {
        printed.accepted,
        f"HTTPS://ZWFW.EXAMPLE.GOV.CN/CASE/{printed.accepted}",
    }


MODES = {"bilevel-png": "1", "gray16-png": "I;16", "palette-png": "P", "cmyk-jpeg": "CMYK"}


def in_pixel_format(page: Image.Image, kind: str) -> bytes:
    """The page as a scanner may deliver it: bilevel, 16-bit gray, palette, or a CMYK JPEG; its ink not quite
    black and its paper not quite white, as on a real scan."""
    buffer = io.BytesIO()
    scanned = page.convert("L").point(lambda level: 30 + level * 200 // 255)
    if kind == "bilevel-png":
        scanned.convert("1", dither=Image.Dither.NONE).save(buffer, format="PNG")
    elif kind == "gray16-png":
        wide = scanned.convert("I").point(lambda level: level * 257)
        wide.convert("I;16").save(buffer, format="PNG")
    elif kind == "palette-png":
        page.convert("P", palette=Image.Palette.ADAPTIVE, colors=16).save(buffer, format="PNG")
    else:
        scanned.convert("CMYK").save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


@pytest.mark.parametrize("kind", MODES)
def test_a_scan_in_any_common_pixel_format_reads(printed: Printed, kind: str) -> None:
    page = first_page(printed.pdfs[(DocumentKind.RECEIPT, Layout.A4)], dpi=300)
    data = in_pixel_format(page, kind)
    with Image.open(io.BytesIO(data)) as opened:
        assert opened.mode == MODES[kind]
    assert {(code.format, code.text) for code in codes_in_image(data)} == {
        (CODE_128, printed.accepted),
        (QR_CODE, f"HTTPS://ZWFW.EXAMPLE.GOV.CN/CASE/{printed.accepted}"),
    }


def test_a_page_without_codes_has_none() -> None:
    page = Image.new("L", (2481, 3508), 255)
    ImageDraw.Draw(page).rectangle((300, 300, 2100, 900), outline=0, width=8)
    assert codes_in_image(page) == []


# --- broken input -----------------------------------------------------------------------------------------


def huge_png(width: int, height: int) -> bytes:
    """A valid PNG header claiming a picture of `width` × `height` (a decompression bomb), with no pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (b"", "为空"),
        (b"not an image at all", "不是可识别的图片格式"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "不是可识别的图片格式"),
        (png_bytes(Image.new("L", (800, 800), 255))[:400], "已损坏或不完整"),
        (huge_png(20_000, 20_000), "像素过多"),
    ],
)
def test_a_broken_picture_is_refused_with_a_clear_message(data: bytes, said: str) -> None:
    with pytest.raises(CaptureError, match=said):
        codes_in_image(data)
    with pytest.raises(CaptureError, match=said):
        open_page_image(data)


def test_a_jpeg_cut_short_is_refused() -> None:
    buffer = io.BytesIO()
    Image.effect_noise((640, 480), 60).save(buffer, format="JPEG")  # noise: the scan data is most of the file
    with pytest.raises(CaptureError, match="已损坏或不完整"):
        codes_in_image(buffer.getvalue()[: len(buffer.getvalue()) // 2])
