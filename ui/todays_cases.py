"""今日办件: this window's cases of the day, read on the database lane; a heading folds the list away (the
window remembers it), a double-click opens a case."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.cases.queries import CaseSummary
from db.store import StoreError
from ui.desk import Desk
from ui.models import CaseColumn, CasesModel, NumberRole
from ui.object_names import named

# Rows shown when the panel is open (it scrolls for more).
CASES_ROWS = 3


class TodaysCases(QWidget):
    open_requested = Signal(str)  # a case number
    list_shown = Signal(bool)  # the clerk opened (True) or folded away (False) the list
    refreshed = Signal(int)  # the number of today's cases, once shown
    settled = Signal()  # after each reading, shown or not

    def __init__(self, *, desk: Desk, open_: bool) -> None:
        super().__init__()
        self.setObjectName("casesPanel")
        self._desk = desk
        self.loaded = False  # read once (or failed to be)
        self.cases_model = CasesModel()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.cases_toggle = named(QToolButton(), "casesToggle")
        self.cases_toggle.setCheckable(True)
        self.cases_toggle.setChecked(open_)
        self.cases_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.cases_toggle.setAutoRaise(True)
        self.cases_toggle.setToolTip("展开或收起今日办件列表（收起后材料核验区更大）")
        self.cases_summary = named(QLabel(""), "casesSummary")
        heading = QHBoxLayout()
        heading.addWidget(self.cases_toggle)
        heading.addWidget(self.cases_summary, 1)
        layout.addLayout(heading)
        self.cases_view = named(QTableView(), "casesView")
        self.cases_view.setModel(self.cases_model)
        self.cases_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.cases_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.cases_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(CaseColumn.ITEM, QHeaderView.ResizeMode.Stretch)
        rows = self.cases_view.verticalHeader()
        rows.setVisible(False)
        rows.setDefaultSectionSize(self.cases_view.fontMetrics().height() + 6)
        row_height = rows.defaultSectionSize()
        self.cases_view.setFixedHeight(header.sizeHint().height() + CASES_ROWS * row_height + 4)
        layout.addWidget(self.cases_view)
        self._show_open(open_)
        self.cases_toggle.toggled.connect(self._toggled)
        self.cases_view.doubleClicked.connect(self._open_row)

    def refresh(self) -> None:
        """Read today's cases of this window again (after a save, a print, a sync)."""
        cases = self._desk.workspace.cases
        day, window_code = self._desk.workspace.clock.today(), self._desk.counter.window_code
        self._desk.jobs.database(
            lambda _progress: cases.for_day(day, window_code=window_code), parent=self
        ).success(self._show).failure(self._not_read).run()

    def _show(self, cases: list[CaseSummary]) -> None:
        self.cases_model.set_cases(cases)
        self.loaded = True
        self.cases_summary.setText(f"共 {len(cases)} 件")
        self.refreshed.emit(len(cases))
        self.settled.emit()

    def _not_read(self, error: Exception) -> None:
        self.loaded = True
        self.settled.emit()
        if not isinstance(error, StoreError):
            raise error
        self._desk.notices.notify(QMessageBox.Icon.Warning, "无法读取今日办件", str(error))

    def _show_open(self, on: bool) -> None:
        self.cases_view.setVisible(on)
        self.cases_toggle.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)
        self.cases_toggle.setText("今日办件（双击查看）" if on else "今日办件（已收起，点击展开）")

    def _toggled(self, on: bool) -> None:
        self._show_open(on)
        self.list_shown.emit(on)

    def _open_row(self, index: QModelIndex) -> None:
        self.open_requested.emit(str(index.data(NumberRole)))
