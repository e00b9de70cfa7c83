"""Who sits at the window: the sign-in form (at start, at a shift change, on the idle lock) and the forced
change of a temporary password.

The form checks the password on the database lane (app.accounts.signin: a memory-hard hash, the count of
wrong passwords, the lock at this window) and shows a refusal inline, under the fields, with the password
cleared: no message box per wrong password. A temporary password signs in only once it is changed, which
needs the server: the change itself is handed in (`ChangePassword`), so the window, the tests and the
server's client agree on one callable.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.accounts.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from app.accounts.roles import ROLE_LABEL
from app.accounts.signin import SignedIn, SignInRefused
from app.sync.transport import SyncError
from app.sync.wire import MAX_PASSWORD_CHARS
from app.workspace import Workspace
from ui.jobs import Jobs
from ui.object_names import named

# (workspace, login, old password, new password): the server sets the new password, or SyncError says why
# not (offline, refused). The window's start (ui.main) hands the real one in.
ChangePassword = Callable[[Workspace, str, str, str], None]

MIN_PASSWORD_CHARS = 8
ERROR_STYLE = "color:#b00020;"


def change_password_on_server(ws: Workspace, login: str, old: str, new: str) -> None:
    """The person's new password, set on the server (SyncError offline or refused) and kept here at once."""
    ws.change_password(login, old, new)


def change_password_offline(_ws: Workspace, _login: str, _old: str, _new: str) -> None:
    """The change a window makes until it has a way to reach its server for it: always refused."""
    raise SyncError("offline", "修改密码需要连接服务器：本窗口目前无法修改密码，请联系大厅信息技术人员")


def demo_hint() -> str:
    """The demo folder's accounts, for the line under the sign-in form."""
    logins = "、".join(f"{login}（{ROLE_LABEL[role]}）" for (login, _name, _pw), role in DEMO_ACCOUNTS)
    return f"演示账号：{logins}，密码均为 {DEMO_PASSWORD}"


def new_password_problem(login: str, new: str, again: str) -> str | None:
    """Why the new password cannot be taken (None when it can): the rules the server applies too."""
    if len(new) < MIN_PASSWORD_CHARS:
        return f"新密码至少 {MIN_PASSWORD_CHARS} 个字符"
    if len(new) > MAX_PASSWORD_CHARS:
        return f"新密码最多 {MAX_PASSWORD_CHARS} 个字符"
    if new.strip().lower() == login.strip().lower():
        return "新密码不能与账号相同"
    if new != again:
        return "两次输入的新密码不一致"
    return None


class SignInForm(QWidget):
    """Login and password; `signed_in` once the password is right (and a temporary one was changed).

    `fixed_login`: only this person may sign in (the idle lock's unlock): the login is shown, not typed."""

    signed_in = Signal(object)  # SignedIn

    def __init__(
        self,
        *,
        workspace: Workspace,
        jobs: Jobs,
        change_password: ChangePassword,
        login: str = "",
        fixed_login: bool = False,
        submit_text: str = "登录",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._workspace = workspace
        self._jobs = jobs
        self._change_password = change_password
        self.password_change: PasswordChangeDialog | None = None
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.login = named(QLineEdit(login), "signInLogin")
        self.login.setMaxLength(40)
        self.login.setReadOnly(fixed_login)
        self.password = named(QLineEdit(), "signInPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = named(QLabel(), "signInMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        self.submit = named(QPushButton(submit_text), "signInButton")
        form.addRow("账号", self.login)
        form.addRow("密码", self.password)
        form.addRow(self.message)
        form.addRow(self.submit)
        self.login.returnPressed.connect(self._login_entered)
        self.password.returnPressed.connect(self.try_sign_in)
        self.submit.clicked.connect(self.try_sign_in)

    def set_login(self, login: str, *, fixed: bool) -> None:
        self.login.setText(login)
        self.login.setReadOnly(fixed)
        self.password.clear()
        self.message.clear()

    def focus_first(self) -> None:
        """The field the person types into first: the login when it is empty, else the password."""
        (self.password if self.login.text() else self.login).setFocus()

    def _login_entered(self) -> None:
        self.password.setFocus()

    def try_sign_in(self) -> None:
        login, password = self.login.text().strip(), self.password.text()
        if not login:
            self._refused("请输入账号")
            self.login.setFocus()
            return
        if not password:
            self._refused("请输入密码")
            return
        self.submit.setEnabled(False)
        self.message.setText("正在核对…")
        self.message.setStyleSheet("")
        workspace = self._workspace
        self._jobs.database(lambda _progress: workspace.sign_in(login, password), parent=self).success(
            lambda signed: self._checked(signed, password)
        ).failure(self._not_signed_in).run()

    def _checked(self, signed: SignedIn, password: str) -> None:
        self.submit.setEnabled(True)
        self.message.clear()
        if signed.must_change:
            dialog = PasswordChangeDialog(
                workspace=self._workspace,
                jobs=self._jobs,
                change_password=self._change_password,
                login=signed.login,
                old_password=password,
                parent=self,
            )
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.finished.connect(lambda result: self._changed(signed, result))
            self.password_change = dialog
            dialog.open()
            return
        self.password.clear()
        if signed.rehash:  # an older hash scheme: the server makes today's (online; else next time)
            workspace = self._workspace
            self._jobs.network(
                lambda _progress: workspace.upgrade_hash(signed.login, password), parent=self
            ).run()
        self.signed_in.emit(signed)

    def _changed(self, signed: SignedIn, result: int) -> None:
        self.password_change = None
        if result != QDialog.DialogCode.Accepted.value:
            self._refused("临时密码须先修改为新密码才能登录；密码未修改，仍未登录")
            return
        self.password.clear()
        self.signed_in.emit(signed)

    def _not_signed_in(self, error: Exception) -> None:
        self.submit.setEnabled(True)
        if not isinstance(error, SignInRefused):
            raise error
        self._refused(str(error))

    def _refused(self, text: str) -> None:
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setText(text)
        self.password.clear()
        self.password.setFocus()


class SignInDialog(QDialog):
    """The window's first dialog: nothing of the window is built before someone signs in here."""

    def __init__(
        self,
        *,
        workspace: Workspace,
        jobs: Jobs,
        change_password: ChangePassword,
        place: str,
        login: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("窗口受理 — 登录")
        self.signed: SignedIn | None = None
        layout = QVBoxLayout(self)
        title = QLabel(f"<b>{place}</b><br>请输入您的账号和密码登录")
        title.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(title)
        self.form = SignInForm(
            workspace=workspace, jobs=jobs, change_password=change_password, login=login, parent=self
        )
        layout.addWidget(self.form)
        self.hint = named(QLabel(demo_hint() if workspace.is_demo else ""), "demoHint")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color:#555;")
        self.hint.setVisible(workspace.is_demo)
        layout.addWidget(self.hint)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("退出")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setAutoDefault(False)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.form.signed_in.connect(self._signed_in)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("中" * 30))
        self.form.focus_first()

    def _signed_in(self, signed: SignedIn) -> None:
        self.signed = signed
        self.accept()


class PasswordChangeDialog(QDialog):
    """A temporary password replaced by the person's own (twice, ≥ 8 characters, not the login); the
    server takes the change. Refused or offline: the message says so and the dialog stays."""

    def __init__(
        self,
        *,
        workspace: Workspace,
        jobs: Jobs,
        change_password: ChangePassword,
        login: str,
        old_password: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("设置新密码")
        self._workspace, self._jobs, self._change = workspace, jobs, change_password
        self._login, self._old = login, old_password
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"账号 {login} 使用的是临时密码，请设置您自己的新密码后再开始办件。"))
        form = QFormLayout()
        self.new = named(QLineEdit(), "newPassword")
        self.again = named(QLineEdit(), "newPasswordAgain")
        for field in (self.new, self.again):
            field.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow(f"新密码（至少 {MIN_PASSWORD_CHARS} 位）", self.new)
        form.addRow("再次输入", self.again)
        layout.addLayout(form)
        self.message = named(QLabel(), "passwordMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("修改密码")
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.new.returnPressed.connect(self.again.setFocus)
        self.again.returnPressed.connect(self.submit)
        self.new.setFocus()

    def submit(self) -> None:
        problem = new_password_problem(self._login, self.new.text(), self.again.text())
        if problem is not None:
            self.message.setText(problem)
            return
        self.ok.setEnabled(False)
        self.message.setText("正在连接服务器…")
        workspace, change, login, old, new = (
            self._workspace,
            self._change,
            self._login,
            self._old,
            self.new.text(),
        )
        self._jobs.network(lambda _progress: change(workspace, login, old, new), parent=self).success(
            lambda _none: self.accept()
        ).failure(self._not_changed).run()

    def _not_changed(self, error: Exception) -> None:
        self.ok.setEnabled(True)
        if not isinstance(error, SyncError):
            raise error
        self.message.setText(f"密码未修改：{error.message}")
