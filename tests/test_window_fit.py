"""The window remembers how the clerk left it, fitted to the screen; names and messages fit their room."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication, QMessageBox, QScrollArea, QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from app.documents.content import DocumentKind
from app.intake import parse_request
from app.workspace import Workspace
from tests.helpers import PLANNING, request_json
from ui.delegates import LINE_SEPARATOR, TwoLineTextDelegate, wrapped_lines
from ui.main_window import MainWindow
from ui.models import MaterialColumn
from ui.printing import PrintPreviewDialog
from ui.screen_fit import fitted_rect
from ui.window_state import WINDOW_STATE_NAME, WindowState

LONG_NAME_ITEM = "511G0512002000-510100000000-000-12510100MB0T72182L-1-00"  # 转移登记: a 33-character name


@pytest.fixture
def open_window(qtbot: QtBot, workspace: Workspace) -> Callable[[], MainWindow]:
    """Another window on the same data folder, opened the way the program opens it."""

    def make() -> MainWindow:
        win = MainWindow(workspace=workspace, counter=workspace.counter("demo"))
        qtbot.addWidget(win)
        win.show_on_screen()
        qtbot.waitExposed(win)
        return win

    return make


def state_file(workspace: Workspace) -> dict[str, object]:
    data: dict[str, object] = json.loads((workspace.home / WINDOW_STATE_NAME).read_text(encoding="utf-8"))
    return data


def test_opens_maximized_and_remembers_the_clerks_choice(
    open_window: Callable[[], MainWindow], qtbot: QtBot, workspace: Workspace
) -> None:
    first = open_window()
    assert first.isMaximized()  # nothing remembered yet
    # The clerk folds 今日办件 away (remembered at once), restores the window and moves it.
    first.cases_toggle.click()
    assert not first.cases_view.isVisible() and state_file(workspace)["cases_open"] is False
    first.showNormal()
    qtbot.waitUntil(lambda: not first.isMaximized())
    first.setGeometry(QRect(40, 30, 1100, 640))
    first.close()
    assert state_file(workspace)["maximized"] is False

    second = open_window()
    assert not second.isMaximized()
    assert second.geometry() == QRect(40, 30, 1100, 640)
    assert not second.cases_toggle.isChecked() and not second.cases_view.isVisible()
    second.cases_toggle.click()
    assert second.cases_view.isVisible() and state_file(workspace)["cases_open"] is True
    second.showMaximized()
    second.close()

    third = open_window()
    assert third.isMaximized() and third.cases_view.isVisible()
    third.close()


def test_a_place_remembered_on_a_bigger_screen_is_fitted_to_this_one(
    open_window: Callable[[], MainWindow], workspace: Workspace
) -> None:
    WindowState(maximized=False, geometry=(1500, 900, 1000, 700)).save(workspace.home / WINDOW_STATE_NAME)
    window = open_window()
    area = window.screen().availableGeometry()
    assert area.contains(window.frameGeometry()), (window.frameGeometry(), area)
    assert fitted_rect(QRect(-50, 2000, 5000, 300), area) == QRect(0, area.bottom() - 299, area.width(), 300)


DAMAGED = ("{", "[1, 2]", '{"maximized": "yes", "geometry": [1, 2, -3, 4]}', "\xff")


@pytest.mark.parametrize("content", DAMAGED)
def test_a_damaged_window_state_is_ignored(
    open_window: Callable[[], MainWindow], workspace: Workspace, content: str
) -> None:
    (workspace.home / WINDOW_STATE_NAME).write_bytes(content.encode("latin-1"))
    window = open_window()
    assert window.isMaximized() and window.cases_view.isVisible()
    window.close()
    assert state_file(workspace)["maximized"] is True  # rewritten whole on close


def test_material_names_wrap_to_two_lines_with_the_rest_in_the_tooltip(window: MainWindow) -> None:
    window.choose_item(LONG_NAME_ITEM)
    rows = window.checklist.rows()
    longest = max(range(len(rows)), key=lambda i: len(rows[i].material.name))
    name = rows[longest].material.name
    assert len(name) >= 30
    index = window.checklist.index(longest, MaterialColumn.NAME)
    tooltip = window.checklist.data(index, 3)  # Qt.ToolTipRole
    assert tooltip.startswith(name + "\n")

    font = window.checklist_view.font()
    width = QFontMetrics(font).horizontalAdvance(name) // 3  # the name needs three lines here
    lines = wrapped_lines(name, font, width, max_lines=2)
    assert len(lines) == 2 and lines[1].endswith("…")
    assert name.startswith(lines[0] + lines[1][:-1])
    assert all(QFontMetrics(font).horizontalAdvance(line) <= width for line in lines)
    assert wrapped_lines("申请书", font, width, max_lines=2) == ["申请书"]

    # In the view: at most two lines a row, whatever the width of the name column.
    view = window.checklist_view
    delegate = view.itemDelegateForColumn(MaterialColumn.NAME)
    assert isinstance(delegate, TwoLineTextDelegate)
    option = QStyleOptionViewItem()
    view.initViewItemOption(option)
    option.rect = QRect(0, 0, width, 20)
    hint = delegate.sizeHint(option, index)
    line = QFontMetrics(font).lineSpacing()
    assert 2 * line <= hint.height() <= 2 * line + 8
    shown = delegate._prepare(option, index).text
    assert shown.count(LINE_SEPARATOR) == 1 and shown.endswith("…")
    QApplication.processEvents()
    assert all(view.rowHeight(r) <= 2 * line + 8 for r in range(len(rows)))


def test_a_long_message_scrolls_inside_a_box_that_fits_the_screen(window: MainWindow, qtbot: QtBot) -> None:
    text = "\n".join(f"第 {i} 项：材料不齐全，须补正后再次提交" for i in range(1, 120))
    box = window.notify(QMessageBox.Icon.Warning, "长消息", text)
    qtbot.waitExposed(box)
    area = box.screen().availableGeometry()
    assert box.frameGeometry().height() <= area.height() and area.contains(box.frameGeometry())
    assert box.text() == text  # the whole message, for whoever reads it
    assert box.findChild(QScrollArea, "messageScroll") is not None
    short = window.notify(QMessageBox.Icon.Information, "短消息", "已保存")
    assert short.findChild(QScrollArea, "messageScroll") is None
    short.close()
    box.close()


def test_the_print_preview_is_never_taller_than_the_screen(window: MainWindow, workspace: Workspace) -> None:
    item = workspace.catalog.item(PLANNING)
    assert item is not None
    number = workspace.acceptance.accept(parse_request(request_json(item)), counter=window.counter)
    document = workspace.documents.prepare(DocumentKind.RECEIPT, number, counter=window.counter)
    preview = PrintPreviewDialog(document, printers=[], default_printer=None, parent=window)
    area = window.screen().availableGeometry()
    assert preview.maximumHeight() < area.height() and preview.height() < area.height()
    assert preview.size().boundedTo(QSize(870, 900)) == preview.size()
    preview.deleteLater()


def test_the_window_state_file_is_written_atomically(tmp_path: Path) -> None:
    path = tmp_path / WINDOW_STATE_NAME
    WindowState(maximized=False, geometry=(1, 2, 3, 4), cases_open=False).save(path)
    assert WindowState.load(path) == WindowState(maximized=False, geometry=(1, 2, 3, 4), cases_open=False)
    assert [p.name for p in tmp_path.iterdir()] == [WINDOW_STATE_NAME]  # no temp file left behind
