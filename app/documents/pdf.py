"""Lay a `DocumentContent` out as a PDF, for A4 or an 80 mm receipt printer, with the shipped fonts."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Paragraph as PdfParagraph
from reportlab.platypus import Table as PdfTable

from app.codes import QUIET_ZONE_CODE128, QUIET_ZONE_QR, code128_modules, qr_matrix
from app.documents.content import DocumentContent, DocumentKind, Paragraph, Table, cn_date
from app.documents.fonts import FontChain, font_chain
from app.documents.layout import Layout

RECEIPT_WIDTH = 80 * mm
RECEIPT_MARGIN = 3 * mm
INK = colors.HexColor("#111111")
REPRINT_RED = colors.HexColor("#c62828")


class QrFlowable(Flowable):  # type: ignore[misc]
    """A QR code drawn module by module (with its quiet zone) from app.codes data."""

    def __init__(self, text: str, side: float) -> None:
        super().__init__()
        self.matrix = qr_matrix(text)
        self.side = side
        self.hAlign = "CENTER"

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.side, self.side

    def draw(self) -> None:
        count = self.matrix.size + 2 * QUIET_ZONE_QR
        module = self.side / count
        canvas = self.canv
        canvas.setFillColor(colors.black)
        for y, row in enumerate(self.matrix.modules):
            for x, dark in enumerate(row):
                if dark:
                    canvas.rect(
                        (x + QUIET_ZONE_QR) * module,
                        self.side - (y + QUIET_ZONE_QR + 1) * module,
                        module,
                        module,
                        stroke=0,
                        fill=1,
                    )


class Code128Flowable(Flowable):  # type: ignore[misc]
    """A Code 128 barcode with its human-readable text underneath."""

    MODULE = 0.3 * mm  # bar module width aimed at: reads from paper with an ordinary counter scanner

    def __init__(
        self, text: str, *, max_width: float, height: float, chain: FontChain, font_size: float
    ) -> None:
        super().__init__()
        self.text = text
        self.modules = code128_modules(text)
        self.bar_width = min(max_width, (len(self.modules) + 2 * QUIET_ZONE_CODE128) * self.MODULE)
        self.bar_height = height
        self.chain = chain
        self.font_size = font_size
        self.hAlign = "CENTER"

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.bar_width, self.bar_height + self.font_size * 1.4

    def draw(self) -> None:
        count = len(self.modules) + 2 * QUIET_ZONE_CODE128
        module = self.bar_width / count
        canvas = self.canv
        canvas.setFillColor(colors.black)
        text_band = self.font_size * 1.4
        x = QUIET_ZONE_CODE128 * module
        run_start: float | None = None
        for bit in self.modules + "0":
            if bit == "1" and run_start is None:
                run_start = x
            elif bit == "0" and run_start is not None:
                canvas.rect(run_start, text_band, x - run_start, self.bar_height, stroke=0, fill=1)
                run_start = None
            x += module
        self.chain.draw_string(
            canvas, self.bar_width / 2, self.font_size * 0.3, self.text, size=self.font_size, align="center"
        )


class SealArea(Flowable):  # type: ignore[misc]
    """Where the office's seal goes: a dashed circle naming the office, and the date under it."""

    def __init__(self, office: str, day_text: str, *, diameter: float, chain: FontChain) -> None:
        super().__init__()
        self.office, self.day_text, self.diameter, self.chain = office, day_text, diameter, chain
        self.hAlign = "RIGHT"

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.diameter, self.diameter + 14

    def draw(self) -> None:
        canvas, d = self.canv, self.diameter
        canvas.saveState()
        canvas.setStrokeColor(colors.HexColor("#9e9e9e"))
        canvas.setDash(3, 2)
        canvas.circle(d / 2, 14 + d / 2, d / 2 - 1, stroke=1, fill=0)
        canvas.restoreState()
        size = self.chain.fit_size(self.office, d * 0.8, 9, min_size=5)
        self.chain.draw_string(canvas, d / 2, 14 + d / 2 + 2, self.office, size=size, align="center")
        self.chain.draw_string(canvas, d / 2, 14 + d / 2 - 10, "（盖章）", size=8, align="center")
        self.chain.draw_string(canvas, d / 2, 2, self.day_text, size=9, align="center")


class _Styles:
    def __init__(self, chain: FontChain, *, base: float) -> None:
        font = chain.names[0]
        self.chain = chain
        self.body = ParagraphStyle(
            "body", fontName=font, fontSize=base, leading=base * 1.5, wordWrap="CJK", textColor=INK
        )
        self.strong = ParagraphStyle("strong", parent=self.body, fontSize=base + 0.5, leading=base * 1.6)
        self.small = ParagraphStyle(
            "small", parent=self.body, fontSize=base - 1.5, leading=(base - 1.5) * 1.4
        )
        self.cell = ParagraphStyle("cell", parent=self.body, fontSize=base - 1, leading=(base - 1) * 1.35)
        self.head = ParagraphStyle("head", parent=self.cell, alignment=TA_CENTER)
        self.office = ParagraphStyle(
            "office", parent=self.body, fontSize=base + 2.5, leading=(base + 2.5) * 1.4, alignment=TA_CENTER
        )
        self.title = ParagraphStyle(
            "title", parent=self.body, fontSize=base * 1.9, leading=base * 2.6, alignment=TA_CENTER
        )
        self.number = ParagraphStyle("number", parent=self.body, alignment=TA_RIGHT)

    def p(self, text: str, style: ParagraphStyle | None = None) -> PdfParagraph:
        return PdfParagraph(self.chain.markup(text), style or self.body)


def _fields_table(content: DocumentContent, s: _Styles, width: float, *, columns: int) -> PdfTable:
    """Label/value pairs; on wide paper two pairs a row, long values across the whole row."""
    label_width = (27 if columns == 2 else 22) * mm
    if content.kind is DocumentKind.CERTIFICATE and width > 120 * mm:  # statutory labels, whole on A4
        label_width = 44 * mm
    value_width = (width - columns * label_width) / columns
    rows: list[list[Any]] = []
    spans: list[tuple[str, tuple[int, int], tuple[int, int]]] = []
    pending: list[Any] = []
    for f in content.fields:
        cells = [s.p(f.label, s.cell), s.p(f.value, s.cell)]
        wide = columns == 1 or s.chain.string_width(f.value, s.cell.fontSize) > value_width - 4
        if wide:
            if pending:
                rows.append(pending + ["", ""])
                pending = []
            rows.append(cells + ([""] * (2 * columns - 2)))
            if columns == 2:
                spans.append(("SPAN", (1, len(rows) - 1), (3, len(rows) - 1)))
        elif pending:
            rows.append(pending + cells)
            pending = []
        else:
            pending = cells
    if pending:
        rows.append(pending + ["", ""])
    widths = [label_width, value_width] * columns
    table = PdfTable(rows, colWidths=widths)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#bdbdbd")),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                *spans,
            ]
        )
    )
    return table


def _section_table(section: Table, s: _Styles, width: float, *, compact: bool) -> list[Flowable]:
    columns, rows, widths = section.columns, section.rows, section.widths
    if compact and len(columns) > 3:
        # 80 mm paper: number and name, the other columns folded onto one line under the name.
        rows = tuple(
            (r[0], r[1] + "\n" + " · ".join(f"{c} {v}" for c, v in zip(columns[2:], r[2:], strict=True)))
            for r in rows
        )
        columns, widths = (columns[0], columns[1]), (0.8, 8)
    total = sum(widths)
    col_widths = [width * w / total for w in widths]
    data: list[list[Any]] = [[s.p(c, s.head) for c in columns]]
    data += [[s.p(cell, s.cell) for cell in row] for row in rows]
    if not rows:
        data.append([s.p("—", s.cell)] + [s.p("", s.cell) for _ in columns[1:]])
    table = PdfTable(data, colWidths=col_widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#757575")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return [s.p(section.title, s.strong), Spacer(1, 1.5 * mm), table]


def _heading_band(heading: list[Flowable], codes: list[Flowable], width: float) -> PdfTable:
    """A4 notices: office, title, number and the Code 128 on the left; the QR on the right."""
    qr, caption, _, barcode = codes
    qr_width = 40 * mm
    barcode.hAlign = "RIGHT"
    band = PdfTable(
        [[[*heading, Spacer(1, 1 * mm), barcode], [qr, caption]]], colWidths=[width - qr_width, qr_width]
    )
    band.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return band


def _counterparts(content: DocumentContent, s: _Styles, width: float, *, compact: bool) -> list[Flowable]:
    """The document once, or once per counterpart (正本, 副本), each on a page of its own, marked."""
    story: list[Flowable] = []
    for index, mark in enumerate(content.counterparts or ("",)):
        if index:
            story.append(PageBreak())
        story += _story(content, s, width, compact=compact, counterpart=mark)
    return story


def _story(
    content: DocumentContent, s: _Styles, width: float, *, compact: bool, counterpart: str = ""
) -> list[Flowable]:
    chain = s.chain
    title = f"{content.title}（{counterpart}）" if counterpart else content.title
    title_size = chain.fit_size(
        title, width * (0.98 if compact else 0.7), s.title.fontSize, min_size=s.body.fontSize + 2
    )
    title_style = ParagraphStyle("fitted", parent=s.title, fontSize=title_size, leading=title_size * 1.35)
    heading: list[Flowable] = [s.p(content.office_name, s.office), s.p(title, title_style)]
    if content.kind is not DocumentKind.CERTIFICATE:  # a certificate's number is its first field
        heading.append(s.p(content.number, s.number))
    story: list[Flowable] = []
    barcode_font = 7 if compact else 8.5
    codes: list[Flowable] = [
        QrFlowable(
            content.qr_text, (30 if compact else 40 if content.kind is DocumentKind.CERTIFICATE else 32) * mm
        ),
        s.p(content.qr_caption, ParagraphStyle("cap", parent=s.small, alignment=TA_CENTER)),
        Spacer(1, 1.5 * mm),
        Code128Flowable(
            content.case_number,
            max_width=(width if compact else 90 * mm),
            height=(10 if compact else 11) * mm,
            chain=chain,
            font_size=barcode_font,
        ),
    ]
    if compact:
        story += [
            *heading,
            Spacer(1, 2 * mm),
            *codes,
            Spacer(1, 2 * mm),
            _fields_table(content, s, width, columns=1),
        ]
    elif content.kind is DocumentKind.CERTIFICATE:
        story += [
            _heading_band(heading, codes, width),
            Spacer(1, 4 * mm),
            _fields_table(content, s, width, columns=1),
        ]
    else:
        story += [
            _heading_band(heading, codes, width),
            Spacer(1, 2 * mm),
            _fields_table(content, s, width, columns=2),
        ]
    story.append(Spacer(1, 3 * mm))
    if content.addressee:
        story.append(s.p(content.addressee, s.body))
    for section in content.sections:
        if isinstance(section, Paragraph):
            story.append(s.p(section.text, s.strong if section.emphasis else s.body))
        else:
            story += _section_table(section, s, width, compact=compact)
        story.append(Spacer(1, 2.5 * mm))
    for line in content.signatures:
        story += [Spacer(1, (4 if compact else 6) * mm), s.p(line, s.body)]
    footer_rows = [s.p(f"{f.label}：{f.value}", s.small) for f in content.footer]
    seal = SealArea(
        content.seal_name or content.office_name,
        cn_date(content.issued_on),
        diameter=(30 if compact else 32) * mm,
        chain=chain,
    )
    if compact:
        story += [Spacer(1, 3 * mm), *footer_rows, seal]
    else:
        closing = PdfTable([[footer_rows, seal]], colWidths=[width - 44 * mm, 44 * mm])
        closing.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "BOTTOM")]))
        story += [Spacer(1, 3 * mm), KeepTogether([closing])]
    if content.copies_note:
        story += [Spacer(1, 2 * mm), s.p(content.copies_note, s.small)]
    return story


@dataclass(frozen=True)
class Pdf:
    data: bytes
    pages: int


def render_pdf(content: DocumentContent, *, layout: Layout, chain: FontChain | None = None) -> Pdf:
    """The document as PDF. A document that runs past one page is laid out again to print 共 N 页."""
    first = _render(content, layout=layout, chain=chain or font_chain(), total=None)
    if first.pages == 1:
        return first
    return _render(content, layout=layout, chain=chain or font_chain(), total=first.pages)


def _render(content: DocumentContent, *, layout: Layout, chain: FontChain, total: int | None) -> Pdf:
    compact = layout is Layout.RECEIPT80
    if compact:
        width = RECEIPT_WIDTH - 2 * RECEIPT_MARGIN
        styles = _Styles(chain, base=8.5)
        story = _counterparts(content, styles, width, compact=True)
        probe = Canvas(io.BytesIO())
        height = sum(
            f.wrapOn(probe, width, 10_000)[1] + f.getSpaceBefore() + f.getSpaceAfter() for f in story
        )
        page = (RECEIPT_WIDTH, height + 2 * RECEIPT_MARGIN + (8 * mm if content.reprint else 0) + 12 * mm)
        margins = (RECEIPT_MARGIN, RECEIPT_MARGIN)
    else:
        width = A4[0] - 36 * mm
        styles = _Styles(chain, base=10.5)
        story = _counterparts(content, styles, width, compact=False)
        page = A4
        margins = (18 * mm, 14 * mm)

    def decorate(canvas: Canvas, doc: BaseDocTemplate) -> None:
        canvas.setTitle(f"{content.title} {content.number}")
        canvas.setAuthor(content.office_name)
        canvas.setCreator("Window Clerk")
        if content.reprint:
            canvas.saveState()
            canvas.setFillColor(REPRINT_RED)
            top = page[1] - margins[1]
            chain.draw_string(canvas, margins[0], top - 13, "补打", size=14)
            chain.draw_string(canvas, margins[0] + 34, top - 11, content.reprint, size=7)
            canvas.restoreState()
        if not compact:
            pages = f"第 {doc.page} 页" + (f" 共 {total} 页" if total else "")
            chain.draw_string(
                canvas,
                page[0] / 2,
                10 * mm,
                f"{content.title} · {content.case_number} · {pages}",
                size=8,
                align="center",
            )

    buffer = io.BytesIO()
    top_margin = margins[1] + (8 * mm if content.reprint else 0)
    doc = BaseDocTemplate(
        buffer,
        pagesize=page,
        leftMargin=margins[0],
        rightMargin=margins[0],
        topMargin=top_margin,
        bottomMargin=margins[1] + (6 * mm if not compact else 0),
    )
    frame = Frame(
        doc.leftMargin,
        doc.bottomMargin,
        doc.width,
        doc.height,
        id="body",
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=decorate)])
    doc.build(story)
    return Pdf(buffer.getvalue(), doc.page)
