"""A capture at the counter, headless: pages stored and checked as they come, arranged, kept despite
warnings, and attached with the decision or to a saved case; a full disk stops the rest with its reason."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from app.intake import parse_request
from app.operations.capture import attach_capture, new_capture, saved_capture, slots
from app.scanning.capture import CaptureSession, MaterialSlot
from app.scanning.page_store import PageStore
from app.scanning.pages import CapturedPage, CaptureError, PageFormat, PageSource
from app.workspace import Workspace
from tests.helpers import PLANNING, request_json
from tests.page_fixtures import captured


def blank(origin: str = "blank.png") -> CapturedPage:
    out = io.BytesIO()
    Image.new("L", (827, 1169), 250).save(out, "PNG")
    return CapturedPage(out.getvalue(), PageFormat.PNG, 827, 1169, 100, PageSource.SCANNER, origin)


def test_pages_are_stored_checked_and_arranged(workspace: Workspace) -> None:
    item = workspace.catalog.item(PLANNING)
    assert item is not None
    session = new_capture(workspace, person=workspace.counter("demo"), materials=item.materials[:3])
    added = session.add("M01", [captured("表 1"), blank(), captured("表 2")])
    assert (added.pages, added.warned, added.refused) == (3, 1, ())
    pages = session.pages("M01")
    assert pages[1].page.warnings == ("blank",) and "空白" in pages[1].messages[0]
    assert all(workspace.pages.pages.has(p.page.sha256) for p in pages)  # on the disk already
    assert any("第 2 页" in p for p in session.problems())
    session.delete("M01", 1)
    session.rotate("M01", 1)
    session.move("M01", 1, 0)
    assert [p.page.rotation for p in session.pages("M01")] == [90, 0]
    session.reorder("M01", [1, 0])
    session.move_to_material("M01", 1, "M02")
    assert session.page_counts() == {"M01": 1, "M02": 1, "M03": 0}
    # M01 has a standard of 2 pages: one is short, and says so until the clerk keeps it.
    assert session.short_message("M01") == "页数少于规范要求：应不少于 2 页，实有 1 页"
    assert session.problems() == ["建设工程规划许可证申请表：页数少于规范要求：应不少于 2 页，实有 1 页"]
    session.keep_short_count("M01")
    assert session.problems() == []
    with pytest.raises(ValueError, match="not a permutation"):
        session.reorder("M01", [0, 0])
    with pytest.raises(CaptureError, match="不在本办件的材料清单中"):
        session.add("M99", [captured()])


def test_a_warned_page_kept_and_the_pages_saved_with_the_decision(workspace: Workspace) -> None:
    item = workspace.catalog.item(PLANNING)
    assert item is not None
    counter = workspace.counter("demo")
    session = new_capture(workspace, person=counter, materials=item.materials)
    session.add("M02", [blank("营业执照.png")])
    session.keep("M02", 0)
    session.add("M01", [captured("表 1"), captured("表 2")])
    number = workspace.acceptance.accept(
        parse_request(request_json(item)), counter=counter, pages=session.attachments()
    )
    sets = {s.material_code: s for s in workspace.pages.page_sets(number)}
    assert len(sets["M01"].pages) == 2
    assert sets["M02"].pages[0].warnings == ("blank",) and sets["M02"].pages[0].kept_despite_warnings
    # Later (the applicant brought the second page of the licence): the saved case's capture.
    later = saved_capture(workspace, person=counter, number=number)
    assert later.page_counts()["M02"] == 1
    later.add("M02", [captured("执照副本")])
    later.delete("M01", 0)
    later.keep_short_count("M01")
    attach_capture(workspace, person=counter, number=number, session=later)
    sets = {s.material_code: s for s in workspace.pages.page_sets(number)}
    assert (len(sets["M01"].pages), len(sets["M02"].pages)) == (1, 2)
    assert sets["M01"].kept_short_by == "demo"


def test_a_checklist_change_keeps_the_pages_of_materials_still_listed(workspace: Workspace) -> None:
    store = PageStore(workspace.home / "pages", reserve_bytes=0)
    session = CaptureSession(store, [MaterialSlot("M01", "申请表"), MaterialSlot("M09", "授权委托书")])
    session.add("M01", [captured("a")])
    session.add("M09", [captured("b")])
    other = session.for_materials([MaterialSlot("M01", "申请表")])  # the agent was unticked
    assert other.page_counts() == {"M01": 1}
    assert len(other.unplaced) == 1 and "授权委托书" in other.unplaced[0].reason
    assert other.problems() == ["还有 1 页未归入任何材料"]
    other.place(0, "M01")
    assert other.page_counts() == {"M01": 2} and other.problems() == []


def test_a_full_disk_refuses_the_rest_with_its_reason(workspace: Workspace) -> None:
    store = PageStore(workspace.home / "pages", reserve_bytes=PageStore(workspace.home).free_bytes() * 2)
    session = CaptureSession(store, slots(workspace.catalog.item(PLANNING).materials[:1]))  # type: ignore[union-attr]
    added = session.add("M01", [captured("1"), captured("2"), captured("3")])
    assert added.pages == 0
    assert "磁盘空间不足" in added.refused[0] and added.refused[1] == "其余 2 页未采集"
    assert session.page_counts() == {"M01": 0}


def test_a_corrupt_page_is_refused_and_the_others_kept(workspace: Workspace) -> None:
    store = PageStore(workspace.home / "pages", reserve_bytes=0)
    session = CaptureSession(store, [MaterialSlot("M01", "申请表")])
    broken = CapturedPage(b"\x89PNG\r\n\x1a\nbroken", PageFormat.PNG, 10, 10, None, PageSource.FILE, "坏.png")
    added = session.add("M01", [captured("好"), broken])
    assert added.pages == 1 and "坏.png" in added.refused[0]
    assert len(list(store.files())) == 1  # the broken page was never stored
