"""The clerk's window: item → applicant → materials → decision, today's cases, case lookup.

The window assembles its parts, each with one job and given what it works with (ui.desk.Desk) by its
constructor: the item search (ui.item_search), the case at the counter (ui.counter_flow), today's cases
(ui.todays_cases), a case looked up and its dialog (ui.case_lookup), printing (ui.print_flow) and the
reference data a sync brings (ui.reference_refresh). It owns the layout, the window's place on the screen,
the shortcuts, the status bar and the message boxes. No part touches the database on the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QRect, QSize, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from app.acceptance import Evaluation
from app.accounts.roles import Permission
from app.catalog import ServiceItem
from app.helpers.handoff import Handoff, HandoffStatus, read_at_window
from app.identity_documents import IdKind
from app.operations.counter import Accepted
from app.operations.person import Actor
from app.scanning.keystrokes import ScanTiming
from app.scanning.routing import route_scan
from app.sync.client import SyncError, SyncReport
from app.workspace import Workspace
from ui.bundle_desk import BundleDesk
from ui.case_dialog import CaseDialog
from ui.case_lookup import CaseLookup
from ui.counter_flow import CounterFlow
from ui.desk import Desk, not_permitted
from ui.draft_pages import DraftPagesIntake
from ui.helper_desk import HelperDesk, helper_mode
from ui.helper_panels import HelperLists, PrecheckPanel
from ui.item_search import ItemSearchPanel
from ui.jobs import Jobs
from ui.object_names import named
from ui.print_flow import PrintFlow
from ui.printing import PrintPreviewDialog
from ui.rating_dialog import RatingOffer
from ui.ratings_dialog import ratings_entry
from ui.reference_refresh import ReferenceRefresh
from ui.review_queue import review_queue_entry
from ui.scan_input import ScanInput, follow_route, reads_scans
from ui.screen_fit import available_area, fit_message_box, fitted_rect, keep_frame_inside
from ui.sign_in import ChangePassword, change_password_offline
from ui.sync_status import RevokedBanner, SyncController, SyncStatusWidget
from ui.time_watch import time_watch_entry
from ui.todays_cases import TodaysCases
from ui.verify_dialog import VerifyDialog
from ui.window_lock import LockPage, WindowLock
from ui.window_state import WINDOW_STATE_NAME, WindowState

if TYPE_CHECKING:
    from ui.settings_dialog import SettingsDialog

log = logging.getLogger("clerk.ui")

# The window's size when it is not maximized and nothing was remembered (shrunk to fit a smaller screen).
NORMAL_SIZE = QSize(1366, 800)


class MainWindow(QMainWindow):
    def __init__(
        self,
        *,
        workspace: Workspace,
        counter: Actor,
        change_password: ChangePassword = change_password_offline,
        jobs: Jobs | None = None,
    ) -> None:
        super().__init__()
        self.workspace = workspace
        self.jobs = jobs or Jobs()
        self.desk = Desk(workspace=workspace, jobs=self.jobs, counter=counter, window=self, notices=self)
        self.last_message: QMessageBox | None = None
        self.last_handoff: Handoff | None = None  # the last 帮办预审单 scanned (app.helpers.handoff)
        self.verify_dialog: VerifyDialog | None = None
        self.settings_dialog: SettingsDialog | None = None
        self.state_path = workspace.home / WINDOW_STATE_NAME
        self.window_state = WindowState.load(self.state_path)
        area = available_area(self)
        self.resize(NORMAL_SIZE.boundedTo(area.size()))

        self._build_toolbar(counter)
        self.item_search = ItemSearchPanel(catalog=workspace.catalog, hall=counter.hall)
        self.counter_flow = CounterFlow(desk=self.desk, search=self.item_search)
        self.counter_flow.on_code = self.route_code
        self.draft_pages = DraftPagesIntake(desk=self.desk, flow=self.counter_flow)
        self.todays_cases = TodaysCases(desk=self.desk, open_=self.window_state.cases_open)
        self.lookup = CaseLookup(desk=self.desk)
        self.printing = PrintFlow(desk=self.desk)
        self.rating_offer = RatingOffer(desk=self.desk)  # 好差评 after a visit's document is printed
        self.reference = ReferenceRefresh(desk=self.desk, flow=self.counter_flow, search=self.item_search)
        self.bundles = BundleDesk(desk=self.desk, open_case=self.show_case)  # 一件事一次办 (ui.bundle_desk)
        # Helper mode (ui.helper_desk): the pre-check in place of the decision, the helper's lists in place
        # of 今日办件; which one shows is the signed-in person's permissions (`_show_who`).
        self.precheck = named(PrecheckPanel(), "precheckPanel")
        self.helper_lists = HelperLists()
        self.helper_desk = HelperDesk(
            desk=self.desk, flow=self.counter_flow, panel=self.precheck, lists=self.helper_lists
        )
        self.helper_mode = False
        self._name_parts()

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.item_search)
        splitter.addWidget(self._build_middle())
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.decision)
        right_layout.addWidget(self.precheck)
        self.precheck.hide()
        splitter.addWidget(right)
        # Item search and decision take about a fifth of the width each; the checklist the rest.
        width = area.width()
        splitter.setSizes([width * 19 // 100, width * 61 // 100, width * 20 // 100])
        splitter.setStretchFactor(1, 1)
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(4, 2, 4, 0)
        outer.setSpacing(2)
        outer.addWidget(splitter, 1)
        outer.addWidget(self.todays_cases)
        outer.addWidget(self.helper_lists)
        self.helper_lists.hide()
        # Locked or signed out, the lock page stands in for everything the window shows.
        self.stack = QStackedWidget()
        self.stack.addWidget(central)
        self.lock_page = named(
            LockPage(workspace=workspace, jobs=self.jobs, change_password=change_password), "lockPage"
        )
        self.stack.addWidget(self.lock_page)
        self.setCentralWidget(self.stack)
        self._status = QLabel()
        self.statusBar().addPermanentWidget(self._status)
        self.sync = SyncController(
            desk=self.desk, interval_seconds=float(workspace.settings.get("sync_interval_seconds"))
        )
        self.sync_status = SyncStatusWidget(self.sync, desk=self.desk)
        self.statusBar().addPermanentWidget(self.sync_status)
        self.revoked_banner = RevokedBanner(self.sync)  # red, on top, while the server has revoked this PC
        self.setMenuWidget(self.revoked_banner)

        self._connect_parts()
        self.shortcuts: list[QShortcut] = []
        for keys, slot in (
            ("F2", self.counter_flow.focus_search),
            ("Ctrl+Return", self.accept_case),
            ("Ctrl+Enter", self.accept_case),
            ("Ctrl+N", self.new_case),
            ("Ctrl+S", self.save_draft),
            ("Ctrl+F", self._focus_case_lookup),
            ("F9", self.checklist.mark_all_received),
            ("F6", self.counter_flow.open_capture),
            ("F7", self.counter_flow.open_licences),
            ("F8", self.open_verify),
            ("Ctrl+P", self.print_last),
        ):
            self.shortcuts.append(QShortcut(QKeySequence(keys), self, slot))
        self.window_lock = WindowLock(
            desk=self.desk,
            stack=self.stack,
            page=self.lock_page,
            covered=[self.toolbar, self.statusBar()],
            shortcuts=self.shortcuts,
            idle_msecs=int(workspace.settings.get("idle_lock_minutes")) * 60_000,
        )
        self.scan_input = ScanInput(  # a scanner's code, wherever the focus is (ui.scan_input)
            timing=self._scan_timing(),
            reading=self._reads_scans,
            targets=self,
            today=workspace.clock.today,
            parent=self,
        )
        self.scan_input.install()
        self.window_lock.person_changed.connect(self._person_signed_in)
        self.window_lock.signed_out.connect(self._show_signed_out)
        self._show_who()
        self.refresh_cases()
        self.new_case()

    # -- layout ----------------------------------------------------------------------------------
    def _build_toolbar(self, counter: Actor) -> None:
        bar = QToolBar("办件")
        bar.setMovable(False)
        self.addToolBar(bar)
        self.toolbar = bar
        self.who = named(QLabel(), "whoLabel")
        self.who.setStyleSheet("font-weight:bold;")
        bar.addWidget(self.who)
        self.shift_button = named(QPushButton("换班/退出登录"), "shiftButton")
        self.shift_button.setToolTip("退出登录，由接班的工作人员登录；正在录入的办件保留")
        self.shift_button.clicked.connect(self.sign_out)
        bar.addWidget(self.shift_button)
        self.lock_button = named(QPushButton("锁定"), "lockButton")
        self.lock_button.setToolTip("暂时离开：隐藏办件内容，输入密码解锁")
        self.lock_button.clicked.connect(self.lock)
        bar.addWidget(self.lock_button)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, spacer.sizePolicy().verticalPolicy())
        bar.addWidget(spacer)
        self.case_lookup = named(QLineEdit(placeholderText="输入或扫描办件编号 (Ctrl+F)"), "caseLookup")
        self.case_lookup.setMinimumWidth(self.case_lookup.fontMetrics().horizontalAdvance("0" * 30))
        self.case_lookup.returnPressed.connect(self.lookup_case)
        bar.addWidget(self.case_lookup)
        button = named(QPushButton("查询"), "caseLookupButton")
        button.clicked.connect(self.lookup_case)
        bar.addWidget(button)
        verify = named(QPushButton("核验证照 (F8)"), "verifyButton")
        verify.clicked.connect(self.open_verify)
        bar.addWidget(verify)
        self.settings_button = named(QPushButton("设置"), "settingsButton")
        self.settings_button.clicked.connect(self.open_settings)
        bar.addWidget(self.settings_button)
        self.ratings_entry = ratings_entry(desk=self.desk, toolbar=bar)
        self.review_queue_entry = review_queue_entry(desk=self.desk, toolbar=bar, open_case=self.show_case)
        self.time_watch_entry = time_watch_entry(desk=self.desk, toolbar=bar, open_case=self.show_case)

    def _name_parts(self) -> None:
        """The parts' widgets and models under the names the window has always given them."""
        search, flow, cases = self.item_search, self.counter_flow, self.todays_cases
        self.search_model = search.search_model
        self.item_query, self.item_list = search.item_query, search.item_list
        self.item_details, self.catalog_notice = search.item_details, search.catalog_notice
        self.intake, self.checklist, self.decision = flow.intake, flow.checklist, flow.decision
        self.checklist_view = flow.materials.checklist_view
        self.all_received_button = flow.materials.all_received_button
        self.cases_model, self.cases_view = cases.cases_model, cases.cases_view
        self.cases_toggle, self.cases_summary = cases.cases_toggle, cases.cases_summary

    def _build_middle(self) -> QWidget:
        panel = QWidget()
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.intake)
        layout.addWidget(self.counter_flow.materials, 1)
        return panel

    def _connect_parts(self) -> None:
        self.counter_flow.saved.connect(self._case_saved)
        self.todays_cases.list_shown.connect(self._cases_list_shown)
        self.todays_cases.refreshed.connect(self._show_counts)
        self.todays_cases.open_requested.connect(self.show_case)
        self.lookup.print_requested.connect(self.request_print)
        self.printing.printed.connect(lambda _printed: self.refresh_cases())
        self.printing.printed.connect(self.rating_offer.after_print)
        self.printing.printed.connect(self.lookup.steps.print_next)  # a step's documents, one by one
        self.sync.synced.connect(self._synced)
        self.item_search.bundle_chosen.connect(self.bundles.open_intake)
        self.bundles.saved.connect(self._bundle_saved)
        self.lookup.opened.connect(lambda dialog: dialog.bundle_requested.connect(self.show_bundle))

    def _cases_list_shown(self, on: bool) -> None:
        self.window_state.cases_open = on
        self.window_state.save(self.state_path)

    def _show_counts(self, today: int) -> None:
        self._status.setText(f"事项目录 {self.workspace.catalog.version} · 今日 {today} 件  ")

    # -- the window on the screen ----------------------------------------------------------------
    def show_on_screen(self) -> None:
        """Open where the clerk left it, fitted to that screen's available area; maximized by default."""
        remembered = self.window_state.geometry
        wanted = QRect(*remembered) if remembered else QRect(available_area(self).topLeft(), NORMAL_SIZE)
        screen = QGuiApplication.screenAt(wanted.center()) or self.screen()
        area = screen.availableGeometry()
        self.setGeometry(fitted_rect(wanted, area))
        if self.window_state.maximized:
            self.showMaximized()
        else:
            self.show()
            keep_frame_inside(self, area)

    def when_loaded(self, callback: Callable[[], object]) -> None:
        """Call `callback` once today's cases were first read (or could not be), soon if they were."""
        # Through the event loop, so the labels the reading filled are laid out first.
        if self.todays_cases.loaded:
            QTimer.singleShot(0, callback)
        else:
            self.todays_cases.settled.connect(
                lambda: QTimer.singleShot(0, callback), Qt.ConnectionType.SingleShotConnection
            )

    def _remember_geometry(self) -> None:
        self.window_state.maximized = self.isMaximized()
        normal = self.normalGeometry() if self.isMaximized() else self.geometry()
        if normal.isValid():
            self.window_state.geometry = (normal.x(), normal.y(), normal.width(), normal.height())
        self.window_state.save(self.state_path)

    # -- the parts' state, as the window has always named it ---------------------------------------
    @property
    def counter(self) -> Actor:
        return self.desk.counter

    @counter.setter
    def counter(self, counter: Actor) -> None:
        self.desk.counter = counter
        self._show_who()

    def _person_signed_in(self, counter: Actor) -> None:
        self.counter = counter

    def _show_signed_out(self) -> None:
        counter = self.desk.counter
        self.setWindowTitle(f"窗口受理 — {counter.hall.name} · {counter.window_name} · 未登录")

    def _show_who(self) -> None:
        """Who is signed in, in the title and the toolbar; what their roles allow, on the buttons."""
        counter = self.desk.counter
        place = f"{counter.hall.name} · {counter.window_name}"
        self.setWindowTitle(f"窗口受理 — {place} · {counter.clerk_name}（{counter.clerk_login}）")
        self.who.setText(f"  {place} · {counter.clerk_name}  ")
        self.decision.set_not_permitted(not_permitted(counter, Permission.ACCEPT))
        self._set_helper_mode(helper_mode(counter))
        if self.helper_mode:
            self.setWindowTitle(f"帮办预审 — {place} · {counter.clerk_name}（{counter.clerk_login}）")
        self.counter_flow.reevaluate()
        refusal = not_permitted(counter, Permission.SETTINGS)
        self.settings_button.setEnabled(refusal is None)
        self.settings_button.setToolTip(refusal or "修改本窗口的设置")
        self.review_queue_entry.show_for(counter)
        self.time_watch_entry.show_for(counter)
        self.ratings_entry.show_for(counter)

    def _set_helper_mode(self, on: bool) -> None:
        """The helper's desk (pre-check, 我的草稿, 我的代办/帮办件) or the clerk's counter, by permissions."""
        changed = on != self.helper_mode
        self.helper_mode = on
        self.helper_desk.active = on
        self.decision.setVisible(not on)
        self.todays_cases.setVisible(not on)
        self.precheck.setVisible(on)
        self.helper_lists.setVisible(on)
        if on:
            self.helper_desk.refresh_lists()
            self.helper_desk.recheck()
        if changed and hasattr(self, "window_lock"):
            self.new_case()

    def save_draft(self) -> None:
        """Ctrl+S: in helper mode, 保存草稿."""
        if self.helper_mode:
            self.helper_desk.save()

    # -- who is at the window: idle lock, shift change (ui.window_lock) --------------------------------
    @property
    def locked(self) -> bool:
        return self.window_lock.locked

    def lock(self) -> None:
        self.window_lock.lock()

    def sign_out(self) -> None:
        self.window_lock.sign_out()

    def set_idle_timeout(self, msecs: int) -> None:
        """After how long without input the window locks (the setting gives minutes; tests milliseconds)."""
        self.window_lock.idle.set_timeout(msecs)

    def open_settings(self) -> None:
        """The window's settings, for hall IT (the button is disabled for other roles)."""
        refusal = not_permitted(self.desk.counter, Permission.SETTINGS)
        if refusal is not None:
            self.notify(QMessageBox.Icon.Warning, "不能修改设置", refusal)
            return
        from ui.settings_dialog import SettingsDialog  # hall IT's, rarely: not loaded at start-up

        dialog = SettingsDialog(settings=self.workspace.settings, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(self._settings_saved)
        dialog.open()
        self.settings_dialog = dialog

    def _reads_scans(self) -> bool:
        """Whether a scan is read now: this window or a dialog of it that reads scans is active, unlocked."""
        active = QApplication.activeWindow()
        if self.locked or active is None:
            return False
        if active is self:
            return True
        owner = active.parentWidget()
        while owner is not None and owner is not self:
            owner = owner.parentWidget()
        return owner is self and reads_scans(active)

    def _scan_timing(self) -> ScanTiming:
        settings = self.workspace.settings
        return ScanTiming(
            max_interval_ms=int(settings.get("scan_key_interval_ms")),
            end_pause_ms=int(settings.get("scan_end_pause_ms")),
        )

    def _settings_saved(self) -> None:
        self.set_idle_timeout(int(self.workspace.settings.get("idle_lock_minutes")) * 60_000)
        self.scan_input.set_timing(self._scan_timing())
        self.show_status("设置已保存", 10000)

    @property
    def item(self) -> ServiceItem | None:
        return self.counter_flow.item

    @property
    def evaluation(self) -> Evaluation | None:
        return self.counter_flow.evaluation

    @property
    def case_saved(self) -> bool:
        return self.counter_flow.case_saved

    @property
    def last_case_number(self) -> str | None:
        return self.counter_flow.last_case_number

    @property
    def case_dialog(self) -> CaseDialog | None:
        return self.lookup.case_dialog

    @property
    def preview(self) -> PrintPreviewDialog | None:
        return self.printing.preview

    @preview.setter
    def preview(self, dialog: PrintPreviewDialog | None) -> None:
        self.printing.preview = dialog

    @property
    def reason_dialog(self) -> QInputDialog | None:
        return self.printing.reason_dialog

    # -- the flow --------------------------------------------------------------------------------
    def choose_item(self, code: str) -> None:
        self.counter_flow.choose_item(code)

    def accept_case(self) -> None:
        """Save the case on screen (on the database lane); `counter_flow.saved` says when it is saved."""
        if self.helper_mode:
            return  # a helper decides nothing
        self.counter_flow.accept_case()

    def new_case(self) -> None:
        if self.helper_mode:
            self.helper_desk.new_draft()
            return
        self.counter_flow.new_case()

    def _case_saved(self, accepted: Accepted) -> None:
        number = accepted.changed.number
        self.show_status(f"办件 {number} 已保存", 10000)
        self.refresh_cases()
        self.sync.local_change()
        if accepted.print_next is not None:
            self.request_print(str(accepted.print_next), number)

    def _bundle_saved(self, _stored: object) -> None:
        self.refresh_cases()
        self.sync.local_change()

    def show_bundle(self, text: str) -> None:
        """A 一件事 bundle's cases and statuses together (its QR or number scanned, or a case's bundle)."""
        self.bundles.show_bundle(text)

    def refresh_cases(self) -> None:
        self.todays_cases.refresh()

    def _focus_case_lookup(self) -> None:
        self.case_lookup.setFocus()
        self.case_lookup.selectAll()

    def _synced(self, report: SyncReport) -> None:
        self.reference.after_sync(report)
        self.refresh_cases()

    def apply_reference_data(self) -> None:
        """Read the reference data sync stored and use it (`reference.applied` says when)."""
        self.reference.refresh()

    # -- looking a case up -----------------------------------------------------------------------
    def lookup_case(self) -> None:
        text = self.case_lookup.text().strip()
        if text:
            self.show_case(text)

    def show_case(self, text: str) -> None:
        """Look the case up (on the database lane) and open its dialog (`lookup.opened`)."""
        self.lookup.show_case(text)

    # -- printing --------------------------------------------------------------------------------
    def print_last(self) -> None:
        if self.helper_mode:
            self.helper_desk.print_sheet()
            return
        accepted = self.counter_flow.last_accepted
        if accepted is not None and accepted.print_next is not None:
            self.request_print(str(accepted.print_next), accepted.changed.number)

    def request_print(self, kind_text: str, number: str, reason: str | None = None) -> None:
        """Render off the GUI thread, then preview (`printing.previewed`). A reprint asks for a reason."""
        self.printing.request_print(kind_text, number, reason)

    def open_verify(self) -> None:
        dialog = VerifyDialog(self.workspace.certificates, jobs=self.jobs, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.verify_dialog = dialog

    def verify_scanned(self, text: str) -> None:
        """A certificate's QR scanned anywhere in the window: verified in the verify dialog, as if there."""
        self.open_verify()
        dialog = self.verify_dialog
        assert dialog is not None
        dialog.payload.setText(text)
        dialog.verify()

    def route_code(self, text: str) -> None:
        """A code read off a captured page (a certificate or e-licence held up to the document camera): it
        goes where a scan of it would."""
        follow_route(route_scan(text, today=self.workspace.clock.today()), targets=self)

    def fill_applicant(self, *, id_kind: IdKind, id_number: str) -> None:
        """An identity document's number scanned: the applicant's 证件号码 (and its kind) filled."""
        if self.counter_flow.case_saved:
            self.show_status("当前办件已保存，不能改填证件号码；请按 Ctrl+N 新办件后再扫描", 15000)
            return
        self.intake.fill_id(id_kind=id_kind, id_number=id_number)
        self.show_status("已填入扫描的证件号码，请核对", 10000)

    def load_draft(self, text: str) -> None:
        """A helper's 帮办预审单 scanned: read offline against this window's keys, revocations and catalog;
        the intake form filled, or a message saying why nothing was."""
        if self.counter_flow.case_saved or self.counter_flow.saving:
            self.show_status("当前办件已保存，不能载入预审单；请按 Ctrl+N 新办件后再扫描", 15000)
            return
        workspace = self.workspace
        handoff = read_at_window(
            text, store=workspace.store, catalog=workspace.catalog, hall=self.counter.hall
        )
        self.last_handoff = handoff
        if handoff.status is HandoffStatus.NOT_SYNCED and handoff.draft_id is not None:
            self._fetch_draft(handoff)  # the reference form: the draft from the server (app.helpers.online)
            return
        self._loaded_draft(handoff)

    def _fetch_draft(self, pending: Handoff) -> None:
        """A reference QR whose draft is not here: fetched from the server off the GUI thread, checked as a
        scanned code is, then filled in; offline, the clerk is told so."""
        workspace, hall, draft_id = self.workspace, self.counter.hall, pending.draft_id
        assert draft_id is not None
        self.show_status(f"正在从服务器取回帮办预审单 {draft_id} …", 10000)

        def fetched(handoff: Handoff) -> None:
            self.last_handoff = handoff
            self._loaded_draft(handoff)

        def not_fetched(error: Exception) -> None:
            if not isinstance(error, SyncError):
                raise error
            self.show_status(error.message, 15000)
            self.notify(QMessageBox.Icon.Warning, "帮办预审单未载入", f"{pending.message}\n\n{error.message}")

        self.jobs.network(
            lambda _progress: workspace.sync.fetch_draft(draft_id, catalog=workspace.catalog, hall=hall),
            parent=self,
        ).success(fetched).failure(not_fetched).run()

    def _loaded_draft(self, handoff: Handoff) -> None:
        if self.counter_flow.case_saved or self.counter_flow.saving:
            self.show_status("当前办件已保存，不能载入预审单；请按 Ctrl+N 新办件后再扫描", 15000)
            return
        if handoff.status is not HandoffStatus.LOADED:
            self.show_status(handoff.message, 15000)
            self.notify(QMessageBox.Icon.Warning, "帮办预审单未载入", handoff.message)
            return
        result = self.counter_flow.fill_draft(handoff)
        filled, unfit = result is not None, result or ()
        self.show_status(handoff.message, 15000)
        notes: list[str] = []
        if unfit:
            notes.append(
                "预审单所附电子证照在本窗口核验未通过，未填入（该材料未勾选）：\n"
                + "\n".join(unfit)
                + "\n请向申请人收取纸质材料，或按 F7 核验其他电子证照。"
            )
        if handoff.changes is not None and handoff.changes.any:
            lines = "\n".join(handoff.changes.lines())
            notes.append(f"{lines}\n\n请按现行清单核对材料后再决定。")
        if notes:
            icon, title = (
                (QMessageBox.Icon.Warning, "电子证照未填入")
                if unfit
                else (QMessageBox.Icon.Information, "事项目录已更新")
            )
            self.notify(icon, title, "\n\n".join(notes))
        if filled and handoff.draft is not None:
            self.draft_pages.take(handoff.draft)  # the helper's pages onto their materials (ui.draft_pages)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.scan_input.uninstall()
        self._remember_geometry()
        self.window_lock.idle.stop()
        self.sync.stop()  # no further round; the jobs in flight (a round too) finish before the window goes
        super().closeEvent(event)

    # -- messages --------------------------------------------------------------------------------
    def notify(self, icon: QMessageBox.Icon, title: str, text: str) -> QMessageBox:
        """A window-modal message that does not block the event loop (the clerk closes it with Enter)."""
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self)
        fit_message_box(box)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.last_message = box
        return box

    def show_status(self, text: str, msecs: int = 0) -> None:
        self.statusBar().showMessage(text, msecs)
