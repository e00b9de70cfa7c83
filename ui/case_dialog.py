"""One case: what was decided, its documents to print, approval, hand-over, and its print history. Which
of approval and hand-over it offers is the status table's answer (`CaseView.allowed_actions`).

Approval shows an input per entry of the licence's template (app.licences), prefilled from the case, and a
date only for a licence whose validity the approver enters; hand-over asks who collects and in what
capacity (app.pickup). Enter moves to the next input; the service refuses what is missing, naming it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, QSize, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.accounts.roles import Permission
from app.cases.status import CaseAction
from app.cases.views import CaseView
from app.clock import hall_time_text
from app.completeness import Verdict
from app.diagnostics.masking import mask_identifiers
from app.documents.kinds import TITLE, DocumentKind
from app.helpers.prepared_by import PreparedBy
from app.identity_documents import ID_KINDS, IdKind
from app.licences import ApprovalForm
from app.operations.person import Actor
from app.pickup import CAPACITIES, Capacity
from ui.buttons import close_box
from ui.desk import not_permitted
from ui.object_names import named
from ui.scan_input import read_scans_in
from ui.screen_fit import fit_to_screen
from ui.step_dialog import StepBar, life_lines


def shown_id(id_number: str | None, *, full: bool) -> str:
    """An ID number as the screen shows it: whole only to a role that needs it, masked otherwise."""
    if not id_number:
        return "—"
    if full:
        return id_number
    masked = mask_identifiers(id_number)  # the log's masking for the kinds it knows (resident ID, USCC)
    if masked == id_number:  # a passport, a permit: its middle hidden all the same
        keep = 2 if len(id_number) > 6 else 0
        masked = id_number[:keep] + "*" * (len(id_number) - 2 * keep) + id_number[len(id_number) - keep :]
    return masked


def _refused_by_role(button: QPushButton, refusal: str | None) -> None:
    if refusal is not None:
        button.setEnabled(False)
        button.setToolTip(refusal)


def prepared_lines(prepared: PreparedBy | None) -> list[str]:
    """Who prepared the case before the counter (issue 15), and the 代办委托书 under which they acted."""
    if prepared is None:
        return []
    lines = [f"帮办员：{prepared.name}（{prepared.login}）· 预审单 {prepared.draft_id[:8]}…"]
    a = prepared.authorisation
    if a is not None:
        reference = f"，编号 {a.reference}" if a.reference else ""
        lines.append(f"代办委托书：委托人 {a.principal}；委托期限 {a.period_text()}{reference}")
        lines.append(f"委托书落款日期：{a.signed_on:%Y年%m月%d日}；委托事项及权限：{a.scope}")
    return lines


@dataclass(frozen=True)
class ApprovalRequest:
    fields: dict[str, str]  # the template's entries by label
    valid_until: date | None  # only for a licence whose validity the approver enters


@dataclass(frozen=True)
class HandoverRequest:
    recipient_name: str
    recipient_id_type: str
    recipient_id_number: str
    capacity: str
    authorization: str | None


class CaseDialog(QDialog):
    print_requested = Signal(str, str)  # kind, case number
    approve_requested = Signal(str, object)  # case number, ApprovalRequest
    handover_requested = Signal(str, object)  # case number, HandoverRequest
    step_requested = Signal(str)  # a CaseAction after the decision (ui.step_dialog)
    pages_requested = Signal(str)  # case number: its materials' captured pages (ui.capture_view)
    export_requested = Signal(str)  # case number: its pages as one PDF for the back office
    bundle_requested = Signal(str)  # the 一件事 bundle number of a case decided in one (ui.bundle_dialog)

    def __init__(
        self,
        case: CaseView,
        *,
        kinds: list[DocumentKind],
        prints: list[dict[str, Any]],
        approval: ApprovalForm | None = None,
        handover_capacity: Capacity | None = None,
        approve_refusal: str | None = None,
        handover_refusal: str | None = None,
        full_id: bool = False,
        person: Actor | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """`approve_refusal`, `handover_refusal`: why the person signed in may not do that (their role);
        the button is disabled and says so. `full_id`: the applicant's whole ID number is shown (a role
        that needs it), otherwise masked."""
        super().__init__(parent)
        read_scans_in(self)  # a scan while it is open goes where it belongs (ui.scan_input)
        self.case = case
        self.approval_form = approval
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
            f"证件号码：{shown_id(case.applicant.id_number, full=full_id)}",
            f"决定：{case.decision_label}",
            f"状态：{case.status_label}",
            f"承诺办结：{case.promised_date.isoformat() if case.promised_date else '—'}",
            f"受理人：{case.clerk_name} · 窗口 {case.window_code}",
            *life_lines(case),
        ]
        lines += prepared_lines(case.prepared_by)
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
        pages_row = QHBoxLayout()
        self.pages_button = named(QPushButton("材料页面…"), "casePagesButton")
        self.pages_button.setToolTip("查看本件材料的采集页面；有采集权限时可补采、调整")
        self.pages_button.clicked.connect(lambda: self.pages_requested.emit(number))
        self.export_button = named(QPushButton("导出材料 PDF…"), "exportPagesButton")
        self.export_button.setToolTip("把本件全部材料页面导出为一个 PDF（每项材料一个书签），供后台审查")
        self.export_button.clicked.connect(lambda: self.export_requested.emit(number))
        view_refusal = None if person is None else not_permitted(person, Permission.VIEW_PAGES)
        _refused_by_role(self.pages_button, view_refusal)
        _refused_by_role(self.export_button, view_refusal)
        pages_row.addWidget(self.pages_button)
        pages_row.addWidget(self.export_button)
        pages_row.addStretch(1)
        layout.addLayout(pages_row)
        self.bundle_button: QPushButton | None = None
        if case.bundle_number:  # decided in a 一件事 bundle: its other cases, followed together
            self.bundle_button = named(QPushButton("同一件事的其他办件…"), "caseBundleButton")
            self.bundle_button.setToolTip(f"一件事 {case.bundle_number} 的全部办件及其状态")
            bundle_number = case.bundle_number
            self.bundle_button.clicked.connect(lambda: self.bundle_requested.emit(bundle_number))
            pages_row.insertWidget(pages_row.count() - 1, self.bundle_button)
        self.steps = named(StepBar(case, person=person), "stepBar") if person is not None else None
        if self.steps is not None:
            self.steps.step_requested.connect(self.step_requested)
            layout.addWidget(self.steps)

        # The approval and hand-over forms are built only where the status table offers the step: a scan
        # opens a case many times a day, and most cases are in neither step (DESIGN.md §6, 50 ms a scan).
        self.approval = named(QWidget(), "approvalBox")
        self.entries: dict[str, QLineEdit | QComboBox] = {}
        self.valid_until: QDateEdit | None = None
        self.approve_button = named(QPushButton("审批通过并发证"), "approveButton")
        approvable = CaseAction.APPROVE in case.allowed_actions
        if approvable:
            self._approval_form(self.approval, approval)
        else:
            self.approve_button.setParent(self.approval)  # owned by the dialog all the same
            self.approval.hide()
            self.approve_button.hide()
        self.approve_button.clicked.connect(
            lambda: self.approve_requested.emit(number, self.approval_request())
        )
        _refused_by_role(self.approve_button, approve_refusal)
        layout.addWidget(self.approval)

        self.handover = named(QWidget(), "handoverBox")
        self.handover_button = named(QPushButton("证照交付（出件）"), "handoverButton")
        self._handover_capacity = handover_capacity
        self._handover_built = False
        if CaseAction.HAND_OVER in case.allowed_actions:
            self._handover_form()
        self.handover_button.clicked.connect(
            lambda: self.handover_requested.emit(number, self.handover_request())
        )
        _refused_by_role(self.handover_button, handover_refusal)
        if not self._handover_built:
            self.handover.hide()
        layout.addWidget(self.handover)

        history = [
            f"{hall_time_text(p['printed_at'])} {TITLE[DocumentKind(p['kind'])]} ×{p['copies']}"
            f"{' 补打：' + p['reason'] if p['reprint'] else ''} → {p['destination']}"
            for p in prints
        ]
        shown = "\n".join(history) if history else "（无）"
        layout.addWidget(named(QLabel("打印记录：\n" + shown), "printHistory"))
        layout.addStretch(1)
        buttons = close_box(self)
        outer.addWidget(buttons)
        for button in self.findChildren(QPushButton):  # Enter moves between inputs, never prints or closes
            button.setAutoDefault(False)
            button.setDefault(False)

    # -- approval ----------------------------------------------------------------------------------------
    def _approval_form(self, box: QWidget, approval: ApprovalForm | None) -> None:
        form = QFormLayout(box)
        form.setContentsMargins(0, 0, 0, 0)
        inputs: list[QWidget] = []
        if approval is not None:
            validity = f"（有效期：{approval.validity_label}）" if approval.validity_label else ""
            form.addRow(named(QLabel(f"{approval.licence_name}{validity}"), "licenceName"))
            for entry in approval.entries:
                widget = self._entry_input(entry.label, entry.initial, entry.choices)
                form.addRow(f"{entry.label}{'' if entry.required else '（选填）'}", widget)
                inputs.append(widget)
            if approval.needs_date:
                self.valid_until = named(QDateEdit(), "validUntil")
                self.valid_until.setCalendarPopup(True)
                self.valid_until.setDisplayFormat("yyyy-MM-dd")
                self.valid_until.setDate(QDate.currentDate().addYears(1))
                self.valid_until.setToolTip(approval.date_rule)
                form.addRow("有效期至", self.valid_until)
                form.addRow(named(QLabel(approval.date_rule), "validityRule"))
                inputs.append(self.valid_until)
        form.addRow(self.approve_button)
        _enter_moves_on(inputs, self.approve_button)

    def _entry_input(self, label: str, initial: str, choices: tuple[str, ...]) -> QLineEdit | QComboBox:
        widget: QLineEdit | QComboBox
        if choices:
            widget = QComboBox()
            widget.addItem("（请选择）", "")
            for choice in choices:
                widget.addItem(choice, choice)
            widget.setCurrentIndex(max(0, widget.findData(initial)))
        else:
            widget = QLineEdit(initial)
            widget.setMaxLength(200)
        widget.setObjectName(f"entry-{label}")
        self.entries[label] = widget
        return widget

    def enter(self, label: str, value: str) -> None:
        """Fill the entry `label` as the approver would (a choice by its text)."""
        widget = self.entries[label]
        if isinstance(widget, QComboBox):
            widget.setCurrentIndex(max(0, widget.findData(value)))
        else:
            widget.setText(value)

    def approval_request(self) -> ApprovalRequest:
        fields = {
            label: (w.currentData() or "") if isinstance(w, QComboBox) else w.text()
            for label, w in self.entries.items()
        }
        until = self.valid_until.date().toPython() if self.valid_until is not None else None
        return ApprovalRequest(fields, until if isinstance(until, date) else None)

    # -- hand-over -----------------------------------------------------------------------------------------
    def _handover_form(self) -> None:
        if self._handover_built:
            return
        self._handover_built = True
        capacity = self._handover_capacity
        form = QFormLayout(self.handover)
        form.setContentsMargins(0, 0, 0, 0)
        self.capacity = named(QComboBox(), "recipientCapacity")
        for code, capacity_rule in CAPACITIES.items():
            self.capacity.addItem(capacity_rule.label, str(code))
        self.capacity.setCurrentIndex(max(0, self.capacity.findData(str(capacity or Capacity.SELF))))
        self.recipient = named(QLineEdit(placeholderText="领取人姓名"), "recipientName")
        self.recipient_id_type = named(QComboBox(), "recipientIdType")
        for kind, rule in ID_KINDS.items():
            if rule.person:
                self.recipient_id_type.addItem(rule.label, str(kind))
        self.recipient_id = named(QLineEdit(placeholderText="领取人证件号码"), "recipientId")
        self.authorization = named(
            QLineEdit(placeholderText="如：授权委托书，2026年11月18日（登记的代理人本人领取可不填）"),
            "recipientAuthorization",
        )
        form.addRow("领取人身份", self.capacity)
        form.addRow("领取人", self.recipient)
        form.addRow("证件类型", self.recipient_id_type)
        form.addRow("证件号码", self.recipient_id)
        form.addRow("授权委托书", self.authorization)
        form.addRow(self.handover_button)
        self.capacity.currentIndexChanged.connect(self._capacity_changed)
        self._capacity_changed()
        _enter_moves_on([self.recipient, self.recipient_id, self.authorization], self.handover_button)

    def _capacity_changed(self) -> None:
        self.authorization.setEnabled(self.capacity.currentData() == str(Capacity.AGENT))

    def handover_request(self) -> HandoverRequest:
        self._handover_form()  # a case the table does not offer hand-over: the service refuses it, naming why
        agent = self.capacity.currentData() == str(Capacity.AGENT)
        return HandoverRequest(
            recipient_name=self.recipient.text(),
            recipient_id_type=str(self.recipient_id_type.currentData() or IdKind.RESIDENT_ID),
            recipient_id_number=self.recipient_id.text(),
            capacity=str(self.capacity.currentData()),
            authorization=(self.authorization.text() or None) if agent else None,
        )


def _enter_moves_on(inputs: list[QWidget], last: QPushButton) -> None:
    """Enter in a line edit moves to the next input; in the last one it presses `last`."""
    for index, widget in enumerate(inputs):
        if isinstance(widget, QLineEdit):
            following = inputs[index + 1] if index + 1 < len(inputs) else None
            if following is None:
                widget.returnPressed.connect(last.click)
            else:
                widget.returnPressed.connect(following.setFocus)
