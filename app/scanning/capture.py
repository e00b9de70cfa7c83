"""A capture at the counter: the pages of a case's materials as the clerk gathers and arranges them, before
they are attached (app.scanning.attach).

Each page handed in by a source is stored at once (app.scanning.page_store: flushed to the disk) and
checked (app.scanning.quality); what the clerk then does — turn, move, delete, keep a page despite its
warning, keep a material short of its standard, place a page the feeder split could not — changes only this
session. `attachments()` gives what to attach: with the decision for a case being taken in, or on 保存 for a
saved case. Pages of a feeder run with separator sheets are split by the sheets (app.scanning.feeder);
those it cannot place wait in `unplaced` until the clerk places or drops them.

No Qt here: the capture view (ui.capture_view) draws this session and calls its methods.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from app.scanning.attach import MaterialPages, PageSetView
from app.scanning.events import ROTATIONS, AttachedPage
from app.scanning.page_store import PageStore
from app.scanning.pages import CapturedPage, CaptureError
from app.scanning.quality import PageQuality, check_page, count_warning

Checker = Callable[[bytes], PageQuality]


@dataclass(frozen=True)
class MaterialSlot:
    """A material of the case's checklist that pages can be attached to."""

    code: str
    name: str
    standard_pages: int | None = None


@dataclass
class HeldPage:
    page: AttachedPage
    messages: tuple[str, ...] = ()  # the check's warnings, as the clerk reads them
    origin: str = ""  # the file, device or feeder run it came from
    reason: str = ""  # why it is unplaced (a feeder run's page the sheets could not place)


@dataclass
class Held:
    slot: MaterialSlot
    pages: list[HeldPage] = field(default_factory=list)
    kept_short: bool = False
    touched: bool = False  # changed in this session (only those are attached again)


@dataclass(frozen=True)
class Added:
    pages: int
    warned: int  # of them, pages with a warning
    refused: tuple[str, ...] = ()  # pages not stored, each with its reason


class CaptureSession:
    def __init__(
        self,
        store: PageStore,
        materials: Sequence[MaterialSlot],
        *,
        visit: int = 0,
        check: Checker = check_page,
    ) -> None:
        if not materials:
            raise CaptureError("本办件没有可采集页面的材料")
        self.store = store
        self.visit = visit
        self._check = check
        self._held: dict[str, Held] = {slot.code: Held(slot) for slot in materials}
        self.unplaced: list[HeldPage] = []

    @classmethod
    def of_saved(
        cls,
        store: PageStore,
        materials: Sequence[MaterialSlot],
        page_sets: Sequence[PageSetView],
        *,
        visit: int,
        check: Checker = check_page,
    ) -> CaptureSession:
        """A session over a saved case's pages at `visit`, to add to and arrange."""
        session = cls(store, materials, visit=visit, check=check)
        for page_set in page_sets:
            if page_set.material_code not in session._held or page_set.visit != visit:
                continue
            session.load(
                page_set.material_code, page_set.pages, kept_short=page_set.kept_short_by is not None
            )
        return session

    def for_materials(self, materials: Sequence[MaterialSlot]) -> CaptureSession:
        """This capture over another checklist (the applicant's kind or agent changed): the pages of the
        materials still listed are kept; those of materials no longer listed wait under 未归类."""
        other = CaptureSession(self.store, materials, visit=self.visit, check=self._check)
        for code, held in self._held.items():
            if code in other._held:
                other._held[code].pages = held.pages
                other._held[code].kept_short = held.kept_short
                other._held[code].touched = held.touched
            else:
                for page in held.pages:
                    page.reason = f"原属材料 {held.slot.name}（已不在清单中）"
                    other.unplaced.append(page)
        other.unplaced.extend(self.unplaced)
        return other

    def load(self, code: str, pages: Sequence[AttachedPage], *, kept_short: bool = False) -> None:
        """Show stored pages under a material (a saved case's), as they are: nothing to attach again."""
        held = self._material(code)
        held.pages = [HeldPage(page) for page in pages]
        held.kept_short = kept_short

    # -- reading -----------------------------------------------------------------------------------------
    @property
    def materials(self) -> list[MaterialSlot]:
        return [held.slot for held in self._held.values()]

    def pages(self, code: str) -> list[HeldPage]:
        return list(self._material(code).pages)

    def page_counts(self) -> dict[str, int]:
        return {code: len(held.pages) for code, held in self._held.items()}

    def kept_short(self, code: str) -> bool:
        return self._material(code).kept_short

    def short_message(self, code: str) -> str | None:
        held = self._material(code)
        if not held.pages:
            return None
        warning = count_warning(pages=len(held.pages), standard_pages=held.slot.standard_pages)
        return None if warning is None else warning.message

    def problems(self) -> list[str]:
        """What stops the pages from being attached: warnings not confirmed, short counts, unplaced pages."""
        problems: list[str] = []
        for held in self._held.values():
            for number, page in enumerate(held.pages, start=1):
                if page.page.warnings and not page.page.kept_despite_warnings:
                    problems.append(
                        f"{held.slot.name} 第 {number} 页：{'；'.join(page.messages) or '有质量提示'}"
                    )
            short = self.short_message(held.slot.code)
            if short is not None and not held.kept_short:
                problems.append(f"{held.slot.name}：{short}")
        if self.unplaced:
            problems.append(f"还有 {len(self.unplaced)} 页未归入任何材料")
        return problems

    def attachments(self) -> list[MaterialPages]:
        """The materials to attach: those with pages, and those emptied in this session (so a saved
        case's deleted pages are deleted there too)."""
        return [
            MaterialPages(
                material_code=code,
                pages=tuple(page.page for page in held.pages),
                visit=self.visit,
                standard_pages=held.slot.standard_pages,
                kept_short=held.kept_short,
            )
            for code, held in self._held.items()
            if held.pages or held.touched
        ]

    # -- adding ------------------------------------------------------------------------------------------
    def hold(self, captured: CapturedPage) -> HeldPage:
        """Store and check one page (CaptureError: not stored, with the reason)."""
        self.store.check_room(len(captured.data))
        quality = self._check(captured.data)
        sha256 = self.store.put(captured.data)
        page = AttachedPage(
            sha256=sha256,
            byte_size=len(captured.data),
            format=captured.format,
            width=captured.width,
            height=captured.height,
            dpi=captured.dpi,
            rotation=0,
            source=captured.source,
            warnings=tuple(str(w.code) for w in quality.warnings),
        )
        return HeldPage(page, tuple(w.message for w in quality.warnings), captured.origin)

    def prepare(self, captured: Sequence[CapturedPage]) -> tuple[list[HeldPage], list[str]]:
        """Store and check pages, not yet added to any material (safe on a worker thread: it changes only
        the page store). A page that cannot be stored is refused with its reason; the others are kept. A
        nearly full disk stops the rest (each would be refused the same)."""
        held: list[HeldPage] = []
        refused: list[str] = []
        for index, one in enumerate(captured, start=1):
            try:
                held.append(self.hold(one))
            except CaptureError as error:
                refused.append(f"第 {index} 页{f'（{one.origin}）' if one.origin else ''}：{error}")
                if "磁盘空间不足" in str(error):
                    remaining = len(captured) - index
                    if remaining:
                        refused.append(f"其余 {remaining} 页未采集")
                    break
        return held, refused

    def append(self, code: str, pages: Sequence[HeldPage], refused: Sequence[str] = ()) -> Added:
        """Add prepared pages at the end of a material."""
        held = self._material(code)
        held.pages.extend(pages)
        held.touched = held.touched or bool(pages)
        return Added(len(pages), sum(1 for p in pages if p.page.warnings), tuple(refused))

    def add(self, code: str, captured: Sequence[CapturedPage]) -> Added:
        """Store, check and add pages at the end of a material (`prepare`, then `append`)."""
        self._material(code)
        held, refused = self.prepare(captured)
        return self.append(code, held, refused)

    def add_unplaced(self, captured: CapturedPage, reason: str) -> None:
        held = self.hold(captured)
        held.reason = reason
        self.unplaced.append(held)

    # -- arranging ---------------------------------------------------------------------------------------
    def rotate(self, code: str, index: int, *, clockwise: bool = True) -> None:
        held = self._material(code)
        page = self._page(held, index)
        turn = 90 if clockwise else 270
        page.page = replace(
            page.page, rotation=ROTATIONS[(ROTATIONS.index(page.page.rotation) + turn // 90) % 4]
        )
        held.touched = True

    def delete(self, code: str, index: int) -> None:
        held = self._material(code)
        self._page(held, index)
        del held.pages[index]
        held.touched = True

    def move(self, code: str, index: int, to: int) -> None:
        """Move a page within its material to position `to` (0 first)."""
        held = self._material(code)
        page = self._page(held, index)
        if not 0 <= to < len(held.pages):
            raise IndexError(f"position {to} outside 0..{len(held.pages) - 1}")
        del held.pages[index]
        held.pages.insert(to, page)
        held.touched = True

    def reorder(self, code: str, order: Sequence[int]) -> None:
        """Put a material's pages in `order` (their present indexes, each once: a drag in the view)."""
        held = self._material(code)
        if sorted(order) != list(range(len(held.pages))):
            raise ValueError(f"order {list(order)} is not a permutation of 0..{len(held.pages) - 1}")
        held.pages = [held.pages[index] for index in order]
        held.touched = True

    def move_to_material(self, code: str, index: int, other: str) -> None:
        """Move a page to the end of another material (a page filed under the wrong one)."""
        held, target = self._material(code), self._material(other)
        page = self._page(held, index)
        del held.pages[index]
        target.pages.append(page)
        held.touched = target.touched = True

    def keep(self, code: str, index: int) -> None:
        """The clerk keeps a warned page as it is (recorded with the page when attached)."""
        held = self._material(code)
        page = self._page(held, index)
        page.page = replace(page.page, kept_despite_warnings=bool(page.page.warnings))
        held.touched = True

    def keep_short_count(self, code: str) -> None:
        held = self._material(code)
        held.kept_short = True
        held.touched = True

    def place(self, index: int, code: str) -> None:
        """Put an unplaced page at the end of a material."""
        if not 0 <= index < len(self.unplaced):
            raise IndexError(f"unplaced page {index} outside 0..{len(self.unplaced) - 1}")
        page = self.unplaced.pop(index)
        page.reason = ""
        held = self._material(code)
        held.pages.append(page)
        held.touched = True

    def drop_unplaced(self, index: int) -> None:
        if not 0 <= index < len(self.unplaced):
            raise IndexError(f"unplaced page {index} outside 0..{len(self.unplaced) - 1}")
        del self.unplaced[index]

    def _material(self, code: str) -> Held:
        held = self._held.get(code)
        if held is None:
            raise CaptureError(f"材料 {code} 不在本办件的材料清单中")
        return held

    @staticmethod
    def _page(held: Held, index: int) -> HeldPage:
        if not 0 <= index < len(held.pages):
            raise IndexError(f"page {index} outside 0..{len(held.pages) - 1} of {held.slot.code}")
        return held.pages[index]
