"""The program's icon (resources/icons, drawn by tools/make_icons.py): title bar and task bar."""

from __future__ import annotations

from importlib import resources

from PySide6.QtGui import QIcon, QPixmap


def app_icon() -> QIcon:
    pixmap = QPixmap()
    pixmap.loadFromData(resources.files("resources.icons").joinpath("window-clerk.png").read_bytes())
    return QIcon(pixmap)
