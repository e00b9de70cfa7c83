"""A window and a real server, on SQLite and PostgreSQL: everything reaches the server exactly once, through
dropped, cut, duplicated and slow requests, a killed server and a killed window.

The server runs in this process (tests.sync_harness) except where its process matters: network faults
through a proxy, a server killed mid-batch (`server_process`)."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.clock import Clock
from app.intake import parse_request
from app.sync.client import SyncClient, SyncError, credential_key
from app.workspace import Workspace, open_workspace
from tests.fault_rounds import differences, draw_seed, replay_hint, run_fault_rounds
from tests.faulty_proxy import FaultyProxy
from tests.helpers import PLANNING, SEAL, open_demo_workspace, request_json
from tests.sync_harness import (
    ROOT,
    CentralServer,
    InProcessServer,
    ServerProcess,
    in_process_server,
    server_for,
)

pytestmark = pytest.mark.slow


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[InProcessServer]:
    yield from in_process_server(request.param, tmp_path)


@pytest.fixture(params=["sqlite", "postgresql"])
def server_process(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerProcess]:
    yield from server_for(request.param, tmp_path)


@pytest.fixture
def sync_transport(request: pytest.FixtureRequest) -> httpx.BaseTransport | None:
    """The workspace reaches the in-process server without a socket; with a server process, the network."""
    if "server_process" in request.fixturenames:
        return None
    server: InProcessServer = request.getfixturevalue("server")
    return server.transport


def register(workspace: Workspace, server: CentralServer, url: str | None = None) -> None:
    workspace.sync.register(
        server_url=url or server.url, code=server.enrollment_code("SZX0103", hall="SZX01")
    )


def accept_many(workspace: Workspace, count: int, *, code: str = SEAL) -> list[str]:
    item = workspace.catalog.item(code)
    assert item is not None
    counter = workspace.counter("demo")
    return [
        workspace.acceptance.accept(parse_request(request_json(item)), counter=counter) for _ in range(count)
    ]


def assert_identical(workspace: Workspace, server: CentralServer) -> None:
    assert differences(workspace, server) == []


def test_round_trip_and_reconcile(workspace: Workspace, server: InProcessServer) -> None:
    register(workspace, server)
    numbers = accept_many(workspace, 25)
    report = workspace.sync.sync()
    assert report.acknowledged == 25 and report.pending == 0 and report.rejected == []
    assert_identical(workspace, server)
    again = workspace.sync.sync()  # a no-op round moves nothing
    assert again.pushed == 0 and again.acknowledged == 0
    (day,) = workspace.sync.reconcile(first=workspace.clock.today(), last=workspace.clock.today())
    assert day.local_cases == day.server_cases == len(numbers)


def test_timed_out_request_is_resent_not_forgotten(
    workspace: Workspace, server_process: ServerProcess
) -> None:
    # §9: a client advanced its marker after a request that timed out, so those rows were never resent.
    # Registering passes (enrol, confirm); the first push is slow.
    proxy = FaultyProxy(
        server_process.port, choose=iter(["pass"] * 2 + ["slow"] + ["pass"] * 50).__next__, slow_seconds=3
    )
    try:
        register(workspace, server_process, proxy.url)
        accept_many(workspace, 10)
        client = SyncClient(
            store=workspace.store,
            settings=workspace.settings,
            secrets=workspace.sync._secrets,
            clock=workspace.clock,
            read_timeout=1.0,
        )
        with pytest.raises(SyncError) as raised:
            client.sync()
        assert raised.value.kind == "offline"
        assert client.pending() == 10  # the server may have stored them; the window does not assume so
        proxy.settle()  # the slow answer has been held back and dropped: that request is over
        client.sync()
        assert_identical(workspace, server_process)
    finally:
        proxy.close()


def test_rejected_event_goes_to_dead_letters_and_does_not_block(
    workspace: Workspace, server: InProcessServer, tmp_path: Path, clock: Clock
) -> None:
    # §9: a rejected item blocked everything behind it. Here a second PC misconfigured with the same window
    # code makes the same case numbers: the server refuses them loudly; later events still flow.
    register(workspace, server)
    numbers = accept_many(workspace, 3)
    workspace.sync.sync()
    twin = open_demo_workspace(tmp_path / "twin", clock=clock, transport=server.transport)
    try:
        twin.sync.register(
            server_url=server.url, code=server.enrollment_code("SZX0103", hall="SZX01", replace=True)
        )
        accept_many(twin, 5)  # serials 1..5 again: 1..3 collide
        report = twin.sync.sync()
        assert sorted(r.code for r in report.rejected) == ["duplicate_case_number"] * 3
        assert report.acknowledged == 2 and twin.sync.pending() == 0
        assert len(twin.sync.dead_letters()) == 3
        conflicts = server.admin("conflicts")
        assert len(conflicts) >= 3
        # The first window pulls the conflicts of its hall, for its supervisor to see.
        workspace.sync.sync()
        listed = workspace.sync.conflicts()
        duplicates = [c for c in listed if c["reason"] == "duplicate_case_number"]
        assert len(duplicates) == 3 and {c["case_number"] for c in duplicates} <= set(numbers)
        # Two PCs on one window code also break its hash chain: the supervisor sees that too.
        assert {c["reason"] for c in listed} <= {"duplicate_case_number", "chain_break"}
    finally:
        twin.close()


def test_offline_work_keeps_its_author(workspace: Workspace, server: InProcessServer) -> None:
    # §9: offline records were attributed to whoever was signed in at sync time.
    register(workspace, server)
    accept_many(workspace, 2)  # by the demo clerk
    from app.accounts import hash_password
    from db.models import Clerk

    with workspace.store.write() as session:
        session.add(Clerk(login="li", name="李四", password_hash=hash_password("x"), active=True))
    assert workspace.counter("li").clerk_login == "li"  # another clerk is at the window when it syncs
    workspace.sync.sync()
    from sqlalchemy import create_engine, text

    engine = create_engine(server.database_url)
    with engine.connect() as connection:
        authors = {row[0] for row in connection.execute(text("SELECT clerk_login FROM case_event"))}
    engine.dispose()
    assert authors == {"demo"}


def test_revoked_window_is_refused_and_forgets_its_credential(
    workspace: Workspace, server: InProcessServer
) -> None:
    register(workspace, server)
    credential = workspace.sync.credential()
    assert credential is not None
    server.admin("revoke", credential.device_id)
    accept_many(workspace, 1)
    with pytest.raises(SyncError) as raised:
        workspace.sync.sync()
    assert raised.value.kind == "auth" and workspace.sync.credential() is None
    assert workspace.sync.pending() == 1


@pytest.mark.parametrize("run", [1, 2, 3])
def test_random_network_faults_end_identical(
    workspace: Workspace, server_process: ServerProcess, run: int
) -> None:
    """Each run draws a fresh seed (printed; CLERK_FAULT_SEED replays one). A long run of 200 rounds is
    `python -m tests.bench.faults`."""
    seed = draw_seed()
    print(replay_hint(seed))
    try:
        done = run_fault_rounds(workspace, server_process, seed=seed, rounds=12)
        print(done.summary())
        assert set(done.fates) >= {"drop", "cut", "duplicate", "late"}
        assert done.problems == []
    except BaseException as error:
        error.add_note(replay_hint(seed))
        raise


def test_server_killed_mid_batch_then_restarted(workspace: Workspace, server_process: ServerProcess) -> None:
    register(workspace, server_process)
    accept_many(workspace, 300, code=PLANNING)
    client = SyncClient(
        store=workspace.store,
        settings=workspace.settings,
        secrets=workspace.sync._secrets,
        clock=workspace.clock,
        batch_size=20,
    )
    killed: list[int] = []

    def kill_after_first_batch(done: int, total: int) -> None:
        if not killed:  # batches are still on the wire: the server dies under them
            killed.append(done)
            server_process.kill()

    with pytest.raises(SyncError) as raised:
        client.sync(progress=kill_after_first_batch)
    assert raised.value.kind == "offline" and killed
    assert 0 < client.pending() < 300
    server_process.start()
    client.sync()
    assert_identical(workspace, server_process)


def test_window_killed_mid_sync_resumes(workspace: Workspace, server: InProcessServer, home: Path) -> None:
    register(workspace, server)
    accept_many(workspace, 400, code=PLANNING)
    secret = workspace.sync._secrets.get(credential_key(server.url, "SZX0103"))
    workspace.close()
    script = (
        "import json, sys, keyring\n"
        "from pathlib import Path\n"
        "from tests.conftest import MemoryKeyring\n"
        "ring = MemoryKeyring(); keyring.set_keyring(ring)\n"
        f"ring.set_password('WindowClerk', {credential_key(server.url, 'SZX0103')!r}, {secret!r})\n"
        "from app.workspace import open_workspace\n"
        "ws = open_workspace(Path(sys.argv[1]))\n"
        "ws.sync.batch_size = 10\n"
        "print('start', flush=True)\n"
        "ws.sync.sync(progress=lambda done, total: print('acked', done, flush=True))\n"
    )
    process = subprocess.Popen([sys.executable, "-c", script, str(home)], cwd=ROOT, stdout=subprocess.PIPE)
    assert process.stdout is not None and process.stdout.readline().strip() == b"start"
    for _ in range(3):  # three batches acknowledged, dozens still to go: kill it now
        assert process.stdout.readline().startswith(b"acked")
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    process.stdout.close()
    resumed = open_workspace(home, clock=workspace.clock, transport=server.transport)
    try:
        assert 0 < resumed.sync.pending() < 400  # killed half way: some sent, some not
        resumed.sync.sync()
        assert_identical(resumed, server)
    finally:
        resumed.close()


def test_health_is_open_and_everything_else_needs_a_credential(server: InProcessServer) -> None:
    assert httpx.get(f"{server.url}/api/v1/health").status_code == 200
    assert httpx.get(f"{server.url}/api/v1/sync/pull?cursor=0").status_code == 401
    bad = httpx.get(f"{server.url}/api/v1/sync/pull?cursor=0", headers={"Authorization": "Bearer x.y"})
    assert bad.status_code == 401 and "message" in bad.json()


def test_a_case_lost_on_the_server_is_reported_not_shown_green(
    workspace: Workspace, server: InProcessServer
) -> None:
    # §9: "Synced" showed green while records were missing on the server.
    register(workspace, server)
    numbers = accept_many(workspace, 4)
    assert workspace.sync.sync().mismatches == []
    from sqlalchemy import create_engine, text

    engine = create_engine(server.database_url)
    with engine.begin() as connection:  # a restored backup, a botched migration: a case is gone
        connection.execute(text("DELETE FROM case_record WHERE number = :n"), {"n": numbers[0]})
    engine.dispose()
    report = workspace.sync.sync()
    (day,) = report.mismatches
    assert (day.local_cases, day.acknowledged_cases, day.server_cases) == (4, 4, 3)


def test_window_shows_conflicts_and_a_failed_reconciliation(
    window,
    qtbot,
    workspace: Workspace,  # type: ignore[no-untyped-def]
    server: InProcessServer,
    tmp_path: Path,
    clock: Clock,
) -> None:
    register(workspace, server)
    numbers = accept_many(workspace, 2)
    twin = open_demo_workspace(tmp_path / "twin", clock=clock, transport=server.transport)
    try:
        workspace.sync.sync()
        twin.sync.register(
            server_url=server.url, code=server.enrollment_code("SZX0103", hall="SZX01", replace=True)
        )
        accept_many(twin, 1)  # the same first number: refused, and a conflict for the hall
        twin.sync.sync()
    finally:
        twin.close()
    with qtbot.waitSignal(window.sync.synced, timeout=20_000):
        window.sync.sync_now()
    assert window.sync_status.conflicts_button.isVisible()
    assert window.sync_status.conflicts_button.text() == "冲突 1 件"
    window.sync_status.conflicts_button.click()
    dialog = window.sync_status.conflicts_dialog
    assert dialog is not None and dialog.table.rowCount() == 1
    assert dialog.cell_text(0, 0) == numbers[0] and "编号重复" in dialog.cell_text(0, 2)
    window.sync_status.conflicts_dialog.close()
    from sqlalchemy import create_engine, text

    engine = create_engine(server.database_url)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM case_record WHERE number = :n"), {"n": numbers[1]})
    engine.dispose()
    with qtbot.waitSignal(window.sync.synced, timeout=20_000):
        window.sync.sync_now()
    assert "对账不一致" in window.sync_status.label.text()
