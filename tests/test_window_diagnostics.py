"""The window's log file and crash reports: what hall IT finds in the data folder when something broke."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from app import __version__
from app.accounts.demo import DEMO_PASSWORD
from app.diagnostics import ProgramLog, start_logging
from tests.helpers import run_program
from ui.crash import CrashReporter

ROOT = Path(__file__).resolve().parent.parent
RESIDENT = "11010519491231002X"


@pytest.mark.slow
def test_window_process_writes_its_log_in_the_data_folder(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.update(CLERK_LOGIN="demo", CLERK_PASSWORD=DEMO_PASSWORD)  # signed in headless, as scripts do
    result = run_program("ui.main", "--demo", "--home", str(home), "--quit-when-ready", env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = (home / "logs" / "window.log").read_text(encoding="utf-8").splitlines()
    assert f"window-clerk {__version__}" in lines[0] and str(home) in lines[0]
    assert any("clerk.catalog" in line for line in lines)  # the app's own loggers reach the file
    assert not (home / "crash-reports").exists()


class MessageBoxes:
    """Reads and closes every message box the window opens (as the clerk would, with OK)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []
        self.timer = QTimer()
        self.timer.timeout.connect(self._close_open_box)
        self.timer.start(20)

    def _close_open_box(self) -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            self.seen.append((box.windowTitle(), box.text() + "\n" + box.informativeText()))
            box.accept()


@pytest.fixture
def program_log(tmp_path: Path) -> Iterator[ProgramLog]:
    opened = start_logging(home=tmp_path, program="window")
    yield opened
    opened.close()


@pytest.fixture
def reporter(qapp: QApplication, tmp_path: Path, program_log: ProgramLog) -> Iterator[CrashReporter]:
    installed = CrashReporter(home=tmp_path, log_file=program_log)
    installed.install()
    yield installed
    installed.uninstall()


def only_report(home: Path) -> str:
    reports = list((home / "crash-reports").iterdir())
    assert len(reports) == 1
    return reports[0].read_text(encoding="utf-8")


@pytest.mark.qt_no_exception_capture
def test_exception_in_a_slot_writes_a_report_and_tells_the_clerk(
    qtbot, reporter: CrashReporter, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    boxes = MessageBoxes()
    logging.getLogger("clerk.ui").info("打印受理回执，申请人 %s", RESIDENT)

    def slot() -> None:
        raise KeyError(f"material M09 of {RESIDENT}")

    QTimer.singleShot(0, slot)  # an uncaught exception in a Qt slot, as PySide delivers it
    qtbot.waitUntil(lambda: bool(boxes.seen))
    report = only_report(tmp_path)
    assert f"window-clerk {__version__}" in report
    assert "KeyError: 'material M09 of 110105********002X'" in report and "in slot" in report
    assert "打印受理回执，申请人 110105********002X" in report.split("日志")[-1]
    assert RESIDENT not in report
    title, text = boxes.seen[0]
    assert title == "程序错误"
    path = next((tmp_path / "crash-reports").iterdir())
    assert str(path) in text
    assert "已保存的办件不受影响" in text
    assert "KeyError" in (tmp_path / "logs" / "window.log").read_text(encoding="utf-8")


@pytest.mark.qt_no_exception_capture
def test_exception_in_another_thread_is_reported_on_the_window(
    qtbot, reporter: CrashReporter, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    boxes = MessageBoxes()

    def work() -> None:
        raise RuntimeError("sync thread broke")

    thread = threading.Thread(target=work, name="sync")
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: bool(boxes.seen))
    assert "RuntimeError: sync thread broke" in only_report(tmp_path)
    assert "已保存的办件不受影响" in boxes.seen[0][1]


@pytest.mark.qt_no_exception_capture
def test_one_message_at_a_time_and_a_bounded_number_of_reports(
    qtbot, qapp: QApplication, tmp_path: Path, program_log: ProgramLog
) -> None:  # type: ignore[no-untyped-def]
    """An error that repeats (a timer, a paint) must not stack message boxes or fill the disk."""
    reporter = CrashReporter(home=tmp_path, log_file=program_log, max_reports=3)
    reporter.install()
    reports = tmp_path / "crash-reports"
    seen = []

    def close_when_all_happened() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox) and len(list(reports.iterdir())) == 3 and not pending:
            seen.append(box.text())
            box.accept()

    def slot() -> None:
        pending.pop()
        raise ValueError("again")

    pending = [1, 2, 3, 4, 5]
    closer = QTimer()
    closer.timeout.connect(close_when_all_happened)
    closer.start(20)
    try:
        for _ in pending:
            QTimer.singleShot(0, slot)
        qtbot.waitUntil(lambda: bool(seen))  # returns once every box opened has been closed
    finally:
        reporter.uninstall()
    assert len(seen) == 1
    assert len(list(reports.iterdir())) == 3
    assert (tmp_path / "logs" / "window.log").read_text(encoding="utf-8").count("ValueError: again") == 5
