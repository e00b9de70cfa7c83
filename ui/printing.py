"""Printing the exact PDF pages through Qt: preview, printer per document kind, copies, reprints.

A print is recorded against the case only after the printer took the whole job; an offline or failing
printer gets a clear message and nothing is recorded.

`rasterize` and `print_pages` touch no widget: the window runs them off the GUI thread (Qt paints onto a
QImage or a QPrinter from any thread; a QPixmap or a widget only on the GUI thread). The preview dialog
takes its pages rasterised already, or rasterises them itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import ClassVar

import pypdfium2
from PySide6.QtCore import QMarginsF, QRectF, QSize, QSizeF, Qt
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter, QPixmap
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.documents.separator_sheets import SeparatorSheets
from app.documents.service import RenderedDocument
from app.helpers.service import PreparedSheet
from ui.object_names import named
from ui.screen_fit import fit_to_screen, screen_of

log = logging.getLogger("clerk.ui.printing")

PRINT_DPI = 300
PREVIEW_DPI = 96


class PrintError(Exception):
    """The printer did not take the job; nothing was recorded as printed."""


def rasterize(pdf: bytes, *, dpi: int) -> list[QImage]:
    """Every page of the PDF as an image, rendered by PDFium (the exact pages, not a re-layout)."""
    document = pypdfium2.PdfDocument(pdf)
    images = []
    try:
        for index in range(len(document)):
            page = document[index]
            bitmap = page.render(scale=dpi / 72, rev_byteorder=True)
            pixel_format = (
                QImage.Format.Format_RGB888 if bitmap.n_channels == 3 else QImage.Format.Format_RGBA8888
            )
            image = QImage(bitmap.buffer, bitmap.width, bitmap.height, bitmap.stride, pixel_format)
            if image.isNull():
                raise PrintError("无法生成打印页面图像")
            images.append(image.copy())  # own the pixels before PDFium frees its buffer
            bitmap.close()
            page.close()
    finally:
        document.close()
    return images


def page_sizes(pdf: bytes) -> list[QSizeF]:
    """Page sizes in points, as the PDF states them."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [QSizeF(*document[i].get_size()) for i in range(len(document))]
    finally:
        document.close()


def printer_problem(name: str) -> str | None:
    """Why this printer cannot take a job now, or None."""
    info = QPrinterInfo.printerInfo(name)
    if info.isNull():
        return f"找不到打印机「{name}」，请检查打印机设置"
    state = info.state()
    if state == QPrinter.PrinterState.Error:
        return f"打印机「{name}」处于错误状态（可能脱机、缺纸或被停用），请处理后重试"
    if state == QPrinter.PrinterState.Aborted:
        return f"打印机「{name}」的作业已被中止，请检查打印机"
    return None


@dataclass(frozen=True)
class PreviewPages:
    """A document's pages rasterised for a screen of this device pixel ratio."""

    images: list[QImage]
    ratio: float


def preview_pages(pdf: bytes, *, ratio: float) -> PreviewPages:
    return PreviewPages(rasterize(pdf, dpi=round(PREVIEW_DPI * ratio)), ratio)


@dataclass(frozen=True)
class PrintJob:
    printer: str
    copies: int


@dataclass(frozen=True)
class PlainWarning:
    message: str


@dataclass(frozen=True)
class SeparatorPrint:
    """Separator sheets as the preview and the printer take them: no case document (no number spent, no
    print recorded), so printed through the same preview with a plain title."""

    sheets: SeparatorSheets
    case_number: str
    kind: str = "separators"
    title: str = "分隔页"
    reprint_reason: str | None = None
    layout: str = "a4"
    default_copies: int = 1

    @property
    def number(self) -> str:
        return self.case_number

    @property
    def pdf(self) -> bytes:
        return self.sheets.data

    @property
    def pages(self) -> int:
        return self.sheets.pages

    @property
    def warnings(self) -> tuple[PlainWarning, ...]:
        return tuple(PlainWarning(text) for text in self.sheets.warnings)


@dataclass(frozen=True)
class SheetPrint:
    """A helper's 帮办预审单 (app.helpers.service.PreparedSheet) as the preview and the printer take it: a
    working paper, no case document (no number spent, no print record of a case)."""

    sheet: PreparedSheet
    kind: ClassVar[str] = "handoff_sheet"
    title: ClassVar[str] = "帮办预审单"
    reprint_reason: ClassVar[str | None] = None
    layout: ClassVar[str] = "a4"
    default_copies: ClassVar[int] = 1

    @property
    def number(self) -> str:
        return self.sheet.prepared.draft.request.applicant.name

    @property
    def pdf(self) -> bytes:
        return self.sheet.sheet.data

    @property
    def pages(self) -> int:
        return len(pypdfium2.PdfDocument(self.pdf))

    @property
    def warnings(self) -> tuple[PlainWarning, ...]:
        return tuple(PlainWarning(text) for text in self.sheet.sheet.warnings)


Printable = RenderedDocument | SeparatorPrint | SheetPrint


def print_pages(document: Printable, job: PrintJob) -> None:
    """Send the document's pages to the printer, `copies` times; raise PrintError if it does not take it."""
    problem = printer_problem(job.printer)
    if problem:
        raise PrintError(problem)
    sizes = page_sizes(document.pdf)
    printer = QPrinter(QPrinterInfo.printerInfo(job.printer), QPrinter.PrinterMode.HighResolution)
    printer.setDocName(f"{document.title} {document.number}")
    printer.setFullPage(True)
    first = sizes[0]
    printer.setPageLayout(
        QPageLayout(
            QPageSize(first, QPageSize.Unit.Point, "", QPageSize.SizeMatchPolicy.ExactMatch),
            QPageLayout.Orientation.Portrait,
            QMarginsF(0, 0, 0, 0),
        )
    )
    images = rasterize(document.pdf, dpi=min(PRINT_DPI, printer.resolution()))
    painter = QPainter()
    if not painter.begin(printer):
        raise PrintError(f"打印机「{job.printer}」无法开始打印作业")
    try:
        for copy in range(job.copies):
            for index, image in enumerate(images):
                if (copy or index) and not printer.newPage():
                    raise PrintError(f"打印机「{job.printer}」换页失败")
                target = QRectF(printer.pageRect(QPrinter.Unit.DevicePixel))
                painter.drawImage(target, image)
    finally:
        ended = painter.end()
    if not ended or printer.printerState() == QPrinter.PrinterState.Error:
        raise PrintError(f"打印机「{job.printer}」未能完成打印作业")
    log.info("printed %s %s on %s ×%d", document.kind, document.number, job.printer, job.copies)


class PrintPreviewDialog(QDialog):
    """The exact pages, the printer for this kind of document, copies; print or cancel."""

    def __init__(
        self,
        document: Printable,
        *,
        printers: list[str],
        default_printer: str | None,
        pages: PreviewPages | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.document = document
        title = f"打印预览 — {document.title} {document.number}"
        if document.reprint_reason:
            title += f"（补打：{document.reprint_reason}）"
        self.setWindowTitle(title)
        # An A4 page at PREVIEW_DPI fits across; as tall as the screen allows.
        fit_to_screen(self, preferred=QSize(870, 900))
        layout = QVBoxLayout(self)
        sheets = QWidget()
        sheets_layout = QVBoxLayout(sheets)
        self.page_labels: list[QLabel] = []
        # Rendered for the screen's pixels, so a page is as sharp at 150 % scaling as at 100 %.
        ratio = screen_of(self).devicePixelRatio()
        if pages is None or pages.ratio != ratio:
            pages = preview_pages(document.pdf, ratio=ratio)
        for image in pages.images:
            label = QLabel()
            self.page_labels.append(label)
            pixmap = QPixmap.fromImage(image)
            pixmap.setDevicePixelRatio(ratio)
            label.setPixmap(pixmap)
            label.setStyleSheet("background:white;border:1px solid #999;")
            sheets_layout.addWidget(label, 0, Qt.AlignmentFlag.AlignHCenter)
        scroll = named(QScrollArea(), "previewPages")
        scroll.setWidget(sheets)
        scroll.setWidgetResizable(True)
        layout.addWidget(scroll, 1)
        self.warnings = named(QLabel("\n".join(w.message for w in document.warnings)), "glyphWarnings")
        self.warnings.setStyleSheet("color:#b00020;font-weight:bold;")
        self.warnings.setVisible(bool(document.warnings))
        self.warnings.setWordWrap(True)
        layout.addWidget(self.warnings)
        form = QFormLayout()
        self.printer = named(QComboBox(), "printerChoice")
        self.printer.addItems(printers)
        if default_printer in printers:
            self.printer.setCurrentText(default_printer)
        self.copies = named(QSpinBox(), "copies")
        self.copies.setRange(1, 10)
        self.copies.setValue(document.default_copies)
        self.printer_state = named(QLabel(""), "printerState")
        self.printer_state.setStyleSheet("color:#b00020;")
        self.printer_state.setWordWrap(True)
        form.addRow("打印机", self.printer)
        form.addRow("", self.printer_state)
        form.addRow("份数", self.copies)
        form.addRow(
            "页数",
            QLabel(f"{document.pages} 页 · {'80毫米小票' if document.layout == 'receipt80' else 'A4'}"),
        )
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setObjectName("cancelButton")
        self.print_button = buttons.addButton("打印 (Ctrl+P)", QDialogButtonBox.ButtonRole.AcceptRole)
        self.print_button.setObjectName("printButton")
        self.print_button.setShortcut("Ctrl+P")
        self.print_button.setEnabled(bool(printers))
        if not printers:
            self.warnings.setText("本机没有可用的打印机")
            self.warnings.setVisible(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.printer.currentTextChanged.connect(self._check_printer)
        self._check_printer(self.printer.currentText())

    def _check_printer(self, name: str) -> None:
        """Say at once when the chosen printer cannot print (stopped, offline, out of paper)."""
        problem = printer_problem(name) if name else None
        self.printer_state.setText(problem or "")
        self.print_button.setEnabled(bool(name) and problem is None)

    def job(self) -> PrintJob:
        return PrintJob(self.printer.currentText(), self.copies.value())


def print_test_page(printer_name: str, *, title: str) -> None:
    """One page saying which document kind this printer is chosen for (the first-run wizard's test page);
    PrintError when the printer does not take it. Touches no widget: runs off the GUI thread."""
    problem = printer_problem(printer_name)
    if problem:
        raise PrintError(problem)
    printer = QPrinter(QPrinterInfo.printerInfo(printer_name), QPrinter.PrinterMode.HighResolution)
    printer.setDocName(f"测试页 {title}")
    painter = QPainter()
    if not painter.begin(printer):
        raise PrintError(f"打印机「{printer_name}」无法开始打印作业")
    try:
        area = QRectF(printer.pageRect(QPrinter.Unit.DevicePixel))
        painter.drawText(
            area, Qt.AlignmentFlag.AlignCenter, f"窗口受理 · 打印测试页\n{title}\n{printer_name}"
        )
    finally:
        ended = painter.end()
    if not ended or printer.printerState() == QPrinter.PrinterState.Error:
        raise PrintError(f"打印机「{printer_name}」未能完成测试页")
