"""A saved case stays saved on screen: read-only with its number shown until 新办件 (Ctrl+N)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from app.workspace import Workspace
from db.models import Case, CaseEvent
from tests.helpers import COMPANY
from tests.test_main_window import accept_by_keyboard, fill_company_with_agent, settled
from ui.main_window import MainWindow
from ui.models import MaterialColumn


def stored(workspace: Workspace) -> tuple[int, int]:
    """(cases, outbox events about cases) in the window's database (the sign-in's own record aside)."""
    with workspace.store.read() as session:
        cases = session.scalar(select(func.count()).select_from(Case)) or 0
        events = (
            session.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_number != ""))
            or 0
        )
    return int(cases), int(events)


def save_a_case(window: MainWindow, qtbot: QtBot) -> str:
    fill_company_with_agent(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_F9)
    number = accept_by_keyboard(qtbot, window)
    qtbot.waitUntil(lambda: window.preview is not None, timeout=30_000)  # the receipt, for printing
    assert window.preview is not None
    window.preview.reject()
    window.activateWindow()  # the offscreen platform does not hand activation back by itself
    qtbot.waitUntil(window.isActiveWindow)
    return number


def test_a_saved_case_is_locked_until_the_next_applicant(
    window: MainWindow, qtbot: QtBot, workspace: Workspace
) -> None:
    number = save_a_case(window, qtbot)
    assert stored(workspace) == (1, 1)
    intake = window.intake

    # Typing into the applicant's name changes nothing; the input method (pinyin) is off for it.
    intake.name.setFocus()
    qtbot.keyClicks(intake.name, "x")
    assert not intake.name.inputMethodQuery(Qt.InputMethodQuery.ImEnabled)
    qtbot.keyClick(intake.phone, Qt.Key.Key_Backspace)
    assert intake.name.text() == COMPANY["name"] and intake.phone.text() == COMPANY["phone"]

    # Ticking or unticking a material, by key and by mouse, changes nothing.
    view = window.checklist_view
    before = [row.received for row in window.checklist.rows()]
    view.setFocus()
    view.setCurrentIndex(window.checklist.index(0, MaterialColumn.RECEIVED))
    qtbot.keyClick(view, Qt.Key.Key_Space)
    qtbot.keyClick(window, Qt.Key.Key_F9)
    rect = view.visualRect(window.checklist.index(1, MaterialColumn.RECEIVED))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert [row.received for row in window.checklist.rows()] == before

    # The decision cannot be taken again: not by Ctrl+Enter, not by the button, not by the item list.
    qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window, Qt.Key.Key_Enter, Qt.KeyboardModifier.ControlModifier)
    qtbot.mouseClick(window.decision.accept_button, Qt.MouseButton.LeftButton)
    window.accept_case()
    item_rect = window.item_list.visualRect(window.search_model.index(1, 0))
    qtbot.mouseClick(window.item_list.viewport(), Qt.MouseButton.LeftButton, pos=item_rect.center())
    QApplication.processEvents()
    settled(qtbot, window)
    assert stored(workspace) == (1, 1)
    assert window.last_case_number == number and number in window.decision.saved.text()
    assert window.item is not None and window.decision.outcome.text() == "受理"

    # Every input of the case is locked and says so.
    for edit in (intake.name, intake.id_number, intake.phone, intake.agent_name, intake.agent_id):
        assert edit.isReadOnly(), edit.objectName()
    for widget in (intake.kind, intake.has_agent, window.item_query, window.item_list):
        assert not widget.isEnabled(), widget.objectName()
    assert window.checklist_view.editTriggers() == QAbstractItemView.EditTrigger.NoEditTriggers
    assert not window.decision.accept_button.isEnabled()
    assert not window.all_received_button.isEnabled()

    # Ctrl+N unlocks and clears: the next applicant.
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert window.item is None and window.last_case_number == number
    assert number not in window.decision.saved.text()
    assert not intake.name.isReadOnly() and intake.name.text() == ""
    assert window.item_query.isEnabled() and window.item_query.hasFocus()
    fill_company_with_agent(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_F9)
    assert window.decision.accept_button.isEnabled()
    view.setCurrentIndex(window.checklist.index(0, MaterialColumn.RECEIVED))
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Space)
    assert not window.checklist.rows()[0].received  # the new case's checklist takes ticks again
    qtbot.keyClick(window, Qt.Key.Key_F9)
    assert accept_by_keyboard(qtbot, window) != number
    assert stored(workspace) == (2, 2)


def test_a_refused_save_keeps_the_form_open(window: MainWindow, qtbot: QtBot, workspace: Workspace) -> None:
    """Only a stored case locks: an incomplete form stays editable after Ctrl+Enter is refused."""
    fill_company_with_agent(qtbot, window)
    window.intake.agent_id.setText("110105194912310021")  # fails its check
    qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert stored(workspace) == (0, 0)
    assert not window.intake.name.isReadOnly() and window.item_query.isEnabled()
    window.intake.name.setFocus()
    qtbot.keyClick(window.intake.name, Qt.Key.Key_End)
    qtbot.keyClicks(window.intake.name, "x")
    assert window.intake.name.text() == COMPANY["name"] + "x"


def test_a_save_runs_once_however_often_it_is_asked_for(
    window: MainWindow, qtbot: QtBot, workspace: Workspace
) -> None:
    """While the save runs (here it waits for another program's write lock) the accept button is off and
    the form locked: Ctrl+Enter twice, the button, accept_case() and 新办件 change nothing. Then the case is
    saved once."""
    import sqlite3

    # The window's own start-up reads (today's cases, the sync state) delivered first: on a busy machine
    # they are still in flight when it is shown, and only the save is counted below.
    qtbot.waitUntil(lambda: window.jobs.in_flight() == 0, timeout=20_000)
    fill_company_with_agent(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_F9)
    blocker = sqlite3.connect(workspace.store.path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # the save waits for this lock (the store's busy timeout)
    try:
        qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        assert window.jobs.in_flight() == 1
        assert not window.decision.accept_button.isEnabled()
        assert window.intake.name.isReadOnly() and not window.item_query.isEnabled()
        qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClick(window, Qt.Key.Key_Enter, Qt.KeyboardModifier.ControlModifier)
        qtbot.mouseClick(window.decision.accept_button, Qt.MouseButton.LeftButton)
        window.accept_case()
        qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)  # the number comes first
        assert window.jobs.in_flight() == 1 and window.last_case_number is None
        assert window.item is not None and window.intake.name.text() == COMPANY["name"]
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    qtbot.waitUntil(lambda: window.last_case_number is not None)
    number = window.last_case_number
    assert number is not None and number in window.decision.saved.text()
    settled(qtbot, window)
    assert stored(workspace) == (1, 1)
