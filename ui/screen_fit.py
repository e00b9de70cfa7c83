"""Windows that fit the screen the clerk has: never larger than its available area (the taskbar is not
available), whatever the resolution and scaling (1366×768, 1280×720, 1920×1080 at 150 %)."""

from __future__ import annotations

from typing import cast

from PySide6.QtCore import QMargins, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QMessageBox, QScrollArea, QWidget

# What a window manager adds around a dialog's contents: a title bar and thin borders.
FRAME_ALLOWANCE = QSize(16, 40)
# A message taller than this share of the screen scrolls inside its box.
MESSAGE_SHARE = 0.6


def screen_of(widget: QWidget) -> QScreen:
    """The screen the widget is on, or will open on (its parent window's), or the primary one."""
    parent = widget.parentWidget()
    if not widget.isVisible() and parent is not None:
        return parent.window().screen()
    return widget.screen() or QGuiApplication.primaryScreen()


def available_area(widget: QWidget) -> QRect:
    return screen_of(widget).availableGeometry()


def fit_to_screen(widget: QWidget, *, preferred: QSize | None = None) -> None:
    """Give a dialog its preferred size, or less: at most the available area of its screen with room for
    its title bar. Its contents must be able to shrink (a scroll area for anything long)."""
    limit = available_area(widget).size() - FRAME_ALLOWANCE
    widget.setMaximumSize(limit)
    widget.resize((preferred or widget.size()).boundedTo(limit))


def fitted_rect(rect: QRect, area: QRect) -> QRect:
    """`rect` moved, and shrunk if need be, to lie inside `area`."""
    size = rect.size().boundedTo(area.size())
    x = min(max(rect.x(), area.left()), area.right() - size.width() + 1)
    y = min(max(rect.y(), area.top()), area.bottom() - size.height() + 1)
    return QRect(QPoint(x, y), size)


def keep_frame_inside(window: QWidget, area: QRect) -> None:
    """Once shown (the window manager's frame is known then), move and shrink the window so that its
    frame, title bar included, lies inside `area`."""
    frame, inner = window.frameGeometry(), window.geometry()
    if area.contains(frame):
        return
    margins = QMargins(
        inner.left() - frame.left(),
        inner.top() - frame.top(),
        frame.right() - inner.right(),
        frame.bottom() - inner.bottom(),
    )
    window.setGeometry(fitted_rect(frame, area).marginsRemoved(margins))


def fit_message_box(box: QMessageBox) -> None:
    """A long message scrolls inside its box instead of making the box taller than the screen.

    QMessageBox sizes itself to its whole text when shown. When that text would take more than
    MESSAGE_SHARE of the screen's height, it is shown in a scroll area of bounded size instead (the box's
    own label stays, hidden, so `text()` still answers the whole message)."""
    label = box.findChild(QLabel, "qt_msgbox_label")
    grid = box.layout()
    if label is None or not isinstance(grid, QGridLayout):
        return
    area = available_area(box)
    width = min(500, area.width() // 2)
    shown = QLabel(box.text())
    shown.setObjectName("messageText")
    shown.setTextFormat(box.textFormat())
    shown.setWordWrap(True)
    shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if shown.heightForWidth(width) <= area.height() * MESSAGE_SHARE:
        return
    row, column, rows, columns = cast(tuple[int, int, int, int], grid.getItemPosition(grid.indexOf(label)))
    label.hide()
    scroll = QScrollArea(box)
    scroll.setObjectName("messageScroll")
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setWidgetResizable(True)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setWidget(shown)
    bar = scroll.verticalScrollBar().sizeHint().width()
    scroll.setMinimumSize(width + bar, int(area.height() * MESSAGE_SHARE))
    grid.addWidget(scroll, row, column, rows, columns)
