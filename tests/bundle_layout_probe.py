"""The bundle intake and the bundle dialog on the screen tests/layout_probe.py was given (it runs this part in
the clerk's window, once per screen size): where every control lies, how many checklist rows show whole,
and, with --screenshots, what the clerk sees."""

from __future__ import annotations

import argparse
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.licence_library.evidence import Licence, VerifiedBy
from tests.bundle_helpers import HYGIENE, RESTAURANT, business_licence
from tests.helpers import AGENT, COMPANY
from tests.layout_probe import check_window, screenshot, wait_until
from ui.bundle_checklist import BundleColumn
from ui.bundle_intake import BundleIntakeDialog
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
    "bundleLicenceButton",
    "bundleDecisions",
    "bundleAccept",
    "bundleClose",
)
DIALOG_CONTROLS = ("bundleCases", "bundleStatusHeading")
CHECK = Qt.ItemDataRole.CheckStateRole


def fill(dialog: BundleIntakeDialog, licence: Licence) -> None:
    """A clerk mid-way: the company with an agent, everything handed over but the hygiene permit's own
    application form, the shared 营业执照 as the electronic licence `licence` and the shared 经营场所使用证明
    replaced by a 告知承诺: split decisions."""
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
    model.set_licence("S01", licence, found=VerifiedBy.QR_OFFLINE)
    premises = model.row_of("S03")
    model.setData(model.index(premises, BundleColumn.COMMITMENT), Qt.CheckState.Checked, CHECK)
    model.setData(model.index(premises, BundleColumn.RECEIVED), Qt.CheckState.Unchecked, CHECK)
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


def bundle_views(window: MainWindow, args: argparse.Namespace, screenshots: list[Any]) -> dict[str, Any]:
    """The bundle intake (filled so one item is 补正), its saved state and the receipt's preview, then the
    bundle dialog, in `window` (the clerk signed in)."""
    report: dict[str, Any] = {}
    workspace = window.workspace
    _, qr_text = business_licence(workspace)
    licence = workspace.licences.verify(qr_text)
    window.item_search.search("kbcyd")
    dialog = window.bundles.open_intake(RESTAURANT)
    assert dialog is not None
    wait_until(dialog.isVisible)
    fill(dialog, licence)
    report["intake"] = check_window(dialog, required=INTAKE_CONTROLS)
    report["checklist"] = checklist_rows(dialog)
    report["decisions"] = [dialog.decisions.item(i).text() for i in range(dialog.decisions.count())]
    screenshots.append(screenshot(args.screenshots, f"bundle-intake-{args.tag}", window, dialog))

    saved: list[object] = []
    dialog.saved.connect(saved.append)
    dialog.accept_bundle()
    wait_until(lambda: bool(saved) and dialog.printing.preview is not None)
    wait_until(lambda: dialog.printing.preview is not None and dialog.printing.preview.isVisible())
    preview = dialog.printing.preview
    assert preview is not None
    screenshots.append(
        screenshot(args.screenshots, f"bundle-receipt-preview-{args.tag}", window, dialog, preview)
    )
    preview.reject()
    report["intake_saved"] = check_window(dialog, required=("bundleClose", "bundleSaved"))
    screenshots.append(screenshot(args.screenshots, f"bundle-intake-saved-{args.tag}", window, dialog))
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
    screenshots.append(screenshot(args.screenshots, f"bundle-dialog-{args.tag}", window, shown))
    shown.close()
    window.jobs.wait()
    QApplication.processEvents()
    return report
