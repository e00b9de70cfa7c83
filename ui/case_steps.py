"""The steps after the decision taken from a case's dialog: the form of the step asked (ui.step_dialog, or the
supplement dialog), the operation run on the database lane (app.operations.lifecycle), then the case read
again and the step's documents printed one after the other. A refusal is shown as the operation said it,
and nothing is recorded."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox

from app.accounts.roles import PermissionDenied
from app.accounts.signin import SignInRefused
from app.cases.status import CaseAction, TransitionError
from app.cases.views import CaseView
from app.documents.kinds import TITLE
from app.lifecycle.service import LifecycleError
from app.lifecycle.supplements import SupplementCheck, SupplementForm
from app.operations import lifecycle as ops
from app.operations.changes import OperationRefused
from app.operations.lifecycle import StepTaken
from app.workspace import Workspace
from db.store import StoreError
from ui.desk import Desk
from ui.step_dialog import SUPPLEMENT_ACTIONS, StepDialog
from ui.supplement_dialog import SupplementDialog

log = logging.getLogger("clerk.ui.cases")

STEP_REFUSALS = (
    LifecycleError,
    OperationRefused,
    PermissionDenied,
    TransitionError,
    SignInRefused,
    StoreError,
)


def take_step(
    ws: Workspace, person: Any, number: str, action: CaseAction, values: dict[str, Any]
) -> StepTaken:
    """The operation of `action` with the values its form gave."""
    run: dict[CaseAction, Callable[[], StepTaken]] = {
        CaseAction.REVIEW: lambda: ops.start_review(ws, person=person, number=number),
        CaseAction.SUSPEND: lambda: ops.suspend(ws, person=person, number=number, **values),
        CaseAction.RESUME: lambda: ops.resume(ws, person=person, number=number, **values),
        CaseAction.EXTEND: lambda: ops.extend(ws, person=person, number=number, **values),
        CaseAction.REFUSE: lambda: ops.refuse(ws, person=person, number=number, **values),
        CaseAction.WITHDRAW: lambda: ops.withdraw(ws, person=person, number=number, **values),
        CaseAction.TERMINATE: lambda: ops.terminate(ws, person=person, number=number, **values),
        CaseAction.MAIL: lambda: ops.mail(ws, person=person, number=number, **values),
        CaseAction.REVOKE: lambda: ops.revoke(ws, person=person, number=number, **values),
        CaseAction.CORRECT: lambda: ops.correct(
            ws,
            person=person,
            number=number,
            reason=values["reason"],
            values={values["field"]: values["value"]},
        ),
    }
    return run[action]()


class CaseSteps(QObject):
    changed = Signal(str)  # the case number, once a step is recorded (its dialog is read again)
    print_requested = Signal(str, str)  # document kind, case number: the step's documents, one at a time
    opened = Signal(object)  # the step's dialog, once open

    def __init__(self, *, desk: Desk) -> None:
        super().__init__(desk.window)
        self._desk = desk
        self.dialog: StepDialog | SupplementDialog | None = None
        self._to_print: list[tuple[str, str]] = []

    # -- asking ------------------------------------------------------------------------------------------
    def request(self, case: CaseView, action_text: str) -> None:
        action = CaseAction(action_text)
        if action in SUPPLEMENT_ACTIONS:
            ws = self._desk.workspace
            self._desk.jobs.database(
                lambda _p: ops.supplement_form(ws, number=case.number), parent=self._desk.window
            ).success(self._open_supplement).failure(self._refused).run()
            return
        dialog = StepDialog(case, action, today=self._desk.workspace.clock.today(), parent=self._desk.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._run(case.number, action, dialog.values()))
        self._show(dialog)

    def _show(self, dialog: StepDialog | SupplementDialog) -> None:
        self.dialog = dialog
        dialog.open()
        self.opened.emit(dialog)

    def _open_supplement(self, form: SupplementForm) -> None:
        dialog = SupplementDialog(form, parent=self._desk.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.check_requested.connect(self._check)
        dialog.save_requested.connect(self._save)
        self._show(dialog)

    def _supplement_dialog(self) -> SupplementDialog | None:
        shown = self.dialog
        return shown if isinstance(shown, SupplementDialog) and shiboken6.isValid(shown) else None

    # -- running ----------------------------------------------------------------------------------------
    def _check(self, number: str, brought: list[Any]) -> None:
        ws, person = self._desk.workspace, self._desk.counter
        self._desk.jobs.database(
            lambda _p: ops.check_supplement(ws, person=person, number=number, brought=brought),
            parent=self._desk.window,
        ).success(self._checked).failure(self._refused).run()

    def _checked(self, check: SupplementCheck) -> None:
        shown = self._supplement_dialog()
        if shown is not None:
            shown.show_check(check)

    def _save(self, number: str, brought: list[Any]) -> None:
        ws, person = self._desk.workspace, self._desk.counter
        self._desk.jobs.database(
            lambda _p: ops.record_supplement(ws, person=person, number=number, brought=brought),
            parent=self._desk.window,
        ).success(self._taken).failure(self._refused).run()

    def _run(self, number: str, action: CaseAction, values: dict[str, Any]) -> None:
        ws, person = self._desk.workspace, self._desk.counter
        self._desk.jobs.database(
            lambda _p: take_step(ws, person, number, action, values), parent=self._desk.window
        ).success(self._taken).failure(self._refused).run()

    def _taken(self, taken: StepTaken) -> None:
        shown = self._supplement_dialog()
        if shown is not None:
            shown.accept()
        number = taken.changed.number
        titles = "、".join(TITLE[k] for k in taken.print_next)
        self._desk.notices.show_status(
            f"办件 {number} 已记录" + (f"，请打印：{titles}" if titles else ""), 10000
        )
        self.changed.emit(number)
        self._to_print = [(str(kind), number) for kind in taken.print_next]
        self.print_next()

    def print_next(self, _printed: object = None) -> None:
        """The next of the step's documents (after the one before was printed)."""
        if self._to_print:
            kind, number = self._to_print.pop(0)
            self.print_requested.emit(kind, number)

    def _refused(self, error: Exception) -> None:
        if not isinstance(error, STEP_REFUSALS):
            raise error
        shown = self._supplement_dialog()
        if shown is not None and shown.isVisible():
            shown.refused(str(error))
        self._desk.notices.notify(QMessageBox.Icon.Warning, "未能办理", str(error))
