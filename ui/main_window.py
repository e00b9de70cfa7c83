"""The clerk's window: item → applicant → materials → decision, today's cases, case lookup."""

from __future__ import annotations

import logging

from PySide6.QtCore import QModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QCloseEvent, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtPrintSupport import QPrinterInfo
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListView,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.acceptance import AcceptanceError, Evaluation
from app.accounts.roles import Permission, PermissionDenied
from app.case_number import CaseNumberError
from app.cases.status import TransitionError
from app.cases.views import CaseView
from app.catalog import ServiceItem
from app.certificates import CertificateError
from app.competence import Referral, referral
from app.completeness import applicable_materials
from app.documents.kinds import TITLE, DocumentKind, main_document
from app.documents.service import RenderedDocument
from app.intake import AcceptanceRequest, InputError
from app.operations.certificates import approve_case, hand_over_certificate
from app.operations.changes import OperationRefused
from app.operations.counter import accept_case
from app.operations.lookup import look_up_case
from app.operations.person import Actor
from app.operations.printing import needs_reason, record_print, render_document
from app.secrets import SecretStoreError
from app.sync.client import SyncReport
from app.workspace import Workspace
from db.store import StoreError
from ui.case_dialog import CaseDialog
from ui.decision_panel import DecisionPanel
from ui.delegates import CountDelegate, FormChoiceDelegate, TwoLineTextDelegate
from ui.intake_form import IntakeForm
from ui.jobs import Jobs
from ui.models import (
    CaseColumn,
    CasesModel,
    CodeRole,
    ItemSearchModel,
    MaterialChecklistModel,
    MaterialColumn,
    NumberRole,
)
from ui.printing import PrintError, PrintJob, PrintPreviewDialog, print_pages
from ui.screen_fit import available_area, fit_message_box, fitted_rect, keep_frame_inside
from ui.sync_status import RevokedBanner, SyncController, SyncStatusWidget
from ui.verify_dialog import VerifyDialog
from ui.window_state import WINDOW_STATE_NAME, WindowState

log = logging.getLogger("clerk.ui")

# The window's size when it is not maximized and nothing was remembered (shrunk to fit a smaller screen).
NORMAL_SIZE = QSize(1366, 800)
# Rows of 今日办件 shown when the panel is open (it scrolls for more).
CASES_ROWS = 3


class MainWindow(QMainWindow):
    def __init__(self, *, workspace: Workspace, counter: Actor) -> None:
        super().__init__()
        self.workspace = workspace
        self.counter = counter
        self.item: ServiceItem | None = None
        self.last_message: QMessageBox | None = None
        self.last_case_number: str | None = None
        self.case_saved = False  # the case on screen is stored; only 新办件 starts another
        self.jobs = Jobs()
        self.preview: PrintPreviewDialog | None = None
        self.case_dialog: CaseDialog | None = None
        self.reason_dialog: QInputDialog | None = None
        self.verify_dialog: VerifyDialog | None = None
        self.evaluation: Evaluation | None = None
        self.setWindowTitle(f"窗口受理 — {counter.hall.name} · {counter.window_name}")
        self.state_path = workspace.home / WINDOW_STATE_NAME
        self.window_state = WindowState.load(self.state_path)
        area = available_area(self)
        self.resize(NORMAL_SIZE.boundedTo(area.size()))

        self._build_toolbar()
        self.search_model = ItemSearchModel(referral_of=self._referral)
        self.checklist = MaterialChecklistModel()
        self.cases_model = CasesModel()
        self.intake = IntakeForm(today=workspace.clock.today)
        self.decision = DecisionPanel()

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self._build_item_panel())
        splitter.addWidget(self._build_middle())
        splitter.addWidget(self.decision)
        # Item search and decision take about a fifth of the width each; the checklist the rest.
        width = area.width()
        splitter.setSizes([width * 19 // 100, width * 61 // 100, width * 20 // 100])
        splitter.setStretchFactor(1, 1)
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(4, 2, 4, 0)
        outer.setSpacing(2)
        outer.addWidget(splitter, 1)
        outer.addWidget(self._build_cases_panel())
        self.setCentralWidget(central)
        self._status = QLabel()
        self.statusBar().addPermanentWidget(self._status)
        self.sync = SyncController(
            workspace.sync, interval_seconds=float(workspace.settings.get("sync_interval_seconds"))
        )
        self.sync_status = SyncStatusWidget(self.sync, authorize=self._authorize_supervisor)
        self.statusBar().addPermanentWidget(self.sync_status)
        self.revoked_banner = RevokedBanner(self.sync)  # red, on top, while the server has revoked this PC
        self.setMenuWidget(self.revoked_banner)
        self.sync.synced.connect(self._synced)

        self.item_query.textChanged.connect(self._query_changed)
        self.item_query.returnPressed.connect(self._choose_current)
        self.item_list.activated.connect(self._choose_index)
        self.item_list.clicked.connect(self._choose_index)
        self.intake.changed.connect(self._reevaluate)
        self.intake.agent_toggled.connect(lambda _on: self._refresh_checklist())
        self.intake.kind.currentIndexChanged.connect(lambda _i: self._refresh_checklist())
        self.checklist.changed.connect(self._reevaluate)
        self.cases_toggle.toggled.connect(self._cases_toggled)
        self.decision.accept_button.clicked.connect(self.accept_case)
        self.decision.new_button.clicked.connect(self.new_case)
        self.cases_view.doubleClicked.connect(self._open_case_row)
        for keys, slot in (
            ("F2", self._focus_search),
            ("Ctrl+Return", self.accept_case),
            ("Ctrl+Enter", self.accept_case),
            ("Ctrl+N", self.new_case),
            ("Ctrl+F", self._focus_case_lookup),
            ("F9", self.checklist.mark_all_received),
            ("F8", self.open_verify),
            ("Ctrl+P", self.print_last),
        ):
            QShortcut(QKeySequence(keys), self, activated=slot)
        self.refresh_cases()
        self.new_case()

    # -- layout ----------------------------------------------------------------------------------
    def _build_toolbar(self) -> None:
        bar = QToolBar("办件")
        bar.setMovable(False)
        self.addToolBar(bar)
        who = QLabel(f"  {self.counter.hall.name} · {self.counter.window_name} · {self.counter.clerk_name}  ")
        who.setStyleSheet("font-weight:bold;")
        bar.addWidget(who)
        spacer = QWidget()
        spacer.setSizePolicy(
            spacer.sizePolicy().horizontalPolicy().Expanding, spacer.sizePolicy().verticalPolicy()
        )
        bar.addWidget(spacer)
        self.case_lookup = QLineEdit(objectName="caseLookup", placeholderText="输入或扫描办件编号 (Ctrl+F)")
        self.case_lookup.setMinimumWidth(self.case_lookup.fontMetrics().horizontalAdvance("0" * 30))
        self.case_lookup.returnPressed.connect(self.lookup_case)
        bar.addWidget(self.case_lookup)
        button = QPushButton("查询", objectName="caseLookupButton")
        button.clicked.connect(self.lookup_case)
        bar.addWidget(button)
        verify = QPushButton("核验证照 (F8)", objectName="verifyButton")
        verify.clicked.connect(self.open_verify)
        bar.addWidget(verify)

    def _build_item_panel(self) -> QWidget:
        box = QGroupBox("① 办理事项")
        layout = QVBoxLayout(box)
        self.item_query = QLineEdit(objectName="itemQuery", placeholderText="名称、编码或拼音首字母 (F2)")
        self.item_query.setClearButtonEnabled(True)
        self.item_list = QListView(objectName="itemList")
        self.item_list.setModel(self.search_model)
        self.item_list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.item_list.setWordWrap(True)  # a long item name takes two lines, not a sideways scroll
        self.item_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.item_details = QLabel("", objectName="itemDetails")
        self.item_details.setWordWrap(True)
        self.item_details.setTextFormat(Qt.TextFormat.PlainText)
        self.item_details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.item_details.setStyleSheet("color:#333;")
        # Sync brought a new catalog version while a case was on screen: what the clerk must re-check.
        self.catalog_notice = QLabel("", objectName="catalogNotice")
        self.catalog_notice.setWordWrap(True)
        self.catalog_notice.setTextFormat(Qt.TextFormat.PlainText)
        self.catalog_notice.setStyleSheet("color:#b00020;font-weight:bold;")
        self.catalog_notice.setVisible(False)
        layout.addWidget(self.item_query)
        layout.addWidget(self.item_list, 1)
        layout.addWidget(self.catalog_notice)
        layout.addWidget(self.item_details)
        return box

    def _build_middle(self) -> QWidget:
        panel = QWidget()
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.intake)
        box = QGroupBox()
        inner = QVBoxLayout(box)
        inner.setContentsMargins(6, 4, 6, 6)
        inner.setSpacing(4)
        heading = QHBoxLayout()
        heading.addWidget(QLabel("③ 材料核验（空格勾选收到，F9 全部收到；鼠标停在名称上可看全文）"), 1)
        self.all_received_button = QPushButton("全部收到 (F9)", objectName="allReceivedButton")
        self.all_received_button.setToolTip(
            "勾选申请人应当提交的全部材料（含容缺、告知承诺材料）；非必要材料不自动勾选"
        )
        self.all_received_button.clicked.connect(self.checklist.mark_all_received)
        heading.addWidget(self.all_received_button)
        inner.addLayout(heading)
        self.checklist_view = QTableView(objectName="checklistView")
        self.checklist_view.setModel(self.checklist)
        self.checklist_view.setItemDelegateForColumn(
            MaterialColumn.FORM, FormChoiceDelegate(self.checklist_view)
        )
        self._count_delegates = (CountDelegate(low=0, high=50), CountDelegate(low=1, high=2000))
        self.checklist_view.setItemDelegateForColumn(MaterialColumn.COPIES, self._count_delegates[0])
        self.checklist_view.setItemDelegateForColumn(MaterialColumn.PAGES, self._count_delegates[1])
        self.checklist_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.checklist_view.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.checklist_view.setWordWrap(True)
        # Names and defects wrap to two lines at most; the rest is in the cell's tooltip.
        self._two_lines = TwoLineTextDelegate(self.checklist_view)
        for column in (MaterialColumn.NAME, MaterialColumn.REQUIRED, MaterialColumn.DEFECT):
            self.checklist_view.setItemDelegateForColumn(column, self._two_lines)
        self.checklist_view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header = self.checklist_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(MaterialColumn.NAME, QHeaderView.ResizeMode.Stretch)
        metrics = self.checklist_view.fontMetrics()
        for column, sample in (
            (MaterialColumn.REQUIRED, "原件和复印件/电子"),
            (MaterialColumn.DEFECT, "缺陷说明缺陷说"),
        ):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, metrics.horizontalAdvance(sample) + 12)
        inner.addWidget(self.checklist_view)
        layout.addWidget(box, 1)
        return panel

    def _build_cases_panel(self) -> QWidget:
        """今日办件: a heading that folds the list away (remembered), and the list."""
        panel = QWidget(objectName="casesPanel")
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.cases_toggle = QToolButton(objectName="casesToggle")
        self.cases_toggle.setCheckable(True)
        self.cases_toggle.setChecked(self.window_state.cases_open)
        self.cases_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.cases_toggle.setAutoRaise(True)
        self.cases_toggle.setToolTip("展开或收起今日办件列表（收起后材料核验区更大）")
        self.cases_summary = QLabel("", objectName="casesSummary")
        heading = QHBoxLayout()
        heading.addWidget(self.cases_toggle)
        heading.addWidget(self.cases_summary, 1)
        layout.addLayout(heading)
        self.cases_view = QTableView(objectName="casesView")
        self.cases_view.setModel(self.cases_model)
        self.cases_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.cases_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.cases_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(CaseColumn.ITEM, QHeaderView.ResizeMode.Stretch)
        rows = self.cases_view.verticalHeader()
        rows.setVisible(False)
        rows.setDefaultSectionSize(self.cases_view.fontMetrics().height() + 6)
        row_height = rows.defaultSectionSize()
        self.cases_view.setFixedHeight(header.sizeHint().height() + CASES_ROWS * row_height + 4)
        layout.addWidget(self.cases_view)
        self._show_cases_open(self.window_state.cases_open)
        return panel

    def _show_cases_open(self, on: bool) -> None:
        self.cases_view.setVisible(on)
        self.cases_toggle.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)
        self.cases_toggle.setText("今日办件（双击查看）" if on else "今日办件（已收起，点击展开）")

    def _cases_toggled(self, on: bool) -> None:
        self._show_cases_open(on)
        self.window_state.cases_open = on
        self.window_state.save(self.state_path)

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

    def _remember_geometry(self) -> None:
        self.window_state.maximized = self.isMaximized()
        normal = self.normalGeometry() if self.isMaximized() else self.geometry()
        if normal.isValid():
            self.window_state.geometry = (normal.x(), normal.y(), normal.width(), normal.height())
        self.window_state.save(self.state_path)

    # -- the flow --------------------------------------------------------------------------------
    def _focus_search(self) -> None:
        if self.case_saved:
            self.statusBar().showMessage("本件已保存并锁定；办理下一件请按 新办件 (Ctrl+N)", 10000)
            return
        self.item_query.setFocus()
        self.item_query.selectAll()

    def _focus_case_lookup(self) -> None:
        self.case_lookup.setFocus()
        self.case_lookup.selectAll()

    def _query_changed(self, text: str) -> None:
        index = self.workspace.catalog.index
        self.search_model.set_hits(index.search(text, limit=50) if text.strip() else index.first(50))
        if self.search_model.rowCount():
            self.item_list.setCurrentIndex(self.search_model.index(0, 0))

    def _choose_current(self) -> None:
        index = self.item_list.currentIndex()
        if index.isValid():
            self._choose_index(index)

    def _choose_index(self, index: QModelIndex) -> None:
        self.choose_item(str(index.data(CodeRole)))

    def _referral(self, code: str) -> Referral | None:
        item = self.workspace.catalog.item(code)
        return None if item is None else referral(item=item, hall=self.counter.hall)

    def choose_item(self, code: str) -> None:
        item = self.workspace.catalog.item(code)
        if item is None:
            return
        self.item = item
        self.catalog_notice.setVisible(False)
        kind = (
            "即办件"
            if item.immediate
            else f"承诺件，承诺 {item.promised_limit.label}（法定 {item.legal_limit.label}）"
        )
        fee = "收费" if item.fee.get("charged") else "不收费"
        breakable_code = item.code.replace("-", "-\u200b")  # let the long code wrap at its hyphens
        self.item_details.setText(
            f"{item.name}\n{item.item_type} · {kind} · {fee}\n实施机关：{item.body_name}\n"
            f"编码：{breakable_code}"
        )
        self._refresh_checklist()
        self.intake.name.setFocus()

    def _refresh_checklist(self) -> None:
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
        self._reevaluate()

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
        )

    def _reevaluate(self) -> None:
        if self.case_saved:
            return  # the saved decision stays on screen until 新办件
        request = self.current_request()
        self.evaluation = None
        if request is None:
            self.decision.show_idle("请选择事项")
            return
        try:
            self.evaluation = self.workspace.acceptance.evaluate(request, counter=self.counter)
        except InputError as error:
            self.decision.show_problems(error.problems)
            return
        self.decision.show_evaluation(self.evaluation)

    def accept_case(self) -> None:
        if self.case_saved:
            return  # saved once; changing a saved case is its own recorded action, not a second save
        request = self.current_request()
        if request is None or self.evaluation is None or self.evaluation.problems:
            self._reevaluate()  # a 不予受理 shown before the applicant's name is typed: the panel says so
            return
        try:
            accepted = accept_case(self.workspace, person=self.counter, request=request)
        except InputError as error:
            self.decision.show_problems(error.problems)
            return
        except (StoreError, AcceptanceError, OperationRefused, PermissionDenied, TransitionError) as error:
            self.notify(QMessageBox.Icon.Critical, "未能保存", f"{error}\n\n本办件未保存，请处理后重试。")
            return
        number, label = accepted.changed.number, accepted.case.decision_label
        self.decision.saved.setText(
            f"已保存（{label}）办件编号：\n{number}\n已锁定；下一位请按 新办件 (Ctrl+N)"
        )
        self.decision.saved.setStyleSheet("font-size:13pt;font-weight:bold;color:#1b5e20;")
        self.decision.accept_button.setEnabled(False)
        self.statusBar().showMessage(f"办件 {number} 已保存", 10000)
        self.last_case_number = number
        self.case_saved = True
        self._lock_case(True)
        self.refresh_cases()
        self.sync.local_change()
        self.decision.new_button.setFocus()
        if accepted.print_next is not None:
            self.request_print(str(accepted.print_next), number)

    def _lock_case(self, locked: bool) -> None:
        """A saved case stays on screen as it was saved: readable, its number shown, nothing editable."""
        self.intake.set_read_only(locked)
        self.checklist.set_locked(locked)
        self.checklist_view.setEditTriggers(
            QAbstractItemView.EditTrigger.NoEditTriggers
            if locked
            else QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        for widget in (self.item_query, self.item_list, self.all_received_button):
            widget.setEnabled(not locked)

    def new_case(self) -> None:
        self.item = None
        self.case_saved = False
        self._lock_case(False)
        self.catalog_notice.setVisible(False)
        self.evaluation = None
        self.intake.clear()
        self.item_query.clear()
        self._query_changed("")
        self.item_details.setText("")
        self.checklist.set_materials(())
        self.decision.saved.setText("")
        self.decision.show_idle("请选择事项")
        self._focus_search()

    def _authorize_supervisor(self, login: str, password: str) -> str | None:
        supervisor = self.workspace.authorize(login, password, permission=Permission.RESOLVE_CONFLICT)
        return None if supervisor is None else supervisor.name

    def _synced(self, report: SyncReport) -> None:
        if report.catalog_versions or report.calendar_years:
            self.apply_reference_data()
        self.refresh_cases()

    def apply_reference_data(self) -> None:
        """Sync brought a catalog version or a calendar: use it from now on. Runs between the clerk's
        actions (a queued signal on the GUI thread); a case being entered keeps what the clerk typed, and
        is checked again against the new checklist if that changed."""
        before = self.item
        catalog_changed = self.workspace.refresh_reference_data()
        version = self.workspace.catalog.version
        if not catalog_changed:
            if before is not None and not self.case_saved:
                self._reevaluate()  # the calendar may move the promised date
            self.statusBar().showMessage("已收到新的节假日安排", 10000)
            return
        self._query_changed(self.item_query.text())
        message = f"事项目录已更新为 {version}"
        if before is not None and not self.case_saved:
            after = self.workspace.catalog.item(before.code)
            if after is None:
                self.item = None
                self.item_details.setText("")
                self._show_catalog_notice(f"{message}：事项 {before.name} 已不在新目录中，请重新选择事项")
                self.checklist.set_materials(())
                self.decision.show_idle("请重新选择事项")
                message += f"；事项 {before.name} 已撤销"
            elif after.checklist_sha256 != before.checklist_sha256:
                focused = QApplication.focusWidget()
                self.choose_item(after.code)
                if focused is not None:
                    focused.setFocus()  # the clerk's cursor stays where it was
                self._show_catalog_notice(
                    f"⚠ {message}：本事项的材料清单有变化，已按新清单列出，改动的材料请重新核对"
                )
                message += "；当前事项的材料清单有变化，请重新核对"
            else:
                self.item = after
                self._reevaluate()
        self.statusBar().showMessage(message, 30000)

    def _show_catalog_notice(self, text: str) -> None:
        self.catalog_notice.setText(text)
        self.catalog_notice.setVisible(True)

    def refresh_cases(self) -> None:
        cases = self.workspace.cases.for_day(
            self.workspace.clock.today(), window_code=self.counter.window_code
        )
        self.cases_model.set_cases(cases)
        self._status.setText(f"事项目录 {self.workspace.catalog.version} · 今日 {len(cases)} 件  ")
        self.cases_summary.setText(f"共 {len(cases)} 件")

    # -- looking a case up -----------------------------------------------------------------------
    def lookup_case(self) -> None:
        text = self.case_lookup.text().strip()
        if not text:
            return
        self.show_case(text)

    def _open_case_row(self, index: QModelIndex) -> None:
        self.show_case(str(index.data(NumberRole)))

    def show_case(self, text: str) -> None:
        try:
            found = look_up_case(self.workspace, number=text)
        except CaseNumberError as error:
            self.notify(QMessageBox.Icon.Warning, "办件编号有误", str(error))
            return
        except StoreError as error:
            self.notify(QMessageBox.Icon.Critical, "无法读取", str(error))
            return
        if found.case is not None:
            self.open_case_dialog(found.case)
        elif found.elsewhere is not None:
            self.notify(QMessageBox.Icon.Information, "其他窗口的办件", found.elsewhere_details())
        else:
            self.notify(
                QMessageBox.Icon.Information,
                "未找到",
                f"{found.not_found}（可能尚未同步，或不是本大厅的办件）",
            )

    def open_case_dialog(self, case: CaseView) -> None:
        number = case.number
        dialog = CaseDialog(
            case,
            kinds=self.workspace.documents.available(case),
            prints=self.workspace.documents.prints(number),
            parent=self,
        )
        dialog.print_requested.connect(self.request_print)
        dialog.approve_requested.connect(self.approve)
        dialog.handover_requested.connect(self.hand_over)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.case_dialog = dialog

    def _reopen_case(self, number: str) -> None:
        if self.case_dialog is not None:
            self.case_dialog.close()
        case = self.workspace.cases.find(number)
        if case is not None:
            self.open_case_dialog(case)

    # -- approval and hand-over ------------------------------------------------------------------
    def approve(self, number: str) -> None:
        try:
            approved = approve_case(self.workspace, person=self.counter, number=number)
        except (
            CertificateError,
            SecretStoreError,
            StoreError,
            OperationRefused,
            PermissionDenied,
            TransitionError,
        ) as error:
            self.notify(QMessageBox.Icon.Warning, "未能发证", str(error))
            return
        self.statusBar().showMessage(f"办件 {number} 已审批发证：{approved.certificate_id}", 10000)
        self._reopen_case(approved.changed.number)

    def hand_over(self, number: str, recipient: str, recipient_id: str) -> None:
        try:
            handed = hand_over_certificate(
                self.workspace,
                person=self.counter,
                number=number,
                recipient_name=recipient,
                recipient_id_number=recipient_id,
            )
        except (CertificateError, StoreError, OperationRefused, PermissionDenied, TransitionError) as error:
            self.notify(QMessageBox.Icon.Warning, "未能交付", str(error))
            return
        self._reopen_case(handed.changed.number)
        self.request_print(str(handed.print_next), handed.changed.number)

    # -- printing --------------------------------------------------------------------------------
    def print_last(self) -> None:
        if self.last_case_number is None:
            return
        case = self.workspace.cases.find(self.last_case_number)
        kind = None if case is None else main_document(case.decision)
        if kind is not None:
            self.request_print(str(kind), self.last_case_number)

    def request_print(self, kind_text: str, number: str, reason: str | None = None) -> None:
        """Render off the GUI thread, then preview. A document printed before asks for a reason first."""
        kind = DocumentKind(kind_text)
        if reason is None and needs_reason(self.workspace, number=number, kind=kind):
            dialog = QInputDialog(self)
            dialog.setWindowTitle("补打")
            dialog.setLabelText(f"「{TITLE[kind]}」已打印过。补打原因：")
            dialog.textValueSelected.connect(
                lambda text: (
                    self.request_print(kind_text, number, text)
                    if text.strip()
                    else self.notify(QMessageBox.Icon.Warning, "未补打", "补打须填写原因")
                )
            )
            dialog.open()
            self.reason_dialog = dialog
            return
        self.statusBar().showMessage(f"正在生成{TITLE[kind]}…")
        self.jobs.start(
            lambda: render_document(
                self.workspace, person=self.counter, number=number, kind=kind, reprint_reason=reason
            ),
            success=self._show_preview,
            failure=lambda error: self.notify(QMessageBox.Icon.Warning, "无法生成文书", str(error)),
        )

    def _show_preview(self, document: RenderedDocument) -> None:
        self.statusBar().clearMessage()
        printers = QPrinterInfo.availablePrinterNames()
        remembered = dict(self.workspace.settings.get("printers")).get(str(document.kind))
        default = remembered or QPrinterInfo.defaultPrinterName() or None
        dialog = PrintPreviewDialog(document, printers=printers, default_printer=default, parent=self)
        dialog.accepted.connect(lambda: self._print(document, dialog.job()))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.preview = dialog

    def _print(self, document: RenderedDocument, job: PrintJob) -> None:
        try:
            print_pages(document, job)
        except PrintError as error:
            self.notify(QMessageBox.Icon.Critical, "未打印", f"{error}\n\n本次未记录为已打印。")
            return
        try:
            record_print(
                self.workspace, person=self.counter, document=document, printer=job.printer, copies=job.copies
            )
        except (StoreError, OperationRefused, PermissionDenied, TransitionError) as error:
            self.notify(QMessageBox.Icon.Critical, "打印记录未保存", str(error))
            return
        printers = dict(self.workspace.settings.get("printers"))
        printers[str(document.kind)] = job.printer
        self.workspace.settings.set("printers", printers)
        self.statusBar().showMessage(
            f"{document.title} {document.number} 已送打印机 {job.printer} ×{job.copies}", 10000
        )
        self.refresh_cases()

    def open_verify(self) -> None:
        dialog = VerifyDialog(self.workspace.certificates, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.verify_dialog = dialog

    def closeEvent(self, event: QCloseEvent) -> None:
        self._remember_geometry()
        self.jobs.wait()  # a render in flight finishes before the window goes
        self.sync.stop()
        super().closeEvent(event)

    def notify(self, icon: QMessageBox.Icon, title: str, text: str) -> QMessageBox:
        """A window-modal message that does not block the event loop (the clerk closes it with Enter)."""
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self)
        fit_message_box(box)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.last_message = box
        return box
