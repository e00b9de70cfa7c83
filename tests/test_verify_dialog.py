"""The verify dialog (F8) driven as a handheld scanner drives it: a keyboard wedge types the certificate's
QR text fast and ends with Enter. Enter verifies, each scan replaces the last, and every answer is a plain
Chinese sentence for the clerk (no encodings, no exception text)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QPlainTextEdit
from pytestqt.qtbot import QtBot

from app.clock import Clock
from app.intake import parse_request
from app.seal import (
    CertificateClaims,
    OfficeKey,
    VerificationStatus,
    certificate_identifier,
    sign_certificate,
)
from app.workspace import Workspace
from tests.conftest import DEFAULT_NOW
from tests.helpers import PLANNING, PLANNING_FIELDS, WASTE_FIELDS, request_json
from tests.test_licences import WASTE
from tests.test_reference_sync import save_shot
from ui.main_window import MainWindow
from ui.verify_dialog import CLERK_TEXT, VerifyDialog

# What a clerk must never read: encodings, exception names, English status words.
TECHNICAL = re.compile(
    r"base32|Error|Exception|Traceback|valid|forged|malformed|unknown_key|key_not_valid", re.I
)


class MovableClock:
    """The hall's clock, which a test can move to another day."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def clock(self) -> Clock:
        return Clock(lambda: self.moment)


@pytest.fixture
def hall_time() -> MovableClock:
    return MovableClock(DEFAULT_NOW)


@pytest.fixture
def clock(hall_time: MovableClock) -> Clock:
    return hall_time.clock()


def approved_certificate(workspace: Workspace, *, valid_until: date | None = None) -> tuple[str, str]:
    """(case number, the certificate's QR text) of a case accepted and approved at this window."""
    # A licence whose validity the approver enters (建筑垃圾处置核准证) when a date is asked for; else a
    # 建设工程规划许可证 (长期 by the catalog).
    item = workspace.catalog.item(WASTE if valid_until is not None else PLANNING)
    assert item is not None
    number = workspace.acceptance.accept(parse_request(request_json(item)), counter=workspace.counter("demo"))
    fields = WASTE_FIELDS if valid_until is not None else PLANNING_FIELDS
    approval = workspace.certificates.approve(
        number, approver=workspace.counter("shenpi"), valid_until=valid_until, fields=fields
    )
    return number, approval.qr_text


def input_text(dialog: VerifyDialog) -> str:
    field = dialog.payload
    if isinstance(field, QLineEdit):
        return field.text()
    assert isinstance(field, QPlainTextEdit)
    return field.toPlainText()


def scan(qtbot: QtBot, dialog: VerifyDialog, text: str) -> None:
    """What a keyboard-wedge scanner does: keystrokes into the focused field as fast as they come, then
    Enter. The scan goes wherever the focus is, as a real scanner's does."""
    target = dialog.focusWidget()
    assert target is dialog.payload  # the field has the focus, so the scan lands in it
    qtbot.keyClicks(target, text)
    with qtbot.waitSignal(dialog.verified, timeout=20_000):  # checked on the database lane
        qtbot.keyClick(target, Qt.Key.Key_Return)


def shown(dialog: VerifyDialog) -> str:
    return f"{dialog.status.text()}\n{dialog.details.text()}"


def open_by_f8(qtbot: QtBot, window: MainWindow) -> VerifyDialog:
    window.verify_dialog = None
    qtbot.keyClick(window, Qt.Key.Key_F8)
    qtbot.waitUntil(lambda: window.verify_dialog is not None and window.verify_dialog.isVisible())
    dialog = window.verify_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.isActiveWindow() and dialog.focusWidget() is dialog.payload)
    return dialog


def test_a_scanner_verifies_with_enter_and_each_scan_replaces_the_last(
    qtbot: QtBot, window: MainWindow, workspace: Workspace
) -> None:
    first_number, first = approved_certificate(workspace)
    second_number, second = approved_certificate(workspace)
    dialog = open_by_f8(qtbot, window)

    scan(qtbot, dialog, first)
    assert dialog.isVisible()  # Enter verified; it did not close the dialog
    assert dialog.status.text() == "真实有效"
    assert first_number in dialog.details.text() and "\n" not in input_text(dialog)
    assert input_text(dialog) == first
    save_shot(dialog, "verify-valid")

    scan(qtbot, dialog, second)  # the next certificate, scanned straight away
    assert input_text(dialog) == second  # only the last scan, nothing of the previous one
    assert dialog.status.text() == "真实有效"
    assert second_number in dialog.details.text() and first_number not in dialog.details.text()

    middle = len(second) // 2
    tampered = second[:middle] + ("A" if second[middle] != "A" else "B") + second[middle + 1 :]
    scan(qtbot, dialog, tampered)
    assert input_text(dialog) == tampered
    assert dialog.status.text() == "可能伪造"
    assert "伪造" in dialog.details.text() and second_number not in dialog.details.text()
    assert not TECHNICAL.search(shown(dialog))
    save_shot(dialog, "verify-tampered")

    scan(qtbot, dialog, first)  # a genuine one again: the red answer does not linger
    assert input_text(dialog) == first and dialog.status.text() == "真实有效"


@pytest.mark.parametrize(
    "garbage",
    ["abc", "TRUNCATED", "https://zwfw.example.gov.cn/V/", "SZX0103-20261120-0001W", "%%%"],
    ids=["abc", "truncated", "url-without-payload", "a-case-number-barcode", "symbols"],
)
def test_garbage_scans_get_a_chinese_sentence(
    qtbot: QtBot, window: MainWindow, workspace: Workspace, garbage: str
) -> None:
    _, genuine = approved_certificate(workspace)
    text = genuine[: len(genuine) // 3] if garbage == "TRUNCATED" else garbage
    dialog = open_by_f8(qtbot, window)
    scan(qtbot, dialog, text)
    assert input_text(dialog) == text
    assert dialog.status.text() == "未能识别"
    assert "重新扫描" in dialog.details.text()
    save_shot(dialog, f"verify-garbage-{len(text)}")
    assert not TECHNICAL.search(shown(dialog)) and "数据被截断" not in shown(dialog)


def test_every_outcome_speaks_the_clerks_language(
    qtbot: QtBot, window: MainWindow, workspace: Workspace, hall_time: MovableClock
) -> None:
    expiring_number, expiring = approved_certificate(
        workspace, valid_until=hall_time.moment.date() + timedelta(days=1)
    )
    base = "https://zwfw.example.gov.cn/V/"
    item = workspace.catalog.item(PLANNING)
    assert item is not None

    def claims(*, issuer_code: str, issuer_name: str, serial: str, issued_on: date) -> CertificateClaims:
        return CertificateClaims(
            certificate_id=certificate_identifier(
                type_code=f"{issuer_code}001", issuer_code=issuer_code, serial=serial
            ),
            type_name="建设工程规划许可证",
            holder_name="示例市锦华建设发展有限公司",
            holder_id_masked="913101********217T",
            issuer_name=issuer_name,
            issuer_code=issuer_code,
            issued_on=issued_on,
            valid_until=None,
            case_number="SZX0103-20201102-0001W",
        )

    # Another office's seal, which this window's key directory does not hold.
    elsewhere = "11510100MB0N4432XD"
    other_office = OfficeKey.generate(key_id="OTHER-1", office_code=elsewhere)
    unknown = sign_certificate(
        claims(
            issuer_code=elsewhere,
            issuer_name="其他市规划局",
            serial="20260000001",
            issued_on=date(2026, 11, 20),
        ),
        key=other_office,
        verify_base=base,
    )
    # This office's own key, on a certificate dated before the key existed: the key cannot have signed it.
    key = workspace.certificates.office_key(office_code=item.body_code, office_name=item.body_name)
    backdated = sign_certificate(
        claims(
            issuer_code=item.body_code,
            issuer_name=item.body_name,
            serial="20200000001",
            issued_on=date(2020, 1, 2),
        ),
        key=key,
        verify_base=base,
    )
    seen: dict[VerificationStatus, str] = {}
    dialog = open_by_f8(qtbot, window)
    for text in (unknown, backdated, expiring[:40]):
        scan(qtbot, dialog, text)
        seen[workspace.certificates.verify(text).status] = shown(dialog)
    hall_time.moment += timedelta(days=3)  # the certificate's last valid day has passed
    scan(qtbot, dialog, expiring)
    seen[workspace.certificates.verify(expiring).status] = shown(dialog)
    assert dialog.status.text() == "已过期" and expiring_number in dialog.details.text()

    assert set(seen) == {
        VerificationStatus.UNKNOWN_KEY,
        VerificationStatus.KEY_NOT_VALID,
        VerificationStatus.MALFORMED,
        VerificationStatus.EXPIRED,
    }
    assert seen[VerificationStatus.UNKNOWN_KEY].startswith("无法在本机核验")
    assert seen[VerificationStatus.KEY_NOT_VALID].startswith("不可信")
    for status, text in seen.items():
        assert not TECHNICAL.search(text), (status, text)
        assert "OTHER-1" not in text  # key ids are for the log, not the clerk
    # Every status the seal can answer has its own plain sentence.
    assert set(CLERK_TEXT) == set(VerificationStatus)
    for headline, sentence, _color in CLERK_TEXT.values():
        assert not TECHNICAL.search(headline + sentence)


def test_pasted_text_verifies_with_ctrl_enter_too(
    qtbot: QtBot, window: MainWindow, workspace: Workspace
) -> None:
    number, text = approved_certificate(workspace)
    dialog = open_by_f8(qtbot, window)
    dialog.payload.setText(f"  {text.lower()}  ")  # pasted with spaces; a scanner in lower case
    qtbot.keyClick(dialog.payload, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: dialog.status.text() != "")  # a shortcut presses the button visibly, then clicks
    assert dialog.status.text() == "真实有效" and number in dialog.details.text()
    assert dialog.payload.selectedText() == dialog.payload.text()  # the next scan replaces it
