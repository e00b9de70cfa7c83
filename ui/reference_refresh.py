"""A sync round brought a catalog version or a calendar: the workspace reads it on the database lane, and
the window uses it from then on, between the clerk's actions. A case being entered keeps what the clerk
typed and is checked again against the new checklist if that changed; a saved case on screen stays as it
was saved."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication

from app.sync.client import SyncReport
from db.store import StoreError
from ui.counter_flow import CounterFlow
from ui.desk import Desk
from ui.item_search import ItemSearchPanel


class ReferenceRefresh(QObject):
    applied = Signal(bool)  # the window uses the new reference data; True when the catalog changed

    def __init__(self, *, desk: Desk, flow: CounterFlow, search: ItemSearchPanel) -> None:
        super().__init__(desk.window)
        self._desk = desk
        self._flow = flow
        self._search = search
        self._unread = False  # a reading failed: the next round reads again, whatever it brought

    def after_sync(self, report: SyncReport) -> None:
        if report.catalog_versions or report.calendar_years or self._unread:
            self.refresh()

    def refresh(self) -> None:
        workspace = self._desk.workspace
        self._desk.jobs.database(
            lambda _progress: workspace.refresh_reference_data(), parent=self._desk.window
        ).success(self.use).failure(self._not_read).run()

    def _not_read(self, error: Exception) -> None:
        if not isinstance(error, StoreError):
            raise error
        self._unread = True  # the window keeps what it had until the next round
        self._desk.notices.show_status(f"未能读取同步收到的事项目录或节假日安排：{error}", 30000)

    def use(self, catalog_changed: bool) -> None:
        """The window takes the reference data the workspace now holds (refreshed on the database lane)."""
        self._unread = False
        flow, notices = self._flow, self._desk.notices
        before = flow.item
        if not catalog_changed:
            if flow.holds_unsaved_case:
                flow.reevaluate()  # the calendar may move the promised date
            notices.show_status("已收到新的节假日安排", 10000)
            self.applied.emit(False)
            return
        catalog = self._desk.workspace.catalog
        self._search.search_again()
        message = f"事项目录已更新为 {catalog.version}"
        if before is not None and flow.holds_unsaved_case:
            after = catalog.item(before.code)
            if after is None:
                flow.drop_item(
                    notice=f"{message}：事项 {before.name} 已不在新目录中，请重新选择事项",
                    idle="请重新选择事项",
                )
                message += f"；事项 {before.name} 已撤销"
            elif after.checklist_sha256 != before.checklist_sha256:
                focused = QApplication.focusWidget()
                flow.choose_item(after.code)
                if focused is not None:
                    focused.setFocus()  # the clerk's cursor stays where it was
                self._search.show_catalog_notice(
                    f"⚠ {message}：本事项的材料清单有变化，已按新清单列出，改动的材料请重新核对"
                )
                message += "；当前事项的材料清单有变化，请重新核对"
            else:
                flow.item = after
                flow.reevaluate()
        notices.show_status(message, 30000)
        self.applied.emit(True)
