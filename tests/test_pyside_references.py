"""The window outlives the PySide6 defect that takes references to None and True away on Python 3.11:
a process that has imported `ui` makes far more Qt calls than those objects had references, and exits
cleanly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MANY_QT_CALLS = """
import ui
from PySide6.QtCore import QCoreApplication, QObject, Signal

class Emitter(QObject):
    changed = Signal()

app = QCoreApplication([])
emitter = Emitter()
for _ in range(300_000):  # each: on the defective PySide6, one reference to None and one to True gone
    emitter.setObjectName("")
    emitter.changed.emit()
print("survived", flush=True)
"""


def test_a_process_with_ui_imported_survives_many_qt_calls_and_exits_cleanly() -> None:
    done = subprocess.run(
        [sys.executable, "-c", MANY_QT_CALLS],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": ""},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "survived"
