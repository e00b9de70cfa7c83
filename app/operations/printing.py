"""Printing a case's document: rendered from the stored case, then recorded once the printer or the file
took it. A document printed before is a reprint (补打) and needs a reason (`needs_reason` says so before
rendering). Rendering reads and numbers; it is the part the window runs off the GUI thread."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app.documents.kinds import DocumentKind, print_permission
from app.documents.layout import Layout
from app.documents.service import RenderedDocument
from app.operations.lookup import held_case
from app.operations.person import Actor

if TYPE_CHECKING:
    from app.workspace import Workspace


@dataclass(frozen=True)
class DocumentPrinted:
    case_number: str
    kind: DocumentKind
    document_number: str
    destination: str  # the printer's name, or `file:` and the path
    copies: int
    reprint: bool


def needs_reason(ws: Workspace, *, number: str, kind: DocumentKind) -> bool:
    """Whether printing `kind` of case `number` now is a reprint, which needs a reason."""
    return ws.documents.printed_before(number, kind)


def render_document(
    ws: Workspace,
    *,
    person: Actor,
    number: str,
    kind: DocumentKind,
    layout: Layout | None = None,
    reprint_reason: str | None = None,
) -> RenderedDocument:
    """The document rendered from the case held here (numbered on first rendering). CaseNotHere for a case
    this window does not hold; ReprintReasonRequired for a reprint without a reason."""
    person.require(print_permission(kind))
    case = held_case(ws, number=number)
    return ws.documents.prepare(
        kind, case.number, counter=person, layout=layout, reprint_reason=reprint_reason
    )


def record_print(
    ws: Workspace, *, person: Actor, document: RenderedDocument, printer: str, copies: int
) -> DocumentPrinted:
    """Record what a printer took (after it took it), with its outbox event."""
    person.require(print_permission(document.kind))
    ws.documents.record_print(document, destination=printer, copies=copies, counter=person)
    return _printed(document, destination=printer, copies=copies)


def write_document(
    ws: Workspace, *, person: Actor, document: RenderedDocument, path: Path
) -> DocumentPrinted:
    """Write the PDF to `path` atomically, then record it; a failed write (OSError) records nothing."""
    person.require(print_permission(document.kind))
    ws.documents.export(document, path, counter=person)
    return _printed(document, destination=f"file:{path}", copies=1)


def _printed(document: RenderedDocument, *, destination: str, copies: int) -> DocumentPrinted:
    return DocumentPrinted(
        case_number=document.case_number,
        kind=document.kind,
        document_number=document.number,
        destination=destination,
        copies=copies,
        reprint=document.reprint_reason is not None,
    )
