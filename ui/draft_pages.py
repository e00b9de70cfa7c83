"""A loaded helper's draft's pages at the window (app.helpers.draft_pages): put on their materials in the
capture of the case being taken in at once when their files are here, the rest downloaded on the network
lane and put on when they arrive; what is not here is said plainly, and the case goes on without it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox

from app.helpers.draft_pages import Placed, files_of, flat_pages_note, place_draft_pages, waiting_message
from app.helpers.drafts import Draft, DraftPages
from app.operations.changes import REFUSALS
from app.scanning.capture import CaptureSession
from app.scanning.pages import CaptureError
from app.sync.blob_downloads import FilesHere
from app.sync.transport import SyncError
from ui.counter_flow import CounterFlow
from ui.desk import Desk

log = logging.getLogger("clerk.ui.pages")

TITLE = "帮办采集的页面"


@dataclass
class DraftPagesOutcome:
    """What became of a loaded draft's pages (for the status bar, and tests waiting on `settled`)."""

    draft_id: str
    placed: dict[str, int] = field(default_factory=dict)  # material code → pages put on it
    unplaced: int = 0
    waiting: tuple[DraftPages, ...] = ()  # materials whose pages are not here
    problems: tuple[str, ...] = ()  # files refused (a download not matching its hash …)
    message: str = ""  # what the clerk was told ("" when every page is on its material)


class DraftPagesIntake(QObject):
    settled = Signal(object)  # DraftPagesOutcome, once nothing more is on its way

    def __init__(self, *, desk: Desk, flow: CounterFlow) -> None:
        super().__init__(desk.window)
        self._desk, self._flow = desk, flow
        self.last: DraftPagesOutcome | None = None

    def take(self, draft: Draft) -> None:
        """The pages of `draft`, just filled into the form (ui.counter_flow.fill_draft)."""
        flow, desk = self._flow, self._desk
        note = flat_pages_note(draft)
        if note:
            self._settle(DraftPagesOutcome(draft.draft_id, message=note), icon=QMessageBox.Icon.Information)
            return
        if not draft.material_pages:
            return
        try:
            capture = flow.intake_capture()
        except REFUSALS + (CaptureError,) as error:
            message = f"帮办采集的 {len(draft.page_hashes)} 页未放入材料页面：{error}"
            self._settle(DraftPagesOutcome(draft.draft_id, message=message), icon=QMessageBox.Icon.Warning)
            return
        store = desk.workspace.pages.pages
        done = self._place(capture, draft.material_pages, store.has)
        outcome = DraftPagesOutcome(draft.draft_id, dict(done.placed), done.unplaced, done.waiting)
        if not done.waiting:
            self._settle(outcome)
            return
        desk.notices.show_status(f"正在从服务器取回帮办采集的 {done.pages_waiting} 页…", 10000)
        files = files_of(done.waiting)
        sync = desk.workspace.sync
        desk.jobs.network(lambda _p: sync.ensure_page_files(files), parent=desk.window).success(
            lambda got: self._downloaded(draft, capture, outcome, got)
        ).failure(lambda error: self._not_downloaded(draft, outcome, error)).run()

    def _place(
        self, capture: CaptureSession, pages: tuple[DraftPages, ...], here: Callable[[str], bool]
    ) -> Placed:
        item = self._flow.item
        names = {m.code: m.name for m in item.materials} if item is not None else {}
        done = place_draft_pages(capture, pages, here=here, names=names)
        if done.placed:
            self._flow.checklist.set_captured_pages(capture.page_counts())
        return done

    def _still_on_screen(self, draft: Draft, capture: CaptureSession) -> bool:
        flow = self._flow
        by = flow.prepared_by
        return (
            flow.capture is capture
            and by is not None
            and by.draft_id == draft.draft_id
            and not flow.case_saved
            and not flow.saving
        )

    def _downloaded(
        self, draft: Draft, capture: CaptureSession, outcome: DraftPagesOutcome, got: FilesHere
    ) -> None:
        if not self._still_on_screen(draft, capture):
            log.info("pages of draft %s arrived after the form moved on: not put on", draft.draft_id)
            outcome.message = "帮办采集的页面到达时本件已保存或已换件，未放入；如需要请在办件中按 F6 采集"
            self._settle(outcome, icon=QMessageBox.Icon.Information)
            return
        done = self._place(capture, outcome.waiting, self._desk.workspace.pages.pages.has)
        outcome.placed.update(done.placed)
        outcome.unplaced += done.unplaced
        outcome.waiting = done.waiting
        outcome.problems = got.problems
        self._settle(outcome, why="服务器上尚无这些页面，帮办电脑可能尚未同步" if got.not_on_server else "")

    def _not_downloaded(self, draft: Draft, outcome: DraftPagesOutcome, error: Exception) -> None:
        if not isinstance(error, SyncError):
            raise error
        log.info("pages of draft %s not downloaded: %s", draft.draft_id, error.message)
        self._settle(outcome, why=error.message)

    def _settle(
        self, outcome: DraftPagesOutcome, *, why: str = "", icon: QMessageBox.Icon | None = None
    ) -> None:
        item = self._flow.item
        names = {m.code: m.name for m in item.materials} if item is not None else {}
        parts = [outcome.message] if outcome.message else []
        if outcome.waiting:
            parts.append(waiting_message(outcome.waiting, names=names, why=why))
        parts += list(outcome.problems)
        outcome.message = "\n".join(parts)
        placed = sum(outcome.placed.values()) + outcome.unplaced
        if outcome.message:
            self._desk.notices.show_status(outcome.message.splitlines()[0], 15000)
            self._desk.notices.notify(icon or QMessageBox.Icon.Warning, TITLE, outcome.message)
        elif placed:
            self._desk.notices.show_status(
                f"帮办采集的 {placed} 页已放入材料页面（按 F6 查看），受理保存时一并保存", 10000
            )
        self.last = outcome
        self.settled.emit(outcome)
