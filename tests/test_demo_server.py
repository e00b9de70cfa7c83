"""The demo hall's embedded server: started on loopback, the window enrolled with it, cases synced."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.accounts.demo import DEMO_PASSWORD
from app.intake import parse_request
from app.sync.embedded import EmbeddedServer
from app.workspace import Workspace
from tests.helpers import SEAL, request_json

pytestmark = pytest.mark.slow


def ended(pid: int, *, timeout: float) -> bool:
    """Wait until process `pid` (not a child of ours: no wait()) has ended; False if it has not in time.
    Its pidfd becomes readable when it ends."""
    import os
    import select

    try:
        pidfd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True  # ended and gone already
    try:
        readable, _, _ = select.select([pidfd], [], [], timeout)
        return bool(readable)
    finally:
        os.close(pidfd)


@pytest.fixture
def embedded(home: Path) -> Iterator[EmbeddedServer]:
    server = EmbeddedServer(home / "demo-server", port=0)
    yield server
    server.stop()


def test_embedded_server_enrols_and_syncs_the_demo_window(
    workspace: Workspace, embedded: EmbeddedServer
) -> None:
    url = embedded.start()
    assert url.startswith("http://127.0.0.1:")
    # The demo's people are on the server too: its supervisor's password is checked there (issue 9).
    people = {a["login"]: a for a in embedded.admin("account", "list", "--hall", "SZX01")}
    assert people["zhuren"]["name"] == "陈建国" and people["zhuren"]["roles"] == ["supervisor"]
    counter = workspace.counter("demo")
    workspace.sync.register(
        server_url=url,
        code=embedded.enrollment_code(counter.window_code, hall=counter.hall.code, replace=True),
    )
    item = workspace.catalog.item(SEAL)
    assert item is not None
    for _ in range(3):
        workspace.acceptance.accept(parse_request(request_json(item)), counter=counter)
    report = workspace.sync.sync()
    assert report.acknowledged == 3 and report.pending == 0
    (day,) = workspace.sync.reconcile(first=workspace.clock.today(), last=workspace.clock.today())
    assert day.matches and day.server_cases == 3
    embedded.stop()
    assert embedded.process is not None and embedded.process.poll() is not None


def test_the_demo_server_stops_when_the_window_is_terminated(tmp_path: Path) -> None:
    """`kill` (SIGTERM, as a shutdown sends) closes the demo window normally: its server goes with it."""
    import os
    import signal
    import subprocess
    import sys
    import time

    import httpx

    from app.sync import wire

    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.update(CLERK_LOGIN="demo", CLERK_PASSWORD=DEMO_PASSWORD)  # signed in headless, as scripts do
    window = subprocess.Popen(
        [sys.executable, "-m", "ui.main", "--demo", "--home", str(tmp_path / "demo")],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        children: list[int] = []
        while time.monotonic() < deadline and window.poll() is None:
            listed = subprocess.run(
                ["ps", "-o", "pid=", "--ppid", str(window.pid)], capture_output=True, text=True, check=False
            )
            children = [int(p) for p in listed.stdout.split()]
            log = tmp_path / "demo" / "demo-server" / "server.log"
            if children and log.exists() and "Uvicorn running" in log.read_text(encoding="utf-8"):
                break
            time.sleep(0.2)
        assert children, "the demo server was not started"
        url = next(line for line in log.read_text(encoding="utf-8").splitlines() if "Uvicorn running" in line)
        base = url.split("running on ")[1].split(" ")[0]
        assert httpx.get(f"{base}{wire.HEALTH_PATH}", timeout=5).status_code == 200
        window.send_signal(signal.SIGTERM)
        assert window.wait(timeout=30) == 0
        for pid in children:
            assert ended(pid, timeout=10), f"demo server process {pid} still running after the window ended"
    finally:
        if window.poll() is None:
            window.kill()
            window.wait(timeout=30)
        if window.stderr is not None:
            window.stderr.close()
