"""Applicant and agent entry, with inline checks as the clerk types."""

from __future__ import annotations

from collections.abc import Callable
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
from app.identifiers import IdCheck, check_phone
from app.identity_documents import ID_KINDS, PERSON_ID_KINDS, IdKind, check_id
from app.intake import Applicant, Party
from ui.object_names import named

HINT_STYLE_BAD = "color:#b00020;"
HINT_STYLE_OK = "color:#2e7d32;"
HINT_STYLE_WARN = "color:#b26a00;font-weight:bold;"  # passes, but the clerk should look again
HINT_STYLE_PLAIN = "color:#555555;"


READ_ONLY_STYLE = 'QLineEdit[readOnly="true"] { background:#eeeeee; color:#333333; }'


def _hint() -> QLabel:
    label = QLabel("")
    label.setWordWrap(True)
    return label


def _id_kind_combo(name: str) -> QComboBox:
    combo = named(QComboBox(), name)
    for kind in PERSON_ID_KINDS:
        combo.addItem(ID_KINDS[kind].label, kind)
    return combo  # the first entry, 居民身份证, is the default


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

    def __init__(self, *, today: Callable[[], date]) -> None:
        """`today` is asked at every check: a window left open past midnight checks against the new day."""
        super().__init__()
        self._today = today
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

        box = QGroupBox("② 申请人")
        self.applicant_form = form = QFormLayout(box)
        _compact(form)
        self.kind = named(QComboBox(), "applicantKind")
        self.kind.addItem("自然人", ApplicantKind.PERSON)
        self.kind.addItem("法人/其他组织", ApplicantKind.ORGANIZATION)
        self.name = named(QLineEdit(placeholderText="姓名或单位名称"), "applicantName")
        self.id_kind = _id_kind_combo("applicantIdKind")
        self.id_number = named(QLineEdit(), "applicantId")
        self.id_hint = _hint()
        self.override = named(QLineEdit(placeholderText="校验未通过但核实无误的原因"), "idOverride")
        self.override_label = QLabel("核实原因")
        self.phone = named(QLineEdit(placeholderText="手机或固定电话"), "applicantPhone")
        self.phone_hint = _hint()
        form.addRow("类型", self.kind)
        form.addRow("名称", self.name)
        form.addRow("证件类型", self.id_kind)
        form.addRow("证件号码", _with_hint(self.id_number, self.id_hint))
        form.addRow(self.override_label, self.override)
        form.addRow("联系电话", _with_hint(self.phone, self.phone_hint))
        layout.addWidget(box, 1)

        self.agent_box = QGroupBox("代理人")
        agent_form = QFormLayout(self.agent_box)
        _compact(agent_form)
        self.has_agent = named(QCheckBox("代理人办理（代办）"), "hasAgent")
        agent_form.addRow(self.has_agent)
        self.agent_name = named(QLineEdit(placeholderText="代理人姓名"), "agentName")
        self.agent_id_kind = _id_kind_combo("agentIdKind")
        self.agent_id = named(QLineEdit(), "agentId")
        self.agent_id_hint = _hint()
        self.agent_phone = named(QLineEdit(placeholderText="代理人电话"), "agentPhone")
        agent_form.addRow("姓名", self.agent_name)
        agent_form.addRow("证件类型", self.agent_id_kind)
        agent_form.addRow("证件号码", _with_hint(self.agent_id, self.agent_id_hint))
        agent_form.addRow("联系电话", self.agent_phone)
        layout.addWidget(self.agent_box, 1)
        self.setStyleSheet(READ_ONLY_STYLE)
        self._set_agent_fields_enabled(False)
        self._show_override(False)
        self._placeholders()

        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.id_kind.currentIndexChanged.connect(self._id_kind_changed)
        self.agent_id_kind.currentIndexChanged.connect(self._id_kind_changed)
        self.has_agent.toggled.connect(self._agent_changed)
        for edit in self._edits():
            edit.textChanged.connect(self._text_changed)

    # -- reading ---------------------------------------------------------------------------------
    def applicant_kind(self) -> ApplicantKind:
        return ApplicantKind(self.kind.currentData())

    def applicant_id_kind(self) -> IdKind:
        if self.applicant_kind() is ApplicantKind.ORGANIZATION:
            return IdKind.USCC
        return IdKind(self.id_kind.currentData())

    def agent_id_kind_value(self) -> IdKind:
        return IdKind(self.agent_id_kind.currentData())

    def applicant(self) -> Applicant:
        return Applicant(
            name=self.name.text(),
            id_number=self.id_number.text(),
            phone=self.phone.text(),
            id_kind=self.applicant_id_kind(),
            kind=self.applicant_kind(),
            id_override_reason=self.override.text().strip() or None if self.override.isVisible() else None,
        )

    def agent(self) -> Party | None:
        if not self.has_agent.isChecked():
            return None
        return Party(
            self.agent_name.text(),
            self.agent_id.text(),
            self.agent_phone.text(),
            id_kind=self.agent_id_kind_value(),
        )

    def clear(self) -> None:
        for edit in self._edits():
            edit.clear()
        self.kind.setCurrentIndex(0)
        self.id_kind.setCurrentIndex(0)
        self.agent_id_kind.setCurrentIndex(0)
        self.has_agent.setChecked(False)

    def fill_id(self, *, id_kind: IdKind, id_number: str) -> None:
        """The applicant's document number, read by a scanner: a credit code makes the applicant an
        organisation, a person's number sets its 证件类型."""
        if id_kind is IdKind.USCC:
            self.kind.setCurrentIndex(self.kind.findData(ApplicantKind.ORGANIZATION))
        else:
            self.kind.setCurrentIndex(self.kind.findData(ApplicantKind.PERSON))
            self.id_kind.setCurrentIndex(self.id_kind.findData(id_kind))
        self.id_number.setText(id_number)

    def fill_parties(self, *, applicant: Applicant, agent: Party | None) -> None:
        """Applicant and agent as a helper's draft records them (app.helpers), for the clerk to check."""
        self.kind.setCurrentIndex(self.kind.findData(applicant.kind))
        if applicant.kind is ApplicantKind.PERSON:
            self.id_kind.setCurrentIndex(self.id_kind.findData(applicant.id_type))
        self.name.setText(applicant.name)
        self.id_number.setText(applicant.id_number)
        self.phone.setText(applicant.phone)
        self.override.setText(applicant.id_override_reason or "")
        self.has_agent.setChecked(agent is not None)
        if agent is not None:
            self.agent_name.setText(agent.name)
            self.agent_id_kind.setCurrentIndex(self.agent_id_kind.findData(agent.id_type))
            self.agent_id.setText(agent.id_number)
            self.agent_phone.setText(agent.phone)

    def set_read_only(self, locked: bool) -> None:
        """A saved case: what was entered stays readable (and copyable) but takes no change."""
        for edit in self._edits():
            edit.setReadOnly(locked)
            edit.style().unpolish(edit)
            edit.style().polish(edit)
        self.kind.setEnabled(not locked)
        self.has_agent.setEnabled(not locked)
        self.id_kind.setEnabled(not locked)
        self.agent_id_kind.setEnabled(not locked and self.has_agent.isChecked())

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
        # An organisation is registered by its credit code: no 证件类型 to choose.
        self.applicant_form.setRowVisible(self.id_kind, self.applicant_kind() is ApplicantKind.PERSON)
        self._id_kind_changed()

    def _id_kind_changed(self) -> None:
        self._placeholders()
        self._text_changed()

    def _placeholders(self) -> None:
        self.id_number.setPlaceholderText(ID_KINDS[self.applicant_id_kind()].format_hint)
        self.agent_id.setPlaceholderText(ID_KINDS[self.agent_id_kind_value()].format_hint)

    def _set_agent_fields_enabled(self, on: bool) -> None:
        for widget in (self.agent_name, self.agent_id_kind, self.agent_id, self.agent_phone):
            widget.setEnabled(on)

    def _agent_changed(self, on: bool) -> None:
        self._set_agent_fields_enabled(on)
        self.agent_toggled.emit(on)
        self.changed.emit()

    def _show_override(self, on: bool) -> None:
        self.override.setVisible(on)
        self.override_label.setVisible(on)

    def _text_changed(self) -> None:
        today = self._today()
        id_text = self.id_number.text()
        kind = self.applicant_id_kind()
        check = check_id(kind, id_text, today=today)
        self._show_check(self.id_hint, id_text, check, kind=kind)
        self._show_override(bool(id_text.strip()) and not check.ok and check.overridable)
        phone = self.phone.text()
        self._show_check(self.phone_hint, phone, check_phone(phone))
        agent_id = self.agent_id.text()
        agent_kind = self.agent_id_kind_value()
        self._show_check(
            self.agent_id_hint, agent_id, check_id(agent_kind, agent_id, today=today), kind=agent_kind
        )
        self.changed.emit()

    @staticmethod
    def _show_check(label: QLabel, text: str, check: IdCheck, *, kind: IdKind | None = None) -> None:
        if not text.strip():
            label.setText("")
        elif not check.ok:
            label.setText(check.reason or "无效")
            label.setStyleSheet(HINT_STYLE_BAD)
        elif check.warning:  # valid, but implausible: amber, never the green tick
            label.setText(f"⚠ {check.warning}")
            label.setStyleSheet(HINT_STYLE_WARN)
        elif kind is not None and not ID_KINDS[kind].has_rule:
            label.setText(f"{ID_KINDS[kind].label}号码无统一校验规则，按原样记录，请与证件核对")
            label.setStyleSheet(HINT_STYLE_PLAIN)
        else:
            label.setText(_id_ok_text(check) if kind is not None else "")
            label.setStyleSheet(HINT_STYLE_OK)


def _id_ok_text(check: IdCheck) -> str:
    if check.birth_date is not None:
        sex = {"male": "男", "female": "女"}.get(check.sex or "", "")
        return f"✓ 出生日期 {check.birth_date:%Y-%m-%d} {sex}".rstrip()
    return "✓ 校验通过"
