"""A case looked up by its number (typed, scanned or double-clicked) and shown in its dialog, where it is
approved (its certificate issued) or its certificate handed over. Every reading and every change is a job
on the database lane; the dialog opens once the case is read, and opens again, read afresh, after a
change."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox

from app.accounts.roles import Permission, PermissionDenied
from app.accounts.signin import SignInRefused
from app.case_number import CaseNumberError
from app.cases.status import CaseAction, TransitionError
from app.cases.views import CaseView
from app.certificates import CertificateError
from app.documents.kinds import DocumentKind
from app.licences import ApprovalForm
from app.operations.certificates import Approved, HandedOver, approve_case, hand_over_certificate
from app.operations.changes import OperationRefused
from app.operations.lookup import Lookup, fetch_case, look_up_case
from app.pickup import Capacity
from app.secrets import SecretStoreError
from app.workspace import Workspace
from db.store import StoreError
from ui.approval_confirm import ApprovalConfirmDialog
from ui.case_dialog import ApprovalRequest, CaseDialog, HandoverRequest
from ui.case_pages import CasePagesFlow
from ui.case_steps import CaseSteps
from ui.desk import Desk, not_permitted

log = logging.getLogger("clerk.ui.cases")

APPROVAL_REFUSALS = (
    CertificateError,
    SecretStoreError,
    StoreError,
    OperationRefused,
    PermissionDenied,
    TransitionError,
    SignInRefused,
)
HANDOVER_REFUSALS = (CertificateError, StoreError, OperationRefused, PermissionDenied, TransitionError)


@dataclass(frozen=True)
class CaseOnFile:
    """A case held here as its dialog shows it: the case, the documents it can have now, its prints, and
    what approving it or handing its certificate over asks, when its status allows that."""

    case: CaseView
    kinds: list[DocumentKind]
    prints: list[dict[str, Any]]
    approval: ApprovalForm | None = None
    handover_capacity: Capacity | None = None


def case_on_file(ws: Workspace, case: CaseView) -> CaseOnFile:
    actions = case.allowed_actions
    approval = ws.certificates.approval_form(case.number) if CaseAction.APPROVE in actions else None
    handing = ws.certificates.handover_form(case.number) if CaseAction.HAND_OVER in actions else None
    return CaseOnFile(
        case,
        ws.documents.available(case),
        ws.documents.prints(case.number),
        approval,
        handing.capacity if handing is not None else None,
    )


@dataclass(frozen=True)
class Found:
    lookup: Lookup
    on_file: CaseOnFile | None  # the case held here, read for its dialog


def find_case(ws: Workspace, *, number: str) -> Found:
    lookup = look_up_case(ws, number=number)
    return Found(lookup, None if lookup.case is None else case_on_file(ws, lookup.case))


def reread_case(ws: Workspace, *, number: str) -> CaseOnFile | None:
    case = ws.cases.find(number)
    return None if case is None else case_on_file(ws, case)


class CaseLookup(QObject):
    print_requested = Signal(str, str)  # document kind, case number
    opened = Signal(object)  # the CaseDialog, once it is open

    def __init__(self, *, desk: Desk) -> None:
        super().__init__(desk.window)
        self._desk = desk
        self.case_dialog: CaseDialog | None = None
        self.confirmation: ApprovalConfirmDialog | None = None  # asking the approver, while it is open
        self.steps = CaseSteps(desk=desk)  # the steps after the decision, asked from the dialog
        self.pages = CasePagesFlow(desk=desk)  # the case's captured pages, asked from the dialog
        self.steps.changed.connect(self._reopen)
        self.steps.print_requested.connect(self.print_requested)

    def show_case(self, text: str) -> None:
        workspace = self._desk.workspace
        self._desk.jobs.database(
            lambda _progress: find_case(workspace, number=text), parent=self._desk.window
        ).success(self._found).failure(self._not_read).run()

    def _found(self, found: Found) -> None:
        if found.on_file is not None:
            self.open_case_dialog(found.on_file)
        else:  # not held here: its whole record from the server (the back office, a hand-over here)
            self._fetch(found.lookup)

    def _fetch(self, lookup: Lookup) -> None:
        workspace = self._desk.workspace
        self._desk.notices.show_status(f"正在从服务器调取办件 {lookup.text} …", 10000)
        self._desk.jobs.network(
            lambda _progress: case_on_file(workspace, fetch_case(workspace, number=lookup.text)),
            parent=self._desk.window,
        ).success(self.open_case_dialog).failure(lambda error: self._not_fetched(lookup, error)).run()

    def _not_fetched(self, lookup: Lookup, error: Exception) -> None:
        """Offline (or refused by the server): said plainly, with what the hall's index knows."""
        if not isinstance(error, OperationRefused | StoreError):
            raise error
        notify = self._desk.notices.notify
        if lookup.elsewhere is not None:
            notify(QMessageBox.Icon.Information, "其他窗口的办件", f"{lookup.elsewhere_details()}\n\n{error}")
        else:
            notify(
                QMessageBox.Icon.Information,
                "未找到",
                f"{lookup.not_found}（可能尚未同步，或不是本大厅的办件）。\n{error}",
            )

    def _not_read(self, error: Exception) -> None:
        if isinstance(error, CaseNumberError):
            self._desk.notices.notify(QMessageBox.Icon.Warning, "办件编号有误", str(error))
        elif isinstance(error, StoreError):
            self._desk.notices.notify(QMessageBox.Icon.Critical, "无法读取", str(error))
        else:
            raise error

    def open_case_dialog(self, on_file: CaseOnFile) -> None:
        dialog = CaseDialog(
            on_file.case,
            kinds=on_file.kinds,
            prints=on_file.prints,
            approval=on_file.approval,
            handover_capacity=on_file.handover_capacity,
            approve_refusal=not_permitted(self._desk.counter, Permission.APPROVE),
            handover_refusal=not_permitted(self._desk.counter, Permission.HAND_OVER),
            full_id=not_permitted(self._desk.counter, Permission.SEE_FULL_ID) is None,
            person=self._desk.counter,
            parent=self._desk.window,
        )
        dialog.step_requested.connect(lambda action: self.steps.request(on_file.case, action))
        dialog.print_requested.connect(self.print_requested)
        dialog.pages_requested.connect(self.pages.open_pages)
        dialog.export_requested.connect(lambda number: self.pages.export(number))
        dialog.approve_requested.connect(self.approve)
        dialog.handover_requested.connect(self.hand_over)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.case_dialog = dialog
        self.opened.emit(dialog)

    def _open_dialog(self) -> CaseDialog | None:
        dialog = self.case_dialog
        return dialog if dialog is not None and shiboken6.isValid(dialog) else None

    def _reopen(self, number: str) -> None:
        """The case read again after a change, its dialog opened afresh in place of the one shown."""
        workspace = self._desk.workspace
        self._desk.jobs.database(
            lambda _progress: reread_case(workspace, number=number), parent=self._desk.window
        ).success(self._reopened).failure(self._not_read).run()

    def _reopened(self, on_file: CaseOnFile | None) -> None:
        shown = self._open_dialog()
        if shown is not None:
            shown.close()
        if on_file is not None:
            self.open_case_dialog(on_file)

    # -- approval and hand-over ----------------------------------------------------------------------
    def approve(self, number: str, request: ApprovalRequest | None = None) -> None:
        """Ask the approver to confirm what will be sealed, with their password (`confirmation`), then
        approve on the database lane."""
        shown = self._open_dialog()
        asked = request or ApprovalRequest({}, None)
        if shown is None or shown.case.number != number:
            self.approve_confirmed(number, asked, password="")  # nothing to show: the operation decides
            return
        shown.approve_button.setEnabled(False)  # one approval, however often it is clicked
        workspace, person = self._desk.workspace, self._desk.counter
        form = shown.approval_form
        confirmation = ApprovalConfirmDialog(
            shown.case,
            request=asked,
            licence_name=form.licence_name if form is not None else "",
            office_name=str(workspace.settings.get("office_name")) or person.hall.name,
            approver=person,
            parent=shown,
        )
        confirmation.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        confirmation.accepted.connect(
            lambda: self.approve_confirmed(number, asked, password=confirmation.password.text())
        )
        confirmation.rejected.connect(lambda: self._not_confirmed(shown))
        self.confirmation = confirmation
        confirmation.open()

    def _not_confirmed(self, shown: CaseDialog) -> None:
        self.confirmation = None
        if shiboken6.isValid(shown):
            shown.approve_button.setEnabled(True)

    def approve_confirmed(self, number: str, asked: ApprovalRequest, *, password: str) -> None:
        self.confirmation = None
        shown = self._open_dialog()
        if shown is not None:
            shown.approve_button.setEnabled(False)
        workspace, person = self._desk.workspace, self._desk.counter
        self._desk.jobs.database(
            lambda _progress: approve_case(
                workspace,
                person=person,
                number=number,
                fields=asked.fields,
                valid_until=asked.valid_until,
                password=password,
            ),
            parent=self._desk.window,
        ).success(self._approved).failure(self._not_approved).run()

    def _approved(self, approved: Approved) -> None:
        number = approved.changed.number
        self._desk.notices.show_status(f"办件 {number} 已审批发证：{approved.certificate_id}", 10000)
        self._reopen(number)

    def _not_approved(self, error: Exception) -> None:
        shown = self._open_dialog()
        if shown is not None:
            refusal = not_permitted(self._desk.counter, Permission.APPROVE)
            shown.approve_button.setEnabled(refusal is None)
        if not isinstance(error, APPROVAL_REFUSALS):
            raise error
        self._desk.notices.notify(QMessageBox.Icon.Warning, "未能发证", str(error))

    def hand_over(self, number: str, request: HandoverRequest) -> None:
        shown = self._open_dialog()
        if shown is not None:
            shown.handover_button.setEnabled(False)  # one hand-over, however often it is clicked
        workspace, person = self._desk.workspace, self._desk.counter
        self._desk.jobs.database(
            lambda _progress: hand_over_certificate(
                workspace,
                person=person,
                number=number,
                recipient_name=request.recipient_name,
                recipient_id_number=request.recipient_id_number,
                recipient_id_type=request.recipient_id_type,
                capacity=request.capacity,
                authorization=request.authorization,
            ),
            parent=self._desk.window,
        ).success(self._handed_over).failure(self._not_handed_over).run()

    def _handed_over(self, handed: HandedOver) -> None:
        number = handed.changed.number
        self._reopen(number)
        self.print_requested.emit(str(handed.print_next), number)

    def _not_handed_over(self, error: Exception) -> None:
        shown = self._open_dialog()
        if shown is not None:
            shown.handover_button.setEnabled(not_permitted(self._desk.counter, Permission.HAND_OVER) is None)
        if not isinstance(error, HANDOVER_REFUSALS):
            raise error
        self._desk.notices.notify(QMessageBox.Icon.Warning, "未能交付", str(error))
