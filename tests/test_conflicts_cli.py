"""`clerk conflicts` and `clerk conflicts resolve`: the supervisor's password as every CLI password
(CLERK_PASSWORD or a prompt), checked at the window and again by a real server (in-process)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from app.accounts.demo import DEMO_CLERK, DEMO_SUPERVISOR
from app.cli import main
from app.clock import Clock
from app.workspace import Workspace
from tests.sync_harness import InProcessServer, in_process_server
from tests.test_conflicts_dialog import RESOLUTION, make_conflicts

pytestmark = pytest.mark.slow

SUPERVISOR_LOGIN, SUPERVISOR_NAME, SUPERVISOR_PASSWORD = DEMO_SUPERVISOR


@pytest.fixture
def server(tmp_path: Path) -> Iterator[InProcessServer]:
    yield from in_process_server("sqlite", tmp_path)


@pytest.fixture
def sync_transport(server: InProcessServer) -> httpx.BaseTransport:
    """The workspace reaches the server in this process without a socket."""
    return server.transport


def clerk(capsys: pytest.CaptureFixture[str], workspace: Workspace, *args: str) -> tuple[int, str, str]:
    code = main([*args, "--home", str(workspace.home)])
    out, err = capsys.readouterr()
    return code, out, err


def unresolved_on_server(server: InProcessServer, number: str) -> bool:
    """A conflict of the case other than the chain breaks the restored PCs of `make_conflicts` cause."""
    return any(c["case_number"] == number and c["reason"] != "chain_break" for c in server.admin("conflicts"))


def test_the_supervisor_resolves_from_the_command_line(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    workspace: Workspace,
    server: InProcessServer,
    tmp_path: Path,
    clock: Clock,
) -> None:
    reused, twice = make_conflicts(workspace, server, tmp_path, clock)
    workspace.sync.sync()
    code, out, _ = clerk(capsys, workspace, "conflicts", "--json")
    assert code == 0
    rows = json.loads(out)
    listed = {c["case_number"]: c for c in rows if c["reason"] != "chain_break"}
    assert set(listed) == {reused, twice}
    assert any(c["reason"] == "chain_break" for c in rows)  # the PCs restored as this window
    code, out, _ = clerk(capsys, workspace, "conflicts")
    assert code == 0 and "编号重复" in out and "重复发证" in out and f"#{listed[reused]['seq']}" in out
    seq = str(listed[reused]["seq"])
    resolve = ("conflicts", "resolve", seq, "--resolution", RESOLUTION, "--by")

    # A clerk's password, or a wrong one: refused here, nothing sent.
    for login, password in ((DEMO_CLERK[0], DEMO_CLERK[2]), (SUPERVISOR_LOGIN, "wrong-password")):
        monkeypatch.setenv("CLERK_PASSWORD", password)
        code, _, err = clerk(capsys, workspace, *resolve, login)
        assert code == 1 and "不是值班主任" in err and "未提交" in err
    # No password at all, and no terminal to ask at: nothing sent.
    monkeypatch.delenv("CLERK_PASSWORD")
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    code, _, err = clerk(capsys, workspace, *resolve, SUPERVISOR_LOGIN)
    assert code == 1 and "CLERK_PASSWORD" in err
    assert unresolved_on_server(server, reused)

    monkeypatch.setenv("CLERK_PASSWORD", SUPERVISOR_PASSWORD)
    code, out, err = clerk(capsys, workspace, *resolve, SUPERVISOR_LOGIN, "--json")
    assert code == 0, err
    assert json.loads(out)["resolved_by"] == f"{SUPERVISOR_NAME}（{SUPERVISOR_LOGIN}@SZX0103）"
    assert not unresolved_on_server(server, reused)
    code, out, _ = clerk(capsys, workspace, "conflicts", "--all")
    assert f"已由{SUPERVISOR_NAME}（SZX0103 窗口）处理：{RESOLUTION}" in out
    code, _, err = clerk(capsys, workspace, *resolve, SUPERVISOR_LOGIN)  # again: nothing to do
    assert code == 1 and "已处理" in err


def test_the_servers_refusal_is_reported(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    workspace: Workspace,
    server: InProcessServer,
    tmp_path: Path,
    clock: Clock,
) -> None:
    reused, _ = make_conflicts(workspace, server, tmp_path, clock)
    workspace.sync.sync()
    [conflict] = [
        c for c in workspace.sync.conflicts() if c["case_number"] == reused and c["reason"] != "chain_break"
    ]
    engine = create_engine(server.database_url)
    with engine.begin() as connection:  # hall IT retired the account on the server; this PC has not heard
        connection.execute(text("UPDATE account SET disabled_at = CURRENT_TIMESTAMP WHERE login = 'zhuren'"))
    engine.dispose()
    monkeypatch.setenv("CLERK_PASSWORD", SUPERVISOR_PASSWORD)
    code, _, err = clerk(
        capsys,
        workspace,
        "conflicts",
        "resolve",
        str(conflict["seq"]),
        "--resolution",
        RESOLUTION,
        "--by",
        SUPERVISOR_LOGIN,
    )
    assert code == 1 and "服务器拒绝了值班主任授权" in err and "账号已停用" in err
    assert unresolved_on_server(server, reused)
    assert [c for c in workspace.sync.conflicts() if c["case_number"] == reused]
