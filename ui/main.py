"""Start the window: fonts, workspace, sign-in, main window."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.operations.person import Actor
    from app.workspace import Workspace
    from ui.jobs import Jobs
    from ui.sign_in import ChangePassword

_T0 = time.perf_counter()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="window-clerk", description="窗口受理")
    parser.add_argument("--home", type=Path, default=None, help="本窗口数据目录")
    parser.add_argument("--clerk", default=None, help="登录框中预填的账号（仍须输入密码）")
    parser.add_argument(
        "--demo", action="store_true", help="新建的数据目录作为演示大厅（密钥存于数据目录文件）"
    )
    parser.add_argument("--screenshot", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--quit-when-ready", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--version", action="store_true", help="显示版本号")
    args = parser.parse_args(argv)
    if args.version:
        return _show_version()
    log = logging.getLogger("clerk")

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from app import __version__
    from app.diagnostics import FORMAT, start_logging
    from app.workspace import default_home
    from ui.crash import CrashReporter, log_qt_messages
    from ui.fonts import install_chinese_translations, register_fonts, ui_font
    from ui.icons import app_icon

    home = args.home or default_home()
    # The window is built without a console: its log file in the data folder is where its lines go.
    program_log = start_logging(
        home=home, program="window", console_level=logging.INFO, console_format=FORMAT
    )
    log.info("window-clerk %s starting; data folder %s", __version__, home)
    log_qt_messages()
    app = QApplication(sys.argv[:1])
    crash_reporter = CrashReporter(home=home, log_file=program_log)
    crash_reporter.install()
    app.setApplicationName("WindowClerk")
    app.setWindowIcon(app_icon())
    app.setFont(ui_font(register_fonts()))
    install_chinese_translations(app)
    workspace = open_for_the_counter(home, demo=args.demo, quiet=args.quit_when_ready)
    if workspace is None:
        return 1

    from ui.jobs import Jobs, Lane
    from ui.main_window import MainWindow
    from ui.sign_in import change_password_on_server

    change_password = change_password_on_server
    jobs = Jobs()
    signing_in = time.perf_counter()
    counter = sign_in_at_start(
        workspace, jobs=jobs, change_password=change_password, login=args.clerk, quiet=args.quit_when_ready
    )
    if counter is None:
        jobs.shutdown()
        workspace.close()
        return 1
    window = MainWindow(workspace=workspace, counter=counter, change_password=change_password, jobs=jobs)
    window.show_on_screen()
    embedded = None
    if args.demo:
        from app.sync.embedded import EmbeddedServer

        embedded = EmbeddedServer(home / "demo-server")

        def bring_up() -> None:
            url = embedded.start()
            credential = workspace.sync.credential()
            if credential is None or credential.server_url != url:
                code = embedded.enrollment_code(counter.window_code, hall=counter.hall.code, replace=True)
                workspace.sync.register(server_url=url, code=code, device_name="演示窗口")

        # The network lane: starting the server and registering takes seconds the database worker must not
        # wait for (registering writes its credential in a short transaction of its own).
        window.jobs.network(lambda _progress: bring_up(), parent=window).success(
            lambda _result: window.sync.start()
        ).failure(lambda error: window.notify(QMessageBox.Icon.Warning, "演示服务器", str(error))).run()
    else:
        window.sync.start()

    def ready() -> None:
        print(f"ready_seconds={time.perf_counter() - _T0:.3f}", flush=True)
        print(f"sign_in_to_ready_seconds={time.perf_counter() - signing_in:.3f}", flush=True)
        spawned = os.environ.get("CLERK_SPAWNED_AT")  # set by the start benchmark: wall clock at spawn
        if spawned:
            print(f"spawn_to_ready_seconds={time.time() - float(spawned):.3f}", flush=True)
        # Fonts, catalog and widgets live as long as the window: keep them out of the cyclic
        # collector's full passes, which otherwise stall a keystroke or a print now and then.
        gc.freeze()
        # The PDF machinery (reportlab, fonts) loads on the job thread now the window is up; then its
        # objects are frozen too.
        if not args.quit_when_ready:
            from app.documents.service import warm_up

            window.jobs.start(
                warm_up,
                success=lambda _result: gc.freeze(),
                failure=lambda error: log.warning("document warm-up failed: %s", error),
            )
            # Page files of cases never saved, from earlier days: removed once the window is up, on the
            # network lane (file work and one short read), so the database lane stays free for the clerk.
            window.jobs.start(
                lambda: workspace.pages.sweep(),
                success=lambda _removed: None,
                failure=lambda error: log.warning("page sweep failed: %s", error),
                lane=Lane.NETWORK,
            )
        if args.screenshot:
            window.grab().save(str(args.screenshot))
        if args.quit_when_ready:
            app.quit()

    # Ready once the window shows what it reads on its database lane (today's cases).
    window.when_loaded(ready)
    # A shutdown or `kill` (SIGTERM) closes the window the normal way, so the demo server stops with it.
    signal.signal(signal.SIGTERM, lambda *_: app.quit())
    wake = QTimer()  # Qt's loop must hand control to Python now and then for the handler to run
    wake.timeout.connect(lambda: None)
    wake.start(500)
    code = app.exec()
    window.jobs.shutdown()  # no job may still use the workspace when it closes
    if embedded is not None:
        embedded.stop()
    workspace.close()
    crash_reporter.uninstall()
    program_log.close()
    return code


def open_for_the_counter(home: Path, *, demo: bool, quiet: bool) -> Workspace | None:
    """The data folder opened, a window ready for someone to sign in; None when the window cannot start,
    after saying why in the log and (unless `quiet`) in a dialog: a damaged database (what hall IT does
    about it), a settings file that cannot be read, a folder without its catalog. A folder not registered
    yet is set up by the first-run wizard (ui.first_run) when someone is there to answer it."""
    from app.settings import SettingsError
    from app.workspace import NotRegisteredError, WorkspaceError, open_workspace, prepare_demo_home
    from db.store import StoreError

    try:
        if demo:
            prepare_demo_home(home)
        workspace = open_workspace(home)
    except (StoreError, WorkspaceError, SettingsError) as error:
        _refuse_start(error, quiet=quiet)
        return None
    try:
        workspace.check_window()
    except NotRegisteredError as error:
        if quiet or not _set_up(workspace):
            workspace.close()
            _refuse_start(error, quiet=True)
            return None
    except (StoreError, WorkspaceError) as error:
        workspace.close()
        _refuse_start(error, quiet=quiet)
        return None
    return workspace


def _set_up(workspace: Workspace) -> bool:
    """The first-run wizard on a folder that is not a window yet: True once it is one (registered, its
    catalog and accounts pulled)."""
    from PySide6.QtWidgets import QDialog

    from ui.first_run import FirstRunWizard
    from ui.jobs import Jobs

    jobs = Jobs()
    try:
        return FirstRunWizard(workspace=workspace, jobs=jobs).exec() == QDialog.DialogCode.Accepted.value
    finally:
        jobs.shutdown()


def sign_in_at_start(
    workspace: Workspace, *, jobs: Jobs, change_password: ChangePassword, login: str | None, quiet: bool
) -> Actor | None:
    """Who acts at the window, signed in with their password before anything of the window is built; None
    when nobody signed in (the dialog closed, or headless without a password).

    Headless (scripts, tests, screenshots): `CLERK_LOGIN` (or `--clerk`) and `CLERK_PASSWORD` from the
    environment, checked as at the dialog; a temporary password needs the dialog."""
    from app.accounts.signin import SignInRefused
    from app.workspace import WorkspaceError
    from ui.sign_in import SignInDialog

    log = logging.getLogger("clerk")
    login = login or os.environ.get("CLERK_LOGIN") or ""
    password = os.environ.get("CLERK_PASSWORD")
    if password is not None and login:
        try:
            signed = workspace.sign_in(login, password)
            if signed.must_change:
                raise WorkspaceError(f"账号 {login} 的密码是临时密码：请在登录框中登录并设置新密码")
            if signed.rehash:
                workspace.upgrade_hash(login, password)
            return workspace.counter(login)
        except (SignInRefused, WorkspaceError) as error:
            log.error("登录未成功：%s", error)
            if quiet:
                return None
    elif quiet:
        log.error("未登录：无人值守启动须由环境变量 CLERK_LOGIN 和 CLERK_PASSWORD 给出账号和密码")
        return None
    hall, _window_code = workspace.check_window()
    place = f"{hall.name} · {workspace.settings.get('window_name') or _window_code}"
    dialog = SignInDialog(
        workspace=workspace, jobs=jobs, change_password=change_password, place=place, login=login
    )
    while dialog.exec() == dialog.DialogCode.Accepted.value and dialog.signed is not None:
        try:
            return workspace.counter(dialog.signed.login)
        except WorkspaceError as error:
            dialog.form.message.setText(str(error))
    return None


def _refuse_start(error: Exception, *, quiet: bool) -> None:
    from PySide6.QtWidgets import QMessageBox

    from app.workspace import NotRegisteredError
    from db.store import StoreError

    logging.getLogger("clerk").error("无法启动：%s", error)
    if quiet:
        return
    if isinstance(error, NotRegisteredError):
        title = "本机尚未登记为窗口"
    elif isinstance(error, StoreError) and error.kind in ("corrupt", "missing"):
        title = "本窗口数据库损坏，无法启动"
    else:
        title = "无法启动"
    QMessageBox.critical(None, title, str(error))


def _show_version() -> int:
    from app import __version__

    if sys.stdout is not None:
        print(f"window-clerk {__version__}")
        return 0
    # The installed window has no console on Windows: say it in a message instead.
    from PySide6.QtWidgets import QApplication, QMessageBox

    _app = QApplication(sys.argv[:1])
    QMessageBox.information(None, "窗口受理", f"窗口受理 window-clerk {__version__}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
