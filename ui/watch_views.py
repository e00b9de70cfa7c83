"""What the approver's queue (ui.review_queue) and the supervisor's watch (ui.time_watch) share: the filter's
"all" choice, the line saying how much of a list is shown, and how a refusal reaches the person."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from app.lifecycle.watch import WatchError
from app.operations.changes import REFUSALS
from db.store import StoreError
from ui.desk import Desk
from ui.watch_table import WatchModel

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
