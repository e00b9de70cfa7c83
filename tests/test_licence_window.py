"""电子证照 in the window (issue 15), driven through the real main window by keyboard: the certificate QR of
an approved case, read from its rendered PDF (zxing-cpp), scanned into the 电子证照 dialog of a later case's
material satisfies it (the row shows the licence, the decision says 免交纸质) and the case is saved with the
licence; found in this window's library by the applicant's ID while offline (the dialog says so); removed,
the row is paper again; a revoked licence and one of the wrong type are refused with their reason on
screen and cannot be taken, and so is an altered QR (its seal does not verify)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.accounts.demo import DEMO_PASSWORD
from app.operations import lifecycle as ops
from app.workspace import Workspace
from tests.helpers import COMPANY
from tests.test_licence_library import FOOD_CHANGE, accepted, certificate_qr
from tests.test_licences import FOOD, FOOD_FIELDS, HYGIENE, HYGIENE_FIELDS
from tests.test_main_window import accept_by_keyboard, type_into
from ui.licence_dialog import OFFLINE_NOTE, LicenceDialog
from ui.main_window import MainWindow
from ui.models import LicenceRole, MaterialColumn

SCREENSHOTS = os.environ.get("CLERK_SCREENSHOTS")


def shot(widget, name: str) -> None:  # type: ignore[no-untyped-def]
    if SCREENSHOTS:
        QApplication.processEvents()
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(Path(SCREENSHOTS) / f"{name}.png"))


def issued(ws: Workspace, code: str, fields: dict[str, str], *, printed: bool = False) -> tuple[str, str]:
    """A licence the app issued to COMPANY: (its case number, its QR text). `printed`: the QR as read from
    its printed PDF (rendered and decoded: a second or so), else as the approval sealed it."""
    number = accepted(ws, code)
    approval = ws.certificates.approve(number, approver=ws.counter("shenpi"), fields=fields)
    return number, certificate_qr(ws, number) if printed else approval.qr_text


def food_change_case(qtbot: QtBot, win: MainWindow) -> None:
    """食品经营许可（变更） for COMPANY, everything handed over on paper (F9)."""
    qtbot.keyClick(win, Qt.Key.Key_F2)
    qtbot.keyClicks(win.item_query, FOOD_CHANGE)
    qtbot.keyClick(win.item_query, Qt.Key.Key_Return)
    assert win.item is not None and win.item.code == FOOD_CHANGE
    win.intake.kind.setCurrentIndex(1)  # 法人
    type_into(qtbot, win.intake.name, COMPANY["name"])
    type_into(qtbot, win.intake.id_number, COMPANY["id_number"])
    type_into(qtbot, win.intake.phone, COMPANY["phone"])
    qtbot.keyClick(win, Qt.Key.Key_F9)
    findings = [win.decision.findings.item(i).text() for i in range(win.decision.findings.count())]
    assert win.decision.outcome.text() == "受理", findings


def open_licence_dialog(qtbot: QtBot, win: MainWindow, material: str) -> LicenceDialog:
    """The clerk goes to the material's row of the checklist and presses F7."""
    view = win.counter_flow.materials.checklist_view
    row = win.checklist.row_of(material)
    assert row is not None
    view.setFocus()
    view.setCurrentIndex(win.checklist.index(row, MaterialColumn.NAME))
    assert win.counter_flow.materials.licence_button.isEnabled()
    qtbot.keyClick(view, Qt.Key.Key_F7)
    dialog = win.counter_flow.licence_dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    dialog.activateWindow()  # the offscreen platform does not activate a new window by itself
    qtbot.waitUntil(dialog.isActiveWindow)
    return dialog


def back_to_window(qtbot: QtBot, win: MainWindow) -> None:
    win.activateWindow()  # the offscreen platform does not hand activation back by itself
    qtbot.waitUntil(win.isActiveWindow)


def scan(qtbot: QtBot, dialog: LicenceDialog, text: str) -> None:
    """A handheld scanner types the QR text and Enter into the dialog's field."""
    dialog.payload.setFocus()
    qtbot.keyClicks(dialog.payload, text)
    with qtbot.waitSignal(dialog.answered, timeout=20_000):
        qtbot.keyClick(dialog.payload, Qt.Key.Key_Return)


def test_a_licence_issued_here_is_scanned_in_place_of_paper_and_saved_with_the_case(
    window: MainWindow, qtbot: QtBot, workspace: Workspace
) -> None:
    _, qr_text = issued(workspace, FOOD, FOOD_FIELDS, printed=True)
    food_change_case(qtbot, window)
    paper_row = window.checklist.row_of("M01")
    assert paper_row is not None
    window.counter_flow.materials.checklist_view.setCurrentIndex(window.checklist.index(paper_row, 1))
    assert not window.counter_flow.materials.licence_button.isEnabled()  # no licence type for a form

    dialog = open_licence_dialog(qtbot, window, "M03")
    assert "食品经营许可证" in dialog.info.text() and COMPANY["name"] in dialog.info.text()
    scan(qtbot, dialog, qr_text)
    assert dialog.status.text() == "可以采用"
    assert "食品经营许可证" in dialog.details.text() and "有效期至：2031-11-19" in dialog.details.text()
    assert dialog.take_button.isEnabled()
    shot(dialog, "licence-dialog-fit")
    with qtbot.waitSignal(dialog.finished, timeout=5000):
        qtbot.keyClick(dialog.payload, Qt.Key.Key_Return)  # Enter again takes what is shown

    row = window.checklist.row_of("M03")
    assert row is not None
    model = window.checklist
    assert model.data(model.index(row, MaterialColumn.FORM)) == "电子证照"
    assert model.data(model.index(row, MaterialColumn.COPIES)) == "—"
    assert model.data(model.index(row, MaterialColumn.PAGES)) == "—"
    line = model.data(model.index(row, MaterialColumn.NAME), LicenceRole)
    assert "食品经营许可证 JY" in line and COMPANY["name"] in line and "有效期至 2031-11-19" in line
    assert not model.flags(model.index(row, MaterialColumn.COPIES)) & Qt.ItemFlag.ItemIsEditable
    findings = [window.decision.findings.item(i).text() for i in range(window.decision.findings.count())]
    assert any("食品经营许可证" in f and "免交纸质" in f for f in findings), findings
    assert window.decision.outcome.text() == "受理"
    shot(window, "checklist-licence-row")

    back_to_window(qtbot, window)
    number = accept_by_keyboard(qtbot, window)
    case = workspace.cases.find(number)
    assert case is not None and case.decision == "accepted"
    [m03] = [m for m in case.materials if m.material == "M03"]
    assert m03.form == "licence" and m03.copies == 0 and m03.pages == 0
    assert m03.licence is not None and m03.licence["verified_by"] == "qr_offline"
    assert m03.licence["licence_type"] == "food_business"


def test_found_by_the_applicants_id_offline_and_removed_again(
    window: MainWindow, qtbot: QtBot, workspace: Workspace
) -> None:
    issued(workspace, FOOD, FOOD_FIELDS)
    food_change_case(qtbot, window)
    dialog = open_licence_dialog(qtbot, window, "M03")
    with qtbot.waitSignal(dialog.answered, timeout=20_000):
        qtbot.keyClick(dialog, Qt.Key.Key_F5)
    # Not registered with a server (no network here): this window's library, and the dialog says so.
    assert OFFLINE_NOTE in dialog.lookup_note.text() and "找到 1 个电子证照" in dialog.lookup_note.text()
    assert dialog.results.count() == 1 and "可采用" in dialog.results.item(0).text()
    assert dialog.results.hasFocus() and dialog.status.text() == "可以采用"
    with qtbot.waitSignal(dialog.finished, timeout=5000):
        qtbot.keyClick(dialog.results, Qt.Key.Key_Return)
    row = window.checklist.row_of("M03")
    assert row is not None and window.checklist.rows()[row].licence is not None
    [entry] = [e for e in window.checklist.received() if e.material_code == "M03"]
    assert entry.licence is not None and entry.licence.verified_by.value == "library"

    back_to_window(qtbot, window)
    dialog = open_licence_dialog(qtbot, window, "M03")
    assert dialog.remove_button.isVisible() and "已采用" in dialog.current.text()
    with qtbot.waitSignal(dialog.finished, timeout=5000):
        dialog.remove_button.click()
    assert window.checklist.rows()[row].licence is None and not window.checklist.rows()[row].received
    assert window.checklist.data(window.checklist.index(row, MaterialColumn.FORM)) != "电子证照"
    assert window.decision.outcome.text() == "补正告知"  # M03 is missing on paper now


@pytest.mark.parametrize("case", ["revoked", "wrong_type", "altered"])
def test_a_revoked_or_wrong_type_licence_is_refused_with_its_reason(
    case: str, window: MainWindow, qtbot: QtBot, workspace: Workspace
) -> None:
    if case == "revoked":
        number, qr_text = issued(workspace, FOOD, FOOD_FIELDS)
        ops.revoke(
            workspace,
            person=workspace.counter("shenpi"),
            number=number,
            reason="申请人以欺骗手段取得许可",
            basis="《中华人民共和国行政许可法》第六十九条第二款",
            password=DEMO_PASSWORD,
        )
    elif case == "wrong_type":
        _, qr_text = issued(workspace, HYGIENE, HYGIENE_FIELDS)
    else:
        _, genuine = issued(workspace, FOOD, FOOD_FIELDS)
        qr_text = genuine[:-4] + ("AAAA" if not genuine.endswith("AAAA") else "BBBB")
    food_change_case(qtbot, window)
    dialog = open_licence_dialog(qtbot, window, "M03")
    scan(qtbot, dialog, qr_text)
    if case == "revoked":
        assert dialog.status.text() == "不能采用：已撤销"
        assert "申请人以欺骗手段取得许可" in dialog.details.text()
        shot(dialog, "licence-dialog-revoked")
    elif case == "altered":
        assert dialog.status.text() == "不能采用"
        assert "电子证照核验未通过" in dialog.details.text()
    else:
        assert dialog.status.text() == "不能采用：证照类型不符"
        assert (
            "公共场所卫生许可证" in dialog.details.text()
            and "本材料须为食品经营许可证" in dialog.details.text()
        )
    assert not dialog.take_button.isEnabled()
    with qtbot.waitSignal(dialog.answered, timeout=20_000):
        qtbot.keyClick(dialog.payload, Qt.Key.Key_Return)  # Enter verifies again; nothing is taken
    qtbot.keyClick(dialog, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert dialog.isVisible()
    dialog.reject()
    row = window.checklist.row_of("M03")
    assert row is not None and window.checklist.rows()[row].licence is None
