"""Verify a certificate's QR offline: scan or paste, and see valid / forged / expired / unknown key."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.certificates import CertificateService
from app.seal import VerificationStatus

STATUS_STYLE = {
    VerificationStatus.VALID: ("真实有效", "#2e7d32"),
    VerificationStatus.EXPIRED: ("已过期", "#b26a00"),
    VerificationStatus.FORGED: ("签名不符：可能伪造或被篡改", "#b00020"),
    VerificationStatus.UNKNOWN_KEY: ("未知签发密钥", "#b26a00"),
    VerificationStatus.MALFORMED: ("内容不完整或已损坏", "#b00020"),
}


class VerifyDialog(QDialog):
    def __init__(self, certificates: CertificateService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.certificates = certificates
        self.setWindowTitle("证照核验（离线验签）")
        self.resize(640, 420)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("用扫码枪扫描证照二维码，或粘贴二维码内容："))
        self.payload = QPlainTextEdit(objectName="payload")
        self.payload.setMaximumHeight(110)
        layout.addWidget(self.payload)
        self.verify_button = QPushButton("核验 (Ctrl+Enter)", objectName="verifyButton")
        self.verify_button.setShortcut("Ctrl+Return")
        self.verify_button.clicked.connect(self.verify)
        layout.addWidget(self.verify_button)
        self.status = QLabel("", objectName="verifyStatus")
        self.status.setStyleSheet("font-size:18pt;font-weight:bold;")
        self.details = QLabel("", objectName="verifyDetails")
        self.details.setWordWrap(True)
        layout.addWidget(self.status)
        layout.addWidget(self.details, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def verify(self) -> None:
        result = self.certificates.verify(self.payload.toPlainText())
        label, color = STATUS_STYLE.get(result.status, (str(result.status), "#555"))
        self.status.setText(label)
        self.status.setStyleSheet(f"font-size:18pt;font-weight:bold;color:{color};")
        lines = [result.message]
        claims = result.claims
        if claims is not None:
            lines += [
                f"证照：{claims.type_name}（{claims.certificate_id}）",
                f"持证人：{claims.holder_name}　{claims.holder_id_masked}",
                f"发证机关：{claims.issuer_name}　发证日期：{claims.issued_on}",
                f"有效期至：{claims.valid_until or '长期'}",
                f"办件编号：{claims.case_number}　签发密钥：{result.key_id}",
            ]
        self.details.setText("\n".join(lines))
