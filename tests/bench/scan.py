"""A scan at the counter with 100,000 cases stored (DESIGN.md §6: keystrokes in → the case shown ≤ 50 ms): the
real main window (offscreen Qt), signed in, the focus in the applicant's name field; a scanner's keystrokes
(a case number and Enter, sent as fast as a USB scanner types them) go through the window's scan reader
(ui.scan_input), are routed (app.scanning.routing), the case is read on the database lane and its dialog
shown. Timed from the first key to the dialog shown; median of several runs over different cases.

    python -m tests.bench.scan
"""

from __future__ import annotations

import os
import random
import sqlite3
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app.accounts.demo import DEMO_PASSWORD
from app.case_number import format_case_number
from app.clock import CHINA, fixed_clock
from tests.bench.report import summary
from tests.helpers import PLANNING, open_demo_workspace
from tests.open_cases import OpenCase, insert_open_cases
from ui.main_window import MainWindow

CASES = 100_000
RUNS = 30
BUDGET_MS = 50
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=CHINA)
PER_DAY = 9_999


def numbers() -> list[str]:
    """100,000 valid case numbers of window SZX0103, 9,999 a day back from the day before today."""
    first = date(2026, 11, 19) - timedelta(days=CASES // PER_DAY + 1)
    return [
        format_case_number(
            window_code="SZX0103", day=first + timedelta(days=n // PER_DAY), serial=n % PER_DAY + 1
        )
        for n in range(CASES)
    ]


def wait_until(app: QApplication, done: object, timeout: float = 30.0) -> None:
    """Run the event loop until `done()`. The GUI thread sleeps between events as the app's own loop does
    (a heartbeat timer wakes it to look); a busy loop of processEvents() would keep the interpreter from the
    database lane's thread and time the bench, not the window."""
    heartbeat = QTimer()
    heartbeat.start(2)
    end = time.perf_counter() + timeout
    while not done() and time.perf_counter() < end:  # type: ignore[operator]
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
    heartbeat.stop()
    if not done():  # type: ignore[operator]
        raise SystemExit("the case was not shown")


def main() -> None:
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    with tempfile.TemporaryDirectory() as folder:
        workspace = open_demo_workspace(Path(folder), clock=fixed_clock(NOW))
        started = time.perf_counter()
        stored = numbers()
        insert_open_cases(workspace.store.path, held=(OpenCase(number=n) for n in stored))
        with sqlite3.connect(workspace.store.path) as connection:  # of an item of the catalog, as cases are
            connection.execute(
                'UPDATE "case" SET item_code = ?, catalog_version = ?', (PLANNING, workspace.catalog.version)
            )
        print(f"{CASES:,} cases written in {time.perf_counter() - started:.1f} s")
        signed = workspace.sign_in("demo", DEMO_PASSWORD)
        window = MainWindow(workspace=workspace, counter=workspace.counter(signed.login))
        window.show()
        window.activateWindow()
        wait_until(app, lambda: window.todays_cases.loaded and window.isActiveWindow())
        chosen = random.Random(7).sample(stored, RUNS + 1)
        times: list[float] = []
        for number in chosen:
            window.activateWindow()
            window.intake.name.setFocus()  # the clerk is typing the applicant's name
            wait_until(app, lambda: window.isActiveWindow() and window.intake.name.hasFocus())
            QTest.qWait(200)  # the window has repainted since the last dialog closed, as by a next scan
            before = window.case_dialog
            started = time.perf_counter()
            for char in number:
                QTest.keyClicks(window.intake.name, char)
            QTest.keyClick(window.intake.name, Qt.Key.Key_Return)
            wait_until(
                app, lambda before=before: window.case_dialog is not before and window.case_dialog is not None
            )
            times.append(time.perf_counter() - started)
            assert window.case_dialog is not None and window.case_dialog.case.number == number
            assert window.intake.name.text() == ""  # nothing of the scan landed in the field
            window.case_dialog.close()
            app.processEvents()
        window.jobs.wait()
        window.close()
        window.jobs.shutdown()
        workspace.close()
    print(f"first (cold) scan: {times[0] * 1000:.1f} ms")
    print(summary("scanner keystrokes in → case shown, 100,000 cases", times[1:], budget_ms=BUDGET_MS))


if __name__ == "__main__":
    main()
