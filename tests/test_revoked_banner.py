"""A window whose device the central server has revoked says so loudly, in Chinese, and keeps saying so
after a restart; a window that was never registered gets a calmer message. Real server (in-process), real
enrolment and revocation, the real main window."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.clock import Clock
from app.intake import parse_request
from app.workspace import Workspace, open_workspace
from tests.helpers import SEAL, request_json
from tests.sync_harness import InProcessServer, in_process_server
from tests.test_reference_sync import save_shot
from ui.main_window import MainWindow

pytestmark = pytest.mark.slow

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[InProcessServer]:
    yield from in_process_server("sqlite", tmp_path)


@pytest.fixture
def sync_transport(server: InProcessServer) -> httpx.BaseTransport:
    """The workspace reaches the server in this process without a socket."""
    return server.transport


def open_window(qtbot: QtBot, workspace: Workspace) -> MainWindow:
    """The real main window as the program opens it (without starting the sync loop), once its sync status
    has been read (on the database lane)."""
    from ui.fonts import register_fonts, ui_font

    QApplication.instance().setFont(ui_font(register_fonts()))  # type: ignore[union-attr]
    window = MainWindow(workspace=workspace, counter=workspace.counter("demo"))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.sync.loaded)
    return window


def close_window(window: MainWindow) -> None:
    window.jobs.wait()
    QApplication.processEvents()
    window.close()


def accept(workspace: Workspace, count: int) -> None:
    item = workspace.catalog.item(SEAL)
    assert item is not None
    for _ in range(count):
        workspace.acceptance.accept(parse_request(request_json(item)), counter=workspace.counter("demo"))


def round_to(qtbot: QtBot, window: MainWindow, state: str) -> None:
    with qtbot.waitSignal(
        window.sync.changed, timeout=20_000, check_params_cb=lambda view: view.state == state
    ):
        window.sync.sync_now()


def banner_text(window: MainWindow) -> str:
    banner = window.revoked_banner
    return "\n".join((banner.title.text(), banner.body.text(), banner.steps.text()))


def assert_revoked_banner(window: MainWindow, *, pending: int, url: str, home: Path) -> None:
    banner = window.revoked_banner
    assert banner.isVisible()
    text = banner_text(window)
    # What happened ...
    assert "本机已被中心服务器停用" in text and "吊销" in text
    # ... that the cases are safe ...
    assert "本机的办件都还保存在这台电脑上" in text and f"{pending} 条待上传" in text
    assert "重新登记后会自动上传" in text
    # ... and what to do, exactly.
    assert "联系大厅信息技术人员" in text
    assert "clerk-server enroll-code --hall SZX01 --window SZX0103" in text
    assert f'clerk register --home "{home}" --server {url} --code 登记码' in text
    # Loud: red, and above the work area, not only in the status bar.
    assert "#b00020" in banner.styleSheet()
    central = window.centralWidget()
    top_of_work = central.mapTo(window, central.rect().topLeft()).y()
    assert banner.mapTo(window, banner.rect().bottomLeft()).y() <= top_of_work
    # The status bar agrees, in Chinese, tooltip included.
    label = window.sync_status.label
    assert "本机已停用" in label.text()
    assert CJK.search(label.toolTip()) and "吊销" in label.toolTip()
    assert "请用 clerk register" not in label.toolTip()
    assert CJK.search(banner.toolTip()) and "设备编号" in banner.toolTip()


def test_a_revoked_window_says_so_loudly_and_after_a_restart(
    qtbot: QtBot, workspace: Workspace, server: InProcessServer, clock: Clock
) -> None:
    workspace.sync.register(server_url=server.url, code=server.enrollment_code("SZX0103", hall="SZX01"))
    window = open_window(qtbot, workspace)
    assert not window.revoked_banner.isVisible()
    round_to(qtbot, window, "online")
    credential = workspace.sync.credential()
    assert credential is not None
    server.admin("revoke", credential.device_id, "--reason", "测试：本机停用")
    accept(workspace, 2)
    window.sync.local_change()

    round_to(qtbot, window, "revoked")  # the failing round
    assert_revoked_banner(window, pending=2, url=server.url, home=workspace.home)
    window.resize(1366, 768)
    save_shot(window, "revoked-banner-1366x768")
    assert banner_text(window).count("条待上传") == 1
    round_to(qtbot, window, "revoked")  # the next try (no credential left) says the same, not "未登记"
    assert_revoked_banner(window, pending=2, url=server.url, home=workspace.home)
    assert window.sync.timer.isActive()  # it keeps looking for a new registration, quietly and locally
    close_window(window)
    workspace.close()

    # The program is started again: the banner is there from the first moment, without a round.
    again = open_workspace(workspace.home, clock=clock)
    try:
        window = open_window(qtbot, again)
        assert_revoked_banner(window, pending=2, url=server.url, home=again.home)
        round_to(qtbot, window, "revoked")
        assert_revoked_banner(window, pending=2, url=server.url, home=again.home)

        # Hall IT registers the PC again (a new code: the old device is revoked): the waiting cases go up
        # and the banner goes.
        again.sync.register(server_url=server.url, code=server.enrollment_code("SZX0103", hall="SZX01"))
        round_to(qtbot, window, "online")
        assert not window.revoked_banner.isVisible() and again.sync.pending() == 0
        assert again.sync.revocation() is None
        close_window(window)
    finally:
        again.close()


def test_a_never_registered_window_gets_a_calm_message(qtbot: QtBot, workspace: Workspace) -> None:
    window = open_window(qtbot, workspace)
    round_to(qtbot, window, "not_registered")
    assert not window.revoked_banner.isVisible()
    label = window.sync_status.label
    assert "未登记" in label.text() and "停用" not in label.text()
    tip = label.toolTip()
    assert "尚未在中心服务器登记" in tip and "办件保存在本机" in tip
    assert "吊销" not in tip and "停用" not in tip and "请用 clerk register" not in tip
    assert "clerk register --home" in tip  # still exact about what to do
    save_shot(window, "not-registered")
    assert window.sync.view.retry_in is None and workspace.sync.revocation() is None
    close_window(window)


def test_a_broken_keyring_does_not_stop_the_window_opening(qtbot: QtBot, workspace: Workspace) -> None:
    import keyring
    import keyring.errors

    from tests.conftest import MemoryKeyring

    class BrokenKeyring(MemoryKeyring):
        def get_password(self, service: str, username: str) -> str | None:
            raise keyring.errors.KeyringLocked("locked")

    workspace.settings.set("server_url", "http://127.0.0.1:9")
    keyring.set_keyring(BrokenKeyring())  # the autouse fixture restores the previous one
    window = open_window(qtbot, workspace)
    assert window.sync.view.state == "error" and not window.revoked_banner.isVisible()
    assert "无法读取系统密钥库" in window.sync_status.label.toolTip()
    close_window(window)
