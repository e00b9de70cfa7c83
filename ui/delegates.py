"""Editors and painters for the checklist: a combo box for the form handed in, spin boxes for counts,
names in at most two lines."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QTextLayout, QTextOption
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QSpinBox,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from app.intake import COPIES_RANGE, FORM_CHOICES, PAGES_RANGE

AnyIndex = QModelIndex | QPersistentModelIndex


class FormChoiceDelegate(QStyledItemDelegate):
    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: AnyIndex) -> QWidget:
        combo = QComboBox(parent)
        for choice in FORM_CHOICES:
            combo.addItem(choice.label)
        return combo

    def setEditorData(self, editor: QWidget, index: AnyIndex) -> None:
        assert isinstance(editor, QComboBox)
        editor.setCurrentIndex(int(index.data(Qt.ItemDataRole.EditRole) or 0))

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: AnyIndex) -> None:
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentIndex(), Qt.ItemDataRole.EditRole)


class CountDelegate(QStyledItemDelegate):
    def __init__(self, *, low: int, high: int) -> None:
        super().__init__()
        self._low, self._high = low, high

    @classmethod
    def for_copies(cls) -> CountDelegate:
        """Copies of one material, within the limits a request is checked by (app.intake)."""
        low, high = COPIES_RANGE
        return cls(low=low, high=high)

    @classmethod
    def for_pages(cls) -> CountDelegate:
        low, high = PAGES_RANGE
        return cls(low=low, high=high)

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: AnyIndex) -> QWidget:
        spin = QSpinBox(parent)
        spin.setRange(self._low, self._high)
        return spin

    def setEditorData(self, editor: QWidget, index: AnyIndex) -> None:
        assert isinstance(editor, QSpinBox)
        editor.setValue(int(index.data(Qt.ItemDataRole.EditRole) or self._low))

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: AnyIndex) -> None:
        assert isinstance(editor, QSpinBox)
        editor.interpretText()
        model.setData(index, editor.value(), Qt.ItemDataRole.EditRole)


LINE_SEPARATOR = "\u2028"  # what item views break lines at (a plain newline is not one to QTextLayout)


def wrapped_lines(text: str, font: QFont, width: int, *, max_lines: int) -> list[str]:
    """`text` broken into lines of at most `width` pixels; beyond `max_lines` the last line ends in "…"."""
    layout = QTextLayout(text, font)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    layout.setTextOption(option)
    starts: list[tuple[int, int]] = []
    layout.beginLayout()
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(max(width, 1))
        starts.append((line.textStart(), line.textLength()))
    layout.endLayout()
    lines = [text[start : start + length].rstrip() for start, length in starts[:max_lines]]
    if len(starts) > max_lines:
        rest = text[starts[max_lines - 1][0] :]
        lines[-1] = QFontMetrics(font).elidedText(rest, Qt.TextElideMode.ElideRight, max(width, 1))
    return lines


class TwoLineTextDelegate(QStyledItemDelegate):
    """Text wrapped to at most two lines in the column's width; what does not fit ends in "…" (the
    model's tooltip carries the whole text)."""

    MAX_LINES = 2

    def _prepare(self, option: QStyleOptionViewItem, index: AnyIndex) -> QStyleOptionViewItem:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, widget) + 1
        text_rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, widget)
        width = text_rect.width() - 2 * margin - 1
        text = opt.text
        lines = wrapped_lines(text, opt.font, width, max_lines=self.MAX_LINES) if text else []
        opt.text = LINE_SEPARATOR.join(lines)
        opt.features &= ~QStyleOptionViewItem.ViewItemFeature.WrapText
        return opt

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        opt = self._prepare(option, index)
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        opt = self._prepare(option, index)
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        return style.sizeFromContents(QStyle.ContentsType.CT_ItemViewItem, opt, QSize(), widget)
