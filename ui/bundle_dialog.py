"""A 一件事 bundle's cases followed together: each case's item, decision, status and promised date, and the
bundle's overall state (app.bundles.follow: this window's record, or the server's). Double-click (or Enter)
opens a case. A scan while it is open goes where it belongs, as from the window."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.bundles.follow import BundleCaseLine, BundleStatus
from ui.buttons import close_box
from ui.models import AnyIndex, NumberRole
from ui.object_names import named
from ui.scan_input import read_scans_in
from ui.screen_fit import fit_to_screen


class BundleCaseColumn(IntEnum):
    NUMBER = 0
    ITEM = 1
    DECISION = 2
    STATUS = 3
    PROMISED = 4


HEADERS = {
    BundleCaseColumn.NUMBER: "办件编号",
    BundleCaseColumn.ITEM: "事项",
    BundleCaseColumn.DECISION: "受理决定",
    BundleCaseColumn.STATUS: "当前状态",
    BundleCaseColumn.PROMISED: "承诺办结 / 期限",
}


class BundleCasesModel(QAbstractTableModel):
    def __init__(self, cases: tuple[BundleCaseLine, ...] = ()) -> None:
        super().__init__()
        self._cases = list(cases)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._cases)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(BundleCaseColumn)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[BundleCaseColumn(section)]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._cases):
            return None
        case = self._cases[index.row()]
        if role == NumberRole:
            return case.number
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        match BundleCaseColumn(index.column()):
            case BundleCaseColumn.NUMBER:
                return case.number
            case BundleCaseColumn.ITEM:
                return case.item_name
            case BundleCaseColumn.DECISION:
                return case.decision_label
            case BundleCaseColumn.STATUS:
                return case.status_label
            case BundleCaseColumn.PROMISED:
                return case.promised
        return None


class BundleDialog(QDialog):
    open_case = Signal(str)  # a case number, double-clicked

    def __init__(self, status: BundleStatus, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        read_scans_in(self)
        self.status = status
        self.setWindowTitle(f"一件事 {status.number}")
        fit_to_screen(self, preferred=QSize(900, 420))
        layout = QVBoxLayout(self)
        name = f"“{status.name}”" if status.name else ""
        self.heading = named(
            QLabel(
                f"一件事{name}  {status.number}\n"
                f"整体状态：{status.state_label}  ·  共 {len(status.cases)} 个办件  ·  "
                f"{status.received_on} 由 {status.window_code} 窗口受理\n"
                f"来源：{status.source_label}；双击办件查看详情"
            ),
            "bundleStatusHeading",
        )
        self.heading.setWordWrap(True)
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.heading)
        self.model = BundleCasesModel(status.cases)
        self.view = named(QTableView(), "bundleCases")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().hide()
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(BundleCaseColumn.ITEM, QHeaderView.ResizeMode.Stretch)
        self.view.activated.connect(self._open)
        if status.cases:
            self.view.setCurrentIndex(self.model.index(0, 0))
        layout.addWidget(self.view, 1)
        layout.addWidget(close_box(self))

    def _open(self, index: QModelIndex) -> None:
        number = index.data(NumberRole)
        if isinstance(number, str):
            self.open_case.emit(number)
