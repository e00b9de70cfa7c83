"""First run of a real window: the wizard that makes this PC's data folder a window.

Hall IT answers it once, on a folder that is not a window yet (ui.main opens it instead of refusing to
start): the server's address (and the CA file of a private CA), the one-time enrolment code from
`clerk-server enroll-code`, then the window the server assigns is shown (hall, window code, name) after
the first sync brought its catalog and accounts; a printer per document kind, each with a test page. Then
the window's sign-in. What goes wrong (a bad address, a server out of reach, a code already used) is said
on the page, and the wizard stays where it is: nothing is half-registered (app.sync.registration).
"""

from __future__ import annotations

import platform
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from PySide6.QtPrintSupport import QPrinterInfo
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from app.documents.kinds import TITLE, DocumentKind
from app.operations.sync import Registered, register_window, sync_with_server
from app.secrets import SecretStoreError
from app.settings import SettingsError
from app.sync.transport import SyncError
from app.workspace import Workspace, WorkspaceError
from ui.jobs import Jobs
from ui.object_names import named
from ui.printing import PrintError, print_test_page

ERROR_STYLE = "color:#b00020;"
NO_PRINTER = "（不指定，打印时选择）"


def server_address_problem(text: str) -> str | None:
    """Why `text` is not a server address the window can use (None when it is)."""
    parts = urlsplit(text.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return f"服务器地址“{text.strip()}”无效：应以 https:// 开头，如 https://zwfw-sync.example.gov.cn"
    if parts.query or parts.fragment:
        return "服务器地址不应带 ? 或 # 之后的内容"
    return None


@dataclass(frozen=True)
class SetUp:
    """What the server assigned, and whether the first sync brought what the window needs to work."""

    registered: Registered
    ready: str | None  # why the window cannot work yet (None: catalog and accounts are here)


def register_and_pull(ws: Workspace, *, server_url: str, code: str) -> SetUp:
    """Register with the code, then one sync round for the catalog, calendars and accounts."""
    registered = register_window(ws, server_url=server_url, code=code, device_name=platform.node())
    try:
        sync_with_server(ws)
        ws.refresh_reference_data()
        ws.check_window()
    except (SyncError, WorkspaceError) as error:
        return SetUp(registered, str(error))
    return SetUp(registered, None)


class ServerPage(QWizardPage):
    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self._workspace = workspace
        self.setTitle("中心服务器")
        self.setSubTitle(
            "请输入本大厅中心服务器的地址。服务器使用内部 CA 签发的证书时，请选择该 CA 证书文件。"
        )
        form = QFormLayout(self)
        self.address = named(QLineEdit(str(workspace.settings.get("server_url"))), "serverAddress")
        self.address.setPlaceholderText("https://zwfw-sync.example.gov.cn")
        self.ca_file = named(QLineEdit(str(workspace.settings.get("server_ca"))), "caFile")
        self.ca_file.setPlaceholderText("（使用系统证书）")
        browse = QPushButton("选择…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.ca_file, 1)
        row.addWidget(browse)
        self.message = named(QLabel(), "serverMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        form.addRow("服务器地址", self.address)
        form.addRow("CA 证书文件（选填）", row)
        form.addRow(self.message)

    def _browse(self) -> None:
        chosen, _filter = QFileDialog.getOpenFileName(
            self, "选择 CA 证书", "", "证书 (*.pem *.crt *.cer);;所有文件 (*)"
        )
        if chosen:
            self.ca_file.setText(chosen)

    def validatePage(self) -> bool:
        problem = server_address_problem(self.address.text())
        ca = self.ca_file.text().strip()
        if problem is None and ca and not Path(ca).is_file():
            problem = f"找不到 CA 证书文件 {ca}"
        if problem is None:
            try:
                self._workspace.settings.set("server_ca", ca)
            except (SettingsError, OSError) as error:
                problem = f"无法保存设置：{error}"
        self.message.setText(problem or "")
        return problem is None


class EnrolPage(QWizardPage):
    """The one-time code; 登记 registers and pulls, and the page shows the window the server assigned."""

    def __init__(self, workspace: Workspace, jobs: Jobs, server: ServerPage) -> None:
        super().__init__()
        self._workspace, self._jobs, self._server = workspace, jobs, server
        self.setup: SetUp | None = None
        self.setTitle("登记本窗口")
        self.setSubTitle("请输入大厅信息技术人员在服务器上生成的一次性登记码（clerk-server enroll-code）。")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.code = named(QLineEdit(), "enrolmentCode")
        form.addRow("登记码", self.code)
        layout.addLayout(form)
        self.register_button = named(QPushButton("登记"), "registerButton")
        self.register_button.clicked.connect(self.register)
        self.code.returnPressed.connect(self.register)
        layout.addWidget(self.register_button)
        self.message = named(QLabel(), "enrolMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        layout.addWidget(self.message)
        self.assigned = named(QLabel(), "assignedWindow")
        self.assigned.setWordWrap(True)
        self.assigned.setStyleSheet("font-size:13pt;")
        layout.addWidget(self.assigned)
        layout.addStretch(1)

    def register(self) -> None:
        code = self.code.text().strip()
        if not code:
            self.message.setText("请输入登记码")
            return
        if self.setup is not None and self.setup.ready is None:
            return
        self.register_button.setEnabled(False)
        self.message.setStyleSheet("")
        self.message.setText("正在连接服务器并登记…")
        workspace, url = self._workspace, self._server.address.text().strip()
        if self.setup is not None:  # registered; only the first sync failed: try it again
            work = lambda _p: SetUp(self._registered(), _pull_again(workspace))  # noqa: E731
        else:
            work = lambda _p: register_and_pull(workspace, server_url=url, code=code)  # noqa: E731
        self._jobs.network(work, parent=self).success(self._done).failure(self._failed).run()

    def _registered(self) -> Registered:
        assert self.setup is not None
        return self.setup.registered

    def _done(self, setup: SetUp) -> None:
        self.setup = setup
        self.register_button.setText("再次同步")
        self.register_button.setVisible(setup.ready is not None)  # registered and pulled: nothing to redo
        self.register_button.setEnabled(setup.ready is not None)
        self.code.setReadOnly(True)
        done = setup.registered
        self.assigned.setText(
            f"已登记为：大厅 {done.hall_code} · 窗口 {done.window_code} · {done.window_name or '（未命名）'}"
        )
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setText(
            "" if setup.ready is None else f"已登记，但首次同步未完成：{setup.ready}。请点“再次同步”"
        )
        self.completeChanged.emit()

    def _failed(self, error: Exception) -> None:
        self.register_button.setEnabled(True)
        if not isinstance(error, SyncError | SecretStoreError | SettingsError):
            raise error
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setText(f"未登记：{error}")

    def isComplete(self) -> bool:
        return self.setup is not None and self.setup.ready is None


def _pull_again(ws: Workspace) -> str | None:
    try:
        sync_with_server(ws)
        ws.refresh_reference_data()
        ws.check_window()
    except (SyncError, WorkspaceError) as error:
        return str(error)
    return None


class PrintersPage(QWizardPage):
    """A printer per document kind (kept as the `printers` setting the print preview starts from)."""

    def __init__(self, workspace: Workspace, jobs: Jobs) -> None:
        super().__init__()
        self._workspace, self._jobs = workspace, jobs
        self.setTitle("打印机")
        self.setSubTitle("为每种文书选择打印机，可打印测试页确认。以后打印时仍可改选。")
        form = QFormLayout(self)
        names = QPrinterInfo.availablePrinterNames()
        remembered = dict(workspace.settings.get("printers"))
        self.choices: dict[DocumentKind, QComboBox] = {}
        for kind in DocumentKind:
            combo = named(QComboBox(), f"printer-{kind}")
            combo.addItem(NO_PRINTER, "")
            for name in names:
                combo.addItem(name, name)
            if remembered.get(str(kind)) in names:
                combo.setCurrentText(str(remembered[str(kind)]))
            test = QPushButton("打印测试页")
            test.setObjectName(f"testPage-{kind}")
            test.clicked.connect(lambda _=False, k=kind: self.print_test(k))
            row = QWidget()
            line = QHBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 0)
            line.addWidget(combo, 1)
            line.addWidget(test)
            form.addRow(TITLE[kind], row)
            self.choices[kind] = combo
        self.message = named(
            QLabel("" if names else "本机没有可用的打印机：可稍后在打印时选择"), "printerMessage"
        )
        self.message.setWordWrap(True)
        form.addRow(self.message)

    def print_test(self, kind: DocumentKind) -> None:
        printer = str(self.choices[kind].currentData())
        if not printer:
            self.message.setText(f"请先为{TITLE[kind]}选择打印机")
            return
        self.message.setText(f"正在向「{printer}」发送测试页…")
        self._jobs.network(lambda _p: print_test_page(printer, title=TITLE[kind]), parent=self).success(
            lambda _none: self.message.setText(f"测试页已发送到「{printer}」，请到打印机取件核对")
        ).failure(self._not_printed).run()

    def _not_printed(self, error: Exception) -> None:
        if not isinstance(error, PrintError):
            raise error
        self.message.setText(f"测试页未能打印：{error}")

    def validatePage(self) -> bool:
        chosen = {
            str(kind): str(combo.currentData()) for kind, combo in self.choices.items() if combo.currentData()
        }
        try:
            self._workspace.settings.set("printers", chosen)
        except (SettingsError, OSError) as error:
            self.message.setText(f"无法保存打印机设置：{error}")
            return False
        return True


class DonePage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("设置完成")
        layout = QVBoxLayout(self)
        text = QLabel(
            "本机已登记为窗口，事项目录和工作人员账号已从服务器取得。\n"
            "点“完成”后进入登录：请工作人员用大厅信息技术人员分配的账号和密码登录"
            "（首次使用临时密码时须设置新密码）。"
        )
        text.setWordWrap(True)
        layout.addWidget(text)


class FirstRunWizard(QWizard):
    def __init__(self, *, workspace: Workspace, jobs: Jobs, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("窗口受理 — 首次设置")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setButtonText(QWizard.WizardButton.NextButton, "下一步")
        self.setButtonText(QWizard.WizardButton.BackButton, "上一步")
        self.setButtonText(QWizard.WizardButton.FinishButton, "完成，去登录")
        self.setButtonText(QWizard.WizardButton.CancelButton, "退出")
        self.server = ServerPage(workspace)
        self.enrol = EnrolPage(workspace, jobs, self.server)
        self.printers = PrintersPage(workspace, jobs)
        for page in (self.server, self.enrol, self.printers, DonePage()):
            self.addPage(page)
        self.setMinimumSize(720, 520)
