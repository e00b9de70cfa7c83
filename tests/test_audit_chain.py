"""The show test of issue 12's tamper-evident record: a row of a window's SQLite file edited (or removed)
with the `sqlite3` tool is found by `clerk audit verify` (a process of its own) and by a real server on the
next push, which stores the event all the same; the window's own history is chained by its migration;
events about no case (sign-in, failed sign-in …) are chained too."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from app.audit.record import record_audit
from app.audit.verify import verify
from app.intake import parse_request
from app.sync.wire import UNKNOWN_LOGIN, EventKind
from app.workspace import DATABASE_NAME, Workspace
from tests.helpers import PLANNING, open_demo_workspace, request_json
from tests.sync_harness import InProcessServer, in_process_server

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
SQLITE3 = shutil.which("sqlite3") or "/usr/bin/sqlite3"


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[InProcessServer]:
    yield from in_process_server(request.param, tmp_path)


@pytest.fixture
def sync_transport(server: InProcessServer) -> httpx.BaseTransport:
    return server.transport


def accept(workspace: Workspace) -> str:
    item = workspace.catalog.item(PLANNING)
    assert item is not None
    return workspace.acceptance.accept(parse_request(request_json(item)), counter=workspace.counter("demo"))


def edit(workspace: Workspace, sql: str) -> None:
    """Change the window's database file by hand, as someone with the file and the `sqlite3` tool would."""
    subprocess.run([SQLITE3, str(workspace.home / DATABASE_NAME), sql], check=True, timeout=30)


def audit_verify(workspace: Workspace, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "app.cli", "--home", str(workspace.home), "audit", "verify", *extra]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)


def local_seq(workspace: Workspace, number: str) -> int:
    with sqlite3.connect(workspace.home / DATABASE_NAME) as connection:
        row = connection.execute(
            "SELECT id FROM case_event WHERE case_number = ? AND kind = 'case.decided'", (number,)
        ).fetchone()
    return int(row[0])


def server_rows(server: InProcessServer, sql: str, **params: str) -> list[tuple[object, ...]]:
    engine = create_engine(server.database_url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql), params)]
    finally:
        engine.dispose()


def chain_breaks(server: InProcessServer) -> list[dict[str, object]]:
    return [c for c in server.admin("conflicts") if c["reason"] == "chain_break"]


def register(workspace: Workspace, server: InProcessServer) -> None:
    workspace.sync.register(server_url=server.url, code=server.enrollment_code("SZX0103", hall="SZX01"))


def test_an_edited_row_is_found_by_verify_and_by_the_server(
    workspace: Workspace, server: InProcessServer
) -> None:
    register(workspace, server)
    accept(workspace)
    record_audit(
        workspace.store,
        EventKind.SIGNED_IN,
        login=workspace.counter("demo").clerk_login,
        window_code="SZX0103",
        now=datetime.now(UTC),
    )
    workspace.sync.sync()
    assert chain_breaks(server) == []
    intact = audit_verify(workspace)
    assert intact.returncode == 0 and "哈希链完整：2 条事件" in intact.stdout

    edited = accept(workspace)  # not pushed yet
    seq = local_seq(workspace, edited)
    edit(
        workspace,
        f"UPDATE case_event SET payload = json_set(payload, '$.applicant.name', '王五') WHERE id = {seq}",
    )
    found = audit_verify(workspace)
    assert found.returncode == 1, found.stderr
    first = found.stdout.splitlines()[0]
    assert f"第 {seq} 条事件" in first and f"办件 {edited}" in first and "受理决定" in first
    assert "内容在记录后被改动" in first
    data = json.loads(audit_verify(workspace, "--json").stdout)
    assert data["intact"] is False and data["findings"][0]["local_seq"] == seq
    assert data["findings"][0]["problem"] == "content_changed"

    report = workspace.sync.sync()
    assert report.acknowledged == 1  # the case reaches the server all the same
    assert server_rows(server, "SELECT number FROM case_record WHERE number = :n", n=edited) == [(edited,)]
    [finding] = chain_breaks(server)
    assert finding["case_number"] == edited and finding["window_code"] == "SZX0103"
    assert "被改动过" in str(finding["message"])
    # The supervisor at the window sees it like a conflict.
    workspace.sync.sync()
    [shown] = [c for c in workspace.sync.conflicts() if c["reason"] == "chain_break"]
    assert shown["case_number"] == edited


def test_a_deleted_row_is_found_by_verify_and_by_the_server(
    workspace: Workspace, server: InProcessServer
) -> None:
    register(workspace, server)
    numbers = [accept(workspace) for _ in range(3)]
    seqs = [local_seq(workspace, n) for n in numbers]
    edit(workspace, f"DELETE FROM case_event WHERE id = {seqs[1]}")
    found = audit_verify(workspace)
    assert found.returncode == 1
    first = found.stdout.splitlines()[0]
    assert f"第 {seqs[2]} 条事件" in first and "衔接不上" in first and numbers[2] in first
    workspace.sync.sync()
    [finding] = chain_breaks(server)
    assert finding["event_id"] != "" and finding["case_number"] == numbers[2]
    assert "衔接不上" in str(finding["message"])
    assert len(server_rows(server, "SELECT number FROM case_record")) == 2  # the rest stored


def test_a_case_row_edited_is_found_by_verify(workspace: Workspace) -> None:
    number = accept(workspace)
    edit(
        workspace, f"UPDATE \"case\" SET applicant_id_number = '110105194912310021' WHERE number = '{number}'"
    )
    found = audit_verify(workspace)
    assert found.returncode == 1
    assert f"办件 {number}" in found.stdout and "applicant.id_number" in found.stdout
    assert "办件表中的内容与受理时记录的不一致" in found.stdout


def test_audit_events_are_chained_and_a_typed_login_is_kept_short(workspace: Workspace) -> None:
    now = datetime.now(UTC)
    pasted = "\x00\n" + "密" * (10 * 1024 * 1024)  # 10 MB pasted into the login field
    event_id = record_audit(
        workspace.store,
        EventKind.SIGN_IN_FAILED,
        login=pasted,
        window_code="SZX0103",
        now=now,
        details={"reason": "wrong_password", "failures": 1},
    )
    known = record_audit(
        workspace.store,
        EventKind.SIGN_IN_FAILED,
        login=workspace.counter("demo").clerk_login,
        window_code="SZX0103",
        now=now,
        details={"reason": "wrong_password", "failures": 2},
    )
    with sqlite3.connect(workspace.home / DATABASE_NAME) as connection:
        rows = dict(
            (event, (login, json.loads(payload)))
            for event, login, payload in connection.execute(
                "SELECT event_id, clerk_login, payload FROM case_event"
            )
        )
    login, payload = rows[event_id]
    assert login == UNKNOWN_LOGIN and payload["reason"] == "unknown_login"
    assert payload["typed_login"] == "密" * 40
    assert rows[known] == (workspace.counter("demo").clerk_login, {"reason": "wrong_password", "failures": 2})
    with pytest.raises(ValueError, match="办件的事项"):
        record_audit(workspace.store, EventKind.CASE_DECIDED, login="demo", window_code="SZX0103", now=now)
    assert verify(workspace.store).intact


def test_the_migration_chains_an_older_file(home: Path) -> None:
    shutil.copy(Path(__file__).parent / "data" / "window-schema1.sqlite3", home / DATABASE_NAME)
    ws = open_demo_workspace(home)
    try:
        result = verify(ws.store)
        assert result.intact and result.events > 0
    finally:
        ws.close()
