"""The steps after the decision as the case dialog offers them: a row of buttons, one per step the status
table allows the case now (`StepBar`), and the small form each step asks (`StepDialog`, from the one table
`STEP_FORMS`). The supplement has a dialog of its own (ui.supplement_dialog); approval and hand-over stay
in the case dialog. What is refused is refused by the operations, whose message is shown as it is."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.accounts.roles import Permission
from app.cases.status import ACTION_LABEL, TRANSITIONS, CaseAction
from app.cases.views import CaseView
from app.lifecycle.corrections import CORRECTABLE
from app.lifecycle.delivery import CARRIERS
from app.lifecycle.suspensions import SUSPENSION_KINDS
from app.operations.person import Actor
from ui.desk import not_permitted
from ui.object_names import named


@dataclass(frozen=True)
class Entry:
    name: str  # the operation's keyword
    label: str
    kind: str = "text"  # text | long | date | choice | password
    choices: tuple[tuple[str, str], ...] = ()  # (value, label)
    days_ahead: int = 0  # a date's default: today + this
    default: str = ""


@dataclass(frozen=True)
class StepForm:
    title: str
    entries: tuple[Entry, ...] = field(default_factory=tuple)
    note: str = ""


_REASON = Entry("reason", "理由", "long")
_PASSWORD = Entry("password", "本人密码（加盖印章前确认）", "password")

# What each step asks, in the order asked (the supplement, approval and hand-over have their own forms).
STEP_FORMS: dict[CaseAction, StepForm] = {
    CaseAction.REVIEW: StepForm("开始审查", note="本件转入审查中，由本人承办。"),
    CaseAction.SUSPEND: StepForm(
        "挂起（中止计时）",
        (
            Entry(
                "kind", "挂起事由", "choice", tuple((str(k), r.label) for k, r in SUSPENSION_KINDS.items())
            ),
            Entry("reason", "具体原因", "long"),
            Entry("start", "开始日", "date"),
            Entry("expected_end", "预计结束日", "date", days_ahead=5),
        ),
        note="挂起期间不计入法定时限和承诺时限，并书面告知申请人所需时间（行政许可法第四十五条）。",
    ),
    CaseAction.RESUME: StepForm("恢复办理", (Entry("actual_end", "挂起实际结束日", "date"),)),
    CaseAction.EXTEND: StepForm(
        "延长办理期限",
        (_REASON, Entry("approved_by", "批准的本机关负责人"), Entry("approved_on", "批准日期", "date")),
        note="法定期限延长 10 个工作日，只能延长一次，并将延长理由告知申请人（行政许可法第四十二条）。",
    ),
    CaseAction.REFUSE: StepForm(
        "不予许可",
        (Entry("reasons", "不予许可的理由", "long"), Entry("basis", "法律依据", "long"), _PASSWORD),
        note="决定书载明理由，并告知申请复议（60 日）和提起诉讼（6 个月）的权利。",
    ),
    CaseAction.WITHDRAW: StepForm(
        "撤回申请",
        (_REASON, Entry("request_day", "撤回申请书的日期", "date")),
        note="申请人须提交书面撤回申请。",
    ),
    CaseAction.TERMINATE: StepForm(
        "终止办理",
        (
            _REASON,
            Entry(
                "basis", "依据", "long", default="一次性告知书所载：逾期未补正的，已提交的申请材料予以退还"
            ),
        ),
    ),
    CaseAction.MAIL: StepForm(
        "邮寄送达",
        (
            Entry("recipient", "收件人"),
            Entry("phone", "收件人电话"),
            Entry("address", "邮寄地址", "long"),
            Entry("carrier", "寄递企业", "choice", tuple((str(c), r.label) for c, r in CARRIERS.items())),
            Entry("tracking_number", "快递单号"),
        ),
    ),
    CaseAction.REVOKE: StepForm(
        "撤销许可", (_REASON, Entry("basis", "法律依据", "long"), _PASSWORD), note="行政许可法第六十九条。"
    ),
    CaseAction.CORRECT: StepForm(
        "更正办件信息",
        (
            Entry("field", "更正项目", "choice", tuple(CORRECTABLE.items())),
            Entry("value", "更正为"),
            Entry("reason", "更正原因", "long"),
        ),
        note="原值保留在办件记录中。",
    ),
}
SUPPLEMENT_ACTIONS = (CaseAction.SUPPLEMENT, CaseAction.SUPPLY_TOLERATED)
OFFERED = (*SUPPLEMENT_ACTIONS, *STEP_FORMS)


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def life_lines(case: CaseView) -> list[str]:
    """The case's life after the decision, as its dialog's summary tells it."""
    life = case.life
    lines = []
    if life.accepted_on and life.accepted_on != case.received_on:
        lines.append(f"受理日期：{life.accepted_on.isoformat()}（补正后受理）")
    if life.legal_due:
        extended = f"（已延长 {life.extension_days} 个工作日）" if life.extended else ""
        uncertain = "（节假日安排未知，待核）" if life.legal_due_uncertain else ""
        lines.append(f"法定办结：{life.legal_due.isoformat()}{extended}{uncertain}")
    running = life.running_suspension
    if running is not None:
        lines.append(
            f"挂起中：{running.label}，自 {running.start.isoformat()}，"
            f"预计 {running.expected_end.isoformat()}"
        )
    if life.tolerated_outstanding:
        due = f"，期限 {case.supplement_deadline.isoformat()}" if case.supplement_deadline else ""
        lines.append(f"容缺待补：{'、'.join(life.tolerated_outstanding)}{due}")
    if life.visits:
        lines.append(f"补交记录：{len(life.visits)} 次，最近 {life.visits[-1].day.isoformat()}")
    if life.ending:
        lines.append(f"办结：{life.ending.get('day')} {life.ending.get('reason') or ''}".rstrip())
    return lines


def _permission(case: CaseView, action: CaseAction) -> Permission | None:
    return next((r.permission for r in TRANSITIONS if r.action == action and r.source == case.status), None)


class StepBar(QWidget):
    """One button per step the case allows now; a step the person's role does not allow is shown disabled,
    saying why."""

    step_requested = Signal(str)  # the CaseAction

    def __init__(self, case: CaseView, *, person: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.buttons: dict[CaseAction, QPushButton] = {}
        for action in case.allowed_actions:
            if action not in OFFERED:
                continue
            button = named(QPushButton(ACTION_LABEL[action]), f"step-{action}")
            permission = _permission(case, action)
            refusal = not_permitted(person, permission) if permission is not None else None
            if refusal is not None:
                button.setEnabled(False)
                button.setToolTip(refusal)
            button.setAutoDefault(False)
            button.clicked.connect(lambda _=False, a=action: self.step_requested.emit(str(a)))
            row.addWidget(button)
            self.buttons[action] = button
        row.addStretch(1)


class StepDialog(QDialog):
    """The form of one step; `values()` gives what the operation takes."""

    def __init__(
        self, case: CaseView, action: CaseAction, *, today: date, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.action = action
        spec = STEP_FORMS[action]
        self.setWindowTitle(f"{spec.title} — 办件 {case.number}")
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(f"{case.item_name}\n申请人：{case.applicant.name}　状态：{case.status_label}")
        )
        if spec.note:
            note = QLabel(spec.note)
            note.setWordWrap(True)
            layout.addWidget(note)
        form = QFormLayout()
        self.inputs: dict[str, QWidget] = {}
        for entry in spec.entries:
            widget = self._input(entry, today)
            widget.setObjectName(f"step-{entry.name}")
            self.inputs[entry.name] = widget
            form.addRow(entry.label, widget)
        layout.addLayout(form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("确定")
        ok.setObjectName("stepOk")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    @staticmethod
    def _input(entry: Entry, today: date) -> QWidget:
        if entry.kind == "long":
            text = QPlainTextEdit(entry.default)
            text.setTabChangesFocus(True)
            text.setFixedHeight(text.fontMetrics().height() * 4)
            return text
        if entry.kind == "date":
            when = QDateEdit(_qdate(today + timedelta(days=entry.days_ahead)))
            when.setCalendarPopup(True)
            when.setDisplayFormat("yyyy-MM-dd")
            return when
        if entry.kind == "choice":
            box = QComboBox()
            for value, label in entry.choices:
                box.addItem(label, value)
            return box
        line = QLineEdit(entry.default)
        line.setMaxLength(500)
        if entry.kind == "password":
            line.setEchoMode(QLineEdit.EchoMode.Password)
        return line

    def fill(self, name: str, value: str | date) -> None:
        """Fill an input as the person would (a choice by its value)."""
        widget = self.inputs[name]
        if isinstance(widget, QDateEdit) and isinstance(value, date):
            widget.setDate(_qdate(value))
        elif isinstance(widget, QComboBox):
            widget.setCurrentIndex(max(0, widget.findData(value)))
        elif isinstance(widget, QPlainTextEdit):
            widget.setPlainText(str(value))
        elif isinstance(widget, QLineEdit):
            widget.setText(str(value))

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, widget in self.inputs.items():
            if isinstance(widget, QDateEdit):
                out[name] = widget.date().toPython()
            elif isinstance(widget, QComboBox):
                out[name] = str(widget.currentData() or "")
            elif isinstance(widget, QPlainTextEdit):
                out[name] = widget.toPlainText()
            elif isinstance(widget, QLineEdit):
                out[name] = widget.text()
        return out
