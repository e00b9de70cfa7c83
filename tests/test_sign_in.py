"""Signing in at the window: nothing of the window before a password, a refusal said under the fields (no
message box), five wrong passwords lock the login here, a temporary password changed first (which needs
the server), and the headless start of the window process."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.accounts.demo import DEMO_PASSWORD
from app.sync.transport import SyncError
from app.workspace import Workspace
from db.models import Clerk
from tests.helpers import run_program
from ui.jobs import Jobs
from ui.sign_in import PasswordChangeDialog, SignInDialog, change_password_offline, new_password_problem


@pytest.fixture
def jobs() -> Iterator[Jobs]:
    runner = Jobs()
    yield runner
    runner.shutdown()


def dialog_on(qtbot: QtBot, workspace: Workspace, jobs: Jobs, **options: object) -> SignInDialog:
    dialog = SignInDialog(
        workspace=workspace,
        jobs=jobs,
        change_password=options.pop("change_password", change_password_offline),  # type: ignore[arg-type]
        place="示例大厅 · 3号综合受理窗口",
    )
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def submit(qtbot: QtBot, dialog: SignInDialog, login: str, password: str) -> str:
    """Type as a person does (Enter in the password field); what the form says once the check is done."""
    form = dialog.form
    form.login.setText(login)
    form.password.setText(password)
    qtbot.keyClick(form.password, "\r")
    qtbot.waitUntil(lambda: form.submit.isEnabled(), timeout=20_000)
    return form.message.text()


def test_a_wrong_password_is_said_under_the_fields_and_the_right_one_signs_in(
    qtbot: QtBot, workspace: Workspace, jobs: Jobs
) -> None:
    from PySide6.QtWidgets import QApplication, QMessageBox

    dialog = dialog_on(qtbot, workspace, jobs)
    assert "demo1234" in dialog.hint.text() and dialog.hint.isVisible()  # the demo folder's accounts
    said = submit(qtbot, dialog, "demo", "not-the-password")
    assert "账号或密码不正确" in said and "再错 4 次" in said
    assert dialog.form.password.text() == "" and dialog.form.password.hasFocus()
    assert dialog.signed is None and dialog.isVisible()
    assert not any(isinstance(w, QMessageBox) for w in QApplication.topLevelWidgets())  # no box per error
    said = submit(qtbot, dialog, "nobody", "whatever1")  # an unknown login reads the same
    assert "账号或密码不正确" in said
    with qtbot.waitSignal(dialog.accepted, timeout=20_000):
        dialog.form.login.setText("demo")
        dialog.form.password.setText(DEMO_PASSWORD)
        dialog.form.submit.click()
    assert dialog.signed is not None and dialog.signed.login == "demo" and dialog.signed.name == "王晓梅"


def test_five_wrong_passwords_lock_the_login_at_this_window(
    qtbot: QtBot, workspace: Workspace, jobs: Jobs
) -> None:
    dialog = dialog_on(qtbot, workspace, jobs)
    for _ in range(4):
        submit(qtbot, dialog, "shenpi", "wrong-password")
    said = submit(qtbot, dialog, "shenpi", "wrong-password")
    assert "连续 5 次错误" in said and "锁定" in said
    said = submit(qtbot, dialog, "shenpi", DEMO_PASSWORD)  # the right one, while locked
    assert "已锁定至" in said and dialog.signed is None
    said = submit(qtbot, dialog, "chuzheng", "p" * 10_000_000)  # a 10 MB paste (the field keeps 32767)
    assert "密码过长" in said


def temporary(workspace: Workspace, login: str) -> None:
    """Hall IT reset this account's password: it signs in only to be changed."""
    with workspace.store.write() as session:
        clerk = session.get(Clerk, login)
        assert clerk is not None
        clerk.temporary_until = datetime.now() + timedelta(days=3)


def test_a_temporary_password_must_be_changed_and_offline_it_stays_signed_out(
    qtbot: QtBot, workspace: Workspace, jobs: Jobs
) -> None:
    temporary(workspace, "demo")
    dialog = dialog_on(qtbot, workspace, jobs)
    submit(qtbot, dialog, "demo", DEMO_PASSWORD)
    change = dialog.form.password_change
    assert isinstance(change, PasswordChangeDialog)
    for new, again, problem in (
        ("short", "short", "至少 8 个字符"),
        ("demo", "demo", "至少 8 个字符"),
        ("new-password-1", "new-password-2", "两次输入的新密码不一致"),
    ):
        change.new.setText(new)
        change.again.setText(again)
        change.submit()
        assert problem in change.message.text()
    assert new_password_problem("wang.fang", "Wang.Fang", "Wang.Fang") == "新密码不能与账号相同"
    change.new.setText("new-password-1")
    change.again.setText("new-password-1")
    change.submit()
    qtbot.waitUntil(lambda: "密码未修改" in change.message.text(), timeout=20_000)
    assert "修改密码需要连接服务器" in change.message.text() and change.isVisible()
    change.reject()
    assert "仍未登录" in dialog.form.message.text() and dialog.signed is None and dialog.isVisible()


def test_a_temporary_password_changed_through_the_server_signs_in(
    qtbot: QtBot, workspace: Workspace, jobs: Jobs
) -> None:
    temporary(workspace, "demo")
    asked: list[tuple[str, str, str]] = []

    def change(_ws: Workspace, login: str, old: str, new: str) -> None:
        asked.append((login, old, new))
        if new == "refused-by-server":
            raise SyncError("refused", "新密码与最近使用过的密码相同")

    dialog = dialog_on(qtbot, workspace, jobs, change_password=change)
    submit(qtbot, dialog, "demo", DEMO_PASSWORD)
    dialog_change = dialog.form.password_change
    assert dialog_change is not None
    dialog_change.new.setText("refused-by-server")
    dialog_change.again.setText("refused-by-server")
    dialog_change.submit()
    qtbot.waitUntil(lambda: "最近使用过" in dialog_change.message.text(), timeout=20_000)
    with qtbot.waitSignal(dialog.accepted, timeout=20_000):
        dialog_change.new.setText("my-own-password")
        dialog_change.again.setText("my-own-password")
        qtbot.keyClick(dialog_change.again, "\r")
    assert asked[-1] == ("demo", DEMO_PASSWORD, "my-own-password")
    assert dialog.signed is not None and dialog.signed.login == "demo"


def test_nothing_of_the_window_is_built_before_someone_signs_in(qtbot: QtBot, workspace: Workspace) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from ui.main import sign_in_at_start
    from ui.main_window import MainWindow

    seen: list[str] = []

    def look_and_leave() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, SignInDialog):
            seen.append(dialog.windowTitle())
            assert not any(isinstance(w, MainWindow) for w in QApplication.topLevelWidgets())
            dialog.reject()  # 退出

    runner = Jobs()
    timer = QTimer()
    timer.timeout.connect(look_and_leave)
    timer.start(50)
    try:
        person = sign_in_at_start(
            workspace, jobs=runner, change_password=change_password_offline, login="demo", quiet=False
        )
    finally:
        timer.stop()
        runner.shutdown()
    assert person is None and seen == ["窗口受理 — 登录"]
    assert not any(isinstance(w, MainWindow) for w in QApplication.topLevelWidgets())


@pytest.mark.slow
def test_the_window_process_starts_only_signed_in(tmp_path: Path) -> None:
    home = str(tmp_path / "demo")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("CLERK_PASSWORD", None)
    env.pop("CLERK_LOGIN", None)
    unsigned = run_program("ui.main", "--demo", "--home", home, "--quit-when-ready", env=env, timeout=300)
    assert unsigned.returncode == 1 and "未登录" in unsigned.stderr
    assert "ready_seconds" not in unsigned.stdout
    wrong = {**env, "CLERK_LOGIN": "demo", "CLERK_PASSWORD": "wrong-password"}
    refused = run_program("ui.main", "--home", home, "--quit-when-ready", env=wrong, timeout=300)
    assert refused.returncode == 1 and "账号或密码不正确" in refused.stderr
    right = {**env, "CLERK_LOGIN": "demo", "CLERK_PASSWORD": DEMO_PASSWORD}
    started = run_program("ui.main", "--home", home, "--quit-when-ready", env=right, timeout=300)
    assert started.returncode == 0, started.stderr[-2000:]
    assert "ready_seconds" in started.stdout
