"""A helper's captured pages at the window (issue 15): a loaded draft's pages put on their materials in the
counter's capture session, so they go with the decision's transaction as counter-captured pages do.

On the helper's PC the draft names its pages per material (app.helpers.drafts.DraftPages) and owes their
files to the server (app.helpers.drafts.name_pages → app.sync.blobs). At the window:

- a material's pages are put on it only when every one of its files is in this PC's page store (nothing
  half-filled: a material never shows fewer pages than the helper captured, in another order);
- the files not here are downloaded off the GUI thread (app.sync.blob_downloads.PageDownloads.ensure_files,
  each file's hash checked before it enters the store; a file whose bytes do not match is refused, named),
  and the materials then complete are put on;
- a material the clerk has captured pages for in the meantime keeps the clerk's pages;
- pages of a material the window's checklist does not list (another applicant kind, a changed catalog)
  wait under 未归类 for the clerk to place;
- what is still not here is said plainly (`waiting_message`): the case is never held up by it, and the
  clerk can capture those pages again.

A format-1 draft names its pages on no material and without their sizes: they are not fetched, and the
clerk is told so (`flat_pages_note`).

No Qt here: ui.draft_pages runs it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from app.helpers.drafts import FLAT_PAGES_FORMAT, Draft, DraftPages
from app.scanning.capture import CaptureSession, HeldPage
from app.scanning.quality import WarningCode

# The page check's findings as the helper's PC recorded them (codes only: the figures stay there).
WARNING_LABEL: dict[str, str] = {
    WarningCode.BLANK: "疑似空白页（帮办采集时提示）",
    WarningCode.TOO_DARK: "页面过暗（帮办采集时提示）",
    WarningCode.BLURRED: "页面模糊（帮办采集时提示）",
}


@dataclass(frozen=True)
class Placed:
    """What putting a draft's pages on the capture session did."""

    placed: dict[str, int]  # material code → pages put on it now
    unplaced: int = 0  # pages put under 未归类 (their material is not on this checklist)
    waiting: tuple[DraftPages, ...] = ()  # materials whose files are not all here
    kept_clerks: tuple[str, ...] = ()  # materials the clerk captured again: the helper's pages left out

    @property
    def pages_placed(self) -> int:
        return sum(self.placed.values()) + self.unplaced

    @property
    def pages_waiting(self) -> int:
        return sum(len(one.pages) for one in self.waiting)


def _held(one: DraftPages, *, reason: str = "") -> list[HeldPage]:
    return [
        HeldPage(
            page,
            tuple(WARNING_LABEL.get(code, code) for code in page.warnings),
            origin="帮办采集",
            reason=reason,
        )
        for page in one.pages
    ]


def place_draft_pages(
    capture: CaptureSession,
    pages: Sequence[DraftPages],
    *,
    here: Callable[[str], bool],
    names: Mapping[str, str],
) -> Placed:
    """Put `pages` (a draft's, or those of them still waiting) whose files are all `here` on their
    materials in `capture` (see the module docstring). `names`: material code → name, for 未归类."""
    slots = {slot.code for slot in capture.materials}
    placed: dict[str, int] = {}
    unplaced = 0
    waiting: list[DraftPages] = []
    kept: list[str] = []
    for one in pages:
        if not all(here(page.sha256) for page in one.pages):
            waiting.append(one)
            continue
        code = one.material_code
        if code not in slots:
            name = names.get(code, code)
            capture.unplaced.extend(_held(one, reason=f"帮办归入材料 {name}（本窗口清单中没有此材料）"))
            unplaced += len(one.pages)
            continue
        if capture.pages(code):
            kept.append(code)
            continue
        capture.append(code, _held(one))
        if one.kept_short:
            capture.keep_short_count(code)
        placed[code] = len(one.pages)
    return Placed(placed, unplaced, tuple(waiting), tuple(kept))


def files_of(pages: Sequence[DraftPages]) -> dict[str, int]:
    """The files (SHA-256 → size) the pages need."""
    return {page.sha256: page.byte_size for one in pages for page in one.pages}


def waiting_message(waiting: Sequence[DraftPages], *, names: Mapping[str, str], why: str = "") -> str:
    """What the clerk is told of pages not here: how many, of which materials."""
    count = sum(len(one.pages) for one in waiting)
    if not count:
        return ""
    which = "、".join(f"{names.get(o.material_code, o.material_code)} {len(o.pages)} 页" for o in waiting)
    reason = f"（{why}）" if why else ""
    return (
        f"帮办采集的 {count} 页尚未到达本机（{which}）{reason}：可联网后重新扫描预审单重试，"
        "或按 F6 重新采集；不影响受理"
    )


def flat_pages_note(draft: Draft) -> str:
    """A format-1 draft's pages cannot be put on materials: what the clerk is told ("" when it has none)."""
    if draft.format != FLAT_PAGES_FORMAT or not draft.flat_page_hashes:
        return ""
    return (
        f"该预审单为旧版格式，所附帮办采集的 {len(draft.flat_page_hashes)} 页未注明所属材料，"
        "未放入材料页面：请按 F6 重新采集；不影响受理"
    )
