"""时限监控: the supervisor's time-limit watch — the hall's open cases by working days left on the legal and
on the promised limit, the suspended ones apart, and the 补正 / 容缺 deadlines (app.lifecycle.watch), one
tab each, filtered by department and by window. Opened from the toolbar (`TimeWatchEntry`), shown to a
person whose role may watch time limits; double-click or Enter opens a case."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from app.accounts.roles import Permission
from app.lifecycle.watch import WATCH_LIST_LABEL, WatchFilter, WatchList, WatchPage
from app.operations.person import Actor
from app.operations.watch import time_limit_watch, watch_choices
from ui.buttons import close_box
from ui.desk import Desk
from ui.object_names import named
from ui.scan_input import read_scans_in
from ui.screen_fit import fit_to_screen
from ui.toolbar_entry import ToolbarEntry
from ui.watch_views import ALL, loaded_text, refused, watch_tabs

if TYPE_CHECKING:
    from app.workspace import Workspace


class TimeWatchDialog(QDialog):
    page_loaded = Signal(object)  # WatchPage of any tab, once shown
    choices_loaded = Signal()

    def __init__(
        self, *, desk: Desk, open_case: Callable[[str], None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        read_scans_in(self)  # a scan while it is open goes where it belongs (ui.scan_input)
        self._desk = desk
        self.setWindowTitle("时限监控")
        fit_to_screen(self, preferred=QSize(1200, 620))
        layout = QVBoxLayout(self)
        filters = QHBoxLayout()
        self.department = named(QComboBox(), "watchDepartment")
        self.window_code = named(QComboBox(), "watchWindow")
        for label, combo, width in (("部门：", self.department, 16), ("窗口：", self.window_code, 8)):
            combo.addItem(ALL, None)
            combo.setMinimumContentsLength(width)
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.currentIndexChanged.connect(self.reload)
            filters.addWidget(QLabel(label))
            filters.addWidget(combo, 1 if combo is self.department else 0)
        self.refresh_button = named(QPushButton("刷新"), "watchRefresh")
        self.refresh_button.clicked.connect(self.reload)
        filters.addWidget(self.refresh_button)
        layout.addLayout(filters)
        self.tabs, self.models, self.tables = watch_tabs(
            desk=desk,
            owner=self,
            lists=tuple((watch_list, WATCH_LIST_LABEL[watch_list]) for watch_list in WatchList),
            name="watch",
            failed_title="无法读取时限监控",
            open_case=open_case,
            loaded=self._loaded,
        )
        self.tabs.currentChanged.connect(lambda _index: self._show_summary())
        layout.addWidget(self.tabs, 1)
        self.summary = named(QLabel(), "watchSummary")
        layout.addWidget(self.summary)
        buttons = close_box(self)
        layout.addWidget(buttons)
        self.reload()
        workspace, person = desk.workspace, desk.counter
        desk.jobs.database(lambda _progress: watch_choices(workspace, person=person), parent=self).success(
            self._choices
        ).failure(lambda error: refused(desk, "无法读取筛选条件", error)).run()

    @property
    def chosen(self) -> WatchFilter:
        department, window = self.department.currentData(), self.window_code.currentData()
        return WatchFilter(
            department=department if isinstance(department, str) else None,
            window_code=window if isinstance(window, str) else None,
        )

    def reload(self) -> None:
        workspace, person, chosen = self._desk.workspace, self._desk.counter, self.chosen
        for watch_list, model in self.models.items():
            model.show(partial(_watch_page, workspace, person=person, watch_list=watch_list, chosen=chosen))

    def _choices(self, choices: tuple[list[str], list[str]]) -> None:
        for combo, names in zip((self.department, self.window_code), choices, strict=True):
            combo.blockSignals(True)
            for name in names:
                combo.addItem(name, name)
            combo.blockSignals(False)
        self.choices_loaded.emit()

    def _loaded(self, page: WatchPage) -> None:
        model = self.models[page.watch_list]
        self.tabs.setTabText(
            list(WatchList).index(page.watch_list), f"{WATCH_LIST_LABEL[page.watch_list]} {model.total}"
        )
        self._show_summary()
        self.page_loaded.emit(page)

    def _show_summary(self) -> None:
        self.summary.setText(loaded_text(self.models[list(WatchList)[self.tabs.currentIndex()]]))


def _watch_page(
    workspace: Workspace, offset: int, *, person: Actor, watch_list: WatchList, chosen: WatchFilter
) -> WatchPage:
    return time_limit_watch(workspace, person=person, watch_list=watch_list, chosen=chosen, offset=offset)


def time_watch_entry(*, desk: Desk, toolbar: QToolBar, open_case: Callable[[str], None]) -> ToolbarEntry:
    """The toolbar's 时限监控 button, shown to a person whose role may watch time limits."""
    return ToolbarEntry(
        desk=desk,
        toolbar=toolbar,
        label="时限监控",
        name="timeWatchButton",
        tooltip="本大厅办件的法定/承诺时限、挂起及补正/容缺期限（值班主任）",
        permission=Permission.WATCH_TIME_LIMITS,
        refused_title="不能查看时限监控",
        make_dialog=lambda parent: TimeWatchDialog(desk=desk, open_case=open_case, parent=parent),
    )
