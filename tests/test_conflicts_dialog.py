"""The conflicts dialog on real conflicts from a real server (in-process): its header and its rows tell one
truth for each kind of conflict, the resolver is shown by name, and Tab in 处理意见 moves on."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from pytestqt.qtbot import QtBot

from app.accounts.demo import DEMO_SUPERVISOR
from app.clock import Clock
from app.intake import parse_request
from app.sync.conflicts import CONFLICTS_HEADER
from app.workspace import DATABASE_NAME, Workspace
from tests.helpers import PLANNING, PLANNING_FIELDS, open_demo_workspace, request_json
from tests.sync_harness import InProcessServer, in_process_server
from tests.test_reference_sync import save_shot
from ui.conflicts_dialog import ConflictsDialog, ResolveDialog
from ui.main_window import MainWindow

pytestmark = pytest.mark.slow

SUPERVISOR_LOGIN, SUPERVISOR_NAME, SUPERVISOR_PASSWORD = DEMO_SUPERVISOR
RESOLUTION = "经核实：另一台电脑误设为 SZX0103，已改正窗口编码，其办件重新编号"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[InProcessServer]:
    yield from in_process_server("sqlite", tmp_path)


@pytest.fixture
def sync_transport(server: InProcessServer) -> httpx.BaseTransport:
    """The workspace reaches the server in this process without a socket."""
    return server.transport


def register(
    workspace: Workspace, server: InProcessServer, window: str = "SZX0103", replace: bool = False
) -> None:
    workspace.sync.register(
        server_url=server.url, code=server.enrollment_code(window, hall="SZX01", replace=replace)
    )


def accept(workspace: Workspace) -> str:
    item = workspace.catalog.item(PLANNING)
    assert item is not None
    return workspace.acceptance.accept(parse_request(request_json(item)), counter=workspace.counter("demo"))


def copy_of(workspace: Workspace, home: Path, clock: Clock) -> Workspace:
    """Another PC holding a copy of this window's database (its replacement, restored from a backup)."""
    home.mkdir()
    source, copy = sqlite3.connect(workspace.home / DATABASE_NAME), sqlite3.connect(home / DATABASE_NAME)
    try:
        source.backup(copy)
    finally:
        source.close()
        copy.close()
    return open_demo_workspace(home, clock=clock)


def make_conflicts(
    workspace: Workspace, server: InProcessServer, tmp_path: Path, clock: Clock
) -> tuple[str, str]:
    """Two real conflicts of the hall: (a case number used twice, a case whose certificate was issued twice).

    A second PC wrongly set up as SZX0103 reuses this window's first number; a PC restored from a copy of
    this window's database and registered as this window issues the certificate of a case this window then
    issues too (only the window holding a case records its events)."""
    register(workspace, server)
    reused = accept(workspace)
    twice = accept(workspace)
    workspace.sync.sync()
    twin = open_demo_workspace(tmp_path / "twin", clock=clock)
    office = copy_of(workspace, tmp_path / "office", clock)
    try:
        register(twin, server, replace=True)
        accept(twin)  # serial 1 again: refused by the server
        twin.sync.sync()
        register(office, server, replace=True)
        office.certificates.approve(twice, approver=office.counter("shenpi"), fields=PLANNING_FIELDS)
        office.sync.sync()
        register(workspace, server, replace=True)  # the real PC takes its window back
    finally:
        twin.close()
        office.close()
    workspace.certificates.approve(twice, approver=workspace.counter("shenpi"), fields=PLANNING_FIELDS)
    return reused, twice


CHAIN_BREAK_TEXT = "记录可能被改动"  # how a chain break's row begins (app.sync.conflicts)


def kind_rows(dialog: ConflictsDialog) -> list[int]:
    """The rows of the two conflicts `make_conflicts` makes on purpose. Its PCs that claim this window (a
    second one set up wrongly, one restored from a copy) also break the window's hash chain, and the
    supervisor sees those breaks too (tests/test_audit_chain.py is about them)."""
    return [
        r for r in range(dialog.table.rowCount()) if not dialog.cell_text(r, 2).startswith(CHAIN_BREAK_TEXT)
    ]


def row_of(dialog: ConflictsDialog, number: str) -> int:
    [row] = [r for r in kind_rows(dialog) if dialog.cell_text(r, 0) == number]
    return row


def not_chain(conflicts: list[dict[str, Any]], number: str) -> list[dict[str, Any]]:
    return [c for c in conflicts if c["case_number"] == number and c["reason"] != "chain_break"]


def open_conflicts(qtbot: QtBot, window: MainWindow) -> ConflictsDialog:
    with qtbot.waitSignal(window.sync.synced, timeout=20_000):
        window.sync.sync_now()
    window.sync_status.conflicts_button.click()
    dialog = window.sync_status.conflicts_dialog
    assert dialog is not None
    return dialog


def test_header_and_rows_tell_one_truth_and_the_resolver_is_named(
    qtbot: QtBot,
    window: MainWindow,
    workspace: Workspace,
    server: InProcessServer,
    tmp_path: Path,
    clock: Clock,
) -> None:
    reused, twice = make_conflicts(workspace, server, tmp_path, clock)
    dialog = open_conflicts(qtbot, window)
    shown = kind_rows(dialog)
    assert len(shown) == 2 and dialog.table.rowCount() > 2  # and the chain breaks
    rows = {dialog.cell_text(row, 0): dialog.cell_text(row, 2) for row in shown}
    header = dialog.header.text()
    assert header == CONFLICTS_HEADER
    # The header claims nothing a row denies: it does not say both records are stored everywhere ...
    assert "均已保存" not in header and "都已保存" not in header and "没有删除" in header
    # ... and each row says where its records are, true to its kind.
    assert rows[reused].startswith("编号重复") and "未存入服务器" in rows[reused]
    assert "仍保存在提交它的电脑上" in rows[reused] and "都已保存" not in rows[reused]
    assert rows[twice].startswith("重复发证") and "两条发证记录都已保存在服务器上" in rows[twice]
    assert "未保存" not in rows[twice]
    for text in (header, *rows.values()):
        assert "本窗口" not in text  # a supervisor may read this at any window of the hall
    # Both rows are readable at once: wrapped to the column widths the shown dialog has, not taller.
    qtbot.waitUntil(lambda: sum(dialog.table.rowHeight(r) for r in shown) <= dialog.table.viewport().height())
    save_shot(dialog, "conflicts-two-kinds")

    dialog.table.selectRow(row_of(dialog, reused))
    dialog.resolve_button.click()
    resolve = dialog.resolve_dialog
    assert resolve is not None
    qtbot.waitUntil(resolve.isActiveWindow)
    resolve.resolution.setFocus()
    resolve.resolution.setPlainText(RESOLUTION)  # Chinese comes through the input method, not keystrokes
    resolve.resolution.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClick(resolve.resolution, Qt.Key.Key_Tab)  # on to 负责人账号, as in every form
    assert resolve.focusWidget() is resolve.login and "\t" not in resolve.resolution.toPlainText()
    qtbot.keyClicks(resolve.login, SUPERVISOR_LOGIN)
    qtbot.keyClick(resolve.login, Qt.Key.Key_Tab)
    assert resolve.focusWidget() is resolve.password
    qtbot.keyClicks(resolve.password, SUPERVISOR_PASSWORD)
    with qtbot.waitSignal(resolve.checked):  # on the database lane
        resolve.confirm()
    qtbot.waitUntil(lambda: "已记录处理结果" in dialog.message.text(), timeout=20_000)
    done = dialog.cell_text(row_of(dialog, reused), 4)
    assert done == f"已由{SUPERVISOR_NAME}（SZX0103 窗口）处理：{RESOLUTION}"
    assert SUPERVISOR_LOGIN not in done
    save_shot(dialog, "conflicts-resolved-by-name")
    # The server checked the supervisor's password itself and recorded its own account's name and login.
    [resolved] = not_chain(server.admin("conflicts", "--all"), reused)
    assert resolved["resolved_by"] == f"{SUPERVISOR_NAME}（{SUPERVISOR_LOGIN}@SZX0103）"


def test_a_window_that_does_not_know_the_resolver_shows_the_servers_name(
    workspace: Workspace, server: InProcessServer, tmp_path: Path, clock: Clock
) -> None:
    from sqlalchemy import delete

    from db.models import Clerk

    reused, _ = make_conflicts(workspace, server, tmp_path, clock)
    workspace.sync.sync()
    [conflict] = not_chain(workspace.sync.conflicts(), reused)
    workspace.sync.resolve_conflict(
        conflict["seq"], resolution=RESOLUTION, supervisor=SUPERVISOR_LOGIN, password=SUPERVISOR_PASSWORD
    )
    [mine] = not_chain(workspace.sync.conflicts(unresolved_only=False), reused)
    assert mine["resolved_by_name"] == f"{SUPERVISOR_NAME}（SZX0103 窗口）"
    with workspace.store.write() as session:
        session.execute(delete(Clerk).where(Clerk.login == SUPERVISOR_LOGIN))
    # The server recorded the account's name: a window without that account still shows who it was.
    [theirs] = not_chain(workspace.sync.conflicts(unresolved_only=False), reused)
    assert theirs["resolved_by_name"] == f"{SUPERVISOR_NAME}（SZX0103 窗口）"


def test_the_servers_refusal_is_shown_when_the_local_check_passed(
    qtbot: QtBot,
    window: MainWindow,
    workspace: Workspace,
    server: InProcessServer,
    tmp_path: Path,
    clock: Clock,
) -> None:
    """This window still knows the supervisor's old password; on the server the account is disabled (hall
    IT retired it): the window's own check passes, the server's does not, and nothing is resolved."""
    from sqlalchemy import create_engine, text

    reused, _ = make_conflicts(workspace, server, tmp_path, clock)
    engine = create_engine(server.database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE account SET disabled_at = CURRENT_TIMESTAMP WHERE login = 'zhuren'"))
    engine.dispose()
    dialog = open_conflicts(qtbot, window)
    dialog.table.selectRow(row_of(dialog, reused))
    dialog.resolve_button.click()
    resolve = dialog.resolve_dialog
    assert resolve is not None
    resolve.resolution.setPlainText(RESOLUTION)
    resolve.login.setText(SUPERVISOR_LOGIN)
    resolve.password.setText(SUPERVISOR_PASSWORD)
    with qtbot.waitSignal(resolve.checked, check_params_cb=lambda passed: passed):
        resolve.confirm()
    assert resolve.error.text() == ""  # the window's own check passed
    qtbot.waitUntil(lambda: "未提交" in dialog.message.text(), timeout=20_000)
    shown = dialog.message.text()
    assert "服务器拒绝了值班主任授权" in shown and "账号或密码不正确，或账号已停用" in shown
    save_shot(dialog, "conflicts-refused-by-server")
    row = row_of(dialog, reused)
    assert dialog.cell_text(row, 4) == "未处理" and dialog.resolve_button.isEnabled()
    assert not_chain(server.admin("conflicts"), reused)


def test_resolve_dialog_explains_the_conflict_as_the_row_does(
    qtbot: QtBot,
    window: MainWindow,
    workspace: Workspace,
    server: InProcessServer,
    tmp_path: Path,
    clock: Clock,
) -> None:
    _, twice = make_conflicts(workspace, server, tmp_path, clock)
    dialog = open_conflicts(qtbot, window)
    row = row_of(dialog, twice)
    dialog.table.selectRow(row)
    dialog.resolve_button.click()
    resolve = dialog.resolve_dialog
    assert isinstance(resolve, ResolveDialog)
    about = resolve.about.text()
    assert about.startswith(dialog.cell_text(row, 2)) and "请核实以哪一张证照为准" in about
    resolve.reject()


def test_every_kind_the_server_records_has_its_own_truthful_text() -> None:
    from app.sync.conflicts import describe_conflict
    from app.sync.wire import CONFLICT_EVENT_ID_REUSED
    from server.sync import CONFLICT_REASON, DUPLICATE_CASE_NUMBER

    for reason in (*CONFLICT_REASON.values(), DUPLICATE_CASE_NUMBER, CONFLICT_EVENT_ID_REUSED):
        text = describe_conflict(reason=reason, window_code="SZX0104", message="server words")
        assert "server words" not in text.full and "SZX0104 窗口" in text.summary and "保存在" in text.summary
    both = describe_conflict(reason=CONFLICT_REASON["certificate.handed_over"], window_code=None, message="")
    assert both.summary.startswith("重复出件") and "两条交付记录都已保存在服务器上" in both.summary
    assert "某个窗口" in both.summary
    mine = describe_conflict(reason=DUPLICATE_CASE_NUMBER, window_code="SZX0103", message="", mine=True)
    assert "本机后提交的同号办件未存入服务器，仍保存在本机" in mine.summary
    # A kind this version does not know (a newer server) is shown in the server's words.
    unknown = describe_conflict(reason="new_kind", window_code="SZX0103", message="新的冲突")
    assert unknown.full == "服务器报告的冲突：新的冲突"


def test_the_resolver_is_named_whoever_recorded_it() -> None:
    from app.sync.conflicts import resolver_label

    names = {"zhuren": "陈建国"}
    assert (
        resolver_label("陈建国（zhuren@SZX0103）", {}) == "陈建国（SZX0103 窗口）"
    )  # as the server records it
    assert resolver_label("陈建国（zhuren@SZX0103）", {"zhuren": "陈国"}) == "陈建国（SZX0103 窗口）"
    assert resolver_label("zhuren@SZX0103", names) == "陈建国（SZX0103 窗口）"  # recorded before issue 9
    assert resolver_label("wang@SZX0104", names) == "账号 wang（SZX0104 窗口）"  # an account unknown here
    assert resolver_label("张三", names) == "张三"  # hall IT on the server: `resolve-conflict --by 张三`
    assert resolver_label("zhuren", names) == "陈建国"
    assert resolver_label(None, names) == ""


def test_a_resolution_goes_out_on_the_windows_runner_and_its_failure_is_shown(
    qtbot: QtBot, workspace: Workspace
) -> None:
    """Given the window's job runner, the dialog reads and checks the password on its database lane and sends
    on its network lane; a window not registered with a server cannot send, and the supervisor reads why."""
    from app.sync.conflicts import describe_conflict
    from app.sync.wire import CONFLICT_DUPLICATE_CASE_NUMBER
    from ui.jobs import Jobs, Lane

    jobs = Jobs()
    dialog = ConflictsDialog(workspace=workspace, jobs=jobs)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.reloaded):
        pass
    assert dialog.table.rowCount() == 0  # nothing pulled from a server
    conflict = {
        "seq": 1,
        "case_number": "SZX0103-20261120-0001",
        "text": describe_conflict(reason=CONFLICT_DUPLICATE_CASE_NUMBER, window_code="SZX0104", message=""),
    }
    resolve = ResolveDialog(conflict, lambda _login, _password: SUPERVISOR_NAME, dialog, jobs=jobs)
    resolve.resolution.setPlainText(RESOLUTION)
    resolve.login.setText(SUPERVISOR_LOGIN)
    resolve.password.setText(SUPERVISOR_PASSWORD)
    resolve.confirm()
    checking = resolve.checking
    assert checking is not None and checking.lane is Lane.DATABASE
    with qtbot.waitSignal(resolve.checked):
        pass
    assert resolve.result() == ResolveDialog.DialogCode.Accepted
    dialog._send(conflict, resolve)
    assert resolve.password.text() == ""  # the job holds the password, the closed dialog does not
    assert dialog.message.text() == "正在提交处理结果…" and not dialog.resolve_button.isEnabled()
    sending = dialog.resolving
    assert sending is not None and sending.lane is Lane.NETWORK and jobs.in_flight() == 1
    with qtbot.waitSignal(sending.signals.failed):
        pass
    qtbot.waitUntil(lambda: dialog.message.text() != "正在提交处理结果…")  # said once the rows are read again
    assert (
        dialog.message.text().startswith("处理结果未提交：") and "尚未在服务器登记" in dialog.message.text()
    )
    assert jobs.shutdown()
