"""A saved case's pages from its dialog: 材料页面… opens the capture view over them — to add and arrange
for a person who may capture pages of a case still open here, to look at for everyone else who may see them
(the back office: files not on this PC are downloaded first, with progress) — and 导出材料 PDF… writes them
as one PDF with a bookmark per material."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QMessageBox

from app.accounts.roles import Permission
from app.cases.status import is_ended
from app.operations.capture import attach_capture, saved_capture, viewing_capture
from app.operations.changes import REFUSALS
from app.operations.pages import CasePages, case_pages, export_case_pages
from app.scanning.capture import CaptureSession
from app.scanning.pages import CaptureError
from ui.capture_view import CaptureDialog, open_capture
from ui.desk import Desk, not_permitted
from ui.jobs import ProgressReport


class CasePagesFlow(QObject):
    def __init__(self, *, desk: Desk) -> None:
        super().__init__(desk.window)
        self._desk = desk
        self.dialog: CaptureDialog | None = None

    def open_pages(self, number: str) -> None:
        """Make the case's page files available here (downloading them), then show them."""
        desk = self._desk
        workspace, person = desk.workspace, desk.counter

        def work(progress: ProgressReport) -> tuple[CasePages, CaptureSession, bool]:
            pages = case_pages(
                workspace,
                person=person,
                number=number,
                progress=lambda here, total: progress(done=here, total=total, text="正在调取材料页面…"),
            )
            case = workspace.cases.find(number)
            editable = (
                case is not None
                and not is_ended(case.status)
                and not_permitted(person, Permission.CAPTURE_PAGES) is None
                and case.window_code == person.window_code
            )
            if editable:
                return pages, saved_capture(workspace, person=person, number=number), True
            return pages, viewing_capture(workspace, pages.sets), False

        desk.notices.show_status(f"正在读取办件 {number} 的材料页面…")
        op = desk.jobs.network(work, parent=desk.window)
        op.on_progress(
            lambda p: desk.notices.show_status(f"正在调取材料页面：{p.done}/{p.total or '?'} 个文件")
        )
        op.success(lambda found: self._show(number, *found)).failure(self._failed).run()

    def _show(self, number: str, pages: CasePages, session: CaptureSession, editable: bool) -> None:
        desk = self._desk
        desk.notices.show_status("")
        workspace, person = desk.workspace, desk.counter
        case = workspace.cases.find(number)
        self.dialog = open_capture(
            desk,
            session,
            title=f"办件 {number} 的材料页面",
            case_number=number,
            applicant_name=case.applicant.name if case is not None else "",
            attach=(lambda s: attach_capture(workspace, person=person, number=number, session=s))
            if editable
            else None,
            read_only=not editable,
            note=pages.message,
        )

    def _failed(self, error: Exception) -> None:
        if not isinstance(error, REFUSALS + (CaptureError,)):
            raise error
        self._desk.notices.show_status("")
        self._desk.notices.notify(QMessageBox.Icon.Warning, "无法显示材料页面", str(error))

    def export(self, number: str, target: Path | None = None) -> None:
        """Ask where (unless `target` is given), then write the case's pages as one PDF."""
        desk = self._desk
        if target is None:
            name, _filter = QFileDialog.getSaveFileName(
                desk.window, "导出材料 PDF", f"{number}-材料.pdf", "PDF (*.pdf)"
            )
            if not name:
                return
            target = Path(name)
        workspace, person = desk.workspace, desk.counter
        chosen = target
        op = desk.jobs.network(
            lambda _p: export_case_pages(workspace, person=person, number=number, target=chosen),
            parent=desk.window,
        )
        op.success(lambda pages: desk.notices.show_status(f"已导出 {pages} 页到 {chosen}", 15000))
        op.failure(self._not_exported).run()

    def _not_exported(self, error: Exception) -> None:
        if not isinstance(error, REFUSALS + (CaptureError, OSError)):
            raise error
        self._desk.notices.notify(QMessageBox.Icon.Warning, "未导出", str(error))
