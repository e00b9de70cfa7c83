"""A bundle's combined receipt and one-time notice, rendered to PNG (pypdfium2) and read back: every case
number and decision on the receipt, every gap of the bundle once on the notice (a shared material named once,
with the items that need it), and their QR (decoded by the window's own decoder) opening the bundle."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from app.bundles.intake import parse_bundle_request
from app.clock import fixed_clock
from app.documents.content import DocumentError
from app.documents.kinds import DocumentKind, bundle_documents
from app.scanning.image_codes import codes_in_image
from app.scanning.routing import OpenBundle, route_scan
from app.workspace import Workspace
from tests.bundle_helpers import COMPANY_START, HYGIENE, RESTAURANT, bundle_json
from tests.conftest import DEFAULT_NOW
from tests.helpers import open_demo_workspace


@dataclass(frozen=True)
class Read:
    number: str  # the document's number
    text: str
    codes: list[tuple[str, str]]  # (format, text) on every page


def read(pdf: bytes) -> tuple[str, list[tuple[str, str]]]:
    document = pdfium.PdfDocument(pdf)
    texts, codes = [], []
    try:
        for page in document:
            texts.append(page.get_textpage().get_text_range())
            image = page.render(scale=200 / 72).to_pil()
            codes += [(c.format, c.text) for c in codes_in_image(image)]
            page.close()
    finally:
        document.close()
    return "\n".join(texts), codes


@pytest.fixture(scope="module")
def printed(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, list[str], dict[DocumentKind, Read]]]:
    """A bundle with split decisions (two items to supplement, two accepted), its documents rendered once."""
    ws = open_demo_workspace(tmp_path_factory.mktemp("home"), clock=fixed_clock(DEFAULT_NOW))
    data = bundle_json(ws, RESTAURANT, skip=("S03", f"{HYGIENE}/M06"))
    stored = ws.bundles.accept(parse_bundle_request(data), counter=ws.counter("demo"))
    view = ws.bundles.find(stored.number)
    assert view is not None
    documents: dict[DocumentKind, Read] = {}
    for kind in ws.bundles.documents.available(view):
        rendered = ws.bundles.documents.prepare(kind, view, counter=ws.counter("demo"))
        assert rendered.case_number == stored.number and rendered.warnings == ()
        again = ws.bundles.documents.prepare(kind, view, counter=ws.counter("demo"))
        assert again.number == rendered.number  # numbered once per bundle and kind
        documents[kind] = Read(rendered.number, *read(rendered.pdf))
    yield stored.number, list(stored.case_numbers), documents
    ws.close()


def test_the_combined_receipt_lists_each_case_number_and_decision(
    printed: tuple[str, list[str], dict[DocumentKind, Read]],
) -> None:
    number, cases, documents = printed
    receipt = documents[DocumentKind.BUNDLE_RECEIPT]
    text = receipt.text.replace("\r", "")
    assert "一件事一次办受理回执" in text and "开办餐饮店" in text
    assert receipt.number.startswith("示政服联受〔2026〕")
    for case in cases:
        assert case in text
    assert text.count("需补正材料") == 2 and text.count("予以受理") >= 2
    assert "营业执照（或其他主体资格证明）（共享）" in text.replace("\n", "")
    qr = [value for fmt, value in receipt.codes if fmt == "QR Code"]
    assert qr and all(v.endswith(f"/BUNDLE/{number}") for v in qr)
    assert all(route_scan(v, today=DEFAULT_NOW.date()) == OpenBundle(number) for v in qr)
    assert ("Code 128", number) in receipt.codes


def test_the_one_time_notice_covers_every_gap_of_the_bundle_at_once(
    printed: tuple[str, list[str], dict[DocumentKind, Read]],
) -> None:
    number, cases, documents = printed
    notice = documents[DocumentKind.BUNDLE_NOTICE]
    flat = notice.text.replace("\r", "").replace("\n", "")
    assert notice.number.startswith("示政服联告〔2026〕")
    assert flat.count("经营场所使用证明") == 1  # the shared gap named once …
    assert "食品经营许可（新办）、公共场所卫生许可" in flat  # … with the items that need it
    assert "公共场所卫生管理制度" in flat  # the hygiene item's own gap, under its item
    assert f"公共场所卫生许可（办件编号 {cases[1]}）" in flat
    assert "户外广告设置许可" in flat and "予以受理" in flat  # the other items said as decided
    assert "本告知书所列即为本次一件事申请需补正的全部内容" in flat
    qr = [value for fmt, value in notice.codes if fmt == "QR Code"]
    assert qr and all(route_scan(v, today=DEFAULT_NOW.date()) == OpenBundle(number) for v in qr)


def test_a_bundle_without_gaps_gets_no_notice(tmp_path: Path) -> None:
    ws: Workspace = open_demo_workspace(tmp_path / "home", clock=fixed_clock(DEFAULT_NOW))
    try:
        stored = ws.bundles.accept(
            parse_bundle_request(bundle_json(ws, COMPANY_START)), counter=ws.counter("demo")
        )
        view = ws.bundles.find(stored.number)
        assert view is not None
        assert ws.bundles.documents.available(view) == (DocumentKind.BUNDLE_RECEIPT,)
        with pytest.raises(DocumentError, match="无需补正"):
            ws.bundles.documents.prepare(DocumentKind.BUNDLE_NOTICE, view, counter=ws.counter("demo"))
        with pytest.raises(DocumentError, match="按一件事编号出具"):
            ws.documents.prepare(
                DocumentKind.BUNDLE_RECEIPT, stored.case_numbers[0], counter=ws.counter("demo")
            )
    finally:
        ws.close()


def test_the_table_of_bundle_documents() -> None:
    assert bundle_documents(["accepted", "rejected"]) == (DocumentKind.BUNDLE_RECEIPT,)
    assert bundle_documents(["accepted", "supplement_required"]) == (
        DocumentKind.BUNDLE_RECEIPT,
        DocumentKind.BUNDLE_NOTICE,
    )
    assert bundle_documents(["accepted_with_tolerance"]) == (
        DocumentKind.BUNDLE_RECEIPT,
        DocumentKind.BUNDLE_NOTICE,
    )
