"""A material's captured pages attached to a case: the page set's rows and its `case.pages_attached` event
in one transaction, with the page files already on the disk (app.scanning.page_store).

At the counter the pages are attached in the decision's own transaction (app.acceptance); later (a
supplement, the back office scanning what came by post) in one of their own. Either way the whole list of
the material's pages at that visit is written again: order, turns and deletions are the list.

Refused before anything is written, with the reason:
- a case this PC does not hold, or one that has ended (its papers are closed);
- a material the case was not handed (not on its list of materials);
- a page whose file is not in the page store (never stored, or stored under other bytes);
- a page the check warned of, not confirmed by the clerk; fewer pages than the material's standard, not
  confirmed either.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.cases.status import is_ended, status_label
from app.clock import Clock
from app.scanning.events import MAX_PAGES_PER_MATERIAL, ROTATIONS, AttachedPage, PagesAttached
from app.scanning.page_store import PageStore
from app.scanning.pages import PageFormat, PageSource
from app.sync.blobs import owe_files
from app.sync.outbox import RecordedBy, UnsendableEvent, record_event
from db.models import Case, CaseMaterial, CasePage, HelperDraftPage, PageSet
from db.store import Store

log = logging.getLogger("clerk.pages")

# A page captured for a case being taken in is on the disk before the case is saved; if it never is, the
# file is removed this long after it was captured (long enough for any capture still open on a screen).
SWEEP_AFTER_DAYS = 2


class PagesRefused(Exception):
    """Pages not attached; nothing was written (one of the operations' refusals: app.operations.changes)."""


@dataclass(frozen=True)
class MaterialPages:
    """What the clerk attaches to one material at one visit."""

    material_code: str
    pages: tuple[AttachedPage, ...]
    visit: int = 0
    standard_pages: int | None = None  # the catalog's minimum for the material, when it has one
    kept_short: bool = False  # fewer pages than the standard, confirmed by the clerk

    @property
    def short(self) -> bool:
        return self.standard_pages is not None and 0 < len(self.pages) < self.standard_pages


@dataclass(frozen=True)
class PageSetView:
    material_code: str
    material_name: str
    visit: int
    pages: tuple[AttachedPage, ...]
    attached_by: str
    attached_at: datetime
    standard_pages: int | None
    kept_short_by: str | None


def _problems(case: Case, handed: dict[str, str], attached: MaterialPages, pages: PageStore) -> list[str]:
    problems: list[str] = []
    if attached.material_code not in handed:
        problems.append(f"材料 {attached.material_code} 不在办件 {case.number} 的收件材料清单中")
    if len(attached.pages) > MAX_PAGES_PER_MATERIAL:
        problems.append(f"一项材料最多 {MAX_PAGES_PER_MATERIAL} 页，实有 {len(attached.pages)} 页")
    for index, page in enumerate(attached.pages, start=1):
        path = pages.path(page.sha256)
        if not path.is_file() or path.stat().st_size != page.byte_size:
            problems.append(f"第 {index} 页的文件不在本机的页面库中（{page.sha256[:12]}…），请重新采集")
        if page.rotation not in ROTATIONS:
            problems.append(f"第 {index} 页的旋转角度 {page.rotation} 不是 0、90、180 或 270")
        if page.warnings and not page.kept_despite_warnings:
            problems.append(f"第 {index} 页有质量提示（{'、'.join(page.warnings)}），须确认保留或删除后重拍")
    if attached.short and not attached.kept_short:
        problems.append(
            f"页数少于规范要求：应不少于 {attached.standard_pages} 页，实有 {len(attached.pages)} 页，须确认"
        )
    return problems


def attach_in(
    session: Session, *, case: Case, attached: MaterialPages, pages: PageStore, by: RecordedBy, now: datetime
) -> None:
    """Write the material's page set and its event in the caller's write session (PagesRefused if not)."""
    if is_ended(case.status):
        raise PagesRefused(f"办件 {case.number} 已{status_label(case.status)}，不能再添加或修改材料页面")
    handed = dict(
        session.execute(
            select(CaseMaterial.material_code, CaseMaterial.material_name).where(
                CaseMaterial.case_id == case.id
            )
        ).all()
    )
    problems = _problems(case, handed, attached, pages)
    if problems:
        raise PagesRefused("材料页面未保存：" + "；".join(problems))
    session.execute(
        delete(PageSet).where(
            PageSet.case_number == case.number,
            PageSet.material_code == attached.material_code,
            PageSet.visit == attached.visit,
        )
    )
    page_set = PageSet(
        case_number=case.number,
        material_code=attached.material_code,
        visit=attached.visit,
        standard_pages=attached.standard_pages,
        kept_short_by=by.clerk_login if attached.short else None,
        attached_by=by.clerk_login,
        attached_at=now,
        pages=[
            CasePage(
                position=position,
                sha256=page.sha256,
                byte_size=page.byte_size,
                format=str(page.format),
                width=page.width,
                height=page.height,
                dpi=page.dpi,
                rotation=page.rotation,
                source=str(page.source),
                warnings=list(page.warnings),
                kept_by=by.clerk_login if page.warnings else None,
            )
            for position, page in enumerate(attached.pages)
        ],
    )
    session.add(page_set)
    owe_files(session, {page.sha256: page.byte_size for page in attached.pages}, queued_at=now)
    event = PagesAttached(
        material_code=attached.material_code,
        visit=attached.visit,
        pages=attached.pages,
        standard_pages=attached.standard_pages,
        kept_short=attached.short and attached.kept_short,
    )
    try:
        record_event(session=session, event=event, case_number=case.number, by=by, now=now)
    except UnsendableEvent as error:
        raise PagesRefused(f"材料页面未保存：记录不符合上传格式（{error}）") from None


class PageService:
    def __init__(self, *, store: Store, pages: PageStore, clock: Clock) -> None:
        self._store = store
        self.pages = pages
        self._clock = clock

    def attach(self, number: str, attached: Sequence[MaterialPages], *, by: RecordedBy) -> None:
        """Attach the pages of one or more materials of a saved case, all or none."""
        now = self._clock.now()
        with self._store.write() as session:
            case = session.scalars(select(Case).where(Case.number == number)).first()
            if case is None:
                raise PagesRefused(f"本机没有办件 {number}，不能添加材料页面")
            for one in attached:
                attach_in(session, case=case, attached=one, pages=self.pages, by=by, now=now)

    def page_sets(self, number: str) -> list[PageSetView]:
        """The case's materials' pages held here, in the case's material order, then by visit."""
        with self._store.read() as session:
            case = session.scalars(select(Case).where(Case.number == number)).first()
            names: dict[str, str] = {}
            order: dict[str, int] = {}
            if case is not None:
                for material in case.materials:
                    names.setdefault(material.material_code, material.material_name)
                    order.setdefault(material.material_code, material.position)
            sets = session.scalars(select(PageSet).where(PageSet.case_number == number)).all()
            views = [
                PageSetView(
                    material_code=row.material_code,
                    material_name=names.get(row.material_code, row.material_code),
                    visit=row.visit,
                    pages=tuple(_page(p) for p in row.pages),
                    attached_by=row.attached_by,
                    attached_at=row.attached_at,
                    standard_pages=row.standard_pages,
                    kept_short_by=row.kept_short_by,
                )
                for row in sets
            ]
        return sorted(views, key=lambda v: (order.get(v.material_code, len(order)), v.material_code, v.visit))

    def referenced(self) -> set[str]:
        """Every page file a page of a case or a kept helper's draft names (a file owed to the server that
        nothing names any more is not needed: the upload forgets it, app.sync.blobs)."""
        with self._store.read() as session:
            return set(session.scalars(select(CasePage.sha256).distinct())) | set(
                session.scalars(select(HelperDraftPage.sha256).distinct())
            )

    def sweep(self, *, keep_days: float = SWEEP_AFTER_DAYS) -> int:
        """Remove page files no record names and older than `keep_days`: pages captured for a case never
        saved (the clerk started again, the program was closed). Returns how many were removed."""
        older_than = self._clock.now().timestamp() - keep_days * 86400
        removed = self.pages.remove_unreferenced(self.referenced(), older_than=older_than)
        if removed:
            log.info("removed %d page files no case names", removed)
        return removed


def _page(row: CasePage) -> AttachedPage:
    return AttachedPage(
        sha256=row.sha256,
        byte_size=row.byte_size,
        format=PageFormat(row.format),
        width=row.width,
        height=row.height,
        dpi=row.dpi,
        rotation=row.rotation,
        source=PageSource(row.source),
        warnings=tuple(row.warnings),
        kept_despite_warnings=row.kept_by is not None,
    )
