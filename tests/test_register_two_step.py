"""Registering a window PC in two steps, against a real server (in-process) on SQLite and PostgreSQL: a
registration that fails at the window spends no code it need not, and never leaves the window without a
working device."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.clock import Clock
from app.intake import parse_request
from app.sync import wire
from app.sync.client import SyncClient, SyncError
from app.workspace import Workspace, open_workspace
from server import admin
from server.bench import device_time
from server.store import open_server_db
from tests.conftest import MemoryKeyring
from tests.helpers import SEAL, open_demo_workspace, request_json, run_program
from tests.server_fixtures import START, decided
from tests.sync_harness import InProcessServer, in_process_server

pytestmark = pytest.mark.slow


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[InProcessServer]:
    yield from in_process_server(request.param, tmp_path)


@pytest.fixture
def sync_transport(server: InProcessServer) -> httpx.BaseTransport:
    """The workspace reaches the server in this process without a socket."""
    return server.transport


def accept(workspace: Workspace, count: int = 1) -> None:
    item = workspace.catalog.item(SEAL)
    assert item is not None
    for _ in range(count):
        workspace.acceptance.accept(parse_request(request_json(item)), counter=workspace.counter("demo"))


@pytest.fixture
def old(tmp_path: Path, clock: Clock, server: InProcessServer) -> Iterator[Workspace]:
    """The working window on its own PC (secrets in its own store): window SZX0103, a case synced."""
    workspace = open_demo_workspace(tmp_path / "old-pc", clock=clock, secrets_in_file=True)
    try:
        workspace.sync.register(server_url=server.url, code=server.enrollment_code("SZX0103", hall="SZX01"))
        accept(workspace)
        assert workspace.sync.sync().acknowledged == 1
        yield workspace
    finally:
        workspace.close()


def devices(server: InProcessServer) -> dict[str, str]:
    """Each device's state as `clerk-server devices` lists it, read from the server's database."""
    assert server.database_url is not None
    db = open_server_db(server.database_url)
    try:
        return {d["device_id"]: d["state"] for d in admin.list_devices(db)}
    finally:
        db.close()


def bearer(device_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {device_id}.{secret}"}


def test_a_pc_that_cannot_keep_the_credential_spends_no_code_and_replaces_nothing(
    old: Workspace, server: InProcessServer, tmp_path: Path
) -> None:
    [old_device] = devices(server)
    code = server.enrollment_code("SZX0103", hall="SZX01", replace=True)
    new_home = tmp_path / "new-pc"
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "tests.keyrings.RefusingKeyring"}
    command = ["--home", str(new_home), "register", "--server", server.url, "--code", code]
    result = run_program("app.cli", *command, env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert devices(server) == {old_device: "active"}  # nothing enrolled, nothing replaced
    assert "无法保存设备凭据" in result.stderr and "登记码没有使用" in result.stderr, result.stderr
    accept(old)
    assert old.sync.sync().acknowledged == 1  # the old PC goes on syncing

    # Once the PC can keep it, the same code registers it; only then is the old PC replaced.
    new = open_workspace(new_home, clock=old.clock)
    try:
        credential = new.sync.register(server_url=server.url, code=code)
        assert credential.window_code == "SZX0103"
        assert devices(server) == {old_device: "revoked", credential.device_id: "active"}
        with pytest.raises(SyncError) as raised:
            old.sync.sync()
        assert raised.value.kind == "auth"
        new.sync.sync()
    finally:
        new.close()


def test_enrolled_but_unconfirmed_the_old_device_keeps_working(
    old: Workspace, server: InProcessServer
) -> None:
    [old_device] = devices(server)
    code = server.enrollment_code("SZX0103", hall="SZX01", replace=True)
    body = {"code": code, "window_code": "SZX0103", "device_name": "新电脑"}
    enrolled = wire.EnrollResponse.from_json(httpx.post(server.url + wire.ENROLL_PATH, json=body).json())
    pending = bearer(enrolled.device_id, enrolled.secret)
    assert devices(server) == {old_device: "active", enrolled.device_id: "pending"}
    listed = run_program(
        "server.cli", "devices", "--database", str(server.database_url), env=dict(os.environ)
    )
    assert "待确认" in listed.stdout, listed.stdout + listed.stderr

    # The pending device can neither push nor pull; the old one syncs as before.
    push = wire.PushRequest(wire.PROTOCOL, "SZX0103", device_time(START), decided("SZX0103", [90]))
    refused = httpx.post(server.url + wire.PUSH_PATH, json=push.to_json(), headers=pending)
    assert (refused.status_code, refused.json()["error"]) == (403, "not_confirmed")
    refused = httpx.get(server.url + wire.PULL_PATH, params={"cursor": "0"}, headers=pending)
    assert refused.status_code == 403
    accept(old, 2)
    assert old.sync.sync().acknowledged == 2

    # Confirmed with its own credential: the switch happens now, and only now.
    confirmed = httpx.post(server.url + wire.CONFIRM_PATH, json={}, headers=pending)
    assert confirmed.status_code == 200, confirmed.text
    assert wire.ConfirmResponse.from_json(confirmed.json()).replaced == [old_device]
    assert devices(server) == {old_device: "revoked", enrolled.device_id: "active"}
    with pytest.raises(SyncError) as raised:
        old.sync.sync()
    assert raised.value.kind == "auth"
    answer = httpx.post(server.url + wire.PUSH_PATH, json=push.to_json(), headers=pending)
    assert answer.status_code == 200 and len(answer.json()["acknowledged"]) == 1
    again = httpx.post(server.url + wire.CONFIRM_PATH, json={}, headers=pending)
    assert again.status_code == 200 and again.json()["replaced"] == []


class LoseConfirmAnswer(httpx.HTTPTransport):
    """The network between window and server: the confirmation reaches the server, its answer is lost."""

    def __init__(self) -> None:
        super().__init__()
        self.lose = True

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if self.lose and request.url.path == wire.CONFIRM_PATH:
            response.close()
            raise httpx.ReadError("connection reset by peer", request=request)
        return response


def test_a_lost_confirmation_is_finished_by_the_next_sync(
    old: Workspace, server: InProcessServer, tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    [old_device] = devices(server)
    new = open_workspace(tmp_path / "new-pc", clock=old.clock)
    network = LoseConfirmAnswer()
    client = SyncClient(
        store=new.store, settings=new.settings, secrets=new.sync._secrets, clock=new.clock, transport=network
    )
    try:
        code = server.enrollment_code("SZX0103", hall="SZX01", replace=True)
        with pytest.raises(SyncError) as raised:
            client.register(server_url=server.url, code=code)
        assert raised.value.kind == "offline" and "下次同步" in raised.value.message
        assert new.settings.get("window_code") == ""  # not a window until the confirmation is known
        assert client.credential() is None
        [new_device] = set(devices(server)) - {old_device}
        assert devices(server) == {old_device: "revoked", new_device: "active"}  # it did reach the server
        with pytest.raises(SyncError):
            old.sync.sync()

        network.lose = False
        client.sync()  # confirms again (the server answers the same), then syncs as SZX0103
        assert new.settings.get("window_code") == "SZX0103"
        credential = client.credential()
        assert credential is not None and credential.device_id == new_device
        assert client.state().get("pending_registration") is None
        assert [name for _, name in memory_keyring.secrets if name.startswith("pending-")] == []
    finally:
        new.close()
