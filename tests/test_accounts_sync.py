"""The hall's accounts flowing from a real server (in-process; SQLite and PostgreSQL) to a real window by
its pull: an account disabled on the server is refused at the window after its next sync; a list with a
bad entry is refused whole, the old list kept, the problem reported, and the pull goes on; a password
changed online is stored at the window at once."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from app.accounts import verify_password
from app.accounts.passwords import legacy_hash
from app.accounts.signin import SignInRefused
from app.cli import main
from app.sync.accounts import ACCOUNTS_PROBLEM_STATE, change_password, upgrade_hash
from app.sync.transport import SyncError
from app.sync.wire import KIND_ACCOUNTS
from app.workspace import Workspace, WorkspaceError
from db.models import Clerk
from server import bulk
from server.account_snapshot import hall_entries, publish_accounts
from server.bulk import dumps, insert_rows
from server.models import account
from server.store import open_server_db
from server.sync import lock_change_log
from tests.helpers import SEAL, demo_item, request_json
from tests.sync_harness import InProcessServer, in_process_server

pytestmark = pytest.mark.slow


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[InProcessServer]:
    yield from in_process_server(request.param, tmp_path)


@pytest.fixture
def sync_transport(server: InProcessServer) -> httpx.BaseTransport:
    return server.transport


@pytest.fixture
def window(workspace: Workspace, server: InProcessServer) -> Workspace:
    """The demo window registered with the demo server, its first sync done (the demo hall's list)."""
    workspace.sync.register(server_url=server.url, code=server.enrollment_code("SZX0103", hall="SZX01"))
    assert workspace.sync.sync().accounts_updated
    return workspace


def clerks(workspace: Workspace) -> dict[str, tuple[str, bool, str, datetime | None, str]]:
    with workspace.store.read() as session:
        return {
            c.login: (c.name, c.active, c.roles, c.temporary_until, c.password_hash)
            for c in session.scalars(select(Clerk))
        }


def test_an_account_disabled_on_the_server_is_refused_at_the_window_after_its_next_sync(
    window: Workspace,
    server: InProcessServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert window.counter("zhuren").clerk_login == "zhuren"
    add = ("account", "add", "wang.fang", "--hall", "SZX01", "--name", "王芳", "--role", "clerk")
    server.admin(*add, "--role", "approver", password="temp-pass-1")
    server.admin("account", "disable", "zhuren", "--hall", "SZX01")
    assert window.counter("zhuren").clerk_login == "zhuren"  # not yet: the window has not pulled
    report = window.sync.sync()
    assert report.accounts_updated and report.account_problems == []
    with pytest.raises(WorkspaceError, match="工作人员账号 zhuren 不存在或已停用"):
        window.counter("zhuren")
    with pytest.raises(SignInRefused, match="账号 zhuren（陈建国）已停用"):
        window.sign_in("zhuren", "demo1234")
    # The command line, by the same rules: the password is right, the account disabled.
    monkeypatch.setenv("CLERK_PASSWORD", "demo1234")
    request = tmp_path / "case.json"
    request.write_text(json.dumps(request_json(demo_item(SEAL)), ensure_ascii=False), encoding="utf-8")
    assert main(["--home", str(window.home), "accept", str(request), "--clerk", "zhuren"]) == 1
    assert "账号 zhuren（陈建国）已停用，不能登录" in capsys.readouterr().err
    held = clerks(window)
    name, active, roles, until, hashed = held["wang.fang"]
    assert (name, active, roles) == ("王芳", True, "clerk approver")
    assert until is not None and until > datetime.now(UTC).replace(tzinfo=None)
    assert verify_password("temp-pass-1", hashed)
    assert held["zhuren"][1] is False  # kept (old cases name it), inactive

    server.admin("account", "enable", "zhuren", "--hall", "SZX01")
    window.sync.sync()
    assert window.counter("zhuren").clerk_login == "zhuren"


def append_list(server: InProcessServer, payload: Any) -> None:
    """A change of kind `accounts` as a broken or hostile server might send it."""
    assert server.database_url is not None
    db = open_server_db(server.database_url)
    try:
        with db.write() as connection:
            lock_change_log(connection, db)
            row = (
                "SZX01",
                KIND_ACCOUNTS,
                "SZX01",
                dumps(payload),
                datetime.now(UTC).replace(tzinfo=None),
                None,
            )
            insert_rows(connection, bulk.CHANGES, [row])
    finally:
        db.close()


def good_list(server: InProcessServer) -> list[dict[str, Any]]:
    assert server.database_url is not None
    db = open_server_db(server.database_url)
    try:
        with db.read() as connection:
            return [entry.to_json() for entry in hall_entries(connection, "SZX01")]
    finally:
        db.close()


def broken(entries: list[dict[str, Any]], how: str) -> list[dict[str, Any]]:
    entries = copy.deepcopy(entries)
    if how == "twice":
        return [*entries, {**entries[0], "name": "另一个人"}]
    if how == "roles":
        entries[1]["roles"] = "supervisor"
    elif how == "hash":
        entries[1]["password_hash"] = "$md5$abc$def"
    elif how == "login":
        entries.append({**entries[0], "login": "a" * 500})
    return entries


LOGIN = "zhuren"
PROBLEMS = {
    "twice": "服务器下发的账号名单中账号 demo 出现两次，未采用，仍用上次的名单",
    "roles": f"服务器下发的账号名单中账号 {LOGIN} 的角色不是列表，未采用，仍用上次的名单",
    "hash": f"服务器下发的账号名单中账号 {LOGIN} 的密码摘要无法识别（格式未知），未采用，仍用上次的名单",
    "login": f"服务器下发的账号名单中第 7 个账号的账号名“{'a' * 40}…”无效，未采用，仍用上次的名单",
}


def test_a_bad_list_is_refused_whole_and_the_pull_goes_on(window: Workspace, server: InProcessServer) -> None:
    entries = good_list(server)
    assert sorted(e["login"] for e in entries) == ["bangban", "chuzheng", "demo", "shenpi", "xinxi", LOGIN]
    entries.sort(key=lambda e: {"demo": 0, LOGIN: 1}.get(e["login"], 2))  # demo first, then the supervisor
    before = clerks(window)
    for how, message in PROBLEMS.items():
        # The bad list also disables the demo clerk: nothing of it may be taken.
        bad = broken(entries, how)
        bad[0]["enabled"] = False
        append_list(server, {"accounts": bad})
        report = window.sync.sync()
        assert report.account_problems == [message] and not report.accounts_updated
        assert report.as_json()["account_problems"] == [message]
        assert clerks(window) == before
        assert window.sync.state()[ACCOUNTS_PROBLEM_STATE] == message
    assert window.counter("demo").clerk_login == "demo"
    # The cursor moved past them: the next round reports nothing, and a good list repairs it.
    assert window.sync.sync().account_problems == []
    server.admin("account", "roles", LOGIN, "--hall", "SZX01", "--role", "supervisor", "--role", "approver")
    report = window.sync.sync()
    assert report.accounts_updated and report.account_problems == []
    assert ACCOUNTS_PROBLEM_STATE not in window.sync.state()
    assert clerks(window)[LOGIN][2] == "approver supervisor"


def test_a_password_changed_online_is_stored_at_once(window: Workspace, server: InProcessServer) -> None:
    server.admin(
        "account",
        "add",
        "wang.fang",
        "--hall",
        "SZX01",
        "--name",
        "王芳",
        "--role",
        "clerk",
        password="temp-pass-1",
    )
    window.sync.sync()
    assert clerks(window)["wang.fang"][3] is not None  # temporary
    with pytest.raises(SyncError) as refused:
        change_password(
            store=window.store, transport=window.sync.transport, login="wang.fang", password="wrong-pass-1",
            new_password="my-own-pass-1",
        )  # fmt: skip
    assert refused.value.kind == "refused" and "账号或密码不正确" in refused.value.message
    entry = change_password(
        store=window.store, transport=window.sync.transport, login="wang.fang", password="temp-pass-1",
        new_password="my-own-pass-1",
    )  # fmt: skip
    _, active, _, until, hashed = clerks(window)["wang.fang"]
    assert active and until is None and hashed == entry.password_hash
    assert window.sign_in("wang.fang", "my-own-pass-1") is not None  # before any pull
    window.sync.sync()
    assert clerks(window)["wang.fang"][4] == entry.password_hash

    server.stop()
    with pytest.raises(SyncError) as offline:
        change_password(
            store=window.store, transport=window.sync.transport, login="wang.fang", password="my-own-pass-1",
            new_password="my-next-pass-1",
        )  # fmt: skip
    assert offline.value.kind == "offline" and "修改密码需要连接服务器" in offline.value.message
    assert clerks(window)["wang.fang"][4] == entry.password_hash


def test_an_old_hash_is_upgraded_online_and_stored_at_once(
    window: Workspace, server: InProcessServer
) -> None:
    """An account list from before argon2id (an old scrypt hash): signing in with it works, and the window
    asks the server to store today's hash, then holds that one."""
    assert server.database_url is not None
    db = open_server_db(server.database_url)
    try:
        with db.write() as connection:
            old = legacy_hash("demo1234", salt=b"0123456789abcdef")
            connection.execute(update(account).where(account.c.login == LOGIN).values(password_hash=old))
            publish_accounts(connection, db, hall_code="SZX01", now=datetime.now(UTC))
    finally:
        db.close()
    window.sync.sync()
    assert clerks(window)[LOGIN][4] == old and window.sign_in(LOGIN, "demo1234") is not None
    upgraded = upgrade_hash(
        store=window.store, transport=window.sync.transport, login=LOGIN, password="demo1234"
    )
    assert upgraded is not None and upgraded.password_hash.startswith("$argon2id$")
    assert clerks(window)[LOGIN][4] == upgraded.password_hash
    assert (
        upgrade_hash(store=window.store, transport=window.sync.transport, login=LOGIN, password="demo1234")
        is None
    )
