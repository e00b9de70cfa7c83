"""The window's settings for hall IT: one field per declared setting (app.settings.SPECS), so a setting
added there appears here with its description, and is checked by the same rule (`SettingSpec.problem`).

What registration or the demo set-up wrote (hall, window code, where secrets live) is shown, not edited:
it changes by registering again. Saving writes every changed setting in one atomic write, or none.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.settings import SPECS, Settings, SettingsError, SettingSpec
from ui.object_names import named
from ui.screen_fit import fit_to_screen

SettingInput = QCheckBox | QComboBox | QLineEdit | QPlainTextEdit


class SettingsDialog(QDialog):
    def __init__(self, *, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("窗口设置")
        fit_to_screen(self, preferred=QSize(760, 640))
        self.settings = settings
        self.inputs: dict[str, SettingInput] = {}
        self.calibration: QDialog | None = None
        outer = QVBoxLayout(self)
        outer.addWidget(QLabel(f"设置文件：{settings.path.name}（保存时整体写入，不会只写一半）"))
        content = QWidget()
        form = QFormLayout(content)
        for spec in SPECS:
            widget = self._input(spec, settings.get(spec.key))
            widget.setObjectName(f"setting-{spec.key}")
            widget.setToolTip(spec.description)
            widget.setEnabled(not spec.assigned)
            about = QLabel(spec.description + ("；此处不可改" if spec.assigned else ""))
            about.setWordWrap(True)
            about.setStyleSheet("color:#555;")
            box = QWidget()
            column = QVBoxLayout(box)
            column.setContentsMargins(0, 0, 0, 0)
            column.addWidget(widget)
            if spec.key == "scan_key_interval_ms":
                calibrate = named(QPushButton("扫描测试码校准…"), "calibrateScanner")
                calibrate.setToolTip("用扫码枪扫描测试码，按本机扫码枪的实际速度设置识别间隔")
                calibrate.clicked.connect(self.calibrate_scanner)
                column.addWidget(calibrate, 0, Qt.AlignmentFlag.AlignLeft)
            column.addWidget(about)
            form.addRow(spec.key, box)
            self.inputs[spec.key] = widget
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(content)
        outer.addWidget(scroll, 1)
        self.message = named(QLabel(), "settingsMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color:#b00020;")
        outer.addWidget(self.message)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Save).setText("保存")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        outer.addWidget(buttons)

    def calibrate_scanner(self) -> None:
        """The scanner's test scan (ui.scan_calibration): it fills the interval, saved with the rest."""
        from ui.scan_calibration import ScanCalibrationDialog

        dialog = ScanCalibrationDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.calibrated.connect(self._calibrated)
        dialog.open()
        self.calibration = dialog

    def _calibrated(self, interval_ms: int) -> None:
        widget = self.inputs["scan_key_interval_ms"]
        assert isinstance(widget, QLineEdit)
        widget.setText(str(interval_ms))
        self.message.setText(f"扫码识别间隔已按测试扫描设为 {interval_ms} 毫秒，保存后生效")

    @staticmethod
    def _input(spec: SettingSpec, value: Any) -> SettingInput:
        if spec.type is bool:
            box = QCheckBox("是")
            box.setChecked(bool(value))
            return box
        if spec.choices:
            combo = QComboBox()
            combo.addItems(list(spec.choices))
            combo.setCurrentText(str(value))
            return combo
        if spec.type is dict:
            text = QPlainTextEdit(json.dumps(value, ensure_ascii=False, indent=1))
            text.setFixedHeight(text.fontMetrics().height() * 5)
            return text
        return QLineEdit("" if value is None else str(value))

    def values(self) -> tuple[dict[str, Any], list[str]]:
        """The settings as entered that differ from the file, and what is wrong with the rest."""
        changed: dict[str, Any] = {}
        problems: list[str] = []
        for spec in SPECS:
            if spec.assigned:
                continue
            widget = self.inputs[spec.key]
            try:
                value = _read(spec, widget)
            except ValueError as error:
                problems.append(str(error))
                continue
            if value is None:  # an optional setting left empty: as it was
                continue
            problem = spec.problem(value)
            if problem is not None:
                problems.append(problem)
            elif value != self.settings.get(spec.key):
                changed[spec.key] = value
        return changed, problems

    def save(self) -> None:
        changed, problems = self.values()
        if problems:
            self.message.setText("未保存：" + "；".join(problems))
            return
        try:
            self.settings.update(changed)
        except (SettingsError, OSError) as error:
            self.message.setText(f"未保存：{error}")
            return
        self.accept()


def _read(spec: SettingSpec, widget: SettingInput) -> Any:
    """The value a field holds, as the setting's type; ValueError naming the setting when it is none."""
    if isinstance(widget, QCheckBox):
        return widget.isChecked()
    if isinstance(widget, QComboBox):
        return widget.currentText()
    if isinstance(widget, QPlainTextEdit):
        try:
            value = json.loads(widget.toPlainText() or "{}")
        except json.JSONDecodeError:
            raise ValueError(f'设置 {spec.key} 应为 JSON 对象，如 {{"notice": "打印机名称"}}') from None
        if not isinstance(value, dict):
            raise ValueError(f"设置 {spec.key} 应为 JSON 对象")
        return value
    text = widget.text().strip()
    if spec.type is int:
        if not text:
            if spec.default is None:
                return None
            raise ValueError(f"设置 {spec.key} 不能为空（应为整数）")
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"设置 {spec.key} 应为整数，“{text}”不是") from None
    return text
