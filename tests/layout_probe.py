"""Build the real window on a demo workspace at the screen this process was given, enter a case with the
biggest checklist, open its dialogs, and report where every control lies (JSON), with screenshots.

Qt chooses its platform and screen once per process, so tests/test_layout.py runs this module once per
screen size, e.g. under the offscreen platform with a screen configuration:

    QT_QPA_PLATFORM=offscreen:configfile=screen.json python -m tests.layout_probe --home D --report R.json
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMessageLogContext, QRect, Qt, QTimer, QtMsgType, qInstallMessageHandler
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from app.accounts.demo import DEMO_PASSWORD
from app.catalog import ApplicantKind, ServiceItem
from app.clock import CHINA, fixed_clock
from app.completeness import applicable_materials
from app.documents.kinds import main_document
from app.helpers.agency import Authorisation
from app.workspace import Workspace, open_workspace, prepare_demo_home
from tests.helpers import AGENT, COMPANY
from ui.fonts import install_chinese_translations, register_fonts, ui_font
from ui.main_window import MainWindow
from ui.models import MaterialColumn
from ui.printing import PrintPreviewDialog

INTERACTIVE = (
    QAbstractButton,
    QLineEdit,
    QComboBox,
    QAbstractSpinBox,
    QAbstractItemView,
    QPlainTextEdit,
    QTextEdit,
)
# Labels that carry what the clerk must read: they must be on screen too when shown.
MUST_READ = ("outcomeLabel", "savedLabel", "printerState", "glyphWarnings", "syncState", "casesSummary")
# The controls of the main window that must be shown (a toolbar hides what does not fit, silently).
MAIN_CONTROLS = (
    "caseLookup",
    "caseLookupButton",
    "verifyButton",
    "itemQuery",
    "itemList",
    "applicantKind",
    "applicantName",
    "applicantId",
    "applicantPhone",
    "hasAgent",
    "agentName",
    "agentId",
    "agentPhone",
    "checklistView",
    "allReceivedButton",
    "acceptButton",
    "newButton",
    "casesToggle",
    "casesView",
    "syncNow",
    "outcomeLabel",
    "syncState",
)
PREVIEW_CONTROLS = ("printButton", "cancelButton", "printerChoice", "copies", "printerState", "previewPages")
IGNORED_QT = "does not support propagateSizeHints"  # the offscreen platform says so on every window
# A Windows taskbar (40) and a window's title bar (31), in logical pixels.
TASKBAR_AND_TITLE = 71
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=CHINA)  # a Friday at the hall


def global_rect(widget: QWidget) -> QRect:
    return QRect(widget.mapToGlobal(widget.rect().topLeft()), widget.size())


def clipped_rect(widget: QWidget) -> QRect:
    """The part of the widget its ancestors let show; a scroll area's content counts as shown (the clerk
    scrolls to it)."""
    rect = global_rect(widget)
    parent = widget.parentWidget()
    while parent is not None:
        scroller = parent.parentWidget()
        if isinstance(scroller, QAbstractScrollArea) and scroller.viewport() is parent:
            return rect
        rect = rect.intersected(global_rect(parent))
        if parent.isWindow():
            break
        parent = parent.parentWidget()
    return rect


def describe(widget: QWidget) -> str:
    name = widget.objectName() or type(widget).__name__
    text = ""
    if isinstance(widget, QAbstractButton | QLabel):
        text = widget.text().replace("\n", " ")[:20]
    return f"{name}「{text}」" if text else name


def rect_list(rect: QRect) -> list[int]:
    return [rect.x(), rect.y(), rect.width(), rect.height()]


def check_window(window: QWidget, *, required: Iterable[str] = ()) -> dict[str, Any]:
    """Problems with this top-level window at its screen: off-screen, clipped, hidden or overlapping
    controls. An empty `problems` list means every control can be reached."""
    QApplication.processEvents()
    screen = window.screen()
    available = screen.availableGeometry()
    problems: list[str] = []
    # A maximized window's borders may lie past the screen's edge (Windows puts them there): its
    # contents must be inside.
    frame = window.geometry() if window.isMaximized() else window.frameGeometry()
    if not available.contains(frame):
        problems.append(f"window frame {rect_list(frame)} outside the available area {rect_list(available)}")
    if window.minimumSizeHint().height() > available.height():
        problems.append(f"minimum height {window.minimumSizeHint().height()} > {available.height()}")
    if window.minimumSizeHint().width() > available.width():
        problems.append(f"minimum width {window.minimumSizeHint().width()} > {available.width()}")
    shown: list[QWidget] = []
    for widget in window.findChildren(QWidget):
        if not widget.isVisible() or widget.window() is not window:
            continue
        if widget.width() == 0 or widget.height() == 0:
            continue  # takes no room: e.g. the row header of an empty table
        if not (isinstance(widget, INTERACTIVE) or widget.objectName() in MUST_READ):
            continue
        if widget.objectName() == "qt_toolbar_ext_button":
            problems.append("the toolbar hides controls behind its extension button")
            continue
        shown.append(widget)
        rect, visible = global_rect(widget), clipped_rect(widget)
        if visible != rect:
            problems.append(f"{describe(widget)} {rect_list(rect)} clipped to {rect_list(visible)}")
        if not available.contains(rect):
            problems.append(f"{describe(widget)} {rect_list(rect)} outside the screen {rect_list(available)}")
        if rect.width() < 8 or rect.height() < 8:
            problems.append(f"{describe(widget)} squeezed to {rect_list(rect)}")
    for name in required:
        found = window.findChild(QWidget, name)
        if found is None or not found.isVisible():
            problems.append(f"{name} is not shown")
    for i, first in enumerate(shown):
        for second in shown[i + 1 :]:
            if first.isAncestorOf(second) or second.isAncestorOf(first):
                continue
            if global_rect(first).intersects(global_rect(second)):
                problems.append(f"{describe(first)} overlaps {describe(second)}")
    return {
        "screen": rect_list(screen.geometry()),
        "available": rect_list(available),
        "device_pixel_ratio": screen.devicePixelRatio(),
        "frame": rect_list(frame),
        "maximized": window.isMaximized(),
        "controls": len(shown),
        "problems": problems,
    }


def biggest_item(workspace: Workspace) -> ServiceItem:
    """The item with the longest checklist for an organisation with an agent (ties: longer names)."""
    best: tuple[int, int, str] | None = None
    for hit in workspace.catalog.index.first(10_000):
        item = workspace.catalog.item(hit.code)
        assert item is not None
        materials = applicable_materials(item, applicant_kind=ApplicantKind.ORGANIZATION, has_agent=True)
        key = (len(materials), sum(len(m.name) for m in materials), item.code)
        if best is None or key > best:
            best = key
    assert best is not None
    item = workspace.catalog.item(best[2])
    assert item is not None
    return item


def checklist_rows(window: MainWindow) -> dict[str, Any]:
    """How many checklist rows the view shows whole, and how tall a row gets."""
    view = window.checklist_view
    view.scrollToTop()
    QApplication.processEvents()
    viewport = view.viewport().rect()
    model = window.checklist
    full = 0
    heights = []
    for row in range(model.rowCount()):
        heights.append(view.rowHeight(row))
        if viewport.contains(view.visualRect(model.index(row, MaterialColumn.NAME))):
            full += 1
    line = view.fontMetrics().lineSpacing()
    return {
        "rows": model.rowCount(),
        "full_rows": full,
        "row_heights": heights,
        "line_spacing": line,
        "viewport_height": viewport.height(),
    }


def fill_case(window: MainWindow, item: ServiceItem) -> None:
    """A clerk mid-way: the company with an agent, most materials ticked, one defective, one missing."""
    window.choose_item(item.code)
    window.intake.kind.setCurrentIndex(1)  # 法人/其他组织
    window.intake.name.setText(COMPANY["name"])
    window.intake.id_number.setText(COMPANY["id_number"])
    window.intake.phone.setText(COMPANY["phone"])
    window.intake.has_agent.setChecked(True)
    window.intake.agent_name.setText(AGENT["name"])
    window.intake.agent_id.setText("11010519491231002X")
    window.intake.agent_phone.setText(AGENT["phone"])
    model = window.checklist
    model.mark_all_received()
    model.setData(
        model.index(1, MaterialColumn.RECEIVED), Qt.CheckState.Unchecked, Qt.ItemDataRole.CheckStateRole
    )
    model.setData(model.index(2, MaterialColumn.DEFECT), "复印件不清晰，公章不完整", Qt.ItemDataRole.EditRole)
    QApplication.processEvents()


def wait_until(condition: Callable[[], bool], *, timeout_ms: int = 30_000) -> None:
    timer = QTimer()
    timer.setSingleShot(True)
    timer.start(timeout_ms)
    while not condition():
        if not timer.isActive():
            raise TimeoutError("the window did not get there in time")
        QApplication.processEvents()
        QApplication.instance().thread().msleep(5)  # type: ignore[union-attr]


def screenshot(folder: Path | None, name: str, *windows: QWidget) -> str | None:
    """The screen as the clerk sees it: the windows painted where they stand, on a grey desktop."""
    if folder is None:
        return None
    QApplication.processEvents()
    screen = windows[0].screen()
    ratio = screen.devicePixelRatio()
    size = screen.geometry().size()
    canvas = QPixmap(size * ratio)
    canvas.setDevicePixelRatio(ratio)
    canvas.fill(QColor("#3a4a5a"))
    painter = QPainter(canvas)
    for window in windows:
        origin = window.geometry().topLeft() - screen.geometry().topLeft()
        painter.drawPixmap(origin, window.grab())
        if window is not windows[0]:  # a dialog: its border, as a window manager would draw one
            painter.setPen(QPen(QColor("#20303f"), 2))
            painter.drawRect(QRect(origin, window.size()).adjusted(-1, -1, 1, 1))
    painter.end()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    canvas.save(str(path))
    return str(path)


def record_qt_warnings(into: list[str]) -> None:
    """Qt's warnings go into the report (the test fails on them, as pytest-qt does in-process)."""

    def handler(kind: QtMsgType, _context: QMessageLogContext, message: str) -> None:
        if kind != QtMsgType.QtDebugMsg and kind != QtMsgType.QtInfoMsg and IGNORED_QT not in message:
            into.append(message)

    qInstallMessageHandler(handler)


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
    item = biggest_item(workspace)
    fill_case(window, item)
    report["item"] = item.name
    report["main"] = check_window(window, required=MAIN_CONTROLS)
    report["checklist"] = checklist_rows(window)
    report["screenshots"].append(screenshot(args.screenshots, f"main-{args.tag}", window))

    # On a counter PC a taskbar and the title bar take their share of the screen: the same checks in the
    # room that leaves (offscreen screens have neither).
    area = window.screen().availableGeometry()
    window.showNormal()
    inner, outer = window.geometry(), window.frameGeometry()
    window.setGeometry(
        area.adjusted(
            inner.left() - outer.left(),
            inner.top() - outer.top(),
            inner.right() - outer.right(),
            inner.bottom() - outer.bottom() - TASKBAR_AND_TITLE,
        )
    )
    report["main_taskbar"] = check_window(window, required=MAIN_CONTROLS)
    report["checklist_taskbar"] = checklist_rows(window)
    report["screenshots"].append(screenshot(args.screenshots, f"main-taskbar-{args.tag}", window))
    window.showMaximized()
    wait_until(window.isMaximized)

    # Today's cases folded away and back: both ways every control stays reachable.
    window.cases_toggle.click()
    folded = [name for name in MAIN_CONTROLS if name != "casesView"]
    report["main_cases_folded"] = check_window(window, required=folded)
    report["main_cases_folded"]["cases_shown"] = window.cases_view.isVisible()
    report["checklist_cases_folded"] = checklist_rows(window)
    window.cases_toggle.click()

    # Save the case: the real flow renders its document and opens the preview.
    window.accept_case()
    wait_until(lambda: window.last_case_number is not None)  # saved on the database lane
    number = window.last_case_number
    assert number is not None
    wait_until(lambda: window.preview is not None and window.preview.isVisible())
    assert window.preview is not None
    report["preview_flow"] = check_window(window.preview, required=("printButton", "cancelButton"))
    report["locked"] = check_window(window, required=MAIN_CONTROLS)
    window.preview.reject()

    # A preview whose printer cannot print: the error must be readable next to 打印 and 取消.
    case = workspace.cases.find(number)
    assert case is not None
    kind = main_document(case.decision)
    assert kind is not None
    document = workspace.documents.prepare(kind, number, counter=window.counter)
    preview = PrintPreviewDialog(
        document, printers=["柜台打印机"], default_printer="柜台打印机", parent=window
    )
    preview.open()
    wait_until(preview.isVisible)
    report["preview"] = check_window(preview, required=PREVIEW_CONTROLS)
    report["preview"]["printer_state"] = preview.printer_state.text()
    report["screenshots"].append(screenshot(args.screenshots, f"preview-{args.tag}", window, preview))
    preview.reject()

    # The case dialog, a long message and the conflicts dialog never grow past the screen.
    window.show_case(number)
    wait_until(lambda: window.case_dialog is not None and window.case_dialog.isVisible())
    assert window.case_dialog is not None
    report["case_dialog"] = check_window(window.case_dialog)
    window.case_dialog.reject()
    lines = "\n".join(f"第 {i} 行：材料不齐全，请补正后再次提交（示例长消息）" for i in range(1, 81))
    box = window.notify(QMessageBox.Icon.Warning, "长消息", lines)
    wait_until(box.isVisible)
    report["message_box"] = check_window(box)
    box.close()
    window.sync_status.show_conflicts()
    conflicts = window.sync_status.conflicts_dialog
    assert conflicts is not None
    wait_until(conflicts.isVisible)
    report["conflicts_dialog"] = check_window(conflicts)
    conflicts.reject()
    licence_views(window, workspace, args, report)
    from tests.bundle_layout_probe import bundle_views  # (it reads this module's helpers)

    report["bundle"] = bundle_views(window, args, report["screenshots"])

    QApplication.processEvents()
    window.close()
    window.jobs.wait()
    helper_mode(args, workspace, report, item)
    workspace.close()
    return report


HELPER_CONTROLS = (
    "itemQuery",
    "itemList",
    "applicantName",
    "applicantId",
    "checklistView",
    "precheckState",
    "toBringList",
    "agencyCheck",
    "saveDraftButton",
    "printSheetButton",
    "newDraftButton",
    "draftsView",
    "refreshClients",
)


def helper_mode(
    args: argparse.Namespace, workspace: Workspace, report: dict[str, Any], item: ServiceItem
) -> None:
    """The same PC with a 帮办员 signed in (issue 15): the pre-check, 我的草稿, the 代办委托书 form."""
    signed = workspace.sign_in("bangban", DEMO_PASSWORD)
    window = MainWindow(workspace=workspace, counter=workspace.counter(signed.login))
    window.show_on_screen()
    wait_until(lambda: window.isVisible() and window.helper_mode)
    fill_case(window, item)
    window.helper_desk.set_authorisation(
        Authorisation(
            principal=COMPANY["name"],
            principal_id=COMPANY["id_number"],
            scope="代为申请、递交和补正材料、领取证照",
            valid_from=NOW.date(),
            valid_until=NOW.date().replace(year=NOW.year + 1),
            signed_on=NOW.date(),
        )
    )
    window.save_draft()
    wait_until(lambda: window.helper_lists.drafts.rowCount() == 1)
    report["helper"] = check_window(window, required=HELPER_CONTROLS)
    report["helper_checklist"] = checklist_rows(window)
    report["screenshots"].append(screenshot(args.screenshots, f"helper-{args.tag}", window))
    window.helper_desk.edit_authorisation()
    dialog = window.helper_desk.authorisation_dialog
    assert dialog is not None
    wait_until(dialog.isVisible)
    report["authorisation_dialog"] = check_window(dialog)
    report["screenshots"].append(
        screenshot(args.screenshots, f"helper-authorisation-{args.tag}", window, dialog)
    )
    dialog.reject()
    QApplication.processEvents()
    window.close()
    window.jobs.wait()


def licence_views(
    window: MainWindow, workspace: Workspace, args: argparse.Namespace, report: dict[str, Any]
) -> None:
    """电子证照 (issue 15): a licence the app issued scanned into the dialog of a later case's material, and
    the checklist row it satisfies."""
    from app.intake import parse_request
    from tests.helpers import complete_materials
    from tests.test_licence_library import FOOD_CHANGE
    from tests.test_licences import FOOD, FOOD_FIELDS

    food = workspace.catalog.item(FOOD)
    assert food is not None
    request = {"item": FOOD, "applicant": dict(COMPANY), "agent": None}
    request["materials"] = complete_materials(food, kind="organization", agent=False)
    number = workspace.acceptance.accept(parse_request(request), counter=workspace.counter("demo"))
    workspace.certificates.approve(number, approver=workspace.counter("shenpi"), fields=FOOD_FIELDS)
    case = workspace.cases.find(number)
    assert case is not None and case.certificate is not None
    window.new_case()
    window.choose_item(FOOD_CHANGE)
    window.intake.kind.setCurrentIndex(1)
    window.intake.name.setText(COMPANY["name"])
    window.intake.id_number.setText(COMPANY["id_number"])
    window.intake.phone.setText(COMPANY["phone"])
    window.checklist.mark_all_received()
    row = window.checklist.row_of("M03")
    assert row is not None
    window.counter_flow.materials.checklist_view.setCurrentIndex(
        window.checklist.index(row, MaterialColumn.NAME)
    )
    window.counter_flow.open_licences()
    dialog = window.counter_flow.licence_dialog
    assert dialog is not None
    wait_until(dialog.isVisible)
    dialog.payload.setText(case.certificate.qr_text)
    dialog.verify()
    wait_until(lambda: dialog.status.text() == "可以采用")
    report["licence_dialog"] = check_window(
        dialog, required=("licencePayload", "licenceVerifyButton", "licenceLookupButton", "licenceTakeButton")
    )
    report["screenshots"].append(screenshot(args.screenshots, f"licence-dialog-{args.tag}", window, dialog))
    dialog.take()
    QApplication.processEvents()
    report["licence_checklist"] = check_window(window, required=MAIN_CONTROLS)
    report["screenshots"].append(screenshot(args.screenshots, f"licence-row-{args.tag}", window))


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
