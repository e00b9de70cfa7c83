"""The bundle intake and the bundle dialog on the screen this process was given (tests/test_bundle_layout.py
runs it once per screen size, as tests/layout_probe.py for the main window): where every control lies, how
many checklist rows show whole, and, with --screenshots, what the clerk sees.

    QT_QPA_PLATFORM=offscreen:configfile=screen.json python -m tests.bundle_layout_probe --home D --report R
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.clock import fixed_clock
from app.workspace import open_workspace, prepare_demo_home
from tests.bundle_helpers import HYGIENE, RESTAURANT
from tests.helpers import AGENT, COMPANY
from tests.layout_probe import NOW, check_window, record_qt_warnings, screenshot, wait_until
from ui.bundle_checklist import BundleColumn
from ui.bundle_intake import BundleIntakeDialog
from ui.fonts import install_chinese_translations, register_fonts, ui_font
from ui.main_window import MainWindow

INTAKE_CONTROLS = (
    "applicantKind",
    "applicantName",
    "applicantId",
    "applicantPhone",
    "hasAgent",
    "agentName",
    "bundleChecklist",
    "bundleAllReceived",
    "bundleCaptureButton",
    "bundleDecisions",
    "bundleAccept",
    "bundleClose",
)
DIALOG_CONTROLS = ("bundleCases", "bundleStatusHeading")


def fill(dialog: BundleIntakeDialog) -> None:
    """A clerk mid-way: the company with an agent, everything handed over but the hygiene permit's own
    application form, and one shared material's copy not legible: split decisions."""
    intake = dialog.intake
    intake.name.setText(COMPANY["name"])
    intake.id_number.setText(COMPANY["id_number"])
    intake.phone.setText(COMPANY["phone"])
    intake.has_agent.setChecked(True)
    intake.agent_name.setText(AGENT["name"])
    intake.agent_id.setText("11010519491231002X")
    intake.agent_phone.setText(AGENT["phone"])
    model = dialog.checklist
    model.mark_all_received()
    missing = model.index(model.row_of(f"{HYGIENE}/M06"), BundleColumn.RECEIVED)
    model.setData(missing, Qt.CheckState.Unchecked, Qt.ItemDataRole.CheckStateRole)
    QApplication.processEvents()


def checklist_rows(dialog: BundleIntakeDialog) -> dict[str, Any]:
    view = dialog.checklist_view
    view.scrollToTop()
    QApplication.processEvents()
    viewport = view.viewport().rect()
    model = dialog.checklist
    full = sum(
        viewport.contains(view.visualRect(model.index(row, BundleColumn.NAME)))
        for row in range(model.rowCount())
    )
    return {"rows": model.rowCount(), "full_rows": full}


def run(args: argparse.Namespace) -> dict[str, Any]:
    warnings: list[str] = []
    record_qt_warnings(warnings)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setFont(ui_font(register_fonts()))
    install_chinese_translations(app)
    prepare_demo_home(args.home)
    workspace = open_workspace(args.home, clock=fixed_clock(NOW))
    window = MainWindow(workspace=workspace, counter=workspace.counter("demo"))
    window.show_on_screen()
    wait_until(lambda: window.isVisible() and window.todays_cases.loaded)
    report: dict[str, Any] = {"tag": args.tag, "screenshots": [], "qt_warnings": warnings}
    window.item_search.search("kbcyd")
    dialog = window.bundles.open_intake(RESTAURANT)
    assert dialog is not None
    wait_until(dialog.isVisible)
    fill(dialog)
    report["intake"] = check_window(dialog, required=INTAKE_CONTROLS)
    report["checklist"] = checklist_rows(dialog)
    report["decisions"] = [dialog.decisions.item(i).text() for i in range(dialog.decisions.count())]
    report["screenshots"].append(screenshot(args.screenshots, f"bundle-intake-{args.tag}", window, dialog))

    saved: list[object] = []
    dialog.saved.connect(saved.append)
    dialog.accept_bundle()
    wait_until(lambda: bool(saved) and dialog.printing.preview is not None)
    wait_until(lambda: dialog.printing.preview is not None and dialog.printing.preview.isVisible())
    preview = dialog.printing.preview
    assert preview is not None
    report["screenshots"].append(
        screenshot(args.screenshots, f"bundle-receipt-preview-{args.tag}", window, dialog, preview)
    )
    preview.reject()
    report["intake_saved"] = check_window(dialog, required=("bundleClose", "bundleSaved"))
    report["screenshots"].append(
        screenshot(args.screenshots, f"bundle-intake-saved-{args.tag}", window, dialog)
    )
    number = dialog.stored.number if dialog.stored else ""
    dialog.close()

    opened: list[object] = []
    window.bundles.opened.connect(opened.append)
    window.show_bundle(number)
    wait_until(lambda: bool(opened))
    shown = window.bundles.dialog
    assert shown is not None
    wait_until(shown.isVisible)
    report["bundle_dialog"] = check_window(shown, required=DIALOG_CONTROLS)
    report["bundle_rows"] = shown.model.rowCount()
    report["screenshots"].append(screenshot(args.screenshots, f"bundle-dialog-{args.tag}", window, shown))
    shown.close()
    window.jobs.wait()
    QApplication.processEvents()
    window.close()
    window.jobs.shutdown()
    workspace.close()
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--report", type=Path, required=True)
    parser.add_argument("--screenshots", type=Path, default=None)
    parser.add_argument("--tag", default="screen")
    args = parser.parse_args(argv)
    report = run(args)
    args.report.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
