"""A case's captured pages for whoever may see them (查看材料页面): the back office opening a case it did
not accept, a clerk looking at what was captured. The page sets are read here; the files not on this PC
are downloaded from the server first (app.sync.blob_downloads), with progress. Offline, the pages already
here are shown and the message says why the others are not.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app.accounts.roles import Permission
from app.operations.lookup import CaseNotHere
from app.scanning.attach import PagesRefused
from app.scanning.export import export_pages_pdf
from app.sync.blob_downloads import PagesHere, PagesProgress
from app.sync.transport import SyncError

if TYPE_CHECKING:
    from app.operations.person import Actor
    from app.scanning.attach import PageSetView
    from app.workspace import Workspace


@dataclass(frozen=True)
class CasePages:
    number: str
    sets: list[PageSetView]  # by the case's material order, then visit
    here: PagesHere | None  # where the files are; None when they could not be asked for
    problem: str | None = None  # why some pages are not shown (offline …), for the clerk

    @property
    def message(self) -> str:
        """What the clerk is told besides the pages ("" when every page is here)."""
        if self.problem is not None:
            return self.problem
        return self.here.message if self.here is not None else ""


def case_pages(
    ws: Workspace, *, person: Actor, number: str, progress: PagesProgress | None = None
) -> CasePages:
    """The pages of case `number`, held here (accepted here, or fetched: app.operations.lookup.fetch_case),
    their files made available on this PC as far as the server can. PermissionDenied without the right to
    see pages; CaseNotHere for a case not held here (fetch it first)."""
    person.require(Permission.VIEW_PAGES)
    sets = ws.pages.page_sets(number)
    if not sets and ws.cases.find(number) is None:
        raise CaseNotHere(number, elsewhere=ws.cases.find_in_hall(number))
    try:
        here = ws.sync.ensure_pages(number, progress=progress)
    except SyncError as error:
        return CasePages(number, sets, None, error.message)
    return CasePages(number, sets, here)


def export_case_pages(ws: Workspace, *, person: Actor, number: str, target: Path) -> int:
    """The case's pages held here as one PDF with a bookmark per material (for the back office); returns the
    number of pages. A page whose file is not here stops it with its message (PageMissing)."""
    person.require(Permission.VIEW_PAGES)
    sets = ws.pages.page_sets(number)
    if not sets:
        raise PagesRefused(f"办件 {number} 没有已采集的材料页面")
    case = ws.cases.find(number)
    item_name = case.item_name if case is not None else ""
    return export_pages_pdf(target, number=number, item_name=item_name, page_sets=sets, store=ws.pages.pages)
