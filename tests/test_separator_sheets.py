"""Separator sheets: the code they carry (app.scanning.separators), the PDF (app.documents.separator_sheets)
read back as a person and a scanner would (pdftotext, pages rendered to PNG and decoded with zxing-cpp), and
the black bands that mark a sheet whose codes cannot be read (app.scanning.feeder.has_separator_bands)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pypdfium2
import pytest
from PIL import Image, ImageDraw

from app.case_number import format_case_number
from app.documents.separator_sheets import INSTRUCTION, separator_sheets_pdf
from app.scanning.feeder import has_separator_bands
from app.scanning.image_codes import CODE_128, QR_CODE, codes_in_image
from app.scanning.routing import Refused, route_scan
from app.scanning.separators import (
    SeparatorCode,
    SeparatorCodeError,
    UnreadableSeparator,
    handheld_message,
    parse_separator,
    separator_text,
)
from tests.documents_helpers import needs_poppler, read_back
from tests.helpers import PLANNING, demo_item

TODAY = date(2026, 11, 20)
NUMBER = format_case_number(window_code="SZX0103", day=TODAY, serial=7)
OTHER = format_case_number(window_code="SZX0103", day=TODAY, serial=8)


def wrong_check(number: str) -> str:
    return number[:-1] + ("0" if number[-1] != "0" else "1")


def planning_checklist() -> list[tuple[str, str]]:
    """The demo catalog's 建设工程规划许可证核发 checklist: (code, name) in checklist order."""
    return [(m.code, m.name) for m in demo_item(PLANNING).materials]


def render_pages(pdf: bytes, *, dpi: int, grayscale: bool = False) -> list[Image.Image]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        pages = []
        for index in range(len(document)):
            page = document[index]
            pages.append(page.render(scale=dpi / 72, grayscale=grayscale).to_pil().convert("L"))
            page.close()
        return pages
    finally:
        document.close()


# --- the code ------------------------------------------------------------------------------------------


def test_the_code_names_the_case_and_the_material_and_parses_back() -> None:
    text = separator_text(case_number=NUMBER, material_code="M01")
    assert text == f"SEP:{NUMBER}:M01"
    assert parse_separator(text) == SeparatorCode(NUMBER, "M01")
    # A scanner that lowercases or pads, and a case number typed in lowercase, still give the same sheet.
    assert parse_separator(f"  {text.lower()}\n") == SeparatorCode(NUMBER, "m01")
    assert separator_text(case_number=NUMBER.lower(), material_code="M01") == text


@pytest.mark.parametrize("material", ["材料一", "M 01", "M%01", "A:B", "M-01/2"])
def test_any_material_code_prints_in_code128_safe_form_and_comes_back(material: str) -> None:
    text = separator_text(case_number=NUMBER, material_code=material)
    assert text.isascii() and " " not in text and all(" " < ch <= "~" for ch in text)
    assert parse_separator(text) == SeparatorCode(NUMBER, material)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (f"SEP:{wrong_check(NUMBER)}:M01", "校验位不符"),  # never matched to another case
        (f"SEP:{NUMBER[:-1]}:M01", "第三段应为 4 位数字序号加 1 位校验位"),  # cut short
        (f"SEP:{NUMBER}", "缺少材料编码"),
        (f"SEP:{NUMBER}:", "材料编码无效"),
        (f"SEP:{NUMBER}:%FF", "材料编码无效"),  # not UTF-8
        ("SEP:", "缺少材料编码"),
    ],
)
def test_a_damaged_code_is_refused_with_its_reason(text: str, said: str) -> None:
    reading = parse_separator(text)
    assert isinstance(reading, UnreadableSeparator) and said in reading.reason


@pytest.mark.parametrize(
    "text", [NUMBER, f"HTTPS://ZWFW.EXAMPLE.GOV.CN/CASE/{NUMBER}", "11010519491231002X", "SEPARATOR", ""]
)
def test_nothing_else_the_project_prints_is_taken_for_a_separator(text: str) -> None:
    assert parse_separator(text) is None


@pytest.mark.parametrize(
    ("case_number", "material", "said"),
    [
        (wrong_check(NUMBER), "M01", "校验位不符"),
        ("", "M01", "请输入办件编号"),
        (NUMBER, " ", "材料编码为空"),
        (NUMBER, "M" * 40, "过长，印成条码后超出分隔页的宽度"),
        (NUMBER, "材料一二三", "过长"),
    ],
)
def test_a_code_that_cannot_be_made_is_refused(case_number: str, material: str, said: str) -> None:
    with pytest.raises(SeparatorCodeError, match=said):
        separator_text(case_number=case_number, material_code=material)


def test_a_separator_read_by_the_handheld_scanner_is_not_taken_for_anything_else() -> None:
    """A separator read by the handheld scanner is refused with what it is for (routing's separator rule),
    never taken for a case, a certificate or an applicant."""
    text = separator_text(case_number=NUMBER, material_code="M01")
    route = route_scan(text, today=TODAY)
    assert isinstance(route, Refused) and "分隔页" in route.message
    code = parse_separator(text)
    assert isinstance(code, SeparatorCode)
    assert NUMBER in handheld_message(code) and "M01" in handheld_message(code)


# --- the PDF -------------------------------------------------------------------------------------------


@needs_poppler
def test_one_sheet_per_material_whose_barcode_and_qr_both_read_back(tmp_path: Path) -> None:
    checklist = planning_checklist()
    applicant = "示例市𠮷䶮建设发展有限公司"  # rare characters (Plane 2 𠮷, Ext A 䶮) print
    sheets = separator_sheets_pdf(case_number=NUMBER, applicant_name=applicant, checklist=checklist)
    assert sheets.pages == len(checklist) and sheets.warnings == ()
    seen = read_back(sheets.data, tmp_path, dpi=200)
    assert len(seen.pages) == len(checklist)
    expected = [separator_text(case_number=NUMBER, material_code=code) for code, _ in checklist]
    assert seen.decoded("Code128") == expected
    assert seen.decoded("QR") == expected
    pages = ["".join(page.split()) for page in seen.text.split("\f")][: len(checklist)]
    for index, ((code, name), page) in enumerate(zip(checklist, pages, strict=True), start=1):
        assert "".join(name.split()) in page and f"材料编码：{code}" in page
        assert f"第{index}项，共{len(checklist)}项" in page
        assert NUMBER in page and applicant in page and "".join(INSTRUCTION.split()) in page
        # A working aid, not a document of the case: no document number, no seal.
        assert "文书编号" not in page and "盖章" not in page


def test_sheets_for_a_case_not_yet_saved_come_from_plain_values() -> None:
    sheets = separator_sheets_pdf(case_number=NUMBER, applicant_name="张三", checklist=[("M01", "申请表")])
    assert sheets.pages == 1 and sheets.data.startswith(b"%PDF")


def test_a_name_no_font_can_draw_is_warned_of() -> None:
    sheets = separator_sheets_pdf(
        case_number=NUMBER, applicant_name="张\U000f0001三", checklist=[("M01", "申请表")]
    )
    assert len(sheets.warnings) == 1 and "没有可用字体" in sheets.warnings[0]


@pytest.mark.parametrize(
    ("checklist", "case_number", "said"),
    [
        ([], NUMBER, "材料清单为空"),
        ([("M01", "申请表"), ("M01", "申请表副本")], NUMBER, "出现了两次"),
        ([("M01", " ")], NUMBER, "没有名称"),
        ([("", "申请表")], NUMBER, "材料编码为空"),
        ([("M01", "申请表"), ("M" * 40, "附件")], NUMBER, "过长"),
        ([("M01", "申请表")], wrong_check(NUMBER), "校验位不符"),
    ],
)
def test_bad_input_is_refused_before_anything_is_printed(
    checklist: list[tuple[str, str]], case_number: str, said: str
) -> None:
    with pytest.raises(SeparatorCodeError, match=said):
        separator_sheets_pdf(case_number=case_number, applicant_name="张三", checklist=checklist)


# --- the bands -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("dpi", "grayscale"), [(300, False), (200, True), (100, True)])
def test_every_sheet_has_the_bands_the_right_way_up_and_upside_down(dpi: int, grayscale: bool) -> None:
    sheets = separator_sheets_pdf(
        case_number=NUMBER, applicant_name="张三", checklist=planning_checklist()[:3]
    )
    for page in render_pages(sheets.data, dpi=dpi, grayscale=grayscale):
        assert has_separator_bands(page)
        assert has_separator_bands(page.rotate(180))
        # Fed with a slight skew.
        assert has_separator_bands(page.rotate(1.5, resample=Image.Resampling.BILINEAR, fillcolor=255))


def test_pages_that_are_not_sheets_have_no_bands() -> None:
    a4 = (1654, 2339)  # 200 dpi
    blank = Image.new("L", a4, 255)
    black = Image.new("L", a4, 0)
    # A feeder with a black backing: dark strips touching the top and bottom edges, the page between.
    bordered = blank.copy()
    draw = ImageDraw.Draw(bordered)
    draw.rectangle((0, 0, a4[0], 120), fill=0)
    draw.rectangle((0, a4[1] - 120, a4[0], a4[1]), fill=0)
    # One band only (a letterhead's bar).
    letterhead = blank.copy()
    ImageDraw.Draw(letterhead).rectangle((80, 80, a4[0] - 80, 200), fill=0)
    # A dark photo filling the page between two bars.
    photo = blank.copy()
    ImageDraw.Draw(photo).rectangle((80, 80, a4[0] - 80, a4[1] - 80), fill=20)
    for page in (blank, black, bordered, letterhead, photo):
        assert not has_separator_bands(page)
    # And the project's own documents (test_feeder_split: receipts and notices fed between sheets).
    other = separator_sheets_pdf(case_number=OTHER, applicant_name="李四", checklist=[("M09", "其他")])
    painted = render_pages(other.data, dpi=200)[0]
    ImageDraw.Draw(painted).rectangle((0, 0, a4[0], 420), fill=255)  # its top band cut off
    assert not has_separator_bands(painted)


@pytest.mark.parametrize("material", ["材料一", "M" * 21])
def test_the_longest_code_a_sheet_takes_still_reads_from_a_200_dpi_gray_scan(material: str) -> None:
    sheets = separator_sheets_pdf(case_number=NUMBER, applicant_name="张三", checklist=[(material, "申请表")])
    (page,) = render_pages(sheets.data, dpi=200, grayscale=True)
    text = separator_text(case_number=NUMBER, material_code=material)
    found = {(code.format, code.text) for code in codes_in_image(page)}
    assert found == {(CODE_128, text), (QR_CODE, text)}
