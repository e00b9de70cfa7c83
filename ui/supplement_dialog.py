"""The applicant's return with the one-time notice (补正), or with tolerated materials (容缺补交): exactly
what the notice listed, one row each to tick what was brought (its form, copies and pages, and a defect if
the clerk finds one), the completeness check run again on request, and the return recorded. The check's
answer says what follows — accepted today under the same number, or a new notice naming only what the first
did or a defect in what was just brought — and shows, as a warning, any gap the first notice failed to name
(Art. 32: it is not asked again)."""

from __future__ import annotations

from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.catalog import FORM_LABEL, Form
from app.completeness import OUTCOME_LABEL, ReceivedMaterial
from app.lifecycle.supplements import SUPPLEMENT, SupplementCheck, SupplementForm
from ui.object_names import named
from ui.screen_fit import fit_to_screen


class MaterialRow:
    """One material the notice asked: ticked when brought, in which form, how many copies and pages."""

    def __init__(
        self, grid: QGridLayout, row: int, code: str, name: str, why: str, forms: tuple[Form, ...]
    ) -> None:
        self.code = code
        self.brought = named(QCheckBox(f"{code} {name}"), f"brought-{code}")
        self.why = QLabel(why)
        self.why.setWordWrap(True)
        self.why.setMinimumWidth(self.why.fontMetrics().horizontalAdvance("缺") * 16)
        self.form = named(QComboBox(), f"form-{code}")
        for form in forms or tuple(Form):
            self.form.addItem(FORM_LABEL[form], str(form))
        self.copies = named(QSpinBox(), f"copies-{code}")
        self.copies.setRange(0, 99)
        self.copies.setValue(1)
        self.pages = named(QSpinBox(), f"pages-{code}")
        self.pages.setRange(1, 9999)
        self.defect = named(QLineEdit(placeholderText="瑕疵（如有）"), f"defect-{code}")
        for column, widget in enumerate(
            (self.brought, self.why, self.form, self.copies, self.pages, self.defect)
        ):
            grid.addWidget(widget, row, column)

    def received(self) -> ReceivedMaterial | None:
        if not self.brought.isChecked():
            return None
        form = Form(str(self.form.currentData()))
        copies = 0 if form is Form.ELECTRONIC else self.copies.value()
        return ReceivedMaterial(
            self.code, form, copies, self.pages.value(), self.defect.text().strip() or None
        )


class SupplementDialog(QDialog):
    check_requested = Signal(str, object)  # case number, [ReceivedMaterial]
    save_requested = Signal(str, object)  # case number, [ReceivedMaterial]

    def __init__(self, form: SupplementForm, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form = form
        case = form.case
        what = "接收补正材料" if form.kind == SUPPLEMENT else "接收容缺补交材料"
        self.setWindowTitle(f"{what} — 办件 {case.number}")
        fit_to_screen(self, preferred=QSize(880, 420))
        layout = QVBoxLayout(self)
        source = "一次性告知书所列材料" if form.kind == SUPPLEMENT else "容缺受理通知书所列待补交材料"
        deadline = f"期限：{form.deadline.isoformat()}" if form.deadline else ""
        header = named(
            QLabel(
                f"{case.item_name}\n申请人：{case.applicant.name}　第 {form.visit} 次补交　{deadline}"
                + ("（已届满）" if form.overdue else "")
                + f"\n{source}（请勾选申请人本次带来的）："
            ),
            "supplementHeader",
        )
        if form.overdue:
            header.setStyleSheet("color:#b00020;")
        layout.addWidget(header)
        grid = QGridLayout()
        for column, title in enumerate(("材料", "告知内容", "形式", "份数", "页数", "瑕疵")):
            grid.addWidget(QLabel(f"<b>{title}</b>"), 0, column)
        names = {m.code: m for m in form.item.materials}
        self.rows = [
            MaterialRow(
                grid, index + 1, a.code, a.name, a.why, names[a.code].forms if a.code in names else ()
            )
            for index, a in enumerate(form.asked)
        ]
        grid.setColumnStretch(1, 1)
        layout.addLayout(grid)
        self.answer = named(QLabel("勾选后可先“检查”，再“保存”。"), "supplementResult")
        self.answer.setWordWrap(True)
        layout.addWidget(self.answer)
        buttons = QHBoxLayout()
        self.check_button = named(QPushButton("检查"), "supplementCheck")
        self.save_button = named(QPushButton("保存并打印"), "supplementSave")
        close = QPushButton("取消")
        for button in (self.check_button, self.save_button, close):
            button.setAutoDefault(False)
            buttons.addWidget(button)
        buttons.insertStretch(0, 1)
        layout.addLayout(buttons)
        self.check_button.clicked.connect(lambda: self.check_requested.emit(case.number, self.brought()))
        self.save_button.clicked.connect(self._save)
        close.clicked.connect(self.reject)

    def tick(self, code: str, *, defect: str | None = None) -> None:
        """Tick a material as brought (and note a defect), as the clerk would."""
        row = next(r for r in self.rows if r.code == code)
        row.brought.setChecked(True)
        if defect is not None:
            row.defect.setText(defect)

    def brought(self) -> list[ReceivedMaterial]:
        return [entry for row in self.rows if (entry := row.received()) is not None]

    def _save(self) -> None:
        self.save_button.setEnabled(False)  # once, however often clicked
        self.save_requested.emit(self.form.case.number, self.brought())

    def show_check(self, check: SupplementCheck) -> None:
        lines = [f"检查结果：{OUTCOME_LABEL[check.outcome]}"]
        if check.gaps:
            lines.append(f"仍需补正：{'、'.join(check.gaps)}（将出具新的告知书）")
        if check.tolerated:
            lines.append(f"容缺待补：{'、'.join(check.tolerated)}")
        lines += [f"⚠ {warning}" for warning in check.warnings]
        self.answer.setText("\n".join(lines))
        self.answer.setStyleSheet("color:#8a5300;" if check.warnings else "")

    def refused(self, message: str) -> None:
        self.save_button.setEnabled(True)
        self.answer.setText(message)
        self.answer.setStyleSheet("color:#b00020;")
