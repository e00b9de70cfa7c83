"""Helper mode's own widgets: the pre-check (④ 预审, in place of the decision), the 代办委托书 form, and below
the form 我的草稿 and 我的代办/帮办件 with the helper's workload (in place of 今日办件)."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.clock import CHINA, hall_time_text
from app.completeness import CompletenessResult, Verdict
from app.helpers.agency import Authorisation
from app.helpers.client_cases import ClientList, Workload
from app.helpers.my_drafts import PRECHECK_LABEL, DraftEntry
from app.intake import Problem
from ui.decision_panel import VERDICT_COLOR
from ui.object_names import named

LIST_ROWS = 3  # rows shown below the form (it scrolls for more), as 今日办件


class PrecheckPanel(QGroupBox):
    """④ 预审: what is complete, what is missing or defective, what the applicant must bring; the actions.
    Nothing here decides or numbers anything."""

    def __init__(self) -> None:
        super().__init__("④ 预审（不作受理决定）")
        layout = QVBoxLayout(self)
        self.state = named(QLabel("请选择事项"), "precheckState")
        self.state.setStyleSheet("font-size:16pt;font-weight:bold;color:#555;")
        self.state.setWordWrap(True)
        self.findings = named(QListWidget(), "precheckFindings")
        self.findings.setWordWrap(True)
        self.findings.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        bring_title = QLabel("请申请人携带或补正：")
        bring_title.setStyleSheet("font-weight:bold;")
        self.to_bring = named(QListWidget(), "toBringList")
        self.to_bring.setWordWrap(True)
        self.to_bring.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.agency = named(QCheckBox("全程代办（凭代办委托书）"), "agencyCheck")
        self.agency_summary = named(QLabel(""), "agencySummary")
        self.agency_summary.setWordWrap(True)
        self.agency_button = named(QPushButton("代办委托书…"), "agencyButton")
        self.agency_button.setEnabled(False)
        agency_row = QHBoxLayout()
        agency_row.addWidget(self.agency)
        agency_row.addWidget(self.agency_button)
        self.draft_label = named(QLabel(""), "draftLabel")
        self.draft_label.setWordWrap(True)
        self.draft_label.setStyleSheet("color:#1b5e20;")
        self.save_button = named(QPushButton("保存草稿 (Ctrl+S)"), "saveDraftButton")
        self.print_button = named(QPushButton("打印预审单 (Ctrl+P)"), "printSheetButton")
        self.print_button.setMinimumHeight(40)
        self.new_button = named(QPushButton("新草稿 (Ctrl+N)"), "newDraftButton")
        layout.addWidget(self.state)
        layout.addWidget(self.findings, 3)
        layout.addWidget(bring_title)
        layout.addWidget(self.to_bring, 2)
        layout.addLayout(agency_row)
        layout.addWidget(self.agency_summary)
        layout.addWidget(self.draft_label)
        layout.addWidget(self.save_button)
        layout.addWidget(self.print_button)
        layout.addWidget(self.new_button)
        self.show_idle("请选择事项")

    def show_idle(self, text: str) -> None:
        self.state.setText(text)
        self.state.setStyleSheet("font-size:16pt;font-weight:bold;color:#555;")
        self.findings.clear()
        self.to_bring.clear()

    def show_problems(self, problems: list[Problem]) -> None:
        self.show_idle("待完善")
        for problem in problems:
            item = QListWidgetItem(f"✎ {problem.message}")
            item.setToolTip(problem.field)
            item.setForeground(QBrush(QColor("#b00020")))
            self.findings.addItem(item)

    def show_precheck(self, result: CompletenessResult, to_bring: tuple[str, ...]) -> None:
        self.state.setText(f"预审：{PRECHECK_LABEL[result.outcome]}")
        color = "#2e7d32" if not to_bring else "#b26a00"
        self.state.setStyleSheet(f"font-size:16pt;font-weight:bold;color:{color};")
        self.findings.clear()
        for finding in result.findings:
            text = finding.message
            if finding.verdict is Verdict.OK and finding.material is not None:
                text = f"✓ {finding.material.name}"
            item = QListWidgetItem(text)
            item.setToolTip(f"规则：{finding.rule}")
            item.setForeground(QBrush(QColor(VERDICT_COLOR[finding.verdict])))
            self.findings.addItem(item)
        self.to_bring.clear()
        for n, line in enumerate(to_bring, start=1):
            self.to_bring.addItem(f"{n}. {line}")
        if not to_bring:
            self.to_bring.addItem("无：材料齐全，请携带以上材料原件到窗口")

    def show_authorisation(self, authorisation: Authorisation | None) -> None:
        if authorisation is None:
            self.agency_summary.setText("")
            return
        self.agency_summary.setText(f"委托人 {authorisation.principal}；{authorisation.period_text()}")
        self.agency_summary.setToolTip(f"委托事项及权限：{authorisation.scope}")


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _day(edit: QDateEdit) -> date:
    value = edit.date()
    return date(value.year(), value.month(), value.day())


class AuthorisationDialog(QDialog):
    """The 代办委托书 as the helper reads it off the paper: principal, scope, period, date, number."""

    def __init__(self, *, today: date, current: Authorisation | None, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle("代办委托书")
        form = QFormLayout(self)
        self.principal = named(QLineEdit(), "principalEdit")
        self.principal_id = named(QLineEdit(), "principalIdEdit")
        self.principal_id.setPlaceholderText("统一社会信用代码或身份证号码（应与申请人一致）")
        self.scope = named(QPlainTextEdit(), "scopeEdit")
        self.scope.setPlaceholderText("委托书所写的委托事项及权限，如：代为申请、递交材料、领取证照")
        self.scope.setFixedHeight(self.scope.fontMetrics().height() * 4)
        self.valid_from = named(QDateEdit(_qdate(today)), "validFromEdit")
        self.valid_until = named(QDateEdit(_qdate(today)), "validUntilEdit")
        self.signed_on = named(QDateEdit(_qdate(today)), "signedOnEdit")
        for edit in (self.valid_from, self.valid_until, self.signed_on):
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setCalendarPopup(True)
        self.reference = named(QLineEdit(), "referenceEdit")
        self.reference.setPlaceholderText("委托书编号（如有）")
        if current is not None:
            self.principal.setText(current.principal)
            self.principal_id.setText(current.principal_id)
            self.scope.setPlainText(current.scope)
            self.valid_from.setDate(_qdate(current.valid_from))
            self.valid_until.setDate(_qdate(current.valid_until))
            self.signed_on.setDate(_qdate(current.signed_on))
            self.reference.setText(current.reference)
        self.problems = named(QLabel(""), "authorisationProblems")
        self.problems.setStyleSheet("color:#b00020;")
        self.problems.setWordWrap(True)
        form.addRow("委托人", self.principal)
        form.addRow("委托人证件号码", self.principal_id)
        form.addRow("委托事项及权限", self.scope)
        form.addRow("委托期限起", self.valid_from)
        form.addRow("委托期限止", self.valid_until)
        form.addRow("落款日期", self.signed_on)
        form.addRow("委托书编号", self.reference)
        form.addRow(self.problems)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setObjectName("authorisationOk")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def authorisation(self) -> Authorisation:
        return Authorisation(
            principal=self.principal.text().strip(),
            principal_id=self.principal_id.text().strip().upper(),
            scope=self.scope.toPlainText().strip(),
            valid_from=_day(self.valid_from),
            valid_until=_day(self.valid_until),
            signed_on=_day(self.signed_on),
            reference=self.reference.text().strip(),
        )


def _cell(text: str, *, data: object = None) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    if data is not None:
        item.setData(Qt.ItemDataRole.UserRole, data)
    return item


def _table(headers: list[str], name: str, stretch: int) -> QTableWidget:
    table = named(QTableWidget(0, len(headers)), name)
    table.setHorizontalHeaderLabels(headers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    rows = table.verticalHeader()
    rows.setVisible(False)
    rows.setDefaultSectionSize(table.fontMetrics().height() + 6)
    table.setFixedHeight(header.sizeHint().height() + LIST_ROWS * rows.defaultSectionSize() + 4)
    return table


class HelperLists(QWidget):
    """Below the form in helper mode: 我的草稿 (double-click reopens one), 我的代办/帮办件 (as last fetched),
    and the workload line."""

    open_draft = Signal(str)  # a draft id
    refresh_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("helperLists")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.workload = named(QLabel(""), "workloadLabel")
        self.fetched = named(QLabel("代办/帮办件：尚未从服务器获取"), "clientsFetched")
        self.refresh_button = named(QPushButton("刷新代办/帮办件"), "refreshClients")
        self.refresh_button.clicked.connect(self.refresh_requested)
        corner = QWidget()
        corner_layout = QHBoxLayout(corner)
        corner_layout.setContentsMargins(8, 0, 0, 0)
        corner_layout.addWidget(self.workload)
        corner_layout.addSpacing(12)
        corner_layout.addWidget(self.fetched)
        corner_layout.addWidget(self.refresh_button)
        self.tabs = named(QTabWidget(), "helperTabs")
        self.drafts = _table(["保存时间", "事项", "申请人", "预审情况", "代办", "预审单"], "draftsView", 1)
        self.clients = _table(
            ["受理日期", "办件编号", "事项", "申请人", "状态", "承诺办结", "法定期限", "补正期限", "类型"],
            "clientsView",
            2,
        )
        self.tabs.addTab(self.drafts, "我的草稿（双击打开）")
        self.tabs.addTab(self.clients, "我的代办/帮办件")
        self.tabs.setCornerWidget(corner, Qt.Corner.TopRightCorner)
        bar = max(self.tabs.tabBar().sizeHint().height(), corner.sizeHint().height())
        self.tabs.setFixedHeight(bar + self.drafts.height() + 6)
        layout.addWidget(self.tabs)
        self.drafts.doubleClicked.connect(self._open_row)

    def _open_row(self, index: QModelIndex) -> None:
        item = self.drafts.item(index.row(), 0)
        if item is not None:
            self.open_draft.emit(str(item.data(Qt.ItemDataRole.UserRole)))

    def show_drafts(self, entries: list[DraftEntry]) -> None:
        self.drafts.setRowCount(len(entries))
        for row, entry in enumerate(entries):
            draft = entry.draft
            values = [
                hall_time_text(draft.created_at),
                entry.item_name,
                draft.request.applicant.name,
                entry.precheck,
                "代办" if draft.authorisation is not None else "帮办",
                "已打印" if entry.printed else "未打印",
            ]
            for column, text in enumerate(values):
                self.drafts.setItem(row, column, _cell(text, data=draft.draft_id if column == 0 else None))

    def show_clients(self, clients: ClientList | None, *, today: date) -> None:
        if clients is None:
            self.fetched.setText("代办/帮办件：尚未从服务器获取")
            self.clients.setRowCount(0)
            return
        moment = clients.fetched_at.astimezone(CHINA)
        more = "（仅列最近的部分）" if clients.truncated else ""
        self.fetched.setText(f"代办/帮办件：{moment:%m-%d %H:%M} 获取{more}")
        self.clients.setRowCount(len(clients.cases))
        for row, case in enumerate(clients.cases):
            values = [
                case.received_on.isoformat(),
                case.number,
                case.item_name,
                case.applicant_name,
                case.status_label + ("（逾期）" if case.overdue_on(today) else ""),
                case.promised_date.isoformat() if case.promised_date else "—",
                case.legal_due.isoformat() if case.legal_due else "—",
                case.supplement_deadline.isoformat() if case.supplement_deadline else "—",
                "代办" if case.agency else "帮办",
            ]
            for column, text in enumerate(values):
                item = _cell(text)
                if column == 4 and case.overdue_on(today):
                    item.setForeground(QBrush(QColor("#b00020")))
                self.clients.setItem(row, column, item)

    def show_workload(self, load: Workload) -> None:
        statuses = "、".join(f"{label} {n}" for label, n in load.by_status) or "无"
        self.workload.setText(
            f"本周草稿 {load.drafts_this_week} 份 · 在办 {load.open_cases} 件 · "
            f"逾期 {load.overdue} 件 · 按状态：{statuses}"
        )
