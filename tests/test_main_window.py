"""Drive the real main window through acceptances, the way a clerk does: by keyboard."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox
from pytestqt.qtbot import QtBot

from app.workspace import Workspace
from tests.helpers import AGENT, COMPANY, PLANNING
from ui.main_window import MainWindow
from ui.models import MaterialColumn

SCREENSHOTS = os.environ.get("CLERK_SCREENSHOTS")


def shot(win: MainWindow, name: str) -> None:
    if SCREENSHOTS:
        QApplication.processEvents()  # let pending layout requests settle before grabbing
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        win.grab().save(str(Path(SCREENSHOTS) / f"{name}.png"))


def type_into(qtbot: QtBot, widget, text: str) -> None:  # type: ignore[no-untyped-def]
    """ASCII by key presses; Chinese as a pinyin input method delivers it: a committed string."""
    widget.setFocus()
    if text.isascii():
        qtbot.keyClicks(widget, text)
        return
    event = QInputMethodEvent("", [])
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def accept_by_keyboard(qtbot: QtBot, win: MainWindow, key: Qt.Key = Qt.Key.Key_Return) -> str:
    """Ctrl+Enter, and the case saved on the database lane: its number."""
    with qtbot.waitSignal(win.counter_flow.saved, timeout=20_000):
        qtbot.keyClick(win, key, Qt.KeyboardModifier.ControlModifier)
    assert win.last_case_number is not None
    return win.last_case_number


def accept(qtbot: QtBot, win: MainWindow) -> str:
    """`accept_case()`, and the case saved on the database lane: its number."""
    with qtbot.waitSignal(win.counter_flow.saved, timeout=20_000):
        win.accept_case()
    assert win.last_case_number is not None
    return win.last_case_number


def settled(qtbot: QtBot, win: MainWindow) -> None:
    """Every job the window asked for has run and its result reached the window."""
    qtbot.waitUntil(lambda: win.jobs.in_flight() == 0, timeout=20_000)


def fill_company_with_agent(qtbot: QtBot, win: MainWindow) -> None:
    qtbot.keyClick(win, Qt.Key.Key_F2)
    qtbot.keyClicks(win.item_query, "jsgcghxk")
    assert win.search_model.data(win.search_model.index(0, 0)) == "建设工程规划许可证核发"
    qtbot.keyClick(win.item_query, Qt.Key.Key_Return)
    assert win.item is not None and win.item.code == PLANNING
    assert win.intake.name.hasFocus()
    win.intake.kind.setCurrentIndex(1)  # 法人
    type_into(qtbot, win.intake.name, COMPANY["name"])
    type_into(qtbot, win.intake.id_number, COMPANY["id_number"])
    type_into(qtbot, win.intake.phone, COMPANY["phone"])
    win.intake.has_agent.setFocus()
    qtbot.keyClick(win.intake.has_agent, Qt.Key.Key_Space)
    assert win.intake.agent_name.isEnabled()
    type_into(qtbot, win.intake.agent_name, AGENT["name"])
    type_into(qtbot, win.intake.agent_id, AGENT["id_number"])
    type_into(qtbot, win.intake.agent_phone, AGENT["phone"])


def test_search_and_checklist_models_pass_the_model_tester(
    window: MainWindow, qtbot: QtBot, qtmodeltester
) -> None:  # type: ignore[no-untyped-def]
    fill_company_with_agent(qtbot, window)
    qtmodeltester.check(window.search_model)
    qtmodeltester.check(window.checklist)
    qtmodeltester.check(window.cases_model)


def test_full_acceptance_by_keyboard(window: MainWindow, qtbot: QtBot, workspace: Workspace) -> None:
    fill_company_with_agent(qtbot, window)
    # Organisation + agent: the planning item's checklist shows the agent's materials, not the person's.
    names = [row.material.name for row in window.checklist.rows()]
    assert "授权委托书" in names and "申请人身份证明" not in names
    assert window.decision.outcome.text() == "补正告知"  # nothing ticked yet
    qtbot.keyClick(window, Qt.Key.Key_F9)  # everything handed over
    assert window.decision.outcome.text() == "受理"
    assert "2026年12月04日" in window.decision.dates.text()
    shot(window, "mid-acceptance")
    number = accept_by_keyboard(qtbot, window)
    assert number in window.decision.saved.text()
    case = workspace.cases.find(number)
    assert case is not None and case.decision == "accepted"
    assert case.agent is not None
    assert case.agent.name == AGENT["name"] and case.applicant.id_number == COMPANY["id_number"]
    qtbot.waitUntil(lambda: window.cases_model.rowCount() == 1)  # today's cases, read again
    qtbot.waitUntil(lambda: window.preview is not None)  # the receipt comes up for printing
    assert window.preview is not None and "受理通知书" in window.preview.windowTitle()
    shot(window, "accepted")
    window.preview.reject()
    window.activateWindow()  # the offscreen platform does not hand activation back by itself
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert window.item is None and window.item_query.hasFocus() and window.intake.name.text() == ""


def test_unticking_a_material_turns_the_decision_into_a_notice(
    window: MainWindow, qtbot: QtBot, workspace: Workspace
) -> None:
    fill_company_with_agent(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_F9)
    rows = window.checklist.rows()
    required = next(i for i, r in enumerate(rows) if r.material.code == "M05")
    tolerable = next(i for i, r in enumerate(rows) if r.material.code == "M08")
    view = window.checklist_view
    view.setFocus()
    view.setCurrentIndex(window.checklist.index(tolerable, MaterialColumn.RECEIVED))
    qtbot.keyClick(view, Qt.Key.Key_Space)
    assert window.decision.outcome.text() == "容缺受理"
    view.setCurrentIndex(window.checklist.index(required, MaterialColumn.RECEIVED))
    qtbot.keyClick(view, Qt.Key.Key_Space)
    assert window.decision.outcome.text() == "补正告知"
    messages = [window.decision.findings.item(i).text() for i in range(window.decision.findings.count())]
    assert any("建设工程设计方案审查意见" in m for m in messages)
    assert any("电子报批数据" in m for m in messages)  # the tolerable gap is listed too, at once
    case = workspace.cases.find(accept(qtbot, window))
    assert case is not None and case.decision == "supplement_required"


def test_invalid_id_blocks_the_decision_and_names_the_problem(
    window: MainWindow, qtbot: QtBot, workspace: Workspace
) -> None:
    fill_company_with_agent(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_F9)
    window.intake.agent_id.setText("110105194912310021")
    assert "校验" in window.intake.agent_id_hint.text()
    assert window.decision.outcome.text() == "待完善"
    assert not window.decision.accept_button.isEnabled()
    window.accept_case()
    assert not window.counter_flow.saving  # no save was even asked for
    window.jobs.wait()  # (whatever else the window was reading in the background)
    assert window.last_case_number is None
    assert workspace.cases.for_day(workspace.clock.today()) == []


def test_pilot_credit_code_offers_an_override(window: MainWindow, qtbot: QtBot) -> None:
    fill_company_with_agent(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_F9)
    window.intake.id_number.setText("91350211M00013FA1N")
    assert window.intake.override.isVisible()
    assert window.decision.outcome.text() == "待完善"
    type_into(qtbot, window.intake.override, "早期试点代码，已核对营业执照原件")
    assert window.decision.outcome.text() == "受理"


def test_case_lookup_rejects_a_mistyped_number(window: MainWindow, qtbot: QtBot) -> None:
    fill_company_with_agent(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_F9)
    number = accept(qtbot, window)
    typo = number[:-3] + ("1" if number[-3] != "1" else "2") + number[-2:]
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(window.case_lookup, typo)
    qtbot.keyClick(window.case_lookup, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.last_message is not None)  # looked up on the database lane
    assert window.last_message is not None and window.last_message.icon() == QMessageBox.Icon.Warning
    assert "校验" in window.last_message.text()
    window.last_message.close()
    window.case_lookup.setText(number.lower())
    with qtbot.waitSignal(window.lookup.opened, timeout=20_000):
        qtbot.keyClick(window.case_lookup, Qt.Key.Key_Return)
    assert window.case_dialog is not None and window.case_dialog.isVisible()
    summary = window.case_dialog.findChild(QLabel, "caseSummary")
    assert summary is not None and number in summary.text()


def test_a_read_only_database_shows_an_error_and_keeps_the_form(
    window: MainWindow, qtbot: QtBot, workspace: Workspace
) -> None:
    fill_company_with_agent(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_F9)
    # Another program holds the write lock: the save must fail cleanly, nothing half-written.
    import sqlite3

    workspace.store.busy_timeout_ms = 100
    workspace.store.write_engine.dispose()
    from db.store import _make_engine

    workspace.store.write_engine = _make_engine(
        workspace.store.path, begin="BEGIN IMMEDIATE", busy_timeout_ms=100
    )
    blocker = sqlite3.connect(workspace.store.path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with qtbot.waitSignal(window.counter_flow.save_failed, timeout=20_000):
            window.accept_case()
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert window.last_message is not None and window.last_message.icon() == QMessageBox.Icon.Critical
    assert "占用" in window.last_message.text()
    assert window.last_case_number is None and window.intake.name.text() == COMPANY["name"]
    assert not window.intake.name.isReadOnly() and window.decision.accept_button.isEnabled()  # open again
    window.last_message.close()
    accept(qtbot, window)  # once the lock is gone the same form saves
