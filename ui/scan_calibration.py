"""Calibrating the handheld scanner: "请扫描此测试码". The dialog shows a test code (QR and Code 128 of the
same text), times the keys the scanner types, and proposes the `scan_key_interval_ms` that tells this
scanner's codes from typing (app.scanning.keystrokes.calibrated_interval): its slowest key gap plus a
margin. A scanner set up to send no Enter is read after a pause; a wrong text (a scanner typing in another
keyboard layout, or caps lock) and keys as slow as a person's are refused with their reason.
"""

from __future__ import annotations

import itertools
import time

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QKeyEvent, QPainter, QPixmap
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.codes import code128_modules, qr_matrix
from app.scanning.keystrokes import CalibrationError, calibrated_interval
from ui.object_names import named

TEST_CODE = "WCLERK-SCAN-TEST-0123456789"
NO_ENTER_PAUSE_MS = 400  # a scanner that sends no Enter: the test code is complete after this pause


def _qr_pixmap(text: str, module: int = 6) -> QPixmap:
    matrix = qr_matrix(text)
    quiet = 4
    side = (matrix.size + 2 * quiet) * module
    image = QImage(side, side, QImage.Format.Format_Grayscale8)
    image.fill(QColor("white"))
    painter = QPainter(image)
    for row, cells in enumerate(matrix.modules):
        for column, dark in enumerate(cells):
            if dark:
                x, y = (column + quiet) * module, (row + quiet) * module
                painter.fillRect(x, y, module, module, QColor("black"))
    painter.end()
    return QPixmap.fromImage(image)


def _code128_pixmap(text: str, module: int = 2, height: int = 80) -> QPixmap:
    bars = code128_modules(text)
    quiet = 10
    image = QImage((len(bars) + 2 * quiet) * module, height, QImage.Format.Format_Grayscale8)
    image.fill(QColor("white"))
    painter = QPainter(image)
    for index, bit in enumerate(bars):
        if bit == "1":
            painter.fillRect((index + quiet) * module, 0, module, height, QColor("black"))
    painter.end()
    return QPixmap.fromImage(image)


class ScanCalibrationDialog(QDialog):
    """Opened from the settings dialog; `calibrated` gives the interval once a test scan was read."""

    calibrated = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("扫码枪校准")
        self.setMinimumSize(QSize(560, 420))
        self.interval_ms: int | None = None
        self._keys: list[tuple[str, float]] = []
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("请用扫码枪扫描下方任一测试码（二维码或条形码）。扫描时不要按键盘。"))
        codes = QHBoxLayout()
        qr = QLabel()
        qr.setPixmap(_qr_pixmap(TEST_CODE))
        bar = QLabel()
        bar.setPixmap(_code128_pixmap(TEST_CODE))
        codes.addWidget(qr, 0, Qt.AlignmentFlag.AlignCenter)
        codes.addWidget(bar, 0, Qt.AlignmentFlag.AlignCenter)
        layout.addLayout(codes)
        layout.addWidget(QLabel(f"测试码内容：{TEST_CODE}"), 0, Qt.AlignmentFlag.AlignCenter)
        self.outcome = named(QLabel("等待扫描…"), "calibrationResult")
        self.outcome.setWordWrap(True)
        layout.addWidget(self.outcome)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("采用此设置")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setAutoDefault(False)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAutoDefault(False)
        self.buttons.accepted.connect(self._adopt)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._pause = QTimer(self, singleShot=True, interval=NO_ENTER_PAUSE_MS)
        self._pause.timeout.connect(self._finish)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            super().keyPressEvent(event)
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._pause.stop()
            self._finish()
            return
        text = event.text()
        if len(text) == 1 and text.isprintable():
            self._keys.append((text, time.monotonic() * 1000))
            if len(self._keys) >= len(TEST_CODE):
                self._pause.start()
        event.accept()

    def _finish(self) -> None:
        keys, self._keys = self._keys, []
        if not keys:
            return
        text = "".join(ch for ch, _at in keys)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        if text != TEST_CODE:
            shown = text if len(text) <= 60 else text[:60] + "…"
            self.outcome.setText(
                f"扫到的内容与测试码不符：{shown}。请检查扫码枪的键盘布局（应为美式键盘）和大小写设置后重扫"
            )
            ok.setEnabled(False)
            return
        intervals = [later - earlier for (_a, earlier), (_b, later) in itertools.pairwise(keys)]
        try:
            self.interval_ms = calibrated_interval(intervals)
        except CalibrationError as error:
            self.outcome.setText(str(error))
            ok.setEnabled(False)
            return
        self.outcome.setText(
            f"测得按键间隔最长 {max(intervals):.0f} 毫秒；建议将扫码识别间隔设为 {self.interval_ms} 毫秒。"
            "点“采用此设置”后，在设置页保存即生效"
        )
        ok.setEnabled(True)

    def _adopt(self) -> None:
        if self.interval_ms is not None:
            self.calibrated.emit(self.interval_ms)
            self.accept()
