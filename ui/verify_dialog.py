"""Verify a certificate's QR offline: scan or paste, and see valid / forged / expired / unknown key /
revoked (the day, reason and basis of the revocation this window holds).

Built for a handheld scanner (a USB keyboard wedge: it types the QR text fast and ends with Enter): the
field is one line, Enter verifies, and the field's text is selected so the next scan replaces it. The
check reads the key directory on the window's database lane; its answer is shown if the field still holds
what was checked. The clerk reads a plain sentence per outcome; the seal's technical detail goes to the log.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.certificates import CertificateService
from app.seal import Verification, VerificationStatus
from ui.jobs import Jobs
from ui.object_names import named

log = logging.getLogger("clerk.ui.verify")

GREEN, AMBER, RED = "#2e7d32", "#b26a00", "#b00020"

# Each outcome of the seal check as the clerk reads it: (headline, what it means and what to do, colour).
CLERK_TEXT: dict[VerificationStatus, tuple[str, str, str]] = {
    VerificationStatus.VALID: (
        "真实有效",
        "这张证照是签发机关盖电子印章签发的，二维码内容未被改动。请核对下面的信息与纸面证照一致。",
        GREEN,
    ),
    VerificationStatus.EXPIRED: (
        "已过期",
        "证照是真的，但已超过有效期，不能再作为有效证照使用。",
        AMBER,
    ),
    VerificationStatus.FORGED: (
        "可能伪造",
        "二维码与签发机关的电子印章对不上：这张证照可能是伪造的，或二维码被改动过。"
        "请不要认可这张证照，并报告值班主任。",
        RED,
    ),
    VerificationStatus.KEY_NOT_VALID: (
        "不可信",
        "二维码上的电子印章在证照的签发日期还不能使用（或已停用），这张证照不可信。请报告值班主任。",
        RED,
    ),
    VerificationStatus.UNKNOWN_KEY: (
        "无法在本机核验",
        "本机没有这张证照签发机关的电子印章信息（可能是其他地区或其他机关签发的），无法在本机核验。"
        "请用手机扫描证照上的二维码在线查询，或向签发机关核实。",
        AMBER,
    ),
    VerificationStatus.REVOKED: (
        "已撤销",
        "证照上的电子印章是真的，但签发机关已撤销这张证照，不能再作为有效证照使用。"
        "请不要认可这张证照；撤销情况见下。",
        RED,
    ),
    VerificationStatus.MALFORMED: (
        "未能识别",
        "扫到的不是完整的证照二维码。请把扫码枪对准证照上的二维码重新扫描；"
        "多次扫描仍不行，二维码可能已污损，请向签发机关核实。",
        RED,
    ),
}
FAILED_TEXT = (
    "核验出错",
    "本机核验时出错，请再扫描一次；仍然出错请联系大厅信息技术人员（详情已记入日志）。",
    RED,
)


class VerifyDialog(QDialog):
    verified = Signal()  # an answer is shown

    def __init__(
        self, certificates: CertificateService, *, jobs: Jobs, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.certificates = certificates
        self._jobs = jobs
        self.setWindowTitle("证照核验（离线验签）")
        self.resize(640, 360)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("用扫码枪扫描证照上的二维码（扫完自动核验），或粘贴二维码内容后按回车："))
        self.payload = named(QLineEdit(), "payload")
        self.payload.setPlaceholderText("在此扫描证照二维码")
        self.payload.textEdited.connect(self._input_changed)
        layout.addWidget(self.payload)
        self.verify_button = named(QPushButton("核验 (Enter)"), "verifyButton")
        # Enter in the field reaches the dialog, which presses its default button: this one, never 关闭.
        self.verify_button.setDefault(True)
        self.verify_button.setShortcut("Ctrl+Return")  # as 确认 in the main window, for a pasted text
        self.verify_button.clicked.connect(self.verify)
        layout.addWidget(self.verify_button)
        self.status = named(QLabel(""), "verifyStatus")
        self.status.setStyleSheet("font-size:18pt;font-weight:bold;")
        self.details = named(QLabel(""), "verifyDetails")
        self.details.setWordWrap(True)
        layout.addWidget(self.status)
        layout.addWidget(self.details, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setText("关闭")
        close.setAutoDefault(False)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.payload.setFocus()

    def verify(self) -> None:
        text = self.payload.text()
        self._ready_for_next_scan()
        if not text.strip():
            self._show(("", "请先扫描证照上的二维码。", AMBER), [])
            self.verified.emit()
            return
        certificates = self.certificates
        self._jobs.database(lambda _progress: certificates.verify(text), parent=self).success(
            lambda result: self._answer(text, result)
        ).failure(lambda error: self._not_verified(text, error)).run()

    def _answer(self, text: str, result: Verification) -> None:
        log.info("certificate verification: %s, key %s: %s", result.status, result.key_id, result.message)
        if self.payload.text() == text:  # not replaced by a newer scan meanwhile (its answer comes)
            self._show(CLERK_TEXT.get(result.status, FAILED_TEXT), self._facts(result))
            self._ready_for_next_scan()
            self.verified.emit()

    def _not_verified(self, text: str, error: Exception) -> None:
        # The database or key directory failed: the clerk gets a sentence, the log the rest.
        log.error("certificate verification failed", exc_info=error)
        if self.payload.text() == text:
            self._show(FAILED_TEXT, [])
            self._ready_for_next_scan()
            self.verified.emit()

    @staticmethod
    def _facts(result: Verification) -> list[str]:
        claims = result.claims
        if claims is None or result.status is VerificationStatus.KEY_NOT_VALID:
            return []  # what an untrusted seal claims is not shown as if it were fact
        revoked = result.revocation
        return [
            *(
                [
                    f"撤销日期：{revoked.revoked_on.isoformat()}",
                    f"撤销原因：{revoked.reason}",
                    f"撤销依据：{revoked.basis}",
                ]
                if revoked is not None
                else []
            ),
            f"证照：{claims.type_name}（{claims.certificate_id}）",
            f"持证人：{claims.holder_name}　{claims.holder_id_masked}",
            f"发证机关：{claims.issuer_name}　发证日期：{claims.issued_on}",
            f"有效期至：{claims.valid_until or '长期'}",
            f"办件编号：{claims.case_number}",
        ]

    def _show(self, look: tuple[str, str, str], facts: list[str]) -> None:
        headline, sentence, color = look
        self.status.setText(headline)
        self.status.setStyleSheet(f"font-size:18pt;font-weight:bold;color:{color};")
        self.details.setText("\n".join([sentence, *facts]))

    def _ready_for_next_scan(self) -> None:
        """The next scan replaces this one: the field keeps the focus with its text selected."""
        self.payload.setFocus()
        self.payload.selectAll()

    def _input_changed(self, _text: str) -> None:
        """A new input: the previous answer is not about it."""
        if self.status.text() or self.details.text():
            self.status.clear()
            self.details.clear()
