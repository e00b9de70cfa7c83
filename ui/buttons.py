"""Buttons every dialog has, in the window's language (Qt's standard ones speak English here)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox


def close_box(dialog: QDialog) -> QDialogButtonBox:
    """A 关闭 button that closes `dialog`."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
    buttons.rejected.connect(dialog.reject)
    return buttons
