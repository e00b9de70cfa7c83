"""Resolving a conflict on the server authenticates the supervisor, not only the window's device
(issue 9, finding 5): against a real `clerk-server serve` process on SQLite and on PostgreSQL.

One server per database for the module; each test makes a conflict of its own (a case number pushed twice)
and sends from a loopback address of its own, so the failed-password throttle of one test never blocks
another."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from app.accounts.demo import DEMO_CLERK, DEMO_SUPERVISOR
from app.sync import wire
from app.sync.embedded import server_command
from tests.server_fixtures import Window, decided
from tests.sync_harness import ServerProcess, server_for

pytestmark = pytest.mark.slow

SUPERVISOR_LOGIN, SUPERVISOR_NAME, SUPERVISOR_PASSWORD = DEMO_SUPERVISOR
CLERK_LOGIN, CLERK_PASSWORD = "li.na", "clerk-pass-1"
REFUSED = "值班主任账号或密码不正确，或账号已停用"
_addresses = itertools.count(10)


def server_cli(
    server: ServerProcess, *args: str, password: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`clerk-server ARGS` for this server, with CLERK_PASSWORD when given (as hall IT scripts it)."""
    env = server._env()
    if password is not None:
        env["CLERK_PASSWORD"] = password
    return subprocess.run(
        [*server_command(), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def enrol(server: ServerProcess, window: str, *, hall: str = "SZX01") -> Window:
    http = httpx.Client(base_url=server.url, timeout=30)
    code = server.enrollment_code(window, hall=hall)
    answer = http.post(
        wire.ENROLL_PATH, json={"code": code, "window_code": window, "device_name": "窗口电脑"}
    )
    assert answer.status_code == 200, answer.text
    enrolled = wire.EnrollResponse.from_json(answer.json())
    device = Window(enrolled.device_id, enrolled.secret, enrolled.hall_code, enrolled.window_code, http)
    assert http.post(wire.CONFIRM_PATH, json={}, headers=device.headers).status_code == 200
    return device


@dataclass
class Hall:
    server: ServerProcess
    origin: Window  # SZX0103, whose case numbers clash
    neighbour: Window  # SZX0109, another window of the same hall
    serials: Iterator[int]

    def new_conflict(self) -> int:
        """A case number pushed twice by the origin window: the second is refused and a conflict recorded."""
        serial = next(self.serials)
        [first] = decided("SZX0103", [serial], first_local_seq=serial * 2)
        [again] = decided("SZX0103", [serial], first_local_seq=serial * 2 + 1)
        assert not self.origin.push([first]).rejected
        [refused] = self.origin.push([again]).rejected
        assert refused.code == "duplicate_case_number"
        [conflict] = [c for c in self.server.admin("conflicts") if c["event_id"] == again.event_id]
        return int(conflict["id"])

    def conflict(self, conflict_id: int) -> dict[str, Any]:
        [row] = [c for c in self.server.admin("conflicts", "--all") if c["id"] == conflict_id]
        return dict(row)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def hall(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hall]:
    servers = server_for(request.param, tmp_path_factory.mktemp(request.param))
    server = next(servers)
    try:
        for args, password in (
            (("--hall", "SZX01", CLERK_LOGIN, "--name", "李娜", "--role", "clerk"), CLERK_PASSWORD),
            (("--hall", "SZX02", "zhuren2", "--name", "周敏", "--role", "supervisor"), "hall2-pass"),
            (("--hall", "SZX01", "old.zhuren", "--name", "钱进", "--role", "supervisor"), "retired-1"),
        ):
            server.admin("account", "add", *args, password=password)  # as hall IT scripts it
        engine = create_engine(server.database_url)
        with engine.begin() as connection:  # retired: `account disable` comes with issue 12
            connection.execute(
                text("UPDATE account SET disabled_at = CURRENT_TIMESTAMP WHERE login = 'old.zhuren'")
            )
        engine.dispose()
        windows = Hall(server, enrol(server, "SZX0103"), enrol(server, "SZX0109"), itertools.count(1))
        try:
            yield windows
        finally:
            windows.origin.http.close()
            windows.neighbour.http.close()
    finally:
        servers.close()


@pytest.fixture
def neighbour(hall: Hall) -> Iterator[Window]:
    """The neighbouring window, talking from a loopback address of this test's own."""
    address = f"127.0.0.{next(_addresses)}"
    http = httpx.Client(
        base_url=hall.server.url, timeout=30, transport=httpx.HTTPTransport(local_address=address)
    )
    yield Window(hall.neighbour.device_id, hall.neighbour.secret, "SZX01", "SZX0109", http)
    http.close()


def resolve(window: Window, conflict_id: int, body: dict[str, Any]) -> httpx.Response:
    path = wire.CONFLICT_RESOLVE_PATH.format(conflict_id=conflict_id)
    response: httpx.Response = window.http.post(path, json=body, headers=window.headers)
    return response


def body(login: str, password: str, **extra: str) -> dict[str, Any]:
    return {
        "resolution": "经核实以先受理的办件为准，另一台电脑已改正窗口编码",
        "supervisor_login": login,
        "supervisor_password": password,
        "device_time": "2026-11-20T03:00:00Z",
        **extra,
    }


def test_another_windows_credential_without_a_supervisor_password_is_refused(
    hall: Hall, neighbour: Window
) -> None:
    conflict_id = hall.new_conflict()
    as_before = {
        "resolution": "已核实",
        "resolved_by": SUPERVISOR_LOGIN,
        "device_time": "2026-11-20T03:00:00Z",
    }
    answer = resolve(neighbour, conflict_id, as_before)
    assert answer.status_code == 400 and "负责人密码" in answer.json()["message"], answer.text
    answer = resolve(neighbour, conflict_id, body(SUPERVISOR_LOGIN, ""))
    assert answer.status_code == 403 and answer.json()["message"].startswith(REFUSED), answer.text
    assert hall.conflict(conflict_id)["resolved_at"] is None


def test_a_made_up_resolver_is_not_recorded(hall: Hall, neighbour: Window) -> None:
    conflict_id = hall.new_conflict()
    answer = resolve(neighbour, conflict_id, body(SUPERVISOR_LOGIN, SUPERVISOR_PASSWORD, resolved_by="局长"))
    assert answer.status_code == 200, answer.text
    recorded = f"{SUPERVISOR_NAME}（{SUPERVISOR_LOGIN}@SZX0109）"
    assert answer.json()["resolved_by"] == recorded
    assert hall.conflict(conflict_id)["resolved_by"] == recorded
    [change] = [
        c
        for c in hall.origin.pull_all()
        if c.kind == wire.KIND_CONFLICT_RESOLVED and c.payload["conflict_id"] == conflict_id
    ]
    assert change.payload["resolved_by"] == recorded and "局长" not in str(change.payload)


def test_a_clerk_without_the_supervisor_role_is_refused(hall: Hall, neighbour: Window) -> None:
    conflict_id = hall.new_conflict()
    answer = resolve(neighbour, conflict_id, body(CLERK_LOGIN, CLERK_PASSWORD))
    assert answer.status_code == 403, answer.text
    assert answer.json()["error"] == "role_missing" and "值班主任" in answer.json()["message"]
    assert hall.conflict(conflict_id)["resolved_at"] is None


def test_wrong_unknown_disabled_and_other_halls_accounts_are_refused_alike(
    hall: Hall, neighbour: Window
) -> None:
    conflict_id = hall.new_conflict()
    answers = [
        resolve(neighbour, conflict_id, body(login, password))
        for login, password in (
            (SUPERVISOR_LOGIN, "wrong-password"),
            ("nobody", SUPERVISOR_PASSWORD),
            ("old.zhuren", "retired-1"),  # disabled
            ("zhuren2", "hall2-pass"),  # a supervisor of hall SZX02
        )
    ]
    assert {a.status_code for a in answers} == {403}
    assert {a.json()["error"] for a in answers} == {"account_refused"}
    assert len({a.json()["message"] for a in answers}) == 1  # nothing tells which part was wrong
    assert hall.conflict(conflict_id)["resolved_at"] is None


def test_the_supervisor_resolves_and_the_accounts_name_is_recorded(hall: Hall) -> None:
    conflict_id = hall.new_conflict()
    answer = resolve(hall.origin, conflict_id, body(SUPERVISOR_LOGIN, SUPERVISOR_PASSWORD))
    assert answer.status_code == 200, answer.text
    done = hall.conflict(conflict_id)
    assert done["resolved_by"] == f"{SUPERVISOR_NAME}（{SUPERVISOR_LOGIN}@SZX0103）"
    assert done["resolution"].startswith("经核实") and done["resolved_at"] is not None
    log = (hall.server.home / "server.log").read_text(encoding="utf-8")
    assert SUPERVISOR_PASSWORD not in log and "retired-1" not in log


def test_the_demo_server_knows_the_demo_supervisor(hall: Hall) -> None:
    listed = server_cli(hall.server, "account", "list", "--hall", "SZX01", "--json")
    assert listed.returncode == 0, listed.stderr
    import json

    accounts = {a["login"]: a for a in json.loads(listed.stdout)}
    assert accounts[SUPERVISOR_LOGIN]["name"] == SUPERVISOR_NAME
    assert accounts[SUPERVISOR_LOGIN]["roles"] == ["supervisor"]
    assert accounts[DEMO_CLERK[0]]["roles"] == ["clerk"] and accounts[CLERK_LOGIN]["name"] == "李娜"
    assert all("password" not in str(key) for a in accounts.values() for key in a)
    assert os.environ.get("CLERK_PASSWORD") is None  # the tests' passwords went to the children only


def raw_resolve(window: Window, conflict_id: int, text: str) -> httpx.Response:
    """A body sent as written: JSON escapes such as an unpaired surrogate (`\\ud800`) go as they are."""
    path = wire.CONFLICT_RESOLVE_PATH.format(conflict_id=conflict_id)
    headers = {**window.headers, "Content-Type": "application/json"}
    response: httpx.Response = window.http.post(path, content=text.encode(), headers=headers)
    return response


@pytest.mark.parametrize(
    ("field", "value", "status"),
    [
        ("resolution", "已核实\\ud800", 400),
        ("resolution", "已核实\\u0000", 400),
        ("resolution", "已核实\\u001b[2J", 400),
        ("supervisor_login", "zhu\\ud800ren", 403),
        ("supervisor_password", "demo\\udfff1234", 403),
    ],
    ids=[
        "resolution-surrogate",
        "resolution-nul",
        "resolution-escape",
        "login-surrogate",
        "password-surrogate",
    ],
)
def test_text_no_database_can_keep_is_answered_not_failed(
    hall: Hall, neighbour: Window, field: str, value: str, status: int
) -> None:
    conflict_id = hall.new_conflict()
    fields = {
        k: json.dumps(v, ensure_ascii=False) for k, v in body(SUPERVISOR_LOGIN, SUPERVISOR_PASSWORD).items()
    }
    fields[field] = f'"{value}"'
    answer = raw_resolve(
        neighbour, conflict_id, "{" + ",".join(f'"{k}":{v}' for k, v in fields.items()) + "}"
    )
    assert answer.status_code == status, answer.text
    if status == 400:
        assert answer.json()["message"].startswith("处理意见")
    assert hall.conflict(conflict_id)["resolved_at"] is None
    log = (hall.server.home / "server.log").read_text(encoding="utf-8")
    assert "Traceback" not in log
