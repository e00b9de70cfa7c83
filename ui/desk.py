"""What every part of the clerk's window works with, handed to each part by its constructor: the workspace,
the job runner, who acts, the window its dialogs open over, and where messages go.

The parts (ui.item_search, ui.counter_flow, ui.todays_cases, ui.case_lookup, ui.print_flow,
ui.reference_refresh) never touch the database on the GUI thread: every read and write is a job on
`jobs.database(...)`, its result handled on the GUI thread. ui.main_window assembles the parts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from PySide6.QtWidgets import QMessageBox, QWidget

from app.accounts.roles import Permission, PermissionDenied

if TYPE_CHECKING:
    from app.operations.person import Actor
    from app.workspace import Workspace
    from ui.jobs import Jobs


class Notices(Protocol):
    """Where a part's messages go: a window-modal message box, or the status bar."""

    def notify(self, icon: QMessageBox.Icon, title: str, text: str) -> QMessageBox: ...

    def show_status(self, text: str, msecs: int = 0) -> None: ...


@dataclass
class Desk:
    workspace: Workspace
    jobs: Jobs
    counter: Actor  # who acts: read at the moment of each action
    window: QWidget  # the dialogs' parent; a job whose window is gone delivers nothing
    notices: Notices


def not_permitted(person: Actor, permission: Permission) -> str | None:
    """Why `person` may not do what `permission` names (the operations' own words), None when they may.
    A button shows it as its tooltip and is disabled; the operation refuses all the same."""
    try:
        person.require(permission)
    except PermissionDenied as refusal:
        return str(refusal)
    return None
