"""Captured pages through the operations: a capture over a case's materials (a case being taken in, or a
saved case at a later visit), attaching it, and the case's pages as one PDF. Each checks the person's
permission first (采集: Permission.CAPTURE_PAGES; seeing and exporting: VIEW_PAGES)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from app.accounts.roles import Permission
from app.catalog import Material
from app.operations.person import Actor
from app.scanning.attach import PageSetView, PagesRefused
from app.scanning.capture import CaptureSession, MaterialSlot
from app.scanning.export import export_pages_pdf

if TYPE_CHECKING:
    from app.workspace import Workspace


def slots(materials: Sequence[Material]) -> list[MaterialSlot]:
    return [MaterialSlot(m.code, m.name, m.min_pages) for m in materials]


def new_capture(ws: Workspace, *, person: Actor, materials: Sequence[Material]) -> CaptureSession:
    """A capture for a case being taken in: its pages go with the decision (app.operations.counter)."""
    person.require(Permission.CAPTURE_PAGES)
    return CaptureSession(ws.pages.pages, slots(materials))


def saved_capture(ws: Workspace, *, person: Actor, number: str) -> CaptureSession:
    """A capture over a saved case's handed-over materials, holding their pages of the case's latest visit
    (0: the decision; a supplement's visit after it), to add to and arrange."""
    person.require(Permission.CAPTURE_PAGES)
    case = ws.cases.find(number)
    if case is None:
        raise PagesRefused(f"本机没有办件 {number}")
    item = ws.catalog.item(case.item_code)
    standards = {m.code: m.min_pages for m in item.materials} if item is not None else {}
    seen: dict[str, MaterialSlot] = {}
    for material in case.materials:
        code = material.material
        seen.setdefault(code, MaterialSlot(code, material.name, standards.get(code)))
    visit = max((m.visit for m in case.materials), default=0)
    return CaptureSession.of_saved(
        ws.pages.pages, list(seen.values()), ws.pages.page_sets(number), visit=visit
    )


def attach_capture(ws: Workspace, *, person: Actor, number: str, session: CaptureSession) -> None:
    person.require(Permission.CAPTURE_PAGES)
    ws.pages.attach(number, session.attachments(), by=person)


def case_page_sets(ws: Workspace, *, person: Actor, number: str) -> list[PageSetView]:
    person.require(Permission.VIEW_PAGES)
    return ws.pages.page_sets(number)


def export_case_pages(ws: Workspace, *, person: Actor, number: str, target: Path) -> int:
    """The case's pages as one PDF with a bookmark per material; returns the number of pages."""
    person.require(Permission.VIEW_PAGES)
    case = ws.cases.find(number)
    sets = ws.pages.page_sets(number)
    if not sets:
        raise PagesRefused(f"办件 {number} 没有已采集的材料页面")
    return export_pages_pdf(
        target,
        number=number,
        item_name=case.item_name if case is not None else "",
        page_sets=sets,
        store=ws.pages.pages,
    )
