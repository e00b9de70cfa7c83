"""The supervisor's list of 差评 (the hall's, as this window holds them: its own and those sync brought):
case number, window, level, reason, when rated, the follow-up due day (red once past) and the follow-up;
the supervisor selects one and records the follow-up (回访), which reaches the hall's other windows by sync.
Opened from the toolbar (`RatingsEntry`) by a person whose role holds the permission; every read and write
is a job on the database lane."""

from __future__ import annotations

from datetime import date
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from app.accounts.roles import Permission
from app.clock import hall_time_text
from app.lifecycle.evaluation import MAX_REASON_CHARS
from app.lifecycle.ratings import Rating
from app.operations.changes import REFUSALS
from app.operations.ratings import follow_up_rating, unfavourable_ratings
from db.store import StoreError
from ui.buttons import close_box
from ui.desk import Desk
from ui.object_names import named
from ui.screen_fit import fit_to_screen
from ui.toolbar_entry import ToolbarEntry

AnyIndex = QModelIndex | QPersistentModelIndex
RatingRole = Qt.ItemDataRole.UserRole + 1
OVERDUE = QColor("#c62828")


class RatingColumn(IntEnum):
    CASE = 0
    WINDOW = 1
    LEVEL = 2
    REASON = 3
    RATED_AT = 4
    DUE = 5
    FOLLOWED_UP = 6


RATING_HEADERS = {
    RatingColumn.CASE: "办件编号",
    RatingColumn.WINDOW: "窗口",
    RatingColumn.LEVEL: "评价",
    RatingColumn.REASON: "原因",
    RatingColumn.RATED_AT: "评价时间",
    RatingColumn.DUE: "回访期限",
    RatingColumn.FOLLOWED_UP: "回访",
}


class RatingsModel(QAbstractTableModel):
    def __init__(self, *, today: date) -> None:
        super().__init__()
        self._rows: list[Rating] = []
        self.today = today

    def set_ratings(self, rows: list[Rating], *, today: date) -> None:
        self.beginResetModel()
        self._rows = rows
        self.today = today
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(RatingColumn)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return RATING_HEADERS[RatingColumn(section)]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        rating = self._rows[index.row()]
        column = RatingColumn(index.column())
        if role == RatingRole:
            return rating
        if (
            role == Qt.ItemDataRole.ForegroundRole
            and column is RatingColumn.DUE
            and rating.overdue(self.today)
        ):
            return QBrush(OVERDUE)
        if role == Qt.ItemDataRole.ToolTipRole and column in (RatingColumn.REASON, RatingColumn.FOLLOWED_UP):
            return _text(rating, column) or None
        if role == Qt.ItemDataRole.DisplayRole:
            return _text(rating, column)
        return None


def _text(rating: Rating, column: RatingColumn) -> str:
    match column:
        case RatingColumn.CASE:
            return rating.case_number
        case RatingColumn.WINDOW:
            return rating.window_code
        case RatingColumn.LEVEL:
            return rating.level_label
        case RatingColumn.REASON:
            return rating.reason or ""
        case RatingColumn.RATED_AT:
            return hall_time_text(rating.rated_at)
        case RatingColumn.DUE:
            return rating.follow_up_due.isoformat() if rating.follow_up_due else ""
        case RatingColumn.FOLLOWED_UP:
            if rating.followed_up_at is None:
                return "未回访"
            return f"{hall_time_text(rating.followed_up_at)} {rating.follow_up_note or ''}"
    return ""


class RatingsDialog(QDialog):
    loaded = Signal()  # the list read (again)
    followed_up = Signal(object)  # Rating, once its follow-up is stored

    def __init__(self, *, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._desk = desk
        self.setWindowTitle("差评回访")
        fit_to_screen(self, preferred=QSize(1000, 520))
        layout = QVBoxLayout(self)
        self.model = RatingsModel(today=desk.workspace.clock.today())
        self.view = named(QTableView(), "ratingsView")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.view.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.view, 1)
        self.summary = named(QLabel(), "ratingsSummary")
        layout.addWidget(self.summary)
        row = QHBoxLayout()
        self.note = named(QLineEdit(placeholderText="回访情况：联系了谁、结果如何"), "followUpNote")
        self.note.setMaxLength(MAX_REASON_CHARS)
        self.note.returnPressed.connect(self.follow_up)
        self.follow_up_button = named(QPushButton("记录回访"), "followUpButton")
        self.follow_up_button.clicked.connect(self.follow_up)
        row.addWidget(self.note, 1)
        row.addWidget(self.follow_up_button)
        layout.addLayout(row)
        buttons = close_box(self)
        layout.addWidget(buttons)
        self.reload()

    def reload(self) -> None:
        workspace, person = self._desk.workspace, self._desk.counter
        self._desk.jobs.database(
            lambda _progress: unfavourable_ratings(workspace, person=person), parent=self
        ).success(self._loaded).failure(self._refused).run()

    def _loaded(self, rows: list[Rating]) -> None:
        today = self._desk.workspace.clock.today()
        self.model.set_ratings(rows, today=today)
        open_ = [r for r in rows if r.followed_up_at is None]
        late = [r for r in open_ if r.overdue(today)]
        self.summary.setText(f"差评 {len(rows)} 条，待回访 {len(open_)} 条，其中逾期 {len(late)} 条")
        self.loaded.emit()

    def selected(self) -> Rating | None:
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            return None
        rating: Rating = self.model.data(rows[0], RatingRole)
        return rating

    def follow_up(self) -> None:
        rating = self.selected()
        if rating is None:
            self._desk.notices.notify(QMessageBox.Icon.Information, "差评回访", "请先在列表中选择一条差评")
            return
        workspace, person, note = self._desk.workspace, self._desk.counter, self.note.text()
        self.follow_up_button.setEnabled(False)
        self._desk.jobs.database(
            lambda _progress: follow_up_rating(
                workspace, person=person, rating_event_id=rating.event_id, note=note
            ),
            parent=self,
        ).success(self._recorded).failure(self._refused).run()

    def _recorded(self, rating: Rating) -> None:
        self.follow_up_button.setEnabled(True)
        self.note.clear()
        self._desk.notices.show_status(f"已记录办件 {rating.case_number} 差评的回访", 10000)
        self.followed_up.emit(rating)
        self.reload()

    def _refused(self, error: Exception) -> None:
        self.follow_up_button.setEnabled(True)
        if not isinstance(error, (*REFUSALS, StoreError)):
            raise error
        self._desk.notices.notify(QMessageBox.Icon.Warning, "未记录", str(error))


def ratings_entry(*, desk: Desk, toolbar: QToolBar) -> ToolbarEntry:
    """The toolbar's 差评回访 button: the list for a person whose role follows 差评 up (the supervisor)."""
    return ToolbarEntry(
        desk=desk,
        toolbar=toolbar,
        label="差评回访",
        name="ratingsButton",
        tooltip="本大厅的差评及回访（值班主任）",
        permission=Permission.FOLLOW_UP_RATING,
        refused_title="不能查看差评",
        make_dialog=lambda parent: RatingsDialog(desk=desk, parent=parent),
    )
