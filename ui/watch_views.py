"""What the approver's queue (ui.review_queue) and the supervisor's watch (ui.time_watch) share: the filter's
"all" choice, the line saying how much of a list is shown, and how a refusal reaches the person."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtWidgets import QMessageBox, QTabWidget, QWidget

from app.lifecycle.watch import WatchError, WatchList, WatchPage
from app.operations.changes import REFUSALS
from db.store import StoreError
from ui.desk import Desk
from ui.object_names import named
from ui.watch_table import WatchModel, WatchTable

ALL = "（全部）"


def loaded_text(model: WatchModel) -> str:
    if model.total is None:
        return "正在读取…"
    if model.total == 0:
        return "没有办件"
    more = "（向下滚动显示更多）" if model.rowCount() < model.total else ""
    return f"共 {model.total} 件，已显示 {model.rowCount()} 件{more}；黄色：剩 2 个工作日以内，红色：已逾期"


def refused(desk: Desk, title: str, error: Exception | str) -> None:
    """A refusal or an unreadable database, told plainly; anything else is a bug and goes to the crash
    reporter."""
    if isinstance(error, Exception) and not isinstance(error, (*REFUSALS, StoreError, WatchError)):
        raise error
    desk.notices.notify(QMessageBox.Icon.Warning, title, str(error))


def watch_tabs(
    *,
    desk: Desk,
    owner: QWidget,
    lists: Sequence[tuple[WatchList, str]],
    name: str,
    failed_title: str,
    open_case: Callable[[str], None],
    loaded: Callable[[WatchPage], None],
) -> tuple[QTabWidget, dict[WatchList, WatchModel], dict[WatchList, WatchTable]]:
    """One tab per list (its lazy model and table), named `{name}Tabs` and `{name}_{list}`; a page loaded
    goes to `loaded`, a refusal is told under `failed_title`, a row opened goes to `open_case`."""
    tabs = named(QTabWidget(), f"{name}Tabs")
    models: dict[WatchList, WatchModel] = {}
    tables: dict[WatchList, WatchTable] = {}
    for watch_list, label in lists:
        model = WatchModel(jobs=desk.jobs, watch_list=watch_list, owner=owner)
        table = named(WatchTable(model), f"{name}_{watch_list}")
        model.page_loaded.connect(loaded)
        model.failed.connect(lambda error: refused(desk, failed_title, error))
        table.open_requested.connect(open_case)
        models[watch_list], tables[watch_list] = model, table
        tabs.addTab(table, label)
    return tabs, models, tables
