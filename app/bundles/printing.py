"""Printing a bundle's combined documents as a case's are printed (app.operations.printing): rendered from the
stored bundle, numbered once, a reprint (补打) with a reason, and recorded once the printer or the file took
it — a print record and a `document.printed` event for each case of the bundle."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.bundles.views import BundleView
from app.documents.content import DocumentError
from app.documents.kinds import DocumentKind, print_permission
from app.documents.service import RenderedDocument
from app.operations.person import Actor
from app.operations.printing import DocumentPrinted

if TYPE_CHECKING:
    from app.workspace import Workspace


def held_bundle(ws: Workspace, *, number: str) -> BundleView:
    """The bundle held at this window (DocumentError otherwise; a mistyped number raises its own error)."""
    bundle = ws.bundles.find(number)
    if bundle is None:
        raise DocumentError(f"本窗口数据库中没有一件事 {number}")
    return bundle


def needs_bundle_reason(ws: Workspace, *, number: str, kind: DocumentKind) -> bool:
    """Whether printing `kind` of bundle `number` now is a reprint, which needs a reason."""
    return ws.bundles.documents.printed_before(held_bundle(ws, number=number), kind)


def render_bundle_document(
    ws: Workspace, *, person: Actor, number: str, kind: DocumentKind, reprint_reason: str | None = None
) -> RenderedDocument:
    person.require(print_permission(kind))
    bundle = held_bundle(ws, number=number)
    return ws.bundles.documents.prepare(kind, bundle, counter=person, reprint_reason=reprint_reason)


def record_bundle_print(
    ws: Workspace, *, person: Actor, document: RenderedDocument, printer: str, copies: int
) -> DocumentPrinted:
    """Record what a printer took (after it took it), for every case of the bundle, with their events."""
    person.require(print_permission(document.kind))
    bundle = held_bundle(ws, number=document.case_number)
    ws.bundles.documents.record_print(document, bundle, destination=printer, copies=copies, counter=person)
    return DocumentPrinted(
        case_number=document.case_number,
        kind=document.kind,
        document_number=document.number,
        destination=printer,
        copies=copies,
        reprint=document.reprint_reason is not None,
    )
