"""Applicant and agent entry, with inline checks as the clerk types."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from app.catalog import ApplicantKind
from app.identifiers import IdCheck, check_phone, check_resident_id, check_uscc
from app.intake import Applicant, Party

HINT_STYLE_BAD = "color:#b00020;"
HINT_STYLE_OK = "color:#2e7d32;"


READ_ONLY_STYLE = 'QLineEdit[readOnly="true"] { background:#eeeeee; color:#333333; }'


def _hint() -> QLabel:
    label = QLabel("")
    label.setWordWrap(True)
    return label


def _compact(form: QFormLayout) -> None:
    """Rows close together: at 1366×768 every line the form saves is a line of the checklist."""
    form.setContentsMargins(8, 4, 8, 4)
    form.setVerticalSpacing(4)


def _with_hint(edit: QLineEdit, hint: QLabel) -> QWidget:
    """The field and its check side by side: the check costs no line of its own."""
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    edit.setMinimumWidth(edit.fontMetrics().horizontalAdvance("0" * 19))
    layout.addWidget(edit, 3)
    layout.addWidget(hint, 2)
    return row


class IntakeForm(QWidget):
    """Who applies: person or organisation, and an optional agent (代理人)."""

    changed = Signal()
    agent_toggled = Signal(bool)

    def __init__(self, *, today: date) -> None:
        super().__init__()
        self._today = today
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

        box = QGroupBox("② 申请人")
        form = QFormLayout(box)
        _compact(form)
        self.kind = QComboBox(objectName="applicantKind")
        self.kind.addItem("自然人", ApplicantKind.PERSON)
        self.kind.addItem("法人/其他组织", ApplicantKind.ORGANIZATION)
        self.name = QLineEdit(objectName="applicantName", placeholderText="姓名或单位名称")
        self.id_number = QLineEdit(objectName="applicantId", placeholderText="身份证号码")
        self.id_hint = _hint()
        self.override = QLineEdit(objectName="idOverride", placeholderText="校验未通过但核实无误的原因")
        self.override_label = QLabel("核实原因")
        self.phone = QLineEdit(objectName="applicantPhone", placeholderText="手机或固定电话")
        self.phone_hint = _hint()
        form.addRow("类型", self.kind)
        form.addRow("名称", self.name)
        form.addRow("证件号码", _with_hint(self.id_number, self.id_hint))
        form.addRow(self.override_label, self.override)
        form.addRow("联系电话", _with_hint(self.phone, self.phone_hint))
        layout.addWidget(box, 1)

        self.agent_box = QGroupBox("代理人")
        agent_form = QFormLayout(self.agent_box)
        _compact(agent_form)
        self.has_agent = QCheckBox("代理人办理（代办）", objectName="hasAgent")
        agent_form.addRow(self.has_agent)
        self.agent_name = QLineEdit(objectName="agentName", placeholderText="代理人姓名")
        self.agent_id = QLineEdit(objectName="agentId", placeholderText="代理人身份证号码")
        self.agent_id_hint = _hint()
        self.agent_phone = QLineEdit(objectName="agentPhone", placeholderText="代理人电话")
        agent_form.addRow("姓名", self.agent_name)
        agent_form.addRow("身份证号码", _with_hint(self.agent_id, self.agent_id_hint))
        agent_form.addRow("联系电话", self.agent_phone)
        layout.addWidget(self.agent_box, 1)
        self.setStyleSheet(READ_ONLY_STYLE)
        self._set_agent_fields_enabled(False)
        self._show_override(False)

        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.has_agent.toggled.connect(self._agent_changed)
        for edit in (
            self.name,
            self.id_number,
            self.override,
            self.phone,
            self.agent_name,
            self.agent_id,
            self.agent_phone,
        ):
            edit.textChanged.connect(self._text_changed)

    # -- reading ---------------------------------------------------------------------------------
    def applicant_kind(self) -> ApplicantKind:
        return ApplicantKind(self.kind.currentData())

    def applicant(self) -> Applicant:
        return Applicant(
            name=self.name.text(),
            id_number=self.id_number.text(),
            phone=self.phone.text(),
            kind=self.applicant_kind(),
            id_override_reason=self.override.text().strip() or None if self.override.isVisible() else None,
        )

    def agent(self) -> Party | None:
        if not self.has_agent.isChecked():
            return None
        return Party(self.agent_name.text(), self.agent_id.text(), self.agent_phone.text())

    def clear(self) -> None:
        for edit in (
            self.name,
            self.id_number,
            self.override,
            self.phone,
            self.agent_name,
            self.agent_id,
            self.agent_phone,
        ):
            edit.clear()
        self.kind.setCurrentIndex(0)
        self.has_agent.setChecked(False)

    def set_read_only(self, locked: bool) -> None:
        """A saved case: what was entered stays readable (and copyable) but takes no change."""
        for edit in self._edits():
            edit.setReadOnly(locked)
            edit.style().unpolish(edit)
            edit.style().polish(edit)
        self.kind.setEnabled(not locked)
        self.has_agent.setEnabled(not locked)

    def _edits(self) -> tuple[QLineEdit, ...]:
        return (
            self.name,
            self.id_number,
            self.override,
            self.phone,
            self.agent_name,
            self.agent_id,
            self.agent_phone,
        )

    # -- reacting --------------------------------------------------------------------------------
    def _kind_changed(self) -> None:
        person = self.applicant_kind() is ApplicantKind.PERSON
        self.id_number.setPlaceholderText("身份证号码" if person else "统一社会信用代码")
        self._text_changed()

    def _set_agent_fields_enabled(self, on: bool) -> None:
        for widget in (self.agent_name, self.agent_id, self.agent_phone):
            widget.setEnabled(on)

    def _agent_changed(self, on: bool) -> None:
        self._set_agent_fields_enabled(on)
        self.agent_toggled.emit(on)
        self.changed.emit()

    def _show_override(self, on: bool) -> None:
        self.override.setVisible(on)
        self.override_label.setVisible(on)

    def _text_changed(self) -> None:
        person = self.applicant_kind() is ApplicantKind.PERSON
        id_text = self.id_number.text()
        check = check_resident_id(id_text, today=self._today) if person else check_uscc(id_text)
        self._show_check(self.id_hint, id_text, check, ok_text=_id_ok_text(check))
        self._show_override(bool(id_text.strip()) and not check.ok and check.overridable)
        phone = self.phone.text()
        self._show_check(self.phone_hint, phone, check_phone(phone), ok_text="")
        agent_id = self.agent_id.text()
        agent_check = check_resident_id(agent_id, today=self._today)
        self._show_check(self.agent_id_hint, agent_id, agent_check, ok_text=_id_ok_text(agent_check))
        self.changed.emit()

    @staticmethod
    def _show_check(label: QLabel, text: str, check: IdCheck, *, ok_text: str) -> None:
        if not text.strip():
            label.setText("")
        elif check.ok:
            label.setText(ok_text)
            label.setStyleSheet(HINT_STYLE_OK)
        else:
            label.setText(check.reason or "无效")
            label.setStyleSheet(HINT_STYLE_BAD)


def _id_ok_text(check: IdCheck) -> str:
    if not check.ok:
        return ""
    if check.birth_date is not None:
        sex = {"male": "男", "female": "女"}.get(check.sex or "", "")
        return f"✓ 出生日期 {check.birth_date:%Y-%m-%d} {sex}"
    return "✓ 校验通过"
