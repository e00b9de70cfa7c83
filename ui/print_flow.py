"""A case's document from the asking to the record: rendered on the database lane (a document printed
before asks for a reason first: 补打), its preview pages rasterised off the GUI thread, shown, printed and
recorded.

Where each step runs:
- whether a reason is needed, and rendering (which numbers a document once): the database lane;
- rasterising the preview and printing (rasterising at up to 300 dpi, painting the pages onto the
  QPrinter, and handing the job to the print system): the network lane, the runner's lane for slow work
  that leaves the database alone. Qt paints onto a QPrinter from any thread, so nothing of it waits on
  the GUI thread;
- recording the print, after the printer took it: the database lane.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtPrintSupport import QPrinterInfo
from PySide6.QtWidgets import QInputDialog, QMessageBox

from app.accounts.roles import PermissionDenied
from app.cases.status import TransitionError
from app.documents.kinds import TITLE, DocumentKind
from app.documents.service import RenderedDocument
from app.operations.changes import OperationRefused
from app.operations.person import Actor
from app.operations.printing import DocumentPrinted, needs_reason, record_print, render_document
from app.workspace import Workspace
from db.store import StoreError
from ui.desk import Desk
from ui.printing import PreviewPages, PrintError, PrintJob, PrintPreviewDialog, preview_pages, print_pages
from ui.screen_fit import screen_of

log = logging.getLogger("clerk.ui.printing")

RECORD_REFUSALS = (StoreError, OperationRefused, PermissionDenied, TransitionError)


def render_unless_reprint(
    ws: Workspace, *, person: Actor, number: str, kind: DocumentKind, reason: str | None
) -> RenderedDocument | None:
    """The document rendered; None when it was printed before and no reason was given (补打 asks one)."""
    if reason is None and needs_reason(ws, number=number, kind=kind):
        return None
    return render_document(ws, person=person, number=number, kind=kind, reprint_reason=reason)


class PrintFlow(QObject):
    previewed = Signal(object)  # the PrintPreviewDialog, once open
    printed = Signal(object)  # DocumentPrinted, once recorded

    def __init__(self, *, desk: Desk) -> None:
        super().__init__(desk.window)
        self._desk = desk
        self.preview: PrintPreviewDialog | None = None
        self.reason_dialog: QInputDialog | None = None

    def request_print(self, kind_text: str, number: str, reason: str | None = None) -> None:
        """Render, then preview. A document printed before asks for a reason first."""
        kind = DocumentKind(kind_text)
        workspace, person = self._desk.workspace, self._desk.counter
        self._desk.notices.show_status(f"正在生成{TITLE[kind]}…")
        self._desk.jobs.database(
            lambda _progress: render_unless_reprint(
                workspace, person=person, number=number, kind=kind, reason=reason
            ),
            parent=self._desk.window,
        ).success(lambda document: self._rendered(document, kind, number)).failure(self._not_rendered).run()

    def _rendered(self, document: RenderedDocument | None, kind: DocumentKind, number: str) -> None:
        if document is None:
            self._desk.notices.show_status("")
            self._ask_reason(kind, number)
            return
        ratio = screen_of(self._desk.window).devicePixelRatio()
        self._desk.jobs.network(
            lambda _progress: preview_pages(document.pdf, ratio=ratio), parent=self._desk.window
        ).success(lambda pages: self._show_preview(document, pages)).failure(self._not_rendered).run()

    def _not_rendered(self, error: Exception) -> None:
        self._desk.notices.show_status("")
        self._desk.notices.notify(QMessageBox.Icon.Warning, "无法生成文书", str(error))

    def _ask_reason(self, kind: DocumentKind, number: str) -> None:
        dialog = QInputDialog(self._desk.window)
        dialog.setWindowTitle("补打")
        dialog.setLabelText(f"「{TITLE[kind]}」已打印过。补打原因：")
        dialog.textValueSelected.connect(
            lambda text: (
                self.request_print(str(kind), number, text)
                if text.strip()
                else self._desk.notices.notify(QMessageBox.Icon.Warning, "未补打", "补打须填写原因")
            )
        )
        dialog.open()
        self.reason_dialog = dialog

    def _show_preview(self, document: RenderedDocument, pages: PreviewPages) -> None:
        self._desk.notices.show_status("")
        printers = QPrinterInfo.availablePrinterNames()
        remembered = dict(self._desk.workspace.settings.get("printers")).get(str(document.kind))
        default = remembered or QPrinterInfo.defaultPrinterName() or None
        dialog = PrintPreviewDialog(
            document, printers=printers, default_printer=default, pages=pages, parent=self._desk.window
        )
        dialog.accepted.connect(lambda: self.print_document(document, dialog.job()))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.preview = dialog
        self.previewed.emit(dialog)

    def print_document(self, document: RenderedDocument, job: PrintJob) -> None:
        """Print off the GUI thread; record the print once the printer took it all."""
        self._desk.jobs.network(
            lambda _progress: print_pages(document, job), parent=self._desk.window
        ).success(lambda _none: self._record(document, job)).failure(self._not_printed).run()

    def _not_printed(self, error: Exception) -> None:
        if not isinstance(error, PrintError):
            raise error
        self._desk.notices.notify(QMessageBox.Icon.Critical, "未打印", f"{error}\n\n本次未记录为已打印。")

    def _record(self, document: RenderedDocument, job: PrintJob) -> None:
        workspace, person = self._desk.workspace, self._desk.counter
        self._desk.jobs.database(
            lambda _progress: record_print(
                workspace, person=person, document=document, printer=job.printer, copies=job.copies
            ),
            parent=self._desk.window,
        ).success(lambda printed: self._recorded(printed, document)).failure(self._not_recorded).run()

    def _recorded(self, printed: DocumentPrinted, document: RenderedDocument) -> None:
        settings = self._desk.workspace.settings
        printers = dict(settings.get("printers"))
        printers[str(document.kind)] = printed.destination
        settings.set("printers", printers)
        self._desk.notices.show_status(
            f"{document.title} {document.number} 已送打印机 {printed.destination} ×{printed.copies}", 10000
        )
        self.printed.emit(printed)

    def _not_recorded(self, error: Exception) -> None:
        if not isinstance(error, RECORD_REFUSALS):
            raise error
        self._desk.notices.notify(QMessageBox.Icon.Critical, "打印记录未保存", str(error))
