"""Lay a `DocumentContent` out as a PDF, for A4 or an 80 mm receipt printer, with the shipped fonts.

The page follows GB/T 9704 and 公文 practice where a notice can: the office and the title centred over the
whole width, the 文号 under the title, the 主送 line on its own before the text, paragraphs indented two
characters, Chinese line breaking (app.documents.kinsoku), the date directly under the seal, and on a notice
of more than one page the place of the cross-page seal (骑缝章).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
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
from reportlab.platypus import Table as PdfTable

from app.documents.content import DocumentContent, DocumentKind, Field, Paragraph, Section, Table, cn_date
from app.documents.flowables import Code128Flowable, QrFlowable, SealArea, draw_cross_page_seal
from app.documents.fonts import FontChain, font_chain
from app.documents.kinsoku import CjkParagraph
from app.documents.layout import Layout

RECEIPT_WIDTH = 80 * mm
RECEIPT_MARGIN = 3 * mm
A4_MARGINS = (18 * mm, 14 * mm)  # left/right, top/bottom
A4_FOOTER_BAND = 6 * mm
INK = colors.HexColor("#111111")
REPRINT_RED = colors.HexColor("#c62828")
REPRINT_WORD = "补打"
CELL_PADDING = 2.0
LABEL_SHARE = 0.42  # a label column takes at most this share of its label/value pair
MIN_LABEL_SIZE = 5.5
SPACE = "\u3000"  # ideographic space between the parts of a line pdf.py writes itself


class _Styles:
    def __init__(self, chain: FontChain, *, base: float) -> None:
        font = chain.names[0]
        self.chain = chain
        self.body = ParagraphStyle(
            "body", fontName=font, fontSize=base, leading=base * 1.5, wordWrap="CJK", textColor=INK
        )
        # 正文: each paragraph starts two characters in (GB/T 9704 7.3.3).
        self.text = ParagraphStyle("text", parent=self.body, firstLineIndent=2 * base)
        self.strong = ParagraphStyle("strong", parent=self.text, fontSize=base + 0.5, leading=base * 1.6)
        self.section = ParagraphStyle("section", parent=self.strong, firstLineIndent=0)
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
        self.reprint = ParagraphStyle("reprint", parent=self.small, textColor=REPRINT_RED)
        self.reprint_word = ParagraphStyle(
            "reprint-word", parent=self.body, fontSize=14, leading=16, textColor=REPRINT_RED
        )

    def p(self, text: str, style: ParagraphStyle | None = None) -> CjkParagraph:
        return CjkParagraph(self.chain.markup(text), style or self.body)

    def fitted(self, text: str, style: ParagraphStyle, width: float, *, min_size: float) -> CjkParagraph:
        """One line at the largest size (not above the style's) at which it fits `width`."""
        size = self.chain.fit_size(text, width, style.fontSize, min_size=min_size)
        if size == style.fontSize:
            return self.p(text, style)
        ratio = size / style.fontSize
        return self.p(
            text,
            ParagraphStyle(
                f"{style.name}-{size}", parent=style, fontSize=size, leading=style.leading * ratio
            ),
        )


def _label_width(fields: tuple[Field, ...], s: _Styles, pair_width: float) -> float:
    """Wide enough for the longest label on one line, up to LABEL_SHARE of the pair (longer labels shrink)."""
    longest = max((s.chain.string_width(f.label, s.cell.fontSize) for f in fields), default=0.0)
    return min(longest + 2 * CELL_PADDING + 1, pair_width * LABEL_SHARE)


def _fields_table(content: DocumentContent, s: _Styles, width: float, *, columns: int) -> PdfTable:
    """Label/value pairs; on wide paper two pairs a row, long values across the whole row. A label is never
    broken: its column fits the longest label, or the label is set smaller."""
    label_width = _label_width(content.fields, s, width / columns)
    value_width = (width - columns * label_width) / columns
    rows: list[list[Any]] = []
    spans: list[tuple[str, tuple[int, int], tuple[int, int]]] = []
    pending: list[Any] = []
    for f in content.fields:
        label = s.fitted(f.label, s.cell, label_width - 2 * CELL_PADDING - 0.5, min_size=MIN_LABEL_SIZE)
        cells = [label, s.p(f.value, s.cell)]
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
    table = PdfTable(rows, colWidths=[label_width, value_width] * columns)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#bdbdbd")),
                ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
                ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
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
            (r[0], r[1] + "\n" + SPACE.join(f"{c}：{v}" for c, v in zip(columns[2:], r[2:], strict=True)))
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
                ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
                ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
            ]
        )
    )
    return [s.p(section.title, s.section), Spacer(1, 1.5 * mm), table]


_BAND_STYLE = (
    ("LEFTPADDING", (0, 0), (-1, -1), 0),
    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
    ("TOPPADDING", (0, 0), (-1, -1), 0),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
)


def _masthead(content: DocumentContent, s: _Styles, width: float, *, compact: bool) -> list[Flowable]:
    """Office and title centred on the page, the 文号 under them (a certificate's number is its first field),
    the QR code with its caption and the case number's Code 128. On a receipt all stacked; on A4 the QR
    stands right of the heading, balanced by an empty column on the left so the heading stays centred over
    the full width, and the barcode and the 文号 share the line under it."""
    certificate = content.kind is DocumentKind.CERTIFICATE
    qr_side = (30 if compact else 40 if certificate else 28) * mm
    qr = QrFlowable(content.qr_text, qr_side)
    caption = s.p(content.qr_caption, ParagraphStyle("caption", parent=s.small, alignment=TA_CENTER))
    barcode = Code128Flowable(
        content.case_number,
        max_width=(width if compact else 90 * mm),
        height=(10 if compact else 11) * mm,
        chain=s.chain,
        font_size=7 if compact else 8.5,
    )
    number = [] if certificate else [s.p(content.number, s.number)]
    if compact:
        title = s.fitted(content.title, s.title, width * 0.98, min_size=s.body.fontSize + 2)
        heading = [s.p(content.office_name, s.office), title, *number]
        return [*heading, Spacer(1, 2 * mm), qr, caption, Spacer(1, 1.5 * mm), barcode]
    caption_width = s.chain.string_width(content.qr_caption, s.small.fontSize) + 2
    side = min(max(qr_side + 6 * mm, caption_width), width * 0.3)
    middle = width - 2 * side
    title = s.fitted(content.title, s.title, middle * 0.98, min_size=s.body.fontSize + 2)
    office = s.fitted(content.office_name, s.office, middle * 0.98, min_size=s.body.fontSize)
    head = PdfTable([["", [office, title], [qr, caption]]], colWidths=[side, middle, side])
    head.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("VALIGN", (2, 0), (2, 0), "TOP"), *_BAND_STYLE])
    )
    barcode.hAlign = "LEFT"
    line = PdfTable([[barcode, number]], colWidths=[width / 2, width / 2])
    line.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "BOTTOM"), *_BAND_STYLE]))
    return [head, Spacer(1, 1 * mm), line]


def _body(content: DocumentContent, s: _Styles, width: float, *, compact: bool) -> list[Flowable]:
    """主送 on its own line, then the sections and the signature lines."""
    story: list[Flowable] = []
    if content.addressee:
        story.append(s.p(content.addressee, s.body))
    for section in content.sections:
        if isinstance(section, Table):
            story += _section_table(section, s, width, compact=compact)
        else:
            story.append(_paragraph(section, s))
        story.append(Spacer(1, 2.5 * mm))
    for line in content.signatures:
        story += [Spacer(1, (4 if compact else 6) * mm), s.p(line, s.body)]
    return story


def _paragraph(section: Paragraph, s: _Styles) -> Flowable:
    if section.small:
        return s.p(section.text, s.small)
    return s.p(section.text, s.strong if section.emphasis else s.text)


SEAL_COLUMN = 48 * mm


def _closing(
    content: DocumentContent, s: _Styles, width: float, *, compact: bool, beside_seal: list[Flowable]
) -> list[Flowable]:
    """The footer lines and the seal with the date under it (on A4 beside them, and beside the body's
    closing paragraphs); the copies note last."""
    footer_rows = [*beside_seal, *(s.p(f"{f.label}：{f.value}", s.small) for f in content.footer)]
    seal = SealArea(
        content.seal_name or content.office_name,
        cn_date(content.issued_on),
        diameter=(30 if compact else 32) * mm,
        chain=s.chain,
    )
    story: list[Flowable] = [Spacer(1, 3 * mm)]
    if compact:
        story += [*footer_rows, Spacer(1, 2 * mm), seal]
    else:
        closing = PdfTable([[footer_rows, seal]], colWidths=[width - SEAL_COLUMN, SEAL_COLUMN])
        closing.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ]
            )
        )
        story.append(KeepTogether([closing]))
    if content.copies_note:
        story += [Spacer(1, 2 * mm), s.p(content.copies_note, s.small)]
    return story


def _counterparts(content: DocumentContent, s: _Styles, width: float, *, compact: bool) -> list[Flowable]:
    """The document once, or once per counterpart (正本, 副本), each starting a page of its own, marked in its
    title."""
    story: list[Flowable] = []
    for index, mark in enumerate(content.counterparts or ("",)):
        if index:
            story.append(PageBreak())
        marked = replace(content, title=f"{content.title}（{mark}）") if mark else content
        story += _story(marked, s, width, compact=compact)
    return story


def _story(content: DocumentContent, s: _Styles, width: float, *, compact: bool) -> list[Flowable]:
    columns = 1 if compact or content.kind is DocumentKind.CERTIFICATE else 2
    body, beside_seal = _body_and_closing_lines(content, s, width, compact=compact)
    return [
        *_masthead(content, s, width, compact=compact),
        Spacer(1, (4 if content.kind is DocumentKind.CERTIFICATE else 2) * mm),
        _fields_table(content, s, width, columns=columns),
        Spacer(1, 3 * mm),
        *body,
        *_closing(content, s, width, compact=compact, beside_seal=beside_seal),
    ]


def _body_and_closing_lines(
    content: DocumentContent, s: _Styles, width: float, *, compact: bool
) -> tuple[list[Flowable], list[Flowable]]:
    """The body, and on A4 the paragraphs that close it when no signature line follows them: those stand
    left of the seal with the footer lines, so the seal stays on the page of the text (GB/T 9704 asks to
    tighten the page rather than leave the seal alone on the next one)."""
    sections = list(content.sections)
    closing: list[Section] = []
    if not compact and not content.signatures:
        while sections and isinstance(sections[-1], Paragraph):
            closing.insert(0, sections.pop())
    body = _body(replace(content, sections=tuple(sections)), s, width, compact=compact)
    lines: list[Flowable] = []
    for section in closing:
        assert isinstance(section, Paragraph)
        lines += [_paragraph(section, s), Spacer(1, 1.5 * mm)]
    return body, lines


def _reprint_mark(reprint: str, s: _Styles, width: float) -> PdfTable:
    """补打 in red beside the reason, time and clerk, wrapped to the width (never cut off)."""
    word_width = s.chain.string_width(REPRINT_WORD, s.reprint_word.fontSize) + 4
    mark = PdfTable(
        [[s.p(REPRINT_WORD, s.reprint_word), s.p(reprint, s.reprint)]],
        colWidths=[word_width, width - word_width],
    )
    mark.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return mark


def _height(flowables: list[Flowable], width: float) -> float:
    probe = Canvas(io.BytesIO())
    return float(
        sum(f.wrapOn(probe, width, 100_000)[1] + f.getSpaceBefore() + f.getSpaceAfter() for f in flowables)
    )


@dataclass(frozen=True)
class Pdf:
    data: bytes
    pages: int


def render_pdf(content: DocumentContent, *, layout: Layout, chain: FontChain | None = None) -> Pdf:
    """The document as PDF. A document that runs past one page is laid out again to print 共 N 页 and the
    cross-page seal's place."""
    chain = chain or font_chain()
    first = _render(content, layout=layout, chain=chain, total=None)
    if first.pages == 1:
        return first
    base = _fitting_base(content, layout=layout, chain=chain, pages=first.pages) or A4_BASE
    fitted = first if base == A4_BASE else _render(content, layout=layout, chain=chain, total=None, base=base)
    if fitted.pages == 1:
        return fitted
    return _render(content, layout=layout, chain=chain, total=fitted.pages, base=base)


# A4 text sizes a document may be set in to save a page (a receipt whose seal would stand alone on page 2),
# largest first; never smaller than the 80 mm slip's body plus a point.
A4_BASE = 10.5
A4_TIGHTER_BASES = (10.0, 9.5)


def _fitting_base(content: DocumentContent, *, layout: Layout, chain: FontChain, pages: int) -> float | None:
    """The largest tighter A4 text size that prints the document on fewer pages; None when none does."""
    if layout is not Layout.A4:
        return None
    for base in A4_TIGHTER_BASES:
        if _render(content, layout=layout, chain=chain, total=None, base=base).pages < pages:
            return base
    return None


def _page_footer(content: DocumentContent, page: int, total: int | None) -> str:
    pages = f"第{page}页" + (f"{SPACE}共{total}页" if total else "")
    return SPACE.join((content.title, f"{content.number_label} {content.case_number}", pages))


def _render(
    content: DocumentContent,
    *,
    layout: Layout,
    chain: FontChain,
    total: int | None,
    base: float = A4_BASE,
) -> Pdf:
    compact = layout is Layout.RECEIPT80
    styles = _Styles(chain, base=8.5 if compact else base)
    width = RECEIPT_WIDTH - 2 * RECEIPT_MARGIN if compact else A4[0] - 2 * A4_MARGINS[0]
    story = _counterparts(content, styles, width, compact=compact)
    reprint_height = 0.0
    if content.reprint:
        reprint_height = _height([_reprint_mark(content.reprint, styles, width)], width) + 2 * mm
    if compact:
        height = _height(story, width)
        page = (RECEIPT_WIDTH, height + 2 * RECEIPT_MARGIN + reprint_height + 12 * mm)
        margins = (RECEIPT_MARGIN, RECEIPT_MARGIN)
    else:
        page = A4
        margins = A4_MARGINS

    def decorate(canvas: Canvas, doc: BaseDocTemplate) -> None:
        canvas.setTitle(f"{content.title} {content.number}")
        canvas.setAuthor(content.office_name)
        canvas.setCreator("Window Clerk")
        if content.reprint:
            mark = _reprint_mark(content.reprint, styles, width)
            _, mark_height = mark.wrapOn(canvas, width, page[1])
            mark.drawOn(canvas, margins[0], page[1] - margins[1] - mark_height)
        if compact:
            return
        footer = _page_footer(content, doc.page, total)
        chain.draw_string(canvas, page[0] / 2, 10 * mm, footer, size=8, align="center")
        if total and total > 1 and not content.counterparts:  # 正本 and 副本 are each whole, sealed apart
            draw_cross_page_seal(canvas, chain, page_width=page[0], y=page[1] / 2)

    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=page,
        leftMargin=margins[0],
        rightMargin=margins[0],
        topMargin=margins[1] + reprint_height,
        bottomMargin=margins[1] + (0 if compact else A4_FOOTER_BAND),
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
