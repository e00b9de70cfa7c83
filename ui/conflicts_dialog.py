"""Sync conflicts for the hall's supervisor: what the server could not merge, and recording a resolution.

Nothing is dropped: each row says, for its kind, where the records are (app.sync.conflicts); resolving
records what the supervisor found and did. It needs the supervisor's own login and password (主管授权),
checked at this window and again by the server against the hall's accounts, and the server (the conflict
lives there; every window of the hall learns the resolution by sync). The resolver is shown by name, as
the server recorded it from the account.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer
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

from app.clock import hall_time_text
from app.sync.client import SyncClient, SyncError
from app.sync.conflicts import CONFLICTS_HEADER, describe_conflict
from app.sync.wire import MAX_RESOLUTION_CHARS
from ui.jobs import Jobs, Op
from ui.object_names import named
from ui.screen_fit import fit_to_screen

Authorize = Callable[[str, str], str | None]  # (login, password) → the supervisor's name, or None

COLUMNS = ("办件编号", "窗口", "情况", "收到时间", "处理")


def _local(utc_text: str) -> str:
    """An ISO UTC time from sync as the hall's clock shows it."""
    try:
        return hall_time_text(utc_text)
    except ValueError:
        return utc_text


class ResolveDialog(QDialog):
    """The supervisor's resolution: what was found and done, confirmed with their own password."""

    def __init__(self, conflict: dict[str, Any], authorize: Authorize, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"处理冲突：办件 {conflict['case_number']}")
        self._authorize = authorize
        self.supervisor_login: str | None = None
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
        buttons.accepted.connect(self.confirm)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def confirm(self) -> None:
        text = self.resolution.toPlainText().strip()
        if not text:
            self.error.setText("请填写处理意见：核实结果和处理办法")
            return
        if len(text) > MAX_RESOLUTION_CHARS:
            self.error.setText(f"处理意见过长（{len(text)} 字，上限 {MAX_RESOLUTION_CHARS} 字）")
            return
        login = self.login.text().strip()
        if self._authorize(login, self.password.text()) is None:
            self.password.clear()
            self.error.setText("账号或密码不正确，或该账号不是大厅负责人：冲突只能由大厅负责人处理")
            return
        self.supervisor_login = login
        self.accept()


class ConflictsDialog(QDialog):
    """`jobs` is the window's job runner; the resolution goes to the server on its network lane. Without
    one (a caller not yet handed the window's runner), the dialog makes its own."""

    def __init__(
        self,
        client: SyncClient,
        authorize: Authorize,
        parent: QWidget | None = None,
        *,
        jobs: Jobs | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("同步冲突（请大厅负责人核实处理）")
        fit_to_screen(self, preferred=QSize(960, 460))
        self._client = client
        self._authorize = authorize
        self._jobs = jobs if jobs is not None else Jobs()
        self.conflicts: list[dict[str, Any]] = []
        self.resolve_dialog: ResolveDialog | None = None
        self.resolving: Op[dict[str, Any]] | None = None  # the resolution on its way to the server
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
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        self.resolve_button = named(QPushButton("处理…"), "resolveConflict")
        buttons.addButton(self.resolve_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.resolve_button.clicked.connect(self.resolve_selected)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        layout.addWidget(buttons)
        self.reload()

    def reload(self) -> None:
        self.conflicts = self._client.conflicts(unresolved_only=False)
        # Unresolved first, then the resolved ones for the record.
        self.conflicts.sort(key=lambda c: (c["resolved_at"] is not None, c["seq"]))
        credential = self._client.credential()
        this_device = credential.device_id if credential is not None else None
        for c in self.conflicts:
            c["text"] = describe_conflict(
                reason=c["reason"],
                window_code=c["window_code"],
                message=c["message"],
                mine=this_device is not None and c["device_id"] == this_device,
            )
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
        dialog = ResolveDialog(chosen, self._authorize, self)
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
        client = self._client
        self.resolving = (
            self._jobs.network(
                lambda _progress: client.resolve_conflict(
                    seq, resolution=resolution, supervisor=supervisor, password=password
                ),
                parent=self,
            )
            .success(lambda _answer: self._sent(conflict))
            .failure(self._failed)
            .run()
        )

    def _sent(self, conflict: dict[str, Any]) -> None:
        self.message.setStyleSheet("color:#1b5e20;")
        self.message.setText(f"办件 {conflict['case_number']} 的冲突已记录处理结果，本大厅各窗口同步后可见")
        self.reload()

    def _failed(self, error: Exception) -> None:
        self.message.setStyleSheet("color:#b00020;")
        if isinstance(error, SyncError) and error.kind == "offline":
            text = f"无法连接服务器，处理结果未提交：冲突记录在服务器上，请联网后再处理。（{error.message}）"
        elif isinstance(error, SyncError) and error.kind == "refused":
            text = (
                f"服务器拒绝了大厅负责人授权，处理结果未提交：{error.message}"
                "（本机的账号信息可能已过时，请与大厅信息技术人员核对）"
            )
        elif isinstance(error, SyncError):
            text = f"处理结果未提交：{error.message}"
        else:
            text = f"处理结果未提交：{error}"
        self.message.setText(text)
        self.reload()
