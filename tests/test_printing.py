"""The real print path: the window renders, previews and prints to a CUPS queue (cups-pdf); the printed
pages are read back and their codes decoded; failures record nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.documents.content import DocumentKind
from app.intake import parse_request
from app.seal import VerificationStatus
from app.workspace import Workspace
from tests.cups_queue import (
    READY,
    STOPPED,
    ensure_queues,
    printed_files,
    queues_to_ourselves,
    wait_for_new_output,
)
from tests.documents_helpers import needs_poppler, read_back
from tests.helpers import AGENT, PLANNING, PLANNING_FIELDS, request_json
from tests.window_people import confirm_approval, shift_change
from ui.main_window import MainWindow
from ui.printing import PrintPreviewDialog

pytestmark = [needs_poppler, pytest.mark.slow]


@pytest.fixture(autouse=True)
def print_queues() -> Iterator[None]:
    ensure_queues()
    with queues_to_ourselves():
        yield


def accepted_case(workspace: Workspace, *, skip: tuple[str, ...] = ()) -> str:
    item = workspace.catalog.item(PLANNING)
    assert item is not None
    return workspace.acceptance.accept(
        parse_request(request_json(item, skip=skip)), counter=workspace.counter("demo")
    )


def open_preview(qtbot: QtBot, window: MainWindow, kind: DocumentKind, number: str) -> PrintPreviewDialog:
    window.preview = None
    window.request_print(str(kind), number)
    qtbot.waitUntil(lambda: window.preview is not None and window.preview.isVisible(), timeout=20_000)
    assert window.preview is not None
    return window.preview


def print_from_preview(qtbot: QtBot, window: MainWindow, preview: PrintPreviewDialog) -> Path:
    """Print (off the GUI thread): the file the queue made, once the window recorded the print."""
    before = printed_files()
    with qtbot.waitSignal(window.printing.printed, timeout=60_000):
        preview.accept()
        printed = wait_for_new_output(before)
    return printed


def test_receipt_printed_through_a_real_queue_reads_back(
    qtbot: QtBot, window: MainWindow, workspace: Workspace, tmp_path: Path
) -> None:
    number = accepted_case(workspace)
    preview = open_preview(qtbot, window, DocumentKind.RECEIPT, number)
    document = preview.document
    assert len(preview.page_labels) == document.pages  # the preview shows the exact PDF pages
    assert preview.copies.value() == 1 and READY in [
        preview.printer.itemText(i) for i in range(preview.printer.count())
    ]
    preview.printer.setCurrentText(READY)
    printed = print_from_preview(qtbot, window, preview)
    seen = read_back(printed.read_bytes(), tmp_path, dpi=300)
    assert seen.decoded("Code128") == [number]
    assert seen.decoded("QR") == [f"HTTPS://ZWFW.EXAMPLE.GOV.CN/CASE/{number}"]
    assert len(seen.pages) == document.pages
    (record,) = workspace.documents.prints(number)
    assert (
        record["destination"] == READY and record["reprint"] is False and record["sha256"] == document.sha256
    )
    assert dict(workspace.settings.get("printers"))["receipt"] == READY  # remembered for this kind


def test_notice_prints_two_copies_and_a_reprint_needs_a_reason(
    qtbot: QtBot, window: MainWindow, workspace: Workspace, tmp_path: Path
) -> None:
    number = accepted_case(workspace, skip=("M05",))
    preview = open_preview(qtbot, window, DocumentKind.SUPPLEMENT_NOTICE, number)
    assert preview.copies.value() == 2  # applicant and file
    preview.printer.setCurrentText(READY)
    document = preview.document
    printed = print_from_preview(qtbot, window, preview)
    assert len(read_back(printed.read_bytes(), tmp_path / "first").pages) == 2 * document.pages

    window.request_print(str(DocumentKind.SUPPLEMENT_NOTICE), number)
    qtbot.waitUntil(lambda: window.reason_dialog is not None and window.reason_dialog.isVisible())
    assert window.reason_dialog is not None and window.reason_dialog.isVisible()
    window.preview = None
    window.reason_dialog.setTextValue("申请人要求再打一份")
    window.reason_dialog.accept()
    qtbot.waitUntil(lambda: window.preview is not None, timeout=20_000)
    assert window.preview is not None and "补打" in window.preview.windowTitle()
    window.preview.copies.setValue(1)
    window.preview.printer.setCurrentText(READY)
    reprint = window.preview.document
    reprinted = print_from_preview(qtbot, window, window.preview)
    assert "补打" in "".join(read_back(reprint.pdf, tmp_path / "again").text.split())
    assert reprinted.exists()
    records = workspace.documents.prints(number)
    assert [(r["reprint"], r["reason"], r["copies"]) for r in records] == [
        (False, None, 2),
        (True, "申请人要求再打一份", 1),
    ]


def test_a_stopped_printer_records_nothing(qtbot: QtBot, window: MainWindow, workspace: Workspace) -> None:
    number = accepted_case(workspace)
    preview = open_preview(qtbot, window, DocumentKind.RECEIPT, number)
    preview.printer.setCurrentText(STOPPED)
    assert "错误状态" in preview.printer_state.text() and not preview.print_button.isEnabled()
    preview.accept()  # even if it is forced, the print path checks again and records nothing
    qtbot.waitUntil(lambda: window.last_message is not None)  # printing runs off the GUI thread
    assert window.last_message is not None and window.last_message.icon() == QMessageBox.Icon.Critical
    assert STOPPED in window.last_message.text() and "未记录" in window.last_message.text()
    qtbot.waitUntil(lambda: window.jobs.in_flight() == 0)
    assert workspace.documents.prints(number) == []
    assert not workspace.documents.printed_before(number, DocumentKind.RECEIPT)


def test_approve_print_certificate_and_hand_over_from_the_case_dialog(
    qtbot: QtBot, window: MainWindow, workspace: Workspace, tmp_path: Path
) -> None:
    number = accepted_case(workspace)
    shift_change(qtbot, window, "shenpi")  # the approver, not the clerk who accepted it (四分离)
    with qtbot.waitSignal(window.lookup.opened, timeout=20_000):
        window.show_case(number)
    assert window.case_dialog is not None
    for label, value in PLANNING_FIELDS.items():  # the licence's entries (app.licences)
        window.case_dialog.enter(label, value)
    with qtbot.waitSignal(window.lookup.opened, timeout=20_000):  # opened again, read afresh
        window.case_dialog.approve_button.click()
        confirm_approval(window)
    shift_change(qtbot, window, "demo")  # the clerk prints the certificate and hands it over
    with qtbot.waitSignal(window.lookup.opened, timeout=20_000):
        window.show_case(number)
    dialog = window.case_dialog
    assert dialog is not None and DocumentKind.CERTIFICATE in dialog.print_buttons
    window.preview = None
    dialog.print_buttons[DocumentKind.CERTIFICATE].click()
    qtbot.waitUntil(lambda: window.preview is not None, timeout=20_000)
    assert window.preview is not None
    window.preview.printer.setCurrentText(READY)
    printed = print_from_preview(qtbot, window, window.preview)
    (scanned,) = read_back(printed.read_bytes(), tmp_path, dpi=300).decoded("QR")
    assert workspace.certificates.verify(scanned).status is VerificationStatus.VALID

    dialog = window.case_dialog
    assert dialog is not None and dialog.handover.isVisible()
    dialog.recipient.setText(AGENT["name"])
    dialog.recipient_id.setText(AGENT["id_number"])
    window.preview = None
    dialog.handover_button.click()
    qtbot.waitUntil(lambda: window.preview is not None, timeout=20_000)  # the pickup receipt comes up
    assert window.preview is not None and "领证回执" in window.preview.windowTitle()
    case = workspace.cases.find(number)
    assert case is not None and case.status == "delivered"
    window.preview.reject()


def test_verify_dialog_answers_for_genuine_and_tampered_codes(
    qtbot: QtBot, window: MainWindow, workspace: Workspace
) -> None:
    number = accepted_case(workspace)
    approval = workspace.certificates.approve(
        number, approver=workspace.counter("shenpi"), fields=PLANNING_FIELDS
    )
    window.open_verify()
    dialog = window.verify_dialog
    assert dialog is not None
    dialog.payload.setText(approval.qr_text)
    with qtbot.waitSignal(dialog.verified, timeout=20_000):  # checked on the database lane
        dialog.verify_button.click()
    assert (
        dialog.status.text() == "真实有效"
        and workspace.counter("demo").hall.name not in dialog.details.text()
    )
    assert number in dialog.details.text()
    tampered = approval.qr_text[:-5] + ("A" if approval.qr_text[-5] != "A" else "B") + approval.qr_text[-4:]
    dialog.payload.setText(tampered)
    with qtbot.waitSignal(dialog.verified, timeout=20_000):
        dialog.verify_button.click()
    assert dialog.status.text() != "真实有效"
    dialog.payload.setText(approval.qr_text[:40])
    with qtbot.waitSignal(dialog.verified, timeout=20_000):
        dialog.verify_button.click()
    assert dialog.status.text() == "未能识别"
