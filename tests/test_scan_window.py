"""Codes typed into the real main window at a scanner's speed and at a person's, the focus in the
applicant's name field: a scan goes where it belongs and never lands in the field; typing stays typed."""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLineEdit, QPushButton
from pytestqt.qtbot import QtBot
from shiboken6 import isValid

from app.case_number import format_case_number
from app.identity_documents import IdKind
from app.scanning.keystrokes import ScanTiming
from app.scanning.routing import FillApplicant, OpenCase, Refused, Unrecognised, VerifyCertificate
from app.workspace import Workspace
from tests.test_scan_routing import sealed_qr
from tests.test_verify_dialog import approved_certificate
from ui.main_window import MainWindow
from ui.scan_calibration import TEST_CODE, ScanCalibrationDialog
from ui.settings_dialog import SettingsDialog


def focus_name(qtbot: QtBot, window: MainWindow) -> None:
    window.scan_input.install()  # as the window does outside tests (tests/conftest.py)
    window.activateWindow()
    window.intake.name.setFocus()
    qtbot.waitUntil(lambda: window.isActiveWindow() and window.intake.name.hasFocus())


def scan(qtbot: QtBot, window: MainWindow, text: str, *, enter: bool = True) -> object:
    """A keyboard-wedge scanner: the code's keys as fast as they come (then Enter), into the focused field."""
    with qtbot.waitSignal(window.scan_input.routed, timeout=10_000) as routed:
        qtbot.keyClicks(window.intake.name, text)
        if enter:
            qtbot.keyClick(window.intake.name, Qt.Key.Key_Return)
    return routed.args[0] if routed.args else None


def test_a_scanned_case_number_opens_the_case_and_types_nothing(
    window: MainWindow, qtbot: QtBot, workspace: Workspace
) -> None:
    number, _qr = approved_certificate(workspace)  # a case held at this window
    focus_name(qtbot, window)
    with qtbot.waitSignal(window.lookup.opened, timeout=20_000):
        assert scan(qtbot, window, f"HTTPS://ZWFW.EXAMPLE.GOV.CN/CASE/{number}") == OpenCase(number)
    assert window.case_dialog is not None and window.case_dialog.case.number == number
    assert window.intake.name.text() == ""


def test_a_scanned_resident_id_fills_the_applicant(window: MainWindow, qtbot: QtBot) -> None:
    focus_name(qtbot, window)
    route = scan(qtbot, window, "110101199003074258")
    assert isinstance(route, FillApplicant)
    assert window.intake.id_number.text() == "110101199003074258"
    assert window.intake.name.text() == ""


def test_a_scanner_without_enter_is_read_after_its_pause(window: MainWindow, qtbot: QtBot) -> None:
    focus_name(qtbot, window)
    route = scan(qtbot, window, "91350100M000100Y43", enter=False)
    assert isinstance(route, FillApplicant)
    assert window.intake.id_number.text() == "91350100M000100Y43"
    assert window.intake.name.text() == ""


def test_a_certificate_qr_opens_the_verification(window: MainWindow, qtbot: QtBot) -> None:
    focus_name(qtbot, window)
    qr = sealed_qr()
    assert scan(qtbot, window, qr) == VerifyCertificate(qr)
    dialog = window.verify_dialog
    assert dialog is not None
    qtbot.waitUntil(
        lambda: "无法在本机核验" in dialog.status.text(), timeout=20_000
    )  # a key it does not hold
    assert window.intake.name.text() == ""


def test_human_typing_stays_typed(window: MainWindow, qtbot: QtBot) -> None:
    focus_name(qtbot, window)
    qtbot.keyClicks(window.intake.name, "Li Lei", delay=90)
    qtbot.waitUntil(lambda: window.intake.name.text() == "Li Lei")
    assert window.verify_dialog is None and window.case_dialog is None


def test_wrong_check_character_garbage_and_other_symbologies_are_refused_nothing_typed(
    window: MainWindow, qtbot: QtBot, workspace: Workspace
) -> None:
    focus_name(qtbot, window)
    number = format_case_number(window_code="SZX0103", day=workspace.clock.today(), serial=1)
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    route = scan(qtbot, window, wrong)
    assert isinstance(route, Refused) and "校验位不符" in window.statusBar().currentMessage()
    assert scan(qtbot, window, "6901234567892") == Unrecognised("69*********92")  # an EAN-13
    assert "未能识别" in window.statusBar().currentMessage()
    assert isinstance(scan(qtbot, window, "q;wke;lqkwe;lkqw;elk"), Unrecognised)  # a garbage burst
    assert window.intake.name.text() == "" and window.case_dialog is None


def test_a_burst_over_the_limit_is_refused_whole(window: MainWindow, qtbot: QtBot) -> None:
    focus_name(qtbot, window)
    # 5,000 keys take long on a busy machine: a margin so a slow key does not split the burst in two
    window.scan_input.set_timing(ScanTiming(max_interval_ms=70, end_pause_ms=150))
    qtbot.keyClicks(window.intake.name, "7" * 5000)
    qtbot.keyClick(window.intake.name, Qt.Key.Key_Return)
    assert "扫描内容过长" in window.statusBar().currentMessage()
    assert window.intake.name.text() == ""


def test_a_scan_while_a_case_is_shown_opens_the_scanned_case(
    window: MainWindow, qtbot: QtBot, workspace: Workspace
) -> None:
    first, _qr = approved_certificate(workspace)
    second, _qr2 = approved_certificate(workspace)
    focus_name(qtbot, window)
    with qtbot.waitSignal(window.lookup.opened, timeout=20_000):
        scan(qtbot, window, first)
    shown = window.case_dialog
    assert shown is not None and shown.case.number == first
    qtbot.waitUntil(lambda: QApplication.activeWindow() is shown)
    focused = QApplication.focusWidget() or shown  # where the keyboard's keys go
    with (
        qtbot.waitSignal(window.lookup.opened, timeout=20_000),
        qtbot.waitSignal(window.scan_input.routed, timeout=10_000),
    ):
        qtbot.keyClicks(focused, f"HTTPS://ZWFW.EXAMPLE.GOV.CN/CASE/{second}")
        qtbot.keyClick(focused, Qt.Key.Key_Return)
    assert window.case_dialog is not None and window.case_dialog.case.number == second
    assert not isValid(shown)  # the first case's dialog closed (and deleted): the scanned one is on top


def test_a_huge_paste_is_refused_and_a_normal_one_pasted(window: MainWindow, qtbot: QtBot) -> None:
    focus_name(qtbot, window)
    clipboard = QApplication.clipboard()
    clipboard.setText("某" * (10 * 1024 * 1024 // 3))  # 10 MB of UTF-8
    qtbot.keyClick(window.intake.name, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert "剪贴板内容过长" in window.statusBar().currentMessage()
    assert window.intake.name.text() == ""
    clipboard.setText("张三")
    qtbot.keyClick(window.intake.name, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert window.intake.name.text() == "张三"


def calibration(qtbot: QtBot) -> ScanCalibrationDialog:
    dialog = ScanCalibrationDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    dialog.setFocus()
    qtbot.waitUntil(dialog.isActiveWindow)
    return dialog


def test_the_scanner_is_calibrated_from_a_test_scan(qtbot: QtBot, workspace: Workspace) -> None:
    settings = SettingsDialog(settings=workspace.settings)
    qtbot.addWidget(settings)
    settings.show()
    settings.findChild(QPushButton, "calibrateScanner").click()
    dialog = settings.calibration
    assert isinstance(dialog, ScanCalibrationDialog)
    qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.keyClicks(dialog, TEST_CODE)  # at machine speed, as a scanner types
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    assert dialog.interval_ms is not None and "建议将扫码识别间隔设为" in dialog.outcome.text()
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    field = settings.inputs["scan_key_interval_ms"]
    assert isinstance(field, QLineEdit) and field.text() == str(dialog.interval_ms)


def test_calibration_refuses_typing_and_a_wrong_code(qtbot: QtBot) -> None:
    dialog = calibration(qtbot)
    qtbot.keyClicks(dialog, TEST_CODE[:6].lower())  # a scanner typing with caps lock, or another layout
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    assert "与测试码不符" in dialog.outcome.text() and dialog.interval_ms is None
    qtbot.keyClicks(dialog, TEST_CODE, delay=90)  # a person typing it
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    assert "不像扫码枪输入" in dialog.outcome.text() and dialog.interval_ms is None
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()


def test_a_scanner_sending_no_enter_is_calibrated_after_its_pause(qtbot: QtBot) -> None:
    dialog = calibration(qtbot)
    qtbot.keyClicks(dialog, TEST_CODE)
    qtbot.waitUntil(lambda: dialog.interval_ms is not None, timeout=5_000)


def post_keys(window: MainWindow, text: str, *, first_ms: int, every_ms: int = 4) -> int:
    """A scanner's keys as the platform queues them while the window is busy: each with its own event time
    (`first_ms`, then `every_ms` apart), waiting to be read. The time of the last key."""
    at = first_ms
    for char in text:
        key = Qt.Key.Key_Return if char == "\n" else Qt.Key(ord(char.upper()))
        event = QKeyEvent(
            QEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier, "\r" if char == "\n" else char
        )
        event.setTimestamp(at)
        QApplication.postEvent(window.intake.name, event)
        at += every_ms
    return at - every_ms


def test_a_window_held_up_mid_scan_still_reads_one_code(window: MainWindow, qtbot: QtBot) -> None:
    """Keys are timed by the platform's event times: the window held up for 150 ms while the scanner goes on
    typing reads the keys typed meanwhile as the same code, not two; a scanner that really paused for 150 ms
    gives two."""
    focus_name(qtbot, window)
    routes: list[object] = []
    window.scan_input.routed.connect(routes.append)
    code = "110101199003074258"

    last = post_keys(window, code[:9], first_ms=5_000_000)
    QApplication.processEvents()  # the first half read, held back
    time.sleep(0.15)  # the window busy (a sync round, a repaint) while the scanner types the rest
    post_keys(window, code[9:] + "\n", first_ms=last + 4)
    qtbot.waitUntil(lambda: len(routes) >= 1, timeout=5_000)
    QTest.qWait(200)  # any second route would have come by now
    assert routes == [FillApplicant(IdKind.RESIDENT_ID, code)]
    assert window.intake.id_number.text() == code and window.intake.name.text() == ""

    # The same, when the window gets to the pause timer (due during the hold-up) before the keys behind it:
    # the pause is looked at again once they are read.
    routes.clear()
    window.intake.id_number.clear()
    last = post_keys(window, code[:9], first_ms=5_500_000)
    QApplication.processEvents()
    time.sleep(0.15)
    QApplication.processEvents()  # only the late timer is there to run
    post_keys(window, code[9:] + "\n", first_ms=last + 4)
    qtbot.waitUntil(lambda: len(routes) >= 1, timeout=5_000)
    QTest.qWait(200)
    assert routes == [FillApplicant(IdKind.RESIDENT_ID, code)]

    routes.clear()
    window.intake.id_number.clear()
    last = post_keys(window, code[:9], first_ms=6_000_000)
    QApplication.processEvents()
    time.sleep(0.15)
    post_keys(window, code[9:] + "\n", first_ms=last + 150)  # typed 150 ms after the first half: a pause
    qtbot.waitUntil(lambda: len(routes) >= 2, timeout=5_000)
    assert all(isinstance(r, Refused | Unrecognised) for r in routes), routes
    assert window.intake.id_number.text() == "" and window.intake.name.text() == ""
