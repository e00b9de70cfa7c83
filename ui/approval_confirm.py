"""Approving applies the office's seal: before it is asked for, the approver sees what will be sealed (the
case, the licence, the entries as typed, the office) and types their own password again.

The password goes to `approve_case(password=...)`, which checks it like a sign-in (a wrong one counts
towards the lock at this window) and refuses the account that accepted the case (四分离); the dialog only
asks. Nothing is approved when it is cancelled.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from app.cases.views import CaseView
from app.operations.person import Actor
from app.sync.wire import MAX_PASSWORD_CHARS
from ui.case_dialog import ApprovalRequest
from ui.object_names import named


class ApprovalConfirmDialog(QDialog):
    def __init__(
        self,
        case: CaseView,
        *,
        request: ApprovalRequest,
        licence_name: str,
        office_name: str,
        approver: Actor,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"确认审批发证 — {case.number}")
        layout = QVBoxLayout(self)
        rows = [
            ("办件编号", case.number),
            ("事项", case.item_name),
            ("申请人", case.applicant.name),
            ("证照", licence_name or "—"),
            *request.fields.items(),
        ]
        if request.valid_until is not None:
            rows.append(("有效期至", request.valid_until.isoformat()))
        table = "".join(f"<tr><td>{escape(k)}：</td><td><b>{escape(v)}</b></td></tr>" for k, v in rows)
        what = named(
            QLabel(
                f"审批通过后将以 <b>{escape(office_name)}</b> 的名义加盖电子印章并发证，发出后不能撤回："
                f"<table>{table}</table>"
            ),
            "approvalSummary",
        )
        what.setTextFormat(Qt.TextFormat.RichText)
        what.setWordWrap(True)
        layout.addWidget(what)
        form = QFormLayout()
        self.password = named(QLineEdit(), "approvalPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setMaxLength(MAX_PASSWORD_CHARS + 1)  # longer still reaches the check, which says so
        form.addRow(f"审批人 {approver.clerk_name}（{approver.clerk_login}）的密码", self.password)
        layout.addLayout(form)
        self.message = named(QLabel(), "approvalMessage")
        self.message.setStyleSheet("color:#b00020;")
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.confirm_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.confirm_button.setText("确认加盖印章并发证")
        self.confirm_button.setObjectName("confirmApproval")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self._confirm)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.password.setFocus()

    def _confirm(self) -> None:
        if not self.password.text():
            self.message.setText("请输入您的密码以确认")
            return
        self.accept()
