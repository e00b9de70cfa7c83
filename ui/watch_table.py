"""One list of the approver's queue or the supervisor's watch (app.lifecycle.watch) as a table: a model that
fetches its rows a page at a time as the view scrolls (canFetchMore / fetchMore), each page read on the
database lane; rows yellow with two working days or fewer left, red when overdue, and the same said in
words in the days-left column for those who do not tell the colours apart; double-click or Enter opens
the case (`open_requested`)."""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from app.lifecycle.time_limits import Urgency
from app.lifecycle.watch import WatchList, WatchPage, WatchRow
from ui.jobs import Jobs

AnyIndex = QModelIndex | QPersistentModelIndex
NumberRole = Qt.ItemDataRole.UserRole + 1
WatchRowRole = Qt.ItemDataRole.UserRole + 2
UrgencyRole = Qt.ItemDataRole.UserRole + 3

URGENCY_BACKGROUND = {Urgency.SOON: QColor("#fff3b0"), Urgency.OVERDUE: QColor("#f8c4c4")}

# A page of rows: the list and filter are the loader's; the model asks for `offset`.
PageLoader = Callable[[int], WatchPage]


class WatchColumn(IntEnum):
    NUMBER = 0
    ITEM = 1
    APPLICANT = 2
    WINDOW = 3
    STATUS = 4
    ACCEPTED_ON = 5
    DUE = 6
    DAYS_LEFT = 7


# The day column says what the list is ordered by.
DUE_HEADER = {
    WatchList.LEGAL: "法定办结期限",
    WatchList.PROMISED: "承诺办结期限",
    WatchList.SUSPENDED: "法定办结期限",
    WatchList.DEADLINES: "补正/容缺期限",
}
HEADERS = {
    WatchColumn.NUMBER: "办件编号",
    WatchColumn.ITEM: "事项",
    WatchColumn.APPLICANT: "申请人",
    WatchColumn.WINDOW: "受理窗口",
    WatchColumn.STATUS: "状态",
    WatchColumn.ACCEPTED_ON: "受理日",
    WatchColumn.DAYS_LEFT: "剩余工作日",
}


def days_left_text(row: WatchRow) -> str:
    """The days left in words, with the urgency spelled out (the colour's meaning, for everyone)."""
    if row.days_left < 0:
        text = f"逾期 {-row.days_left} 日"
    elif row.days_left == 0:
        text = "今日到期"
    else:
        text = f"剩 {row.days_left} 日"
    if row.urgency is not Urgency.OK:
        text += f"【{row.urgency_label}】"
    return text if row.days_left_certain else text + "（日历未发布，仅供参考）"


def _text(row: WatchRow, column: WatchColumn, watch_list: WatchList) -> str:
    match column:
        case WatchColumn.NUMBER:
            return row.number
        case WatchColumn.ITEM:
            return row.item_name or row.item_code or ""
        case WatchColumn.APPLICANT:
            return row.applicant or "—"
        case WatchColumn.WINDOW:
            return row.window_code
        case WatchColumn.STATUS:
            if watch_list is WatchList.SUSPENDED and row.suspended_since is not None:
                return f"{row.status_label}（自 {row.suspended_since}）"
            if watch_list is WatchList.DEADLINES:
                return f"{row.status_label}·{row.deadline_kind}"
            return row.status_label
        case WatchColumn.ACCEPTED_ON:
            return row.accepted_on.isoformat() if row.accepted_on else ""
        case WatchColumn.DUE:
            due = row.legal_due if watch_list is WatchList.SUSPENDED else row.day
            return due.isoformat() if due else ""
        case WatchColumn.DAYS_LEFT:
            return days_left_text(row)


class WatchModel(QAbstractTableModel):
    """The rows of one list read so far; more are fetched as the view needs them (`fetchMore`), one page
    at a time on the database lane. `show(loader)` starts over with another list or filter: a page asked
    for before then arrives to nobody."""

    page_loaded = Signal(object)  # WatchPage, once its rows are in the model
    failed = Signal(object)  # the loader's exception

    def __init__(self, *, jobs: Jobs, watch_list: WatchList, owner: QObject) -> None:
        super().__init__()
        self._jobs, self._owner = jobs, owner
        self.watch_list = watch_list
        self._rows: list[WatchRow] = []
        self._loader: PageLoader | None = None
        self._generation = 0
        self._loading = False
        self.total: int | None = None  # rows of the list under its filter; None until a page arrived

    # -- fetching ------------------------------------------------------------------------------------
    def show(self, loader: PageLoader) -> None:
        """Start over: no rows, then the first page from `loader`."""
        self.beginResetModel()
        self._rows, self._loader, self.total = [], loader, None
        self._generation += 1
        self._loading = False
        self.endResetModel()
        self._fetch(0)

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        if parent.isValid() or self._loader is None or self._loading:
            return False
        return self.total is not None and len(self._rows) < self.total

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent):
            self._fetch(len(self._rows))

    def _fetch(self, offset: int) -> None:
        loader, generation = self._loader, self._generation
        if loader is None:
            return
        self._loading = True
        self._jobs.database(lambda _progress: loader(offset), parent=self._owner).success(
            lambda page: self._arrived(page, generation)
        ).failure(lambda error: self._not_read(error, generation)).run()

    def _arrived(self, page: WatchPage, generation: int) -> None:
        if generation != self._generation:
            return  # asked for a list no longer shown
        self._loading = False
        fresh = page.rows[max(0, len(self._rows) - page.offset) :]
        if fresh:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
            self._rows.extend(fresh)
            self.total = page.total
            self.endInsertRows()
        else:
            self.total = len(self._rows)  # nothing more came: the list ends here
        self.page_loaded.emit(page)

    def _not_read(self, error: Exception, generation: int) -> None:
        if generation == self._generation:
            self._loading = False
            self.failed.emit(error)

    # -- the table -----------------------------------------------------------------------------------
    def row_at(self, row: int) -> WatchRow:
        return self._rows[row]

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(WatchColumn)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        if not 0 <= section < len(WatchColumn):
            return None
        column = WatchColumn(section)
        return DUE_HEADER[self.watch_list] if column is WatchColumn.DUE else HEADERS[column]

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = WatchColumn(index.column())
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            text = _text(row, column, self.watch_list)
            if role == Qt.ItemDataRole.ToolTipRole and column is WatchColumn.APPLICANT and not row.held_here:
                return "在其他窗口受理：打开办件后查看申请人"
            return text
        if role == Qt.ItemDataRole.BackgroundRole:
            colour = URGENCY_BACKGROUND.get(row.urgency)
            return QBrush(colour) if colour is not None else None
        if role == Qt.ItemDataRole.ForegroundRole and row.urgency is not Urgency.OK:
            return QBrush(QColor("#000000"))  # dark text on the light warning colours, whatever the theme
        if role == NumberRole:
            return row.number
        if role == WatchRowRole:
            return row
        if role == UrgencyRole:
            return str(row.urgency)
        return None


class WatchTable(QTableView):
    """A list's view: whole rows selected; double-click or Enter asks to open the case."""

    open_requested = Signal(str)  # a case number

    def __init__(self, model: WatchModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setWordWrap(False)
        self.verticalHeader().setVisible(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(WatchColumn.ITEM, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(60)
        metrics = self.fontMetrics()
        for column, sample in (
            (WatchColumn.NUMBER, "SZX0103-20261120-0001X"),
            (WatchColumn.APPLICANT, "申请人姓名"),
            (WatchColumn.WINDOW, "SZX0103"),
            (WatchColumn.STATUS, "审查中·容缺补交期限"),
            (WatchColumn.ACCEPTED_ON, "2026-11-20"),
            (WatchColumn.DUE, max(DUE_HEADER.values(), key=metrics.horizontalAdvance)),
            (WatchColumn.DAYS_LEFT, "逾期 10 日【已逾期】"),
        ):
            header.resizeSection(column, metrics.horizontalAdvance(sample) + 16)
        self.doubleClicked.connect(self._open)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self._open(self.currentIndex())
            return
        super().keyPressEvent(event)

    def _open(self, index: QModelIndex) -> None:
        number = index.data(NumberRole)
        if number:
            self.open_requested.emit(str(number))
