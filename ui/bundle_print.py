"""A bundle's combined receipt and one-time notice, through the window's print path (ui.print_flow): rendered
and numbered on the database lane (a reprint asks its reason first), previewed, printed off the GUI thread,
then recorded for every case of the bundle (app.bundles.printing)."""

from __future__ import annotations

from app.bundles.printing import needs_bundle_reason, record_bundle_print, render_bundle_document
from app.documents.kinds import TITLE, DocumentKind
from app.documents.service import RenderedDocument
from app.operations.person import Actor
from app.workspace import Workspace
from ui.print_flow import PrintFlow
from ui.printing import PrintJob


def render_bundle_unless_reprint(
    ws: Workspace, *, person: Actor, number: str, kind: DocumentKind, reason: str | None
) -> RenderedDocument | None:
    """The combined document rendered; None when it was printed before and no reason was given."""
    if reason is None and needs_bundle_reason(ws, number=number, kind=kind):
        return None
    return render_bundle_document(ws, person=person, number=number, kind=kind, reprint_reason=reason)


class BundlePrintFlow(PrintFlow):
    """The print flow of a case, rendering and recording a bundle's documents by the bundle number."""

    def request_print(self, kind_text: str, number: str, reason: str | None = None) -> None:
        kind = DocumentKind(kind_text)
        workspace, person = self._desk.workspace, self._desk.counter
        self._desk.notices.show_status(f"正在生成{TITLE[kind]}…")
        self._desk.jobs.database(
            lambda _progress: render_bundle_unless_reprint(
                workspace, person=person, number=number, kind=kind, reason=reason
            ),
            parent=self._desk.window,
        ).success(lambda document: self._rendered(document, kind, number)).failure(self._not_rendered).run()

    def _record(self, document: RenderedDocument, job: PrintJob) -> None:
        workspace, person = self._desk.workspace, self._desk.counter
        self._desk.jobs.database(
            lambda _progress: record_bundle_print(
                workspace, person=person, document=document, printer=job.printer, copies=job.copies
            ),
            parent=self._desk.window,
        ).success(lambda printed: self._recorded(printed, document)).failure(self._not_recorded).run()
