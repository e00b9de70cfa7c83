"""Accepting a case at the counter: the decision made and stored, and the document to print next."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.accounts.roles import Permission
from app.cases.views import CaseView
from app.documents.kinds import DocumentKind, main_document
from app.intake import AcceptanceRequest
from app.operations.changes import CaseChanged
from app.operations.person import Actor
from app.scanning.attach import MaterialPages

if TYPE_CHECKING:
    from app.workspace import Workspace


@dataclass(frozen=True)
class Accepted:
    changed: CaseChanged
    case: CaseView  # as stored: the decision, its findings, dates
    print_next: DocumentKind | None  # the decision's main document, printed right after saving


def accept_case(
    ws: Workspace, *, person: Actor, request: AcceptanceRequest, pages: Sequence[MaterialPages] = ()
) -> Accepted:
    """Decide and store the case (a new case: the decision picks its first status) with the materials'
    captured pages. InputError when the request is incomplete; nothing is stored then."""
    person.require(Permission.ACCEPT)
    if pages:
        person.require(Permission.CAPTURE_PAGES)
    number = ws.acceptance.accept(request, counter=person, pages=pages)
    case = ws.cases.find(number)
    assert case is not None  # just stored
    return Accepted(CaseChanged(number, case.status), case, main_document(case.decision))
