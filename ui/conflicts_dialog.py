"""Sync conflicts for the hall's supervisor: what the server could not merge, and recording a resolution.

Nothing is dropped: each row says, for its kind, where the records are (app.sync.conflicts); resolving
records what the supervisor found and did. It needs the supervisor's own login and password (主管授权),
checked at this window and again by the server against the hall's accounts, and the server (the conflict
lives there; every window of the hall learns the resolution by sync). The resolver is shown by name, as
the server recorded it from the account.

The dialog reads the conflicts and checks the supervisor's password on the window's database lane, and
sends the resolution (app.operations.sync.resolve_conflict) on its network lane: never on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.accounts.roles import Permission
from app.clock import hall_time_text
from app.operations.changes import OperationRefused
from app.operations.sync import ConflictResolved, resolve_conflict
from app.secrets import SecretStoreError
from app.sync.client import SyncClient, SyncError
from app.sync.conflicts import CONFLICTS_HEADER, describe_conflict
from app.sync.wire import MAX_RESOLUTION_CHARS
from ui.buttons import close_box
from ui.jobs import Jobs, Op
from ui.object_names import named
from ui.screen_fit import fit_to_screen

if TYPE_CHECKING:
    from app.workspace import Workspace

Authorize = Callable[[str, str], str | None]  # (login, password) → the supervisor's name, or None

COLUMNS = ("办件编号", "窗口", "情况", "收到时间", "处理")


def supervisor_check(workspace: Workspace) -> Authorize:
    """The supervisor's password checked against this window's accounts (run on the database lane)."""

    def authorize(login: str, password: str) -> str | None:
        supervisor = workspace.authorize(login, password, permission=Permission.RESOLVE_CONFLICT)
        return None if supervisor is None else supervisor.name

    return authorize


def this_device(client: SyncClient) -> str | None:
    """This PC's device id (None: not registered, or its keyring cannot be read)."""
    try:
        credential = client.credential()
    except SecretStoreError:
        return None
    return None if credential is None else credential.device_id


def read_conflicts(client: SyncClient, *, this_device: str | None) -> list[dict[str, Any]]:
    """The hall's conflicts, unresolved first, then the resolved ones for the record; each with the text
    that says, for its kind, where the records are. On the database lane."""
    conflicts = client.conflicts(unresolved_only=False)
    conflicts.sort(key=lambda c: (c["resolved_at"] is not None, c["seq"]))
    for c in conflicts:
        c["text"] = describe_conflict(
            reason=c["reason"],
            window_code=c["window_code"],
            message=c["message"],
            mine=this_device is not None and c["device_id"] == this_device,
        )
    return conflicts


def _local(utc_text: str) -> str:
    """An ISO UTC time from sync as the hall's clock shows it."""
    try:
        return hall_time_text(utc_text)
    except ValueError:
        return utc_text


class ResolveDialog(QDialog):
    """The supervisor's resolution: what was found and done, confirmed with their own password (checked on
    the database lane of `jobs`; `checked` says how it went)."""

    checked = Signal(bool)  # the password check is done: True, a supervisor's; False, refused or failed

    def __init__(
        self, conflict: dict[str, Any], authorize: Authorize, parent: QWidget | None = None, *, jobs: Jobs
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"处理冲突：办件 {conflict['case_number']}")
        self._authorize = authorize
        self._jobs = jobs
        self.supervisor_login: str | None = None
        self.checking: Op[str | None] | None = None  # the password check on its way
        layout = QVBoxLayout(self)
        self.about = named(QLabel(conflict["text"].full), "conflictAbout")
        self.about.setWordWrap(True)
        layout.addWidget(self.about)
        form = QFormLayout()
        self.resolution = named(QPlainTextEdit(), "resolution")
        self.resolution.setTabChangesFocus(True)  # Tab moves on to 负责人账号, as in every form
        self.resolution.setPlaceholderText(
            "核实结果和处理办法，如：经核实以 SZX0103 窗口办件为准，另一台电脑已改正窗口编码"
        )
        self.resolution.setMinimumHeight(80)
        self.login = named(QLineEdit(), "supervisorLogin")
        self.password = named(QLineEdit(), "supervisorPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("处理意见", self.resolution)
        form.addRow("负责人账号", self.login)
        form.addRow("密码", self.password)
        layout.addLayout(form)
        self.error = named(QLabel(""), "resolveError")
        self.error.setStyleSheet("color:#b00020;")
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("确认处理")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        self.confirm_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.confirm)
        layout.addWidget(buttons)

    def confirm(self) -> None:
        text = self.resolution.toPlainText().strip()
        if not text:
            self.error.setText("请填写处理意见：核实结果和处理办法")
            return
        if len(text) > MAX_RESOLUTION_CHARS:
            self.error.setText(f"处理意见过长（{len(text)} 字，上限 {MAX_RESOLUTION_CHARS} 字）")
            return
        if self.checking is not None:
            return
        login, password, authorize = self.login.text().strip(), self.password.text(), self._authorize
        self.confirm_button.setEnabled(False)
        self.checking = (
            self._jobs.database(lambda _progress: authorize(login, password), parent=self)
            .success(lambda name: self._checked(login, name))
            .failure(self._not_checked)
            .run()
        )

    def _checked(self, login: str, name: str | None) -> None:
        self.checking = None
        self.confirm_button.setEnabled(True)
        if name is None:
            self.password.clear()
            self.error.setText("账号或密码不正确，或该账号不是值班主任：冲突只能由值班主任处理")
            self.checked.emit(False)
            return
        self.supervisor_login = login
        self.accept()
        self.checked.emit(True)

    def _not_checked(self, error: Exception) -> None:
        self.checking = None
        self.confirm_button.setEnabled(True)
        self.error.setText(f"无法核对账号：{error}")
        self.checked.emit(False)


class ConflictsDialog(QDialog):
    """`jobs` is the window's job runner: the conflicts are read on its database lane (`reloaded` says
    when they are shown), the resolution goes to the server on its network lane. `conflicts`: as
    read_conflicts read them a moment ago (the sync status's last look), shown at once."""

    reloaded = Signal()

    def __init__(
        self,
        *,
        workspace: Workspace,
        jobs: Jobs,
        parent: QWidget | None = None,
        conflicts: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("同步冲突（请值班主任核实处理）")
        fit_to_screen(self, preferred=QSize(960, 460))
        self._workspace = workspace
        self._authorize = supervisor_check(workspace)
        self._jobs = jobs
        self.conflicts: list[dict[str, Any]] = []
        self.loaded = False  # the conflicts were read at least once
        self.resolve_dialog: ResolveDialog | None = None
        self.resolving: Op[ConflictResolved] | None = None  # the resolution on its way to the server
        layout = QVBoxLayout(self)
        self.header = named(QLabel(CONFLICTS_HEADER), "conflictsHeader")
        self.header.setWordWrap(True)
        layout.addWidget(self.header)
        self.table = named(QTableWidget(0, len(COLUMNS)), "conflictsTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(4, 240)
        # Wrapped rows take their height from the column widths: again whenever those change (they settle
        # only after the dialog is shown or resized, see showEvent / resizeEvent).
        header.sectionResized.connect(lambda *_: self.table.resizeRowsToContents())
        layout.addWidget(self.table)
        self.message = named(QLabel(""), "conflictsMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        buttons = close_box(self)
        self.resolve_button = named(QPushButton("处理…"), "resolveConflict")
        buttons.addButton(self.resolve_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.resolve_button.clicked.connect(self.resolve_selected)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        layout.addWidget(buttons)
        if conflicts is None:
            self.reload()
        else:
            self._show_conflicts(conflicts, None)

    def reload(self, then: Callable[[], object] | None = None) -> None:
        """Read the conflicts on the database lane and show them; then `then` (the outcome of a
        resolution, said once the rows show it)."""
        client = self._workspace.sync
        self._jobs.database(
            lambda _progress: read_conflicts(client, this_device=this_device(client)), parent=self
        ).success(lambda conflicts: self._show_conflicts(conflicts, then)).failure(
            lambda error: self._not_read(error, then)
        ).run()

    def unresolved(self) -> int:
        return sum(1 for c in self.conflicts if c["resolved_at"] is None)

    def _not_read(self, error: Exception, then: Callable[[], object] | None) -> None:
        if then is not None:
            then()
        self.message.setStyleSheet("color:#b00020;")
        self.message.setText(f"{self.message.text()}（冲突记录未能读取：{error}）".lstrip())

    def _show_conflicts(self, conflicts: list[dict[str, Any]], then: Callable[[], object] | None) -> None:
        self.conflicts = conflicts
        self.loaded = True
        self.table.setRowCount(len(self.conflicts))
        for row, c in enumerate(self.conflicts):
            done = f"已由{c['resolved_by_name']}处理：{c['resolution']}" if c["resolved_at"] else "未处理"
            cells = (
                c["case_number"],
                c["window_code"] or "—",
                c["text"].summary,
                _local(c["received_at"]),
                done,
            )
            for column, value in enumerate(cells):
                item = QTableWidgetItem(str(value))
                if column == 2:
                    item.setToolTip(c["text"].full)
                if c["resolved_at"] is None:
                    item.setForeground(Qt.GlobalColor.darkRed)
                self.table.setItem(row, column, item)
        self.table.resizeRowsToContents()
        unresolved = [i for i, c in enumerate(self.conflicts) if c["resolved_at"] is None]
        if unresolved:
            self.table.selectRow(unresolved[0])
        self._selection_changed()
        if then is not None:
            then()
        self.reloaded.emit()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, self.table, self.table.resizeRowsToContents)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        QTimer.singleShot(0, self.table, self.table.resizeRowsToContents)

    def cell_text(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return "" if item is None else item.text()

    def _selected(self) -> dict[str, Any] | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.conflicts[rows[0].row()]

    def _selection_changed(self) -> None:
        chosen = self._selected()
        self.resolve_button.setEnabled(chosen is not None and chosen["resolved_at"] is None)

    def resolve_selected(self) -> None:
        chosen = self._selected()
        if chosen is None or chosen["resolved_at"] is not None:
            return
        dialog = ResolveDialog(chosen, self._authorize, self, jobs=self._jobs)
        self.resolve_dialog = dialog
        dialog.accepted.connect(lambda: self._send(chosen, dialog))
        dialog.open()

    def _send(self, conflict: dict[str, Any], dialog: ResolveDialog) -> None:
        resolution = dialog.resolution.toPlainText().strip()
        supervisor = str(dialog.supervisor_login)
        password = dialog.password.text()
        dialog.password.clear()  # the job holds it until sent; the closed dialog does not
        self.resolve_button.setEnabled(False)
        self.message.setStyleSheet("")
        self.message.setText("正在提交处理结果…")
        seq = conflict["seq"]
        workspace = self._workspace
        self.resolving = (
            self._jobs.network(
                lambda _progress: resolve_conflict(
                    workspace, seq=seq, resolution=resolution, supervisor_login=supervisor, password=password
                ),
                parent=self,
            )
            .success(lambda _answer: self._sent(conflict))
            .failure(self._failed)
            .run()
        )

    def _sent(self, conflict: dict[str, Any]) -> None:
        text = f"办件 {conflict['case_number']} 的冲突已记录处理结果，本大厅各窗口同步后可见"
        self.reload(then=lambda: self._say(text, color="#1b5e20"))

    def _failed(self, error: Exception) -> None:
        if isinstance(error, SyncError) and error.kind == "offline":
            text = f"无法连接服务器，处理结果未提交：冲突记录在服务器上，请联网后再处理。（{error.message}）"
        elif isinstance(error, OperationRefused):  # the server refused the supervisor (or, meanwhile, here)
            text = f"{error}（本机的账号信息可能已过时，请与大厅信息技术人员核对）"
        elif isinstance(error, SyncError):
            text = f"处理结果未提交：{error.message}"
        else:
            text = f"处理结果未提交：{error}"
        self.reload(then=lambda: self._say(text, color="#b00020"))

    def _say(self, text: str, *, color: str) -> None:
        self.message.setStyleSheet(f"color:{color};")
        self.message.setText(text)
