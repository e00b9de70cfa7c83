"""One case: what was decided, its documents to print, approval, hand-over, and its print history. Which
of approval and hand-over it offers is the status table's answer (`CaseView.allowed_actions`)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.cases.status import CaseAction
from app.cases.views import CaseView
from app.clock import hall_time_text
from app.completeness import Verdict
from app.documents.kinds import TITLE, DocumentKind
from ui.object_names import named
from ui.screen_fit import fit_to_screen


class CaseDialog(QDialog):
    print_requested = Signal(str, str)  # kind, case number
    approve_requested = Signal(str)
    handover_requested = Signal(str, str, str)  # case number, recipient name, recipient id

    def __init__(
        self,
        case: CaseView,
        *,
        kinds: list[DocumentKind],
        prints: list[dict[str, Any]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.case = case
        number = case.number
        self.setWindowTitle(f"办件 {number}")
        fit_to_screen(self, preferred=QSize(640, 520))
        outer = QVBoxLayout(self)
        # What the case says (findings, print history) can be long: it scrolls, the buttons stay.
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(0, 0, 0, 0)
        scroll = named(QScrollArea(), "caseContent")
        scroll.setWidgetResizable(True)
        scroll.setWidget(content)
        outer.addWidget(scroll, 1)
        lines = [
            f"办件编号：{number}",
            f"事项：{case.item_name}",
            f"申请人：{case.applicant.name}",
            f"决定：{case.decision_label}",
            f"状态：{case.status_label}",
            f"承诺办结：{case.promised_date.isoformat() if case.promised_date else '—'}",
            f"受理人：{case.clerk_name} · 窗口 {case.window_code}",
        ]
        lines += [f"· {f.message}" for f in case.findings if f.outcome != Verdict.OK]
        summary = named(QLabel("\n".join(lines)), "caseSummary")
        summary.setWordWrap(True)
        layout.addWidget(summary)

        row = QHBoxLayout()
        self.print_buttons: dict[DocumentKind, QPushButton] = {}
        for kind in kinds:
            button = QPushButton(f"打印{TITLE[kind] if kind is not DocumentKind.CERTIFICATE else '证照'}")
            button.setObjectName(f"print-{kind}")
            button.clicked.connect(lambda _=False, k=kind: self.print_requested.emit(str(k), number))
            row.addWidget(button)
            self.print_buttons[kind] = button
        layout.addLayout(row)

        self.approve_button = named(QPushButton("审批通过并发证"), "approveButton")
        self.approve_button.setVisible(CaseAction.APPROVE in case.allowed_actions)
        self.approve_button.clicked.connect(lambda: self.approve_requested.emit(number))
        layout.addWidget(self.approve_button)

        self.handover = named(QWidget(), "handoverBox")
        form = QFormLayout(self.handover)
        self.recipient = named(QLineEdit(placeholderText="领取人姓名"), "recipientName")
        self.recipient_id = named(QLineEdit(placeholderText="领取人身份证号码"), "recipientId")
        self.handover_button = named(QPushButton("证照交付（出件）"), "handoverButton")
        self.handover_button.clicked.connect(
            lambda: self.handover_requested.emit(number, self.recipient.text(), self.recipient_id.text())
        )
        form.addRow("领取人", self.recipient)
        form.addRow("身份证号码", self.recipient_id)
        form.addRow(self.handover_button)
        self.handover.setVisible(CaseAction.HAND_OVER in case.allowed_actions)
        layout.addWidget(self.handover)

        history = [
            f"{hall_time_text(p['printed_at'])} {TITLE[DocumentKind(p['kind'])]} ×{p['copies']}"
            f"{' 补打：' + p['reason'] if p['reprint'] else ''} → {p['destination']}"
            for p in prints
        ]
        shown = "\n".join(history) if history else "（无）"
        layout.addWidget(named(QLabel("打印记录：\n" + shown), "printHistory"))
        layout.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        outer.addWidget(buttons)
