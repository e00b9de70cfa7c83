"""A toolbar button that opens a list for the people whose role holds its permission (the approver's queue,
the supervisor's time-limit watch, the 差评 list): shown to them only, and refusing anyone else who reaches
it, saying why."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QDialog, QMessageBox, QPushButton, QToolBar, QWidget

from app.accounts.roles import Permission
from app.operations.person import Actor
from ui.desk import Desk, not_permitted
from ui.object_names import named


class ToolbarEntry(QObject):
    opened = Signal(object)  # the dialog, once open

    def __init__(
        self,
        *,
        desk: Desk,
        toolbar: QToolBar,
        label: str,
        name: str,
        tooltip: str,
        permission: Permission,
        refused_title: str,
        make_dialog: Callable[[QWidget], QDialog],
    ) -> None:
        super().__init__(desk.window)
        self._desk, self._permission, self._refused_title = desk, permission, refused_title
        self._make_dialog = make_dialog
        self.dialog: QDialog | None = None
        self.button = named(QPushButton(label), name)
        self.button.setToolTip(tooltip)
        self.button.clicked.connect(self.open)
        self.action = toolbar.addWidget(self.button)

    def show_for(self, person: Actor) -> None:
        self.action.setVisible(not_permitted(person, self._permission) is None)

    def open(self) -> None:
        refusal = not_permitted(self._desk.counter, self._permission)
        if refusal is not None:
            self._desk.notices.notify(QMessageBox.Icon.Warning, self._refused_title, refusal)
            return
        dialog = self._make_dialog(self._desk.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        self.dialog = dialog
        self.opened.emit(dialog)
