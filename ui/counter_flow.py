"""The case at the counter: the item chosen (①), the applicant (②), the materials received (③) and the
decision (④). The decision is evaluated as the clerk types, from the catalog and calendar held in memory
(no database); saving is the accept operation on the database lane. While it runs the form is locked and
the accept button off, so a second Ctrl+Enter saves nothing twice; a saved case stays on screen, locked,
until 新办件 (Ctrl+N); a refused save opens the form again as it was."""

from __future__ import annotations

import logging
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from app.acceptance import AcceptanceError, Evaluation
from app.accounts.roles import Permission, PermissionDenied
from app.cases.status import TransitionError
from app.catalog import Form, ServiceItem
from app.completeness import applicable_materials
from app.helpers.draft_licences import recheck_licences
from app.helpers.drafts import for_current_checklist
from app.helpers.handoff import Handoff
from app.helpers.prepared_by import PreparedBy
from app.intake import AcceptanceRequest, InputError
from app.licence_library.evidence import VerifiedBy
from app.operations.capture import attach_capture, new_capture, saved_capture, slots
from app.operations.changes import REFUSALS, OperationRefused
from app.operations.counter import Accepted, accept_case
from app.scanning.capture import CaptureSession
from app.scanning.pages import CaptureError
from db.store import StoreError
from ui.capture_view import CaptureDialog, open_capture
from ui.decision_panel import DecisionPanel
from ui.desk import Desk, not_permitted
from ui.intake_form import IntakeForm
from ui.item_search import ItemSearchPanel
from ui.licence_dialog import LicenceDialog, licence_dialog
from ui.materials_panel import MaterialsPanel
from ui.models import MaterialChecklistModel

log = logging.getLogger("clerk.ui.counter")

# What the clerk is told when a save is refused for a reason other than the form (the database, a rule).
SAVE_REFUSALS = (StoreError, AcceptanceError, OperationRefused, PermissionDenied, TransitionError)


class CounterFlow(QObject):
    saved = Signal(object)  # Accepted, once the window shows the case as saved
    save_failed = Signal(object)  # the exception, once the form is open again

    def __init__(self, *, desk: Desk, search: ItemSearchPanel) -> None:
        super().__init__(desk.window)
        self._desk = desk
        self._search = search
        self.item: ServiceItem | None = None
        self.evaluation: Evaluation | None = None
        self.case_saved = False  # the case on screen is stored; only 新办件 starts another
        self.saving = False  # the accept operation is running
        self.last_accepted: Accepted | None = None
        self._focus_before_save: QWidget | None = None
        self.checklist = MaterialChecklistModel()
        self.intake = IntakeForm(today=desk.workspace.clock.today)
        self.decision = DecisionPanel()
        self.materials = MaterialsPanel(self.checklist)
        self.capture: CaptureSession | None = None  # the pages captured for the case being taken in
        self.capture_dialog: CaptureDialog | None = None
        self.on_code: Callable[[str], None] | None = None  # a code read off a page: where it goes
        self.prepared_by: PreparedBy | None = None  # the helper whose draft was loaded (app.helpers)
        self.materials.capture_button.clicked.connect(self.open_capture)
        self.materials.licence_button.clicked.connect(self.open_licences)
        self.licence_dialog: LicenceDialog | None = None

        search.chosen.connect(self.choose_item)
        self.intake.changed.connect(self.reevaluate)
        self.intake.agent_toggled.connect(lambda _on: self.refresh_checklist())
        self.intake.kind.currentIndexChanged.connect(lambda _i: self.refresh_checklist())
        self.checklist.changed.connect(self.reevaluate)
        self.decision.accept_button.clicked.connect(self.accept_case)
        self.decision.new_button.clicked.connect(self.new_case)

    @property
    def last_case_number(self) -> str | None:
        return None if self.last_accepted is None else self.last_accepted.changed.number

    @property
    def holds_unsaved_case(self) -> bool:
        """An item is chosen and the case is not stored (a save running may still be refused)."""
        return self.item is not None and not self.case_saved

    # -- entering a case ---------------------------------------------------------------------------------
    def focus_search(self) -> None:
        if self.saving:
            return  # locked while it is saved; its number comes in a moment
        if self.case_saved:
            self._desk.notices.show_status("本件已保存并锁定；办理下一件请按 新办件 (Ctrl+N)", 10000)
            return
        self._search.focus()

    def choose_item(self, code: str) -> None:
        item = self._desk.workspace.catalog.item(code)
        if item is None:
            return
        if self.item is not None and self.item.code != code:
            self.capture = None  # another item: its own checklist, its own pages
        self.item = item
        self._search.hide_catalog_notice()
        self._search.show_item(item)
        self.refresh_checklist()
        self.intake.name.setFocus()

    def fill_draft(self, handoff: Handoff) -> tuple[str, ...] | None:
        """A helper's draft read from its 帮办预审单: the item, applicant, agent and the materials as the
        helper received them, filled in for the clerk to check against the originals; the case records the
        helper. Each electronic licence it records is verified again here (app.helpers.draft_licences): one
        that satisfies its material shows as at the counter (免交纸质), one that does not is left out. Why
        each licence left out was (Chinese); None (nothing changed) when a case is saved on screen."""
        draft, item = handoff.draft, handoff.item
        if draft is None or item is None or self.case_saved or self.saving:
            return None
        request = for_current_checklist(draft, item=item)
        licences = recheck_licences(request, item=item, library=self._desk.workspace.licences)
        self.new_case()
        self.choose_item(item.code)
        self.intake.fill_parties(applicant=request.applicant, agent=request.agent)
        self.refresh_checklist()
        paper = tuple(m for m in request.materials if m.form is not Form.LICENCE)
        self.checklist.take_received(paper, request.commitments)
        for material_code, licence in licences.fit:  # verified here now, as a scan at this window is
            self.checklist.set_licence(material_code, licence, found=VerifiedBy.QR_OFFLINE)
        self.prepared_by = request.prepared_by
        self.reevaluate()
        return licences.unfit

    # -- pages ------------------------------------------------------------------------------------------
    def open_capture(self) -> None:
        """The capture view for the case on screen: before it is saved its pages go with the decision;
        once saved they are attached to it (and separator sheets can split a feeder run)."""
        desk = self._desk
        workspace, person = desk.workspace, desk.counter
        refusal = not_permitted(person, Permission.CAPTURE_PAGES)
        if refusal is not None:
            desk.notices.notify(QMessageBox.Icon.Warning, "不能采集页面", refusal)
            return
        number = self.last_case_number if self.case_saved else None
        try:
            if number is not None:
                session = saved_capture(workspace, person=person, number=number)
            elif self.item is None:
                desk.notices.show_status("请先选择事项，再采集材料页面", 10000)
                return
            else:
                session = self.intake_capture()
        except REFUSALS + (CaptureError,) as error:
            desk.notices.notify(QMessageBox.Icon.Warning, "不能采集页面", str(error))
            return
        dialog = open_capture(
            desk,
            session,
            title=f"采集材料页面 — {number or (self.item.name if self.item else '')}",
            case_number=number,
            applicant_name=self.last_accepted.case.applicant.name if number and self.last_accepted else "",
            attach=None
            if number is None
            else (lambda s: attach_capture(workspace, person=person, number=number, session=s)),
            on_code=self.on_code,
        )
        dialog.accepted.connect(lambda: self._captured(session, saved=number is not None))
        self.capture_dialog = dialog

    def intake_capture(self) -> CaptureSession:
        """The capture of the case being taken in, over the checklist on screen (made when first needed;
        its pages go with the decision). OperationRefused, PermissionDenied or CaptureError when it cannot be
        had."""
        desk = self._desk
        materials = [row.material for row in self.checklist.rows()]
        slots_now = slots(materials)
        if self.capture is None:
            self.capture = new_capture(desk.workspace, person=desk.counter, materials=materials)
        elif self.capture.materials != slots_now:
            self.capture = self.capture.for_materials(slots_now)
        return self.capture

    def _captured(self, session: CaptureSession, *, saved: bool) -> None:
        counts = session.page_counts()
        total = sum(counts.values())
        if saved:
            self._desk.notices.show_status(f"材料页面已保存（共 {total} 页），将随同步上传", 10000)
            return
        self.checklist.set_captured_pages(counts)
        self._desk.notices.show_status(f"已采集 {total} 页，页数已填入材料清单；受理保存时一并保存", 10000)

    # -- electronic licences ----------------------------------------------------------------------------
    def open_licences(self) -> None:
        """电子证照… (F7) for the material of the row the clerk is on: a licence in place of its paper."""
        if self.item is None or self.case_saved or self.saving:
            return
        code = self.materials.selected_material_code()
        row = next((r for r in self.checklist.rows() if r.material.code == code), None)
        if row is None or not row.material.licence_types:
            self._desk.notices.show_status("请先在材料清单中选中可用电子证照替代的材料（要求栏注明）", 10000)
            return
        dialog = licence_dialog(
            self._desk.workspace,
            jobs=self._desk.jobs,
            material=row.material,
            applicant=self.intake.applicant(),
            current=row.licence,
            parent=self._desk.window,
        )
        material_code = row.material.code
        dialog.taken.connect(
            lambda licence, how: self.checklist.set_licence(material_code, licence, found=how)
        )
        dialog.removed.connect(lambda: self.checklist.clear_licence(material_code))
        dialog.finished.connect(lambda _result: self.materials.checklist_view.setFocus())
        self.licence_dialog = dialog
        dialog.open()

    def drop_item(self, *, notice: str, idle: str) -> None:
        """The item is gone from the catalog: no item, no checklist, and the notice saying so."""
        self.item = None
        self._search.item_details.setText("")
        self._search.show_catalog_notice(notice)
        self.checklist.set_materials(())
        self.decision.show_idle(idle)

    def refresh_checklist(self) -> None:
        if self.item is None:
            self.checklist.set_materials(())
            return
        self.checklist.set_materials(
            applicable_materials(
                self.item,
                applicant_kind=self.intake.applicant_kind(),
                has_agent=self.intake.has_agent.isChecked(),
            )
        )
        self.reevaluate()

    def current_request(self) -> AcceptanceRequest | None:
        if self.item is None:
            return None
        return AcceptanceRequest(
            item_code=self.item.code,
            applicant=self.intake.applicant(),
            agent=self.intake.agent(),
            materials=self.checklist.received(),
            commitments=self.checklist.commitments(),
            checklist_sha256=self.item.checklist_sha256,
            prepared_by=self.prepared_by,
        )

    def reevaluate(self) -> None:
        """The decision for what is on screen now: evaluated in memory (catalog, calendar, clock)."""
        if self.case_saved or self.saving:
            return  # the decision being saved, or saved, stays on screen until 新办件
        request = self.current_request()
        self.evaluation = None
        if request is None:
            self.decision.show_idle("请选择事项")
            return
        try:
            self.evaluation = self._desk.workspace.acceptance.evaluate(request, counter=self._desk.counter)
        except InputError as error:
            self.decision.show_problems(error.problems)
            return
        self.decision.show_evaluation(self.evaluation)

    # -- saving ------------------------------------------------------------------------------------------
    def accept_case(self) -> None:
        if self.case_saved or self.saving:
            return  # saved once (or being saved); changing a saved case is its own recorded action
        request = self.current_request()
        if request is None or self.evaluation is None or self.evaluation.problems:
            self.reevaluate()  # a 不予受理 shown before the applicant's name is typed: the panel says so
            return
        self.saving = True
        self._focus_before_save = QApplication.focusWidget()
        self.decision.accept_button.setEnabled(False)
        self.lock_case(True)  # what is saved is what is on screen
        workspace, person = self._desk.workspace, self._desk.counter
        pages = self.capture.attachments() if self.capture is not None else []
        self._desk.jobs.database(
            lambda _progress: accept_case(workspace, person=person, request=request, pages=pages),
            parent=self._desk.window,
        ).success(self._saved).failure(self._not_saved).run()

    def _saved(self, accepted: Accepted) -> None:
        self.saving = False
        self.case_saved = True
        self.last_accepted = accepted
        number, label = accepted.changed.number, accepted.case.decision_label
        self.decision.saved.setText(
            f"已保存（{label}）办件编号：\n{number}\n已锁定；下一位请按 新办件 (Ctrl+N)"
        )
        self.decision.saved.setStyleSheet("font-size:13pt;font-weight:bold;color:#1b5e20;")
        self.decision.accept_button.setEnabled(False)
        self.decision.new_button.setFocus()
        self.saved.emit(accepted)

    def _not_saved(self, error: Exception) -> None:
        self.saving = False
        self.lock_case(False)  # the form as it was
        self.reevaluate()
        focused = self._focus_before_save
        if focused is not None and shiboken6.isValid(focused) and focused.isEnabled():
            focused.setFocus()
        if isinstance(error, InputError):
            self.decision.show_problems(error.problems)
        elif isinstance(error, SAVE_REFUSALS):
            self._desk.notices.notify(
                QMessageBox.Icon.Critical, "未能保存", f"{error}\n\n本办件未保存，请处理后重试。"
            )
        else:
            raise error  # a bug: the crash reporter has it (nothing was stored: one transaction)
        self.save_failed.emit(error)

    def lock_case(self, locked: bool) -> None:
        """A saved case stays on screen as it was saved: readable, its number shown, nothing editable."""
        self.intake.set_read_only(locked)
        self.checklist.set_locked(locked)
        self.materials.set_locked(locked)
        self._search.set_locked(locked)

    def new_case(self) -> None:
        if self.saving:
            return  # the case is being saved: its number comes first
        self.item = None
        self.prepared_by = None
        self.case_saved = False
        self.lock_case(False)
        self._search.hide_catalog_notice()
        self.evaluation = None
        self.intake.clear()
        self._search.reset()
        self.checklist.set_materials(())
        self.capture = None  # pages captured for a case never saved are swept from the disk later
        self.decision.saved.setText("")
        self.decision.show_idle("请选择事项")
        self.focus_search()
