"""The approver's queue and the supervisor's watch in the real main window (pytest-qt, offscreen): shown to
the roles that may use them, rows read a page at a time as the view scrolls, yellow and red with the
urgency in words too, filters by department (remembered by this PC) and by window, a row opened with Enter,
both fitting 1366×768 and 1280×720. Models checked by qtmodeltester."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from app.lifecycle.watch import WatchList
from app.workspace import Workspace
from tests.open_cases import DEPARTMENTS, OpenCase, insert_open_cases
from tests.test_operations import accept
from tests.window_people import shift_change
from ui.main_window import MainWindow
from ui.review_queue import DEPARTMENT_SETTING, ReviewQueueDialog
from ui.time_watch import TimeWatchDialog
from ui.watch_table import URGENCY_BACKGROUND, UrgencyRole, WatchColumn, WatchModel

TODAY = date(2026, 11, 20)  # the tests' clock: a Friday
MARKET, HEALTH = DEPARTMENTS[0], DEPARTMENTS[1]


def other_windows_cases(workspace: Workspace, count: int) -> None:
    """`count` cases of other windows in review, one a day from 3 days overdue on; every fourth in health,
    and two suspended ones."""
    insert_open_cases(
        workspace.store.path,
        hall=[
            OpenCase(
                f"O{n:04d}",
                legal_due=TODAY + timedelta(days=n - 5),
                department=HEALTH if n % 4 == 0 else MARKET,
                window_code="SZX0104" if n % 2 else "SZX0105",
            )
            for n in range(count)
        ]
        + [
            OpenCase(f"S{n}", status="suspended", legal_due=TODAY, suspended_since=TODAY - timedelta(days=n))
            for n in (1, 2)
        ],
    )


def cells(model: WatchModel, column: WatchColumn, rows: int = 3) -> list[str]:
    return [model.data(model.index(r, column)) for r in range(rows)]


def fits(qtbot: QtBot, dialog: QWidget) -> None:
    for size in (QSize(1366, 768), QSize(1280, 720)):
        hint = dialog.minimumSizeHint()
        assert hint.width() <= size.width() and hint.height() <= size.height() - 60, (size, hint)
        dialog.resize(size.width(), size.height() - 60)  # the taskbar
        qtbot.wait(1)


def test_the_approver_sees_the_queue_by_days_left_in_colour_a_page_at_a_time(
    qtbot: QtBot,
    window: MainWindow,
    workspace: Workspace,
    qtmodeltester,  # type: ignore[no-untyped-def]
) -> None:
    other_windows_cases(workspace, 150)
    assert window.review_queue_entry.action.isVisible() is False  # the clerk is no approver
    assert window.time_watch_entry.action.isVisible() is False
    shift_change(qtbot, window, "shenpi")
    assert window.review_queue_entry.action.isVisible()
    assert not window.time_watch_entry.action.isVisible()
    with qtbot.waitSignal(window.review_queue_entry.opened, timeout=20_000) as opened:
        window.review_queue_entry.button.click()
    dialog: ReviewQueueDialog = opened.args[0]
    model = dialog.models[WatchList.LEGAL]
    qtbot.waitUntil(lambda: model.rowCount() == 100 and model.total == 150, timeout=20_000)
    assert cells(model, WatchColumn.NUMBER) == ["O0000", "O0001", "O0002"]
    assert cells(model, WatchColumn.DAYS_LEFT) == [
        "逾期 5 日【已逾期】",  # due Sunday the 15th: Monday to today, five working days since
        "逾期 4 日【已逾期】",
        "逾期 3 日【已逾期】",
    ]
    assert model.data(model.index(5, WatchColumn.DAYS_LEFT)) == "今日到期【即将到期】"
    assert model.data(model.index(7, WatchColumn.DAYS_LEFT)) == "今日到期【即将到期】"  # the weekend rests
    assert model.data(model.index(8, WatchColumn.DAYS_LEFT)) == "剩 1 日【即将到期】"
    assert model.data(model.index(11, WatchColumn.DAYS_LEFT)) == "剩 4 日"
    red = model.data(model.index(0, WatchColumn.WINDOW), Qt.ItemDataRole.BackgroundRole)
    yellow = model.data(model.index(5, WatchColumn.NUMBER), Qt.ItemDataRole.BackgroundRole)
    assert isinstance(red, QBrush) and red.color() == URGENCY_BACKGROUND[model.row_at(0).urgency]
    assert isinstance(yellow, QBrush) and yellow.color().name() == "#fff3b0"
    assert model.data(model.index(40, WatchColumn.NUMBER), Qt.ItemDataRole.BackgroundRole) is None
    assert model.data(model.index(0, 0), UrgencyRole) == "overdue"
    assert model.data(model.index(0, WatchColumn.APPLICANT)) == "—"  # another window's: no personal data
    assert model.headerData(WatchColumn.DUE, Qt.Orientation.Horizontal) == "法定办结期限"
    qtmodeltester.check(model)
    # Scrolling to the end fetches the rest.
    table = dialog.tables[WatchList.LEGAL]
    with qtbot.waitSignal(dialog.page_loaded, timeout=20_000):
        table.scrollToBottom()
    qtbot.waitUntil(lambda: model.rowCount() == 150, timeout=20_000)
    assert not model.canFetchMore()
    assert "共 150 件，已显示 150 件" in dialog.summary.text()
    # The suspended ones are apart.
    suspended = dialog.models[WatchList.SUSPENDED]
    qtbot.waitUntil(lambda: suspended.total == 2, timeout=20_000)
    assert cells(suspended, WatchColumn.NUMBER, 2) == ["S2", "S1"]
    assert suspended.data(suspended.index(0, WatchColumn.STATUS)).startswith("挂起（自 2026-11-18）")
    fits(qtbot, dialog)

    # One department: chosen, and remembered by this PC.
    qtbot.waitUntil(lambda: dialog.department.findData(HEALTH) >= 0, timeout=20_000)
    with qtbot.waitSignal(dialog.page_loaded, timeout=20_000):
        dialog.department.setCurrentIndex(dialog.department.findData(HEALTH))
    qtbot.waitUntil(lambda: model.total == 38, timeout=20_000)
    assert {model.row_at(r).department for r in range(model.rowCount())} == {HEALTH}
    assert workspace.settings.get(DEPARTMENT_SETTING) == HEALTH
    dialog.close()
    with qtbot.waitSignal(window.review_queue_entry.opened, timeout=20_000) as again:
        window.review_queue_entry.button.click()
    assert again.args[0].chosen_department == HEALTH


def test_enter_on_a_row_opens_the_case(qtbot: QtBot, window: MainWindow, workspace: Workspace) -> None:
    held = accept(workspace, workspace.counter("demo")).case.number
    other_windows_cases(workspace, 3)
    shift_change(qtbot, window, "shenpi")
    with qtbot.waitSignal(window.review_queue_entry.opened, timeout=20_000) as opened:
        window.review_queue_entry.button.click()
    dialog: ReviewQueueDialog = opened.args[0]
    model = dialog.models[WatchList.LEGAL]
    qtbot.waitUntil(lambda: model.total == 4, timeout=20_000)
    [row] = [r for r in range(4) if model.row_at(r).number == held]
    assert model.row_at(row).held_here and model.row_at(row).applicant
    table = dialog.tables[WatchList.LEGAL]
    table.setCurrentIndex(model.index(row, WatchColumn.NUMBER))
    with qtbot.waitSignal(window.lookup.opened, timeout=20_000) as shown:
        qtbot.keyClick(table, Qt.Key.Key_Return)
    assert shown.args[0].case.number == held


def test_the_supervisor_watches_every_list_by_window_and_department(
    qtbot: QtBot,
    window: MainWindow,
    workspace: Workspace,
    qtmodeltester,  # type: ignore[no-untyped-def]
) -> None:
    other_windows_cases(workspace, 20)
    insert_open_cases(
        workspace.store.path,
        hall=[
            OpenCase("P1", legal_due=TODAY + timedelta(days=30), promised_date=TODAY - timedelta(days=1)),
            OpenCase("D1", status="awaiting_supplement", accepted_on=None, supplement_deadline=TODAY),
            OpenCase(
                "T1", status="accepted", legal_due=TODAY + timedelta(days=30), supplement_deadline=TODAY,
                tolerated=("M02",), window_code="SZX0109",
            ),
        ],
    )  # fmt: skip
    window.time_watch_entry.open()  # the clerk may not
    assert window.last_message is not None and "时限" in window.last_message.text()
    shift_change(qtbot, window, "zhuren")
    assert window.time_watch_entry.action.isVisible()
    with qtbot.waitSignal(window.time_watch_entry.opened, timeout=20_000) as opened:
        window.time_watch_entry.button.click()
    dialog: TimeWatchDialog = opened.args[0]
    models = dialog.models
    qtbot.waitUntil(lambda: all(m.total is not None for m in models.values()), timeout=20_000)
    assert (models[WatchList.LEGAL].total, models[WatchList.SUSPENDED].total) == (22, 2)
    promised = models[WatchList.PROMISED]
    assert promised.total == 1 and promised.row_at(0).number == "P1"
    assert promised.data(promised.index(0, WatchColumn.DAYS_LEFT)) == "逾期 1 日【已逾期】"
    assert promised.headerData(WatchColumn.DUE, Qt.Orientation.Horizontal) == "承诺办结期限"
    deadlines = models[WatchList.DEADLINES]
    assert [deadlines.data(deadlines.index(r, WatchColumn.STATUS)) for r in range(2)] == [
        "待补正·补正期限",
        "已受理·容缺补交期限",
    ]
    for model in models.values():
        qtmodeltester.check(model)
    qtbot.waitUntil(lambda: dialog.window_code.findData("SZX0109") >= 0, timeout=20_000)
    with qtbot.waitSignal(dialog.page_loaded, timeout=20_000):
        dialog.window_code.setCurrentIndex(dialog.window_code.findData("SZX0109"))
    qtbot.waitUntil(lambda: models[WatchList.LEGAL].total == 1, timeout=20_000)
    assert models[WatchList.LEGAL].row_at(0).number == "T1"
    fits(qtbot, dialog)
