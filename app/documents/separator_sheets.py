"""Separator sheets (分隔页) for one feeder run of an applicant's whole stack: one A4 page per checklist
material, put in front of that material; the split (app.scanning.feeder) reads them and drops them.

A sheet is a working aid, not a document of the case: it gets no document number, no print record, no seal
and no certificate QR, and it is made from plain values (case number, applicant name, checklist) so a case
still being taken in can have its sheets before it is saved.

What a sheet carries (its code: app.scanning.separators):
- a large Code 128 of the code (0.5 mm a module where it fits: ~4 pixels at a feeder's 200 dpi), and the same
  text as a QR code, a second chance for a creased or smudged barcode;
- a heavy black band across the top and across the bottom, the same distance from either edge, which marks
  the page as a separator even when neither code can be read (it is then shown to the clerk, not taken for a
  page of the material) and looks the same fed upside down;
- for the clerk: the material's name and code, its place in the checklist, the case number, the applicant's
  name (in full: the sheets stay at the counter with the papers and are dropped at the scan; no identity
  number is printed), and "分隔页 — 请放在该材料之前，扫描后自动移除".
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from app.case_number import parse_case_number
from app.codes import QUIET_ZONE_CODE128, code128_modules
from app.documents.flowables import Code128Flowable, QrFlowable
from app.documents.fonts import FontChain, font_chain
from app.documents.kinsoku import CjkParagraph
from app.scanning.separators import (
    BAND_EDGE_MM,
    BAND_HEIGHT_MM,
    BAND_SIDE_MM,
    SeparatorCodeError,
    separator_text,
)

INSTRUCTION = "分隔页 — 请放在该材料之前，扫描后自动移除"
TITLE = "分隔页"
BARCODE_MODULE = 0.5 * mm  # aimed at; narrower (never under MIN_MODULE_MM) for a long code
BARCODE_HEIGHT = 32 * mm
QR_SIDE = 42 * mm
NAME_BOX = 30 * mm  # height the material's name may take
_PAGE_WIDTH, _PAGE_HEIGHT = A4
_CONTENT_WIDTH = _PAGE_WIDTH - 2 * 20 * mm
_INK = colors.black


@dataclass(frozen=True)
class SeparatorSheets:
    data: bytes  # the PDF
    pages: int  # one a material
    warnings: tuple[str, ...]  # characters no shipped font can draw (a rare character in a name)


class _LargeCode128(Code128Flowable):
    MODULE = BARCODE_MODULE


def separator_sheets_pdf(
    *,
    case_number: str,
    applicant_name: str,
    checklist: Sequence[tuple[str, str]],
    chain: FontChain | None = None,
) -> SeparatorSheets:
    """The sheets for a case's checklist, `(material code, material name)` in checklist order.

    SeparatorCodeError (Chinese) when there is nothing to print or a sheet's code cannot be made: an empty
    checklist, a material code twice, an empty code or name, a case number that does not parse, a code too
    long for the barcode. Nothing is returned half made.
    """
    if not checklist:
        raise SeparatorCodeError("无法打印分隔页：材料清单为空")
    seen: set[str] = set()
    codes: list[str] = []
    for code, name in checklist:
        if code in seen:
            raise SeparatorCodeError(f"无法打印分隔页：材料编码“{code}”在清单中出现了两次")
        if not name.strip():
            raise SeparatorCodeError(f"无法打印分隔页：材料“{code}”没有名称")
        seen.add(code)
        codes.append(separator_text(case_number=case_number, material_code=code))
    chain = chain or font_chain()
    number = str(parse_case_number(case_number))  # as the codes carry it (folded); it parsed above
    missing = chain.missing(applicant_name + "".join(name for _, name in checklist))
    warnings = (f"以下字符没有可用字体，分隔页上将显示为空白：{'、'.join(missing)}",) if missing else ()

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(f"分隔页 {number}")
    canvas.setCreator("Window Clerk")
    total = len(checklist)
    for index, ((code, name), text) in enumerate(zip(checklist, codes, strict=True), start=1):
        _draw_sheet(
            canvas,
            chain,
            text=text,
            number=number,
            applicant_name=applicant_name,
            material_code=code,
            material_name=name,
            place=f"第 {index} 项，共 {total} 项",
        )
        canvas.showPage()
    canvas.save()
    return SeparatorSheets(buffer.getvalue(), total, warnings)


def _draw_sheet(
    canvas: Canvas,
    chain: FontChain,
    *,
    text: str,
    number: str,
    applicant_name: str,
    material_code: str,
    material_name: str,
    place: str,
) -> None:
    centre = _PAGE_WIDTH / 2
    _draw_bands(canvas)
    top = _PAGE_HEIGHT - (BAND_EDGE_MM + BAND_HEIGHT_MM) * mm
    canvas.setFillColor(_INK)
    chain.draw_string(canvas, centre, top - 22 * mm, TITLE, size=40, align="center")
    chain.draw_string(canvas, centre, top - 32 * mm, place, size=13, align="center")

    # The material: its name as large as fits its box, then its code; the codes at the same place on every
    # sheet, whatever the name's length.
    name = _name_paragraph(chain, material_name, width=_CONTENT_WIDTH, max_height=NAME_BOX)
    _, height = name.wrapOn(canvas, _CONTENT_WIDTH, NAME_BOX)
    name.drawOn(canvas, centre - _CONTENT_WIDTH / 2, top - 38 * mm - (NAME_BOX + height) / 2)
    code_line = f"材料编码：{material_code}"
    size = chain.fit_size(code_line, _CONTENT_WIDTH, 14, min_size=8)
    chain.draw_string(canvas, centre, top - 48 * mm - NAME_BOX, code_line, size=size, align="center")

    barcode = _LargeCode128(
        text, max_width=_barcode_width(text), height=BARCODE_HEIGHT, chain=chain, font_size=10
    )
    width, height = barcode.wrapOn(canvas, _PAGE_WIDTH, _PAGE_HEIGHT)
    y = top - 60 * mm - NAME_BOX - height
    barcode.drawOn(canvas, centre - width / 2, y)
    qr = QrFlowable(text, QR_SIDE)
    y -= 6 * mm + QR_SIDE
    qr.drawOn(canvas, centre - QR_SIDE / 2, y)

    # The case, then what to do with the sheet, just above the bottom band.
    bottom = (BAND_EDGE_MM + BAND_HEIGHT_MM) * mm
    for line, size, at in (
        (f"办件编号：{number}", 14, bottom + 36 * mm),
        (f"申请人：{applicant_name}", 14, bottom + 27 * mm),
        (INSTRUCTION, 16, bottom + 10 * mm),
    ):
        chain.draw_string(
            canvas,
            centre,
            at,
            line,
            size=chain.fit_size(line, _CONTENT_WIDTH, size, min_size=8),
            align="center",
        )


def _draw_bands(canvas: Canvas) -> None:
    """The marks that say "separator" without any code (geometry: app.scanning.separators)."""
    canvas.saveState()
    canvas.setFillColor(_INK)
    width = _PAGE_WIDTH - 2 * BAND_SIDE_MM * mm
    for bottom in (BAND_EDGE_MM * mm, _PAGE_HEIGHT - (BAND_EDGE_MM + BAND_HEIGHT_MM) * mm):
        canvas.rect(BAND_SIDE_MM * mm, bottom, width, BAND_HEIGHT_MM * mm, stroke=0, fill=1)
    canvas.restoreState()


def _barcode_width(text: str) -> float:
    """The barcode's width: `BARCODE_MODULE` a module, or the width between the bands' ends when that is
    narrower (a long code)."""
    modules = len(code128_modules(text)) + 2 * QUIET_ZONE_CODE128
    return float(min(modules * BARCODE_MODULE, _PAGE_WIDTH - 2 * BAND_SIDE_MM * mm))


def _name_paragraph(chain: FontChain, name: str, *, width: float, max_height: float) -> CjkParagraph:
    """The material's name centred, at the largest size from 24 pt down to 12 pt at which it fits."""
    size = 24.0
    while True:
        style = ParagraphStyle(
            f"separator-name-{size}",
            fontName=chain.primary,
            fontSize=size,
            leading=size * 1.3,
            alignment=TA_CENTER,
            wordWrap="CJK",
            textColor=_INK,
        )
        paragraph = CjkParagraph(chain.markup(name), style)
        _, height = paragraph.wrap(width, max_height)
        if height <= max_height or size <= 12:
            return paragraph
        size -= 2
