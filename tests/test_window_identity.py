"""A data folder is a window only once the server says which: no window code, no accounts and no
acceptance before registration; the demo hall's identity only in a demo folder."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, func, select, text

from app.accounts.roles import Permission
from app.cli import main
from app.settings import Settings
from app.workspace import NotRegisteredError, WorkspaceError, open_workspace, prepare_demo_home
from db.models import Case, CaseEvent, Clerk
from tests.conftest import MemoryKeyring
from tests.helpers import SEAL, demo_item, request_json, run_program
from tests.sync_harness import InProcessServer, in_process_server

pytestmark = pytest.mark.usefixtures("clerk_env")  # `clerk` acts as the demo clerk


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def request_file(tmp_path: Path) -> Path:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(request_json(demo_item(SEAL)), ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def server(tmp_path: Path) -> Iterator[InProcessServer]:
    yield from in_process_server("sqlite", tmp_path)


@pytest.fixture
def sync_transport(server: InProcessServer) -> httpx.BaseTransport:
    """The workspace reaches the server in this process without a socket."""
    return server.transport


def stored_counts(home: Path) -> tuple[int, int]:
    """(cases, outbox events about cases: sign-in records aside) in a folder's database, by sqlite3."""
    connection = sqlite3.connect(home / "window.sqlite3")
    try:
        cases = connection.execute("SELECT count(*) FROM 'case'").fetchone()[0]
        events = connection.execute("SELECT count(*) FROM case_event WHERE case_number != ''").fetchone()[0]
    finally:
        connection.close()
    return cases, events


def assert_says_how_to_register(message: str) -> None:
    assert "尚未登记为窗口" in message, message
    assert "clerk register --server" in message and "--code" in message, message
    assert "clerk-server enroll-code" in message, message


def test_accept_in_the_per_user_folder_refuses_until_registered(request_file: Path, tmp_path: Path) -> None:
    """The reported case: `clerk accept` without --home, on a PC where nothing was set up."""
    env = {k: v for k, v in os.environ.items() if k != "CLERK_HOME"}
    env["XDG_DATA_HOME"] = str(tmp_path / "user-data")
    result = run_program("app.cli", "--json", "accept", str(request_file), env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert_says_how_to_register(result.stderr)
    assert "case_number" not in json.loads(result.stdout)
    assert "SZX0103" not in result.stdout + result.stderr
    assert stored_counts(tmp_path / "user-data" / "WindowClerk") == (0, 0)


def test_a_fresh_folder_accepts_nothing_and_stores_nothing(
    capsys: pytest.CaptureFixture[str], request_file: Path, tmp_path: Path
) -> None:
    home = tmp_path / "fresh"
    code, out, err = run(capsys, "--home", str(home), "--json", "accept", str(request_file))
    assert code == 1
    assert_says_how_to_register(err)
    assert "case_number" not in json.loads(out)
    assert stored_counts(home) == (0, 0)


def test_a_fresh_folder_has_no_window_code_no_accounts_and_no_demo_catalog(tmp_path: Path) -> None:
    ws = open_workspace(tmp_path / "fresh")
    try:
        assert not ws.is_demo
        assert [ws.settings.get(k) for k in ("hall_code", "window_code", "window_name")] == ["", "", ""]
        with ws.store.read() as session:
            assert session.scalar(select(func.count()).select_from(Clerk)) == 0
        with pytest.raises(WorkspaceError, match="本窗口还没有工作人员账号"):
            ws.sign_in("demo", "demo1234")
        assert ws.catalog.version == ""  # a window's catalog comes from its server
        with pytest.raises(NotRegisteredError) as raised:
            ws.counter("demo")
        assert_says_how_to_register(str(raised.value))
        with pytest.raises(NotRegisteredError):
            ws.counter("demo")
        with ws.store.read() as session:
            assert session.scalar(select(func.count()).select_from(Case)) == 0
            assert session.scalar(select(func.count()).select_from(CaseEvent)) == 0
    finally:
        ws.close()


def test_registering_writes_the_window_the_server_assigned(
    capsys: pytest.CaptureFixture[str],
    request_file: Path,
    tmp_path: Path,
    server: InProcessServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code = server.enrollment_code("SZX0107", hall="SZX01", window_name="7号综合受理窗口")
    home = str(tmp_path / "window")
    rc, out, err = run(capsys, "--home", home, "--json", "register", "--server", server.url, "--code", code)
    assert rc == 0, err
    assert json.loads(out)["window_code"] == "SZX0107"
    settings = Settings(Path(home) / "settings.json")
    assert settings.get("window_code") == "SZX0107"
    assert settings.get("hall_code") == "SZX01"
    assert settings.get("window_name") == "7号综合受理窗口"
    assert settings.get("server_url") == server.url
    assert not settings.get("demo")
    [device] = server.admin("devices")
    assert (device["window_code"], device["state"]) == ("SZX0107", "active")

    # Before its first sync the window has neither catalog nor accounts, and says where they come from.
    monkeypatch.setenv("CLERK_LOGIN", "wang.fang")
    monkeypatch.setenv("CLERK_PASSWORD", "counter-pass-7")
    rc, _, err = run(capsys, "--home", home, "accept", str(request_file))
    assert rc == 1 and "尚未取得事项目录" in err, err
    ws = open_workspace(Path(home))
    try:
        with pytest.raises(WorkspaceError, match=r"没有工作人员账号.*clerk-server account add"):
            ws.sign_in("wang.fang", "counter-pass-7")
    finally:
        ws.close()
    # The catalog and the hall's accounts (this test server's are the demo hall's) come by sync;
    # wang.fang is not one of them yet.
    assert run(capsys, "--home", home, "sync")[0] == 0
    rc, _, err = run(capsys, "--home", home, "accept", str(request_file))
    assert rc == 1 and "账号或密码不正确" in err, err
    assert stored_counts(Path(home)) == (0, 0)

    # Hall IT adds the person on the server; the account reaches the window by its next sync, with a
    # temporary password: set at the window (online), then the command line may act as her.
    add = ("account", "add", "wang.fang", "--hall", "SZX01", "--name", "王芳", "--role", "clerk")
    server.admin(*add, password="temporary-7")
    assert run(capsys, "--home", home, "sync")[0] == 0
    monkeypatch.setenv("CLERK_PASSWORD", "temporary-7")
    rc, _, err = run(capsys, "--home", home, "accept", str(request_file))
    assert rc == 1 and "临时密码" in err, err
    ws = open_workspace(Path(home))
    try:
        assert ws.sign_in("wang.fang", "temporary-7").must_change
        ws.change_password("wang.fang", "temporary-7", "counter-pass-7")
    finally:
        ws.close()
    monkeypatch.setenv("CLERK_PASSWORD", "counter-pass-7")
    rc, out, err = run(capsys, "--home", home, "--json", "accept", str(request_file))
    assert rc == 0, err
    assert json.loads(out)["case_number"].startswith("SZX0107-")
    assert run(capsys, "--home", home, "sync")[0] == 0
    ws = open_workspace(Path(home))
    try:
        assert not ws.sign_in("wang.fang", "counter-pass-7").must_change
        assert ws.sync.pending() == 1  # that sign-in's own record, to go with the next sync
    finally:
        ws.close()


def test_an_invalid_window_code_from_the_server_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, server: InProcessServer, memory_keyring: MemoryKeyring
) -> None:
    # `enroll-code` checks window codes; a damaged or tampered server database could still hand one out.
    code = server.enrollment_code("SZX0108", hall="SZX01")
    assert server.database_url is not None
    engine = create_engine(server.database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE enrollment SET window_code = 'sz 08' WHERE window_code = 'SZX0108'"))
    engine.dispose()
    home = tmp_path / "window"
    rc, _, err = run(capsys, "--home", str(home), "register", "--server", server.url, "--code", code)
    assert rc == 1
    assert "窗口编码“sz 08”无效" in err, err
    settings = Settings(home / "settings.json")
    assert settings.get("window_code") == "" and settings.get("server_url") == ""
    assert memory_keyring.secrets == {}  # no credential kept
    assert [d["state"] for d in server.admin("devices") if d["window_code"] == "sz 08"] == ["pending"]


def test_a_demo_folder_works_as_before(
    capsys: pytest.CaptureFixture[str], request_file: Path, tmp_path: Path
) -> None:
    home = str(tmp_path / "demo")
    rc, out, err = run(capsys, "--home", home, "--json", "demo-init")
    assert rc == 0, err
    made = json.loads(out)
    assert (made["demo"], made["hall_code"], made["window_code"]) == (True, "SZX01", "SZX0103")
    assert run(capsys, "--home", home, "demo-init")[0] == 0  # again: nothing changes, nothing doubles
    rc, out, err = run(capsys, "--home", home, "--json", "accept", str(request_file))
    assert rc == 0, err
    assert json.loads(out)["case_number"].startswith("SZX0103-")
    ws = open_workspace(Path(home))
    try:
        assert ws.is_demo and ws.settings.get("secret_store") == "demo-file"
        assert not ws.sign_in("demo", "demo1234").must_change
        counter = ws.counter("demo")
        assert (counter.clerk_name, counter.window_name) == ("王晓梅", "3号综合受理窗口")
        supervisor = ws.authorize("zhuren", "demo1234", permission=Permission.RESOLVE_CONFLICT)
        assert supervisor is not None and supervisor.name == "陈建国"
        with ws.store.read() as session:
            assert session.scalar(select(func.count()).select_from(Clerk)) == 6  # one per role
    finally:
        ws.close()


def test_a_registered_window_is_not_made_a_demo_folder(tmp_path: Path) -> None:
    home = tmp_path / "window"
    home.mkdir()
    Settings(home / "settings.json").update({"hall_code": "SZX01", "window_code": "SZX0107"})
    with pytest.raises(WorkspaceError, match="不能改作演示目录"):
        prepare_demo_home(home)
    assert Settings(home / "settings.json").get("window_code") == "SZX0107"


def test_a_demo_folder_of_the_earlier_version_stays_a_demo_folder(tmp_path: Path) -> None:
    """`./dev demo` before this change wrote only secret_store (and what the clerk chose, like printers)."""
    home = tmp_path / ".demo-home"
    home.mkdir()
    (home / "settings.json").write_text(
        json.dumps({"secret_store": "demo-file", "printers": {"receipt": "WC-PDF"}}), encoding="utf-8"
    )
    prepare_demo_home(home)
    settings = Settings(home / "settings.json")
    assert settings.get("demo") and settings.get("window_code") == "SZX0103"
    assert settings.get("printers") == {"receipt": "WC-PDF"}


def test_the_window_on_an_unregistered_folder_says_how_to_register(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = run_program("ui.main", "--home", str(tmp_path / "fresh"), "--quit-when-ready", env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert_says_how_to_register(result.stderr)
    assert "ready_seconds" not in result.stdout
