"""The window's bundles (一件事一次办): a bundle chosen in the item search opens its intake
(ui.bundle_intake); a bundle scanned or asked for from a case opens its cases followed together
(ui.bundle_dialog): read from this window's store on the database lane, else from the server on the network
lane (online), or a message saying why not (offline)."""

from __future__ import annotations

import logging
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox

from app.bundles.follow import BundleNotFollowed, BundleStatus, held_bundle_status, server_bundle_status
from app.bundles.numbers import BundleNumberError
from app.case_number import CaseNumberError
from app.catalog import ServiceItem
from ui.bundle_dialog import BundleDialog
from ui.bundle_intake import BundleIntakeDialog
from ui.desk import Desk

log = logging.getLogger("clerk.ui.bundles")

NOT_FOLLOWED = (BundleNotFollowed, BundleNumberError, CaseNumberError)


class BundleDesk(QObject):
    intake_opened = Signal(object)  # the BundleIntakeDialog, once open
    saved = Signal(object)  # StoredBundle
    opened = Signal(object)  # the BundleDialog, once open
    not_followed = Signal(str)  # why a bundle could not be shown

    def __init__(self, *, desk: Desk, open_case: Callable[[str], None]) -> None:
        super().__init__(desk.window)
        self._desk = desk
        self._open_case = open_case
        self.intake: BundleIntakeDialog | None = None
        self.dialog: BundleDialog | None = None

    # -- taking a bundle in --------------------------------------------------------------------------
    def open_intake(self, code: str) -> BundleIntakeDialog | None:
        catalog = self._desk.workspace.catalog
        bundle = catalog.bundle(code)
        if bundle is None:
            self._desk.notices.show_status(f"事项目录中没有一件事 {code}", 10000)
            return None
        items: dict[str, ServiceItem] = {}
        for item_code in bundle.item_codes:
            item = catalog.item(item_code)
            if item is None:
                self._desk.notices.notify(
                    QMessageBox.Icon.Warning,
                    "不能办理",
                    f"一件事“{bundle.name}”的事项 {item_code} 不在目录中",
                )
                return None
            items[item_code] = item
        dialog = BundleIntakeDialog(desk=self._desk, bundle=bundle, items=items)
        dialog.saved.connect(self.saved)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.intake = dialog
        self.intake_opened.emit(dialog)
        return dialog

    # -- following a bundle --------------------------------------------------------------------------
    def show_bundle(self, text: str) -> None:
        """The bundle of a bundle number (or of a case number) with its cases and their statuses."""
        workspace = self._desk.workspace
        self._desk.jobs.database(
            lambda _progress: held_bundle_status(workspace, text=text), parent=self._desk.window
        ).success(lambda status: self._held(status, text)).failure(self._not_followed).run()

    def _held(self, status: BundleStatus | None, text: str) -> None:
        if status is not None:
            self._show(status)
            return
        workspace = self._desk.workspace
        self._desk.notices.show_status(f"本窗口没有一件事 {text} 的办件，正在向服务器查询…")
        self._desk.jobs.network(
            lambda _progress: server_bundle_status(workspace, number=text), parent=self._desk.window
        ).success(self._show).failure(self._not_followed).run()

    def _not_followed(self, error: Exception) -> None:
        if not isinstance(error, NOT_FOLLOWED):
            raise error
        self._desk.notices.show_status("")
        self._desk.notices.notify(QMessageBox.Icon.Warning, "无法查看一件事", str(error))
        self.not_followed.emit(str(error))

    def _show(self, status: BundleStatus) -> None:
        self._desk.notices.show_status("")
        shown = self.dialog
        if shown is not None and shiboken6.isValid(shown):
            shown.close()
        dialog = BundleDialog(status, parent=self._desk.window)
        dialog.open_case.connect(self._open_case)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.dialog = dialog
        self.opened.emit(dialog)
