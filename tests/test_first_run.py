"""The first-run wizard against a real server (in this process, on SQLite): a bad address, a server out
of reach and an enrolment code already used are said on the page and the wizard stays; a good code makes
the folder a window (the hall, window code and name the server assigned), with its catalog pulled."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWizard
from pytestqt.qtbot import QtBot

from app.clock import Clock
from app.workspace import NotRegisteredError, Workspace, open_workspace
from tests.asgi_server import free_port
from tests.sync_harness import InProcessServer, in_process_server
from ui.first_run import FirstRunWizard, server_address_problem
from ui.jobs import Jobs

pytestmark = pytest.mark.slow


@pytest.fixture
def server(tmp_path: Path) -> Iterator[InProcessServer]:
    yield from in_process_server("sqlite", tmp_path)


@pytest.fixture
def fresh(tmp_path: Path, clock: Clock, server: InProcessServer) -> Iterator[Workspace]:
    """A new PC's data folder: not a window yet."""
    workspace = open_workspace(tmp_path / "new-pc", clock=clock, transport=server.transport)
    try:
        yield workspace
    finally:
        workspace.close()


@pytest.fixture
def wizard(qtbot: QtBot, fresh: Workspace) -> Iterator[FirstRunWizard]:
    jobs = Jobs()
    shown = FirstRunWizard(workspace=fresh, jobs=jobs)
    qtbot.addWidget(shown)
    shown.show()
    yield shown
    jobs.wait()
    jobs.shutdown()


def register(qtbot: QtBot, wizard: FirstRunWizard, code: str) -> str:
    page = wizard.enrol
    page.code.setText(code)
    page.register_button.click()
    qtbot.waitUntil(lambda: page.register_button.isEnabled() or page.isComplete(), timeout=30_000)
    return page.message.text()


def test_the_wizard_registers_the_window_and_says_what_went_wrong_on_the_page(
    qtbot: QtBot, wizard: FirstRunWizard, fresh: Workspace, server: InProcessServer, tmp_path: Path
) -> None:
    with pytest.raises(NotRegisteredError):
        fresh.check_window()
    page = wizard.server
    for address, said in (
        ("zwfw-sync.example.gov.cn", "应以 https:// 开头"),
        ("https://", "应以 https:// 开头"),
    ):
        page.address.setText(address)
        wizard.next()
        assert wizard.currentPage() is page and said in page.message.text()
    page.address.setText(server.url)
    page.ca_file.setText(str(tmp_path / "no-such-ca.pem"))
    wizard.next()
    assert wizard.currentPage() is page and "找不到 CA 证书文件" in page.message.text()
    page.ca_file.setText("")
    wizard.next()
    assert wizard.currentPage() is wizard.enrol
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()  # not registered yet

    said = register(qtbot, wizard, "NOT-A-CODE")
    assert said.startswith("未登记：") and wizard.currentPage() is wizard.enrol
    assert not wizard.enrol.isComplete()

    code = server.enrollment_code("SZX0107", hall="SZX01", window_name="7号综合受理窗口")
    said = register(qtbot, wizard, code)
    assert wizard.enrol.isComplete(), said
    assigned = wizard.enrol.assigned.text()
    assert "SZX01" in assigned and "SZX0107" in assigned and "7号综合受理窗口" in assigned
    hall, window_code = fresh.check_window()  # a window now: registered, its catalog pulled
    assert (hall.code, window_code) == ("SZX01", "SZX0107")
    assert fresh.settings.get("server_url") == server.url
    wizard.next()
    assert wizard.currentPage() is wizard.printers
    wizard.next()  # no printer chosen: chosen when printing
    assert fresh.settings.get("printers") == {}
    wizard.next()
    assert wizard.button(QWizard.WizardButton.FinishButton).isVisible()


def test_an_enrolment_code_already_used_is_said_and_changes_nothing(
    qtbot: QtBot,
    tmp_path: Path,
    clock: Clock,
    server: InProcessServer,
    wizard: FirstRunWizard,
    fresh: Workspace,
) -> None:
    code = server.enrollment_code("SZX0108", hall="SZX01")
    other = open_workspace(tmp_path / "other-pc", clock=clock, transport=server.transport)
    try:
        other.sync.register(server_url=server.url, code=code)  # another PC used it first
    finally:
        other.close()
    wizard.server.address.setText(server.url)
    wizard.next()
    said = register(qtbot, wizard, code)
    assert "登记码已使用过" in said and wizard.currentPage() is wizard.enrol and not wizard.enrol.isComplete()
    assert fresh.settings.get("window_code") == "" and fresh.sync.credential() is None
    with pytest.raises(NotRegisteredError):
        fresh.check_window()


def test_a_server_out_of_reach_is_said_on_the_page(qtbot: QtBot, tmp_path: Path, clock: Clock) -> None:
    workspace = open_workspace(tmp_path / "pc", clock=clock)  # the network: nobody listens on the port
    jobs = Jobs()
    try:
        shown = FirstRunWizard(workspace=workspace, jobs=jobs)
        qtbot.addWidget(shown)
        shown.show()
        shown.server.address.setText(f"http://127.0.0.1:{free_port()}")
        shown.next()
        said = register(qtbot, shown, "ABCD-EFGH")
        assert "未登记" in said and "无法连接服务器" in said and not shown.enrol.isComplete()
        assert workspace.settings.get("window_code") == ""
    finally:
        jobs.wait()
        jobs.shutdown()
        workspace.close()


def test_server_addresses() -> None:
    assert server_address_problem("https://zwfw-sync.example.gov.cn") is None
    assert server_address_problem("http://127.0.0.1:8765/") is None
    assert server_address_problem("ftp://x") is not None
    assert server_address_problem("https://x/?a=1") is not None
