"""Helper mode (帮办员 on a laptop at the help desk, a bank branch, an enterprise; often offline): the same
item search ①, applicant ② and materials ③ as the counter (ui.counter_flow), but ④ is the pre-check — what is
complete, what is missing, what the applicant must bring — with 保存草稿 (Ctrl+S), 打印预审单 (Ctrl+P) and
新草稿 (Ctrl+N); below the form 我的草稿 and 我的代办/帮办件. Nothing is decided or numbered.

Which mode the window is in is the person's permissions (`helper_mode`: may prepare drafts, may not accept),
read from the one roles table. Every read and write runs on the database lane, the server on the network
lane (ui.jobs), as in the clerk's window.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtPrintSupport import QPrinterInfo
from PySide6.QtWidgets import QMessageBox

from app.accounts.roles import Permission, PermissionDenied
from app.helpers.agency import Authorisation, draft_problems
from app.helpers.client_cases import ClientList, last_fetched, refresh_client_cases, workload
from app.helpers.draft_pages import place_draft_pages
from app.helpers.drafts import Draft, DraftError, DraftPages, Prepared, held_draft, precheck, what_to_bring
from app.helpers.my_drafts import DraftEntry, drafts_this_week, my_drafts
from app.helpers.service import HelperService, PreparedSheet
from app.intake import InputError, validate_request
from app.operations.changes import REFUSALS
from app.operations.person import Actor
from app.scanning.pages import CaptureError
from app.sync.transport import SyncError
from app.workspace import secret_store
from db.store import StoreError
from ui.counter_flow import CounterFlow
from ui.desk import Desk, not_permitted
from ui.helper_panels import AuthorisationDialog, HelperLists, PrecheckPanel
from ui.printing import PrintError, PrintPreviewDialog, SheetPrint, print_pages

log = logging.getLogger("clerk.ui.helpers")

REFUSED = (InputError, DraftError, PermissionDenied, StoreError)


def helper_mode(person: Actor) -> bool:
    """The window works as a helper's desk for a person who may prepare drafts and may not accept."""
    return not_permitted(person, Permission.PREPARE_DRAFT) is None and (
        not_permitted(person, Permission.ACCEPT) is not None
    )


class HelperDesk(QObject):
    saved = Signal(object)  # Prepared, once kept
    printed = Signal(object)  # the Draft whose sheet the printer took
    previewed = Signal(object)  # the PrintPreviewDialog of a sheet, once open
    opened = Signal(object)  # the Draft reopened into the form
    lists_shown = Signal()  # 我的草稿 and the last fetched client list shown
    clients_fetched = Signal(object)  # ClientList, or the SyncError that kept the last one shown

    def __init__(self, *, desk: Desk, flow: CounterFlow, panel: PrecheckPanel, lists: HelperLists) -> None:
        super().__init__(desk.window)
        self._desk, self._flow, self.panel, self.lists = desk, flow, panel, lists
        ws = desk.workspace
        self.service = HelperService(
            store=ws.store, catalog=ws.catalog, secrets=secret_store(ws.home, ws.settings), clock=ws.clock
        )
        self.active = False
        self.draft_id: str | None = None  # the draft on screen, once saved
        self.draft_printed = False
        self.authorisation: Authorisation | None = None
        self.authorisation_dialog: AuthorisationDialog | None = None
        self.preview: PrintPreviewDialog | None = None
        self.entries: list[DraftEntry] = []
        self.clients: ClientList | None = None
        self._recheck_soon = QTimer(self)
        self._recheck_soon.setSingleShot(True)
        self._recheck_soon.setInterval(0)
        self._recheck_soon.timeout.connect(self.recheck)
        for signal in (flow.intake.changed, flow.checklist.changed):
            signal.connect(self._recheck_soon.start)
        panel.save_button.clicked.connect(self.save)
        panel.print_button.clicked.connect(self.print_sheet)
        panel.new_button.clicked.connect(self.new_draft)
        panel.agency.toggled.connect(self._agency_toggled)
        panel.agency_button.clicked.connect(self.edit_authorisation)
        lists.open_draft.connect(self.open_draft)
        lists.refresh_requested.connect(self.refresh_clients)

    # -- the pre-check ----------------------------------------------------------------------------------
    def recheck(self) -> None:
        """The pre-check of what is on screen: in memory, the counter's completeness engine."""
        if not self.active:
            return
        flow, panel = self._flow, self.panel
        request = flow.current_request()
        if request is None or flow.item is None:
            panel.show_idle("请选择事项")
            return
        hall, today = self._desk.counter.hall, self._desk.workspace.clock.today()
        problems = []
        try:
            validate_request(request, item=flow.item, today=today)
        except InputError as error:
            problems = error.problems
        if problems:
            panel.show_problems(problems)
            return
        result = precheck(request, item=flow.item, hall=hall)
        panel.show_precheck(result, what_to_bring(result))

    # -- 代办委托书 -----------------------------------------------------------------------------------------
    def _agency_toggled(self, on: bool) -> None:
        self.panel.agency_button.setEnabled(on)
        if on and self.authorisation is None:
            self.edit_authorisation()
        elif not on:
            self.authorisation = None
            self.panel.show_authorisation(None)

    def edit_authorisation(self) -> None:
        dialog = AuthorisationDialog(
            today=self._desk.workspace.clock.today(), current=self.authorisation, parent=self._desk.window
        )
        if self.authorisation is None:
            applicant = self._flow.intake.applicant()
            dialog.principal.setText(applicant.name)
            dialog.principal_id.setText(applicant.id_number)
        dialog.accepted.connect(lambda: self._authorisation_given(dialog))
        dialog.rejected.connect(lambda: self._authorisation_cancelled())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.authorisation_dialog = dialog

    def _authorisation_given(self, dialog: AuthorisationDialog) -> None:
        authorisation = dialog.authorisation()
        applicant = self._flow.intake.applicant()
        problems = draft_problems(
            authorisation, on=self._desk.workspace.clock.today(), applicant_id=applicant.id_number
        )
        if problems:  # the form stays as typed: the helper corrects it
            text = "\n".join(p.message for p in problems)
            again = AuthorisationDialog(
                today=self._desk.workspace.clock.today(), current=authorisation, parent=self._desk.window
            )
            again.problems.setText(text)
            again.accepted.connect(lambda: self._authorisation_given(again))
            again.rejected.connect(lambda: self._authorisation_cancelled())
            again.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            again.open()
            self.authorisation_dialog = again
            return
        self.authorisation = authorisation
        self.panel.show_authorisation(authorisation)

    def set_authorisation(self, authorisation: Authorisation | None) -> None:
        """The draft's 代办委托书 (or none) on screen, as a reopened draft has it."""
        self.authorisation = authorisation
        self.panel.agency.blockSignals(True)
        self.panel.agency.setChecked(authorisation is not None)
        self.panel.agency.blockSignals(False)
        self.panel.agency_button.setEnabled(authorisation is not None)
        self.panel.show_authorisation(authorisation)

    def _authorisation_cancelled(self) -> None:
        if self.authorisation is None:
            self.panel.agency.setChecked(False)

    # -- saving and printing -----------------------------------------------------------------------------
    def _request_or_say(self) -> bool:
        if self._flow.item is None or self._flow.current_request() is None:
            self._desk.notices.notify(QMessageBox.Icon.Warning, "未保存", "请先选择事项，再保存或打印预审单")
            return False
        if self.panel.agency.isChecked() and self.authorisation is None:
            self._desk.notices.notify(
                QMessageBox.Icon.Warning, "未保存", "已选择代办：请填写代办委托书，或取消“代办”"
            )
            return False
        return True

    def save(self, *, then_print: bool = False) -> None:
        """保存草稿: kept on this PC (a printed draft edited is kept as a new draft)."""
        if not self.active or not self._request_or_say():
            return
        request = self._flow.current_request()
        assert request is not None
        person, authorisation, draft_id = self._desk.counter, self.authorisation, self.draft_id
        capture = self._flow.capture  # pages captured with the document camera or scanner (F6)
        pages = [
            DraftPages(m.material_code, m.pages, kept_short=m.kept_short)
            for m in (capture.attachments() if capture is not None else [])
            if m.pages
        ]
        self._desk.jobs.database(
            lambda _p: self.service.save(
                request, helper=person, authorisation=authorisation, draft_id=draft_id, pages=pages
            ),
            parent=self._desk.window,
        ).success(lambda prepared: self._saved(prepared, then_print)).failure(self._refused).run()

    def _saved(self, prepared: Prepared, then_print: bool) -> None:
        draft = prepared.draft
        new = draft.draft_id != self.draft_id
        replaced = self.draft_printed and new
        self.draft_id, self.draft_printed = draft.draft_id, False
        note = "（原预审单已打印，修改后另存为新预审单，请重新打印）" if replaced else ""
        self.panel.draft_label.setText(f"草稿已保存：{draft.draft_id[:8]}…{note}")
        self._desk.notices.show_status(f"预审草稿已保存{note}", 10000)
        self.saved.emit(prepared)
        self.refresh_lists()
        if then_print:
            self._render(draft.draft_id)

    def _refused(self, error: Exception) -> None:
        if not isinstance(error, REFUSED):
            raise error
        if isinstance(error, InputError):
            self.panel.show_problems(error.problems)
            text = "\n".join(p.message for p in error.problems)
        else:
            text = str(error)
        self._desk.notices.notify(QMessageBox.Icon.Warning, "未保存", f"{text}\n\n预审草稿未保存。")

    def print_sheet(self) -> None:
        """打印预审单: saved first (as it is on screen), then its sheet signed, previewed and printed."""
        self.save(then_print=True)

    def _render(self, draft_id: str) -> None:
        person = self._desk.counter
        self._desk.notices.show_status("正在生成帮办预审单…")
        self._desk.jobs.database(
            lambda _p: self.service.sheet(draft_id, helper=person), parent=self._desk.window
        ).success(self._show_preview).failure(self._refused).run()

    def _show_preview(self, sheet: PreparedSheet) -> None:
        self._desk.notices.show_status("")
        document = SheetPrint(sheet)
        printers = QPrinterInfo.availablePrinterNames()
        remembered = dict(self._desk.workspace.settings.get("printers")).get(document.kind)
        default = remembered or QPrinterInfo.defaultPrinterName() or None
        dialog = PrintPreviewDialog(
            document, printers=printers, default_printer=default, parent=self._desk.window
        )
        dialog.accepted.connect(lambda: self._print(sheet, document, dialog))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.preview = dialog
        self.previewed.emit(dialog)

    def _print(self, sheet: PreparedSheet, document: SheetPrint, dialog: PrintPreviewDialog) -> None:
        job = dialog.job()
        self._desk.jobs.network(lambda _p: print_pages(document, job), parent=self._desk.window).success(
            lambda _none: self._record(sheet, job.printer)
        ).failure(self._not_printed).run()

    def _not_printed(self, error: Exception) -> None:
        if not isinstance(error, PrintError):
            raise error
        self._desk.notices.notify(
            QMessageBox.Icon.Critical, "未打印", f"{error}\n\n预审单未打印，草稿仍可修改。"
        )

    def _record(self, sheet: PreparedSheet, printer: str) -> None:
        draft = sheet.prepared.draft
        self._desk.jobs.database(lambda _p: self.service.printed(draft), parent=self._desk.window).success(
            lambda _none: self._printed(draft, printer)
        ).failure(self._refused).run()

    def _printed(self, draft: Draft, printer: str) -> None:
        settings = self._desk.workspace.settings
        printers = dict(settings.get("printers"))
        printers[SheetPrint.kind] = printer
        settings.set("printers", printers)
        if draft.draft_id == self.draft_id:
            self.draft_printed = True
            self.panel.draft_label.setText(f"预审单已打印：{draft.draft_id[:8]}…（再修改将另存为新预审单）")
        self._desk.notices.show_status(f"帮办预审单已送打印机 {printer}", 10000)
        self.printed.emit(draft)
        self.refresh_lists()

    # -- a new draft, a draft reopened ---------------------------------------------------------------------
    def new_draft(self) -> None:
        self._flow.new_case()
        self.draft_id, self.draft_printed, self.authorisation = None, False, None
        self.panel.agency.setChecked(False)
        self.panel.show_authorisation(None)
        self.panel.draft_label.setText("")
        self.recheck()

    def open_draft(self, draft_id: str) -> None:
        """A draft of 我的草稿 back in the form, to edit and print again."""
        store = self._desk.workspace.store
        printed = any(e.draft.draft_id == draft_id and e.printed for e in self.entries)
        self._desk.jobs.database(lambda _p: held_draft(store, draft_id), parent=self._desk.window).success(
            lambda found: self._fill(found, printed=printed)
        ).failure(self._refused).run()

    def _fill(self, found: tuple[Draft, bytes] | None, *, printed: bool) -> None:
        if found is None:
            self._desk.notices.notify(QMessageBox.Icon.Warning, "未打开", "本机没有该预审草稿")
            return
        draft = found[0]
        flow = self._flow
        if self._desk.workspace.catalog.item(draft.item_code) is None:
            self._desk.notices.notify(
                QMessageBox.Icon.Warning, "未打开", f"事项 {draft.item_code} 已不在现行事项目录中"
            )
            return
        self.new_draft()
        flow.choose_item(draft.item_code)
        flow.intake.fill_parties(applicant=draft.request.applicant, agent=draft.request.agent)
        flow.refresh_checklist()
        flow.checklist.take_received(draft.request.materials, draft.request.commitments)
        self._reopen_pages(draft)
        self.draft_id, self.draft_printed = draft.draft_id, printed
        self.set_authorisation(draft.authorisation)
        state = "已打印：修改后保存将另存为新预审单" if printed else "未打印"
        self.panel.draft_label.setText(f"已打开草稿 {draft.draft_id[:8]}…（{state}）")
        self.recheck()
        self.opened.emit(draft)

    def _reopen_pages(self, draft: Draft) -> None:
        """The draft's pages back in the capture, so saving again keeps them (their files are on this PC)."""
        if not draft.material_pages or self._flow.item is None:
            return
        try:
            capture = self._flow.intake_capture()
        except REFUSALS + (CaptureError,) as error:
            self._desk.notices.show_status(f"草稿所附页面未能载入：{error}", 15000)
            return
        names = {m.code: m.name for m in self._flow.item.materials}
        store = self._desk.workspace.pages.pages
        done = place_draft_pages(capture, draft.material_pages, here=store.has, names=names)
        self._flow.checklist.set_captured_pages(capture.page_counts())
        if done.waiting:
            self._desk.notices.show_status(
                f"草稿所附页面有 {done.pages_waiting} 页的文件不在本机，请重新采集", 15000
            )

    # -- the lists below -------------------------------------------------------------------------------
    def refresh_lists(self) -> None:
        ws, person = self._desk.workspace, self._desk.counter
        hall_code = ws.settings.get("hall_code") or person.hall.code

        def read(_p: object) -> tuple[list[DraftEntry], ClientList | None]:
            return (
                my_drafts(ws.store, ws.catalog, helper=person),
                last_fetched(ws.store, login=person.clerk_login, hall_code=str(hall_code)),
            )

        self._desk.jobs.database(read, parent=self._desk.window).success(self._show_lists).failure(
            self._refused
        ).run()

    def _show_lists(self, found: tuple[list[DraftEntry], ClientList | None]) -> None:
        self.entries, self.clients = found
        today = self._desk.workspace.clock.today()
        self.lists.show_drafts(self.entries)
        self.lists.show_clients(self.clients, today=today)
        self._show_workload()
        self.lists_shown.emit()

    def _show_workload(self) -> None:
        today = self._desk.workspace.clock.today()
        week = drafts_this_week(self.entries, today=today)
        self.lists.show_workload(workload(self.clients, drafts_this_week=week, today=today))

    def refresh_clients(self) -> None:
        """我的代办/帮办件 from the server (a sync round first); offline, the last fetched list stays."""
        ws, person = self._desk.workspace, self._desk.counter
        hall_code = str(ws.settings.get("hall_code") or person.hall.code)
        self._desk.notices.show_status("正在从服务器获取代办/帮办件…")
        self._desk.jobs.network(
            lambda _p: refresh_client_cases(
                ws.sync, store=ws.store, login=person.clerk_login, hall_code=hall_code, now=ws.clock.now()
            ),
            parent=self._desk.window,
        ).success(self._clients_fetched).failure(self._clients_not_fetched).run()

    def _clients_fetched(self, clients: ClientList) -> None:
        self.clients = clients
        self.lists.show_clients(clients, today=self._desk.workspace.clock.today())
        self._show_workload()
        self._desk.notices.show_status(f"已获取代办/帮办件 {len(clients.cases)} 件", 10000)
        self.clients_fetched.emit(clients)

    def _clients_not_fetched(self, error: Exception) -> None:
        if not isinstance(error, SyncError):
            raise error
        shown = "显示的是上次获取的列表" if self.clients is not None else "尚无已获取的列表"
        self._desk.notices.show_status(f"未能获取代办/帮办件：{error.message}（{shown}）", 15000)
        self.clients_fetched.emit(error)
