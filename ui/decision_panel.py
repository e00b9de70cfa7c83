"""The decision as the law has it: outcome, every finding with its rule, dates, and the button."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QGroupBox, QLabel, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout

from app.acceptance import Evaluation
from app.completeness import OUTCOME_LABEL, Outcome, Verdict
from app.intake import Problem
from ui.object_names import named

OUTCOME_COLOR = {
    Outcome.ACCEPTED: "#2e7d32",
    Outcome.ACCEPTED_WITH_TOLERANCE: "#b26a00",
    Outcome.SUPPLEMENT_REQUIRED: "#1565c0",
    Outcome.REJECTED: "#b00020",
}
VERDICT_COLOR = {
    Verdict.OK: "#2e7d32",
    Verdict.NOTE: "#555555",
    Verdict.TOLERATED: "#b26a00",
    Verdict.MISSING: "#b00020",
    Verdict.DEFECTIVE: "#b00020",
    Verdict.REJECTED: "#b00020",
}
ACTION_TEXT = {
    Outcome.ACCEPTED: "确认受理",
    Outcome.ACCEPTED_WITH_TOLERANCE: "确认容缺受理",
    Outcome.SUPPLEMENT_REQUIRED: "出具一次性告知",
    Outcome.REJECTED: "出具不予受理决定",
}


class DecisionPanel(QGroupBox):
    def __init__(self) -> None:
        super().__init__("④ 审查结论")
        layout = QVBoxLayout(self)
        self.outcome = named(QLabel("请选择事项"), "outcomeLabel")
        self.outcome.setStyleSheet("font-size:20pt;font-weight:bold;color:#555;")
        self.dates = named(QLabel(""), "datesLabel")
        self.dates.setWordWrap(True)
        self.findings = named(QListWidget(), "findingsList")
        self.findings.setWordWrap(True)
        self.findings.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.saved = named(QLabel(""), "savedLabel")
        self.saved.setWordWrap(True)  # wraps in the panel's width rather than widening it
        self.saved.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.accept_button = named(QPushButton("确认 (Ctrl+Enter)"), "acceptButton")
        self.accept_button.setEnabled(False)
        self.accept_button.setMinimumHeight(44)
        self.not_permitted: str | None = None  # why the person signed in may not accept (their role)
        self.new_button = named(QPushButton("新办件 (Ctrl+N)"), "newButton")
        layout.addWidget(self.outcome)
        layout.addWidget(self.dates)
        layout.addWidget(self.findings, 1)
        layout.addWidget(self.saved)
        layout.addWidget(self.accept_button)
        layout.addWidget(self.new_button)

    def set_not_permitted(self, reason: str | None) -> None:
        """Who signed in may not accept (`reason` says which role it needs), or may again (None). Only what
        the button shows: the operation itself refuses a person without the role."""
        self.not_permitted = reason
        self.accept_button.setToolTip(reason or "")
        if reason is not None:
            self.accept_button.setEnabled(False)

    def show_idle(self, text: str) -> None:
        self.outcome.setText(text)
        self.outcome.setStyleSheet("font-size:20pt;font-weight:bold;color:#555;")
        self.dates.setText("")
        self.findings.clear()
        self.accept_button.setEnabled(False)
        self.accept_button.setText("确认 (Ctrl+Enter)")

    def show_problems(self, problems: list[Problem]) -> None:
        self.show_idle("待完善")
        for problem in problems:
            self._add_problem(f"✎ {problem.message}", problem.field)

    def _add_problem(self, text: str, field: str) -> None:
        item = QListWidgetItem(text)
        item.setToolTip(field)
        item.setForeground(QBrush(QColor("#b00020")))
        self.findings.addItem(item)

    def show_evaluation(self, evaluation: Evaluation) -> None:
        outcome = evaluation.result.outcome
        self.outcome.setText(OUTCOME_LABEL[outcome])
        self.outcome.setStyleSheet(f"font-size:20pt;font-weight:bold;color:{OUTCOME_COLOR[outcome]};")
        lines = []
        if evaluation.promised is not None:
            flag = "（超出已知节假日数据，请核对）" if evaluation.promised.uncertain else ""
            lines.append(f"承诺办结日期：{evaluation.promised.day:%Y年%m月%d日}{flag}")
        if evaluation.supplement_deadline is not None:
            label = "容缺材料补交期限" if outcome is Outcome.ACCEPTED_WITH_TOLERANCE else "补正期限"
            lines.append(f"{label}：{evaluation.supplement_deadline:%Y年%m月%d日}")
        self.dates.setText("\n".join(lines))
        self.findings.clear()
        for finding in evaluation.result.findings:
            if finding.verdict is Verdict.OK and outcome is not Outcome.ACCEPTED:
                continue
            item = QListWidgetItem(finding.message)
            item.setToolTip(f"规则：{finding.rule}")
            item.setForeground(QBrush(QColor(VERDICT_COLOR[finding.verdict])))
            self.findings.addItem(item)
        if evaluation.problems:  # decided already (不予受理): the name is needed only for the written notice
            self._add_problem(
                "✎ 出具不予受理通知书需填写申请人姓名或单位名称（证件号码、联系电话可不填）", "applicant.name"
            )
            unnamed = not evaluation.request.applicant.name.strip()
            for problem in evaluation.problems:
                if not (unnamed and problem.field == "applicant.name"):
                    self._add_problem(f"✎ {problem.message}", problem.field)
        self.accept_button.setEnabled(not evaluation.problems and self.not_permitted is None)
        self.accept_button.setText(f"{ACTION_TEXT[outcome]} (Ctrl+Enter)")
