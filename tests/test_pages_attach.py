"""A material's pages attached to a case: in the decision's transaction or later, the whole list each time,
with its event and the files the window owes the server; every bad attachment refused with nothing written."""

from __future__ import annotations

import os
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from app.acceptance import AcceptanceError
from app.intake import parse_request
from app.scanning.attach import MaterialPages, PagesRefused
from app.sync.wire import EventKind
from app.workspace import Workspace
from db.models import Case, CaseEvent, CasePage, PageSet, PageUpload
from tests.helpers import PASSPORT, PERSON, PLANNING, request_json
from tests.page_fixtures import stored


def counts(workspace: Workspace) -> tuple[int, int, int, int]:
    with workspace.store.read() as session:
        return (
            session.scalar(select(func.count()).select_from(PageSet)) or 0,
            session.scalar(select(func.count()).select_from(CasePage)) or 0,
            session.scalar(select(func.count()).select_from(PageUpload)) or 0,
            session.scalar(
                select(func.count()).select_from(CaseEvent).where(CaseEvent.kind == EventKind.PAGES_ATTACHED)
            )
            or 0,
        )


def accept(workspace: Workspace, pages: list[MaterialPages] | None = None, item: str = PLANNING) -> str:
    planning = workspace.catalog.item(item)
    assert planning is not None
    request = parse_request(request_json(planning))
    return workspace.acceptance.accept(request, counter=workspace.counter("demo"), pages=pages or ())


def test_pages_saved_with_the_decision_and_owed_to_the_server(workspace: Workspace) -> None:
    form = [stored(workspace, "申请表 1"), stored(workspace, "申请表 2")]
    licence = [replace(stored(workspace, "营业执照"), rotation=90)]
    number = accept(
        workspace,
        [MaterialPages("M01", tuple(form), standard_pages=2), MaterialPages("M02", tuple(licence))],
    )
    sets = workspace.pages.page_sets(number)
    assert [(s.material_code, s.visit, len(s.pages)) for s in sets] == [("M01", 0, 2), ("M02", 0, 1)]
    assert sets[0].material_name == "建设工程规划许可证申请表"
    assert [p.sha256 for p in sets[0].pages] == [p.sha256 for p in form]
    assert sets[1].pages[0].rotation == 90
    assert counts(workspace) == (2, 3, 3, 2)
    with workspace.store.read() as session:
        event = session.scalars(select(CaseEvent).where(CaseEvent.kind == EventKind.PAGES_ATTACHED)).first()
        assert event is not None and event.case_number == number
        assert event.payload["pages"][0]["sha256"] == form[0].sha256


def test_the_whole_list_is_written_again_turned_reordered_and_trimmed(workspace: Workspace) -> None:
    first, second, third = (stored(workspace, f"第 {n} 页") for n in (1, 2, 3))
    counter = workspace.counter("demo")
    number = accept(workspace, [MaterialPages("M04", (first, second, third))])
    workspace.pages.attach(number, [MaterialPages("M04", (replace(third, rotation=180), first))], by=counter)
    (only,) = workspace.pages.page_sets(number)
    assert [(p.sha256, p.rotation) for p in only.pages] == [(third.sha256, 180), (first.sha256, 0)]
    # Two events, three files owed once each (the second list names files already owed).
    assert counts(workspace) == (1, 2, 3, 2)


def test_warned_pages_and_short_counts_need_the_clerks_word_which_is_recorded(workspace: Workspace) -> None:
    blank = replace(stored(workspace, "空白"), warnings=("blank",))
    one = stored(workspace, "申请表 1")
    counter = workspace.counter("demo")
    number = accept(workspace)
    before = counts(workspace)
    with pytest.raises(PagesRefused, match="第 1 页有质量提示（blank），须确认保留"):
        workspace.pages.attach(number, [MaterialPages("M04", (blank,))], by=counter)
    with pytest.raises(PagesRefused, match="页数少于规范要求：应不少于 2 页，实有 1 页，须确认"):
        workspace.pages.attach(number, [MaterialPages("M01", (one,), standard_pages=2)], by=counter)
    assert counts(workspace) == before
    workspace.pages.attach(
        number,
        [
            MaterialPages("M04", (replace(blank, kept_despite_warnings=True),)),
            MaterialPages("M01", (one,), standard_pages=2, kept_short=True),
        ],
        by=counter,
    )
    with workspace.store.read() as session:
        kept = session.scalars(select(CasePage.kept_by).where(CasePage.sha256 == blank.sha256)).one()
        short = session.scalars(select(PageSet.kept_short_by).where(PageSet.material_code == "M01")).one()
        payloads = [
            e.payload
            for e in session.scalars(select(CaseEvent).where(CaseEvent.kind == EventKind.PAGES_ATTACHED))
        ]
    assert kept == short == "demo"
    assert {p["material_code"]: p["kept_short"] for p in payloads} == {"M04": False, "M01": True}
    assert payloads[0]["pages"][0]["warnings"] == ["blank"]
    assert payloads[0]["pages"][0]["kept_despite_warnings"] is True


def test_bad_attachments_are_refused_and_nothing_is_written(workspace: Workspace) -> None:
    counter = workspace.counter("demo")
    number = accept(workspace)
    good = stored(workspace, "好的一页")
    before = counts(workspace)
    bad: list[tuple[list[MaterialPages], str]] = [
        ([MaterialPages("M99", (good,))], "材料 M99 不在办件"),
        ([MaterialPages("M04", (replace(good, sha256="0" * 64),))], "第 1 页的文件不在本机的页面库中"),
        ([MaterialPages("M04", (replace(good, byte_size=good.byte_size + 1),))], "不在本机的页面库中"),
        ([MaterialPages("M04", (replace(good, rotation=45),))], "旋转角度 45"),
        # One good material and one bad: all or none.
        ([MaterialPages("M02", (good,)), MaterialPages("M98", (good,))], "材料 M98"),
    ]
    for attached, message in bad:
        with pytest.raises(PagesRefused, match=message):
            workspace.pages.attach(number, attached, by=counter)
    with pytest.raises(PagesRefused, match="本机没有办件"):
        workspace.pages.attach("SZX0103-20261201-9999-X", [MaterialPages("M04", (good,))], by=counter)
    assert counts(workspace) == before


def test_a_refused_page_refuses_the_decision_whole(workspace: Workspace) -> None:
    good = stored(workspace, "好的一页")
    with pytest.raises(AcceptanceError, match="本次受理未保存：材料页面未保存：材料 M99"):
        accept(workspace, [MaterialPages("M99", (good,))])
    assert counts(workspace) == (0, 0, 0, 0)
    with workspace.store.read() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 0


def test_a_case_not_accepted_keeps_no_pages(workspace: Workspace) -> None:
    passport = workspace.catalog.item(PASSPORT)
    assert passport is not None
    request = parse_request(request_json(passport, applicant=PERSON, agent=None))
    number = workspace.acceptance.accept(
        request,
        counter=workspace.counter("demo"),
        pages=[MaterialPages(passport.materials[0].code, (stored(workspace, "护照申请表"),))],
    )
    assert workspace.pages.page_sets(number) == []
    assert counts(workspace) == (0, 0, 0, 0)
    with pytest.raises(PagesRefused, match="不能再添加或修改材料页面"):
        workspace.pages.attach(
            number,
            [MaterialPages(passport.materials[0].code, (stored(workspace, "x"),))],
            by=workspace.counter("demo"),
        )


def test_the_sweep_removes_only_old_files_no_record_names(workspace: Workspace) -> None:
    counter = workspace.counter("demo")
    kept = stored(workspace, "受理时的页面")
    number = accept(workspace)
    workspace.pages.attach(number, [MaterialPages("M04", (kept,))], by=counter)
    orphan, young = stored(workspace, "未保存的办件"), stored(workspace, "正在采集")
    store = workspace.pages.pages
    old = workspace.clock.now().timestamp() - 3 * 86400
    for page in (kept, orphan):
        os.utime(store.path(page.sha256), (old, old))
    assert workspace.pages.sweep() == 1
    assert store.has(kept.sha256) and not store.has(orphan.sha256) and store.has(young.sha256)
