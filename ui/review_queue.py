"""审批队列: the approver's queue at any PC of the hall — the hall's cases under review of a department, by
working days left on the legal limit (app.lifecycle.watch), the suspended ones apart on their own tab.
The department is chosen in the queue and remembered by this PC (setting `review_department`: a back-office
PC serves one department; empty: all). Opened from the toolbar (`ReviewQueueEntry`), shown to a person whose
role may approve; double-click or Enter opens a case."""

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
from app.lifecycle.watch import WatchList, WatchPage
from app.operations.person import Actor
from app.operations.watch import approver_queue, watch_choices
from ui.buttons import close_box
from ui.desk import Desk
from ui.object_names import named
from ui.scan_input import read_scans_in
from ui.screen_fit import fit_to_screen
from ui.toolbar_entry import ToolbarEntry
from ui.watch_views import ALL, loaded_text, refused, watch_tabs

if TYPE_CHECKING:
    from app.workspace import Workspace

DEPARTMENT_SETTING = "review_department"


class ReviewQueueDialog(QDialog):
    page_loaded = Signal(object)  # WatchPage of either tab, once shown
    choices_loaded = Signal()

    def __init__(
        self, *, desk: Desk, open_case: Callable[[str], None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        read_scans_in(self)  # a scan while it is open goes where it belongs (ui.scan_input)
        self._desk = desk
        self.setWindowTitle("审批队列")
        fit_to_screen(self, preferred=QSize(1200, 620))
        layout = QVBoxLayout(self)
        filters = QHBoxLayout()
        filters.addWidget(QLabel("部门："))
        self.department = named(QComboBox(), "queueDepartment")
        self.department.setMinimumContentsLength(16)
        self.department.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        remembered = desk.workspace.settings.get(DEPARTMENT_SETTING)
        self.department.addItem(ALL, None)
        if remembered:
            self.department.addItem(remembered, remembered)
            self.department.setCurrentIndex(1)
        filters.addWidget(self.department, 1)
        self.refresh_button = named(QPushButton("刷新"), "queueRefresh")
        filters.addWidget(self.refresh_button)
        layout.addLayout(filters)
        self.tabs, self.models, self.tables = watch_tabs(
            desk=desk,
            owner=self,
            lists=((WatchList.LEGAL, "待审查（按法定时限）"), (WatchList.SUSPENDED, "挂起中")),
            name="queue",
            failed_title="无法读取审批队列",
            open_case=open_case,
            loaded=self._loaded,
        )
        layout.addWidget(self.tabs, 1)
        self.summary = named(QLabel(), "queueSummary")
        layout.addWidget(self.summary)
        buttons = close_box(self)
        layout.addWidget(buttons)
        self.refresh_button.clicked.connect(self.reload)
        self.department.currentIndexChanged.connect(self._department_chosen)
        self.reload()
        self._load_choices()

    @property
    def chosen_department(self) -> str | None:
        value = self.department.currentData()
        return value if isinstance(value, str) else None

    def reload(self) -> None:
        workspace, person, department = self._desk.workspace, self._desk.counter, self.chosen_department
        for watch_list, model in self.models.items():
            model.show(
                partial(
                    _queue_page,
                    workspace,
                    person=person,
                    department=department,
                    suspended=watch_list is WatchList.SUSPENDED,
                )
            )

    def _department_chosen(self) -> None:
        self._desk.workspace.settings.set(DEPARTMENT_SETTING, self.chosen_department or "")
        self.reload()

    def _load_choices(self) -> None:
        workspace, person = self._desk.workspace, self._desk.counter
        self._desk.jobs.database(
            lambda _progress: watch_choices(workspace, person=person), parent=self
        ).success(self._choices).failure(lambda error: refused(self._desk, "无法读取部门列表", error)).run()

    def _choices(self, choices: tuple[list[str], list[str]]) -> None:
        departments, _windows = choices
        current = self.chosen_department
        self.department.blockSignals(True)
        for name in departments:
            if name != current:
                self.department.addItem(name, name)
        self.department.blockSignals(False)
        self.choices_loaded.emit()

    def _loaded(self, page: WatchPage) -> None:
        legal, suspended = self.models[WatchList.LEGAL], self.models[WatchList.SUSPENDED]
        self.tabs.setTabText(0, f"待审查（按法定时限）{legal.total if legal.total is not None else ''}")
        self.tabs.setTabText(1, f"挂起中 {suspended.total if suspended.total is not None else ''}")
        self.summary.setText(loaded_text(self.models[self._shown_list()]))
        self.page_loaded.emit(page)

    def _shown_list(self) -> WatchList:
        return WatchList.LEGAL if self.tabs.currentIndex() == 0 else WatchList.SUSPENDED


def _queue_page(
    workspace: Workspace, offset: int, *, person: Actor, department: str | None, suspended: bool
) -> WatchPage:
    return approver_queue(workspace, person=person, department=department, suspended=suspended, offset=offset)


def review_queue_entry(*, desk: Desk, toolbar: QToolBar, open_case: Callable[[str], None]) -> ToolbarEntry:
    """The toolbar's 审批队列 button, shown to a person whose role may approve."""
    return ToolbarEntry(
        desk=desk,
        toolbar=toolbar,
        label="审批队列",
        name="reviewQueueButton",
        tooltip="本大厅待审批的办件，按法定时限剩余工作日排序（审批人员）",
        permission=Permission.APPROVE,
        refused_title="不能查看审批队列",
        make_dialog=lambda parent: ReviewQueueDialog(desk=desk, open_case=open_case, parent=parent),
    )
