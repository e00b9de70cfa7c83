"""Capturing pages through the operations: a capture over a case's materials (a case being taken in, or a
saved case at a later visit), attaching it, and a view-only capture of what a case holds. Each checks the
person's permission first (采集: Permission.CAPTURE_PAGES; seeing: VIEW_PAGES, app.operations.pages)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from app.accounts.roles import Permission
from app.catalog import Material
from app.operations.person import Actor
from app.scanning.attach import PageSetView, PagesRefused
from app.scanning.capture import CaptureSession, MaterialSlot

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


def viewing_capture(ws: Workspace, sets: Sequence[PageSetView]) -> CaptureSession:
    """A capture that only shows a case's pages, every visit of each material as its own entry."""
    visits: dict[str, int] = {}
    for page_set in sets:
        visits[page_set.material_code] = visits.get(page_set.material_code, 0) + 1
    shown: list[MaterialSlot] = []
    for page_set in sets:
        code = page_set.material_code
        label = page_set.material_name
        if visits[code] > 1:
            label += "（受理时）" if page_set.visit == 0 else f"（第 {page_set.visit} 次补正）"
            code = f"{code}@{page_set.visit}"
        shown.append(MaterialSlot(code, label, page_set.standard_pages))
    session = CaptureSession(ws.pages.pages, shown or [MaterialSlot("-", "（无页面）")])
    for slot, page_set in zip(shown, sets, strict=True):
        session.load(slot.code, page_set.pages, kept_short=page_set.kept_short_by is not None)
    return session
