"""PostgreSQL restarted under a running server: the window's pushes fail cleanly, then go through once the
database is back; window and server end identical, nothing duplicated.

This stops the machine's PostgreSQL cluster (every other user of it too), so it is marked `stops_services`
and runs only when asked for (CLERK_TEST_STOP_SERVICES=1, e.g. on a CI machine of its own); the cluster is
started again in a `finally`, whatever happens in between."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.sync.client import SyncError
from app.workspace import Workspace
from tests import postgres
from tests.sync_harness import ServerProcess, postgres_available, server_for
from tests.test_sync_e2e import accept_many, assert_identical, register

pytestmark = [pytest.mark.slow, pytest.mark.stops_services]


def cluster() -> tuple[str, str]:
    versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
    if not versions or shutil.which("pg_ctlcluster") is None:
        pytest.skip("no local PostgreSQL cluster managed by pg_ctlcluster")
    return versions[-1], "main"


def pg_ctlcluster(version: str, name: str, *action: str) -> None:
    """`pg_ctlcluster VERSION NAME ACTION…`; `start` and `stop` return once the cluster has (pg_ctl waits)."""
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, *action], check=True, timeout=120
    )


def wait_until_postgres_answers() -> None:
    """pg_isready waits (up to its timeout) until the tests' PostgreSQL accepts connections."""
    if shutil.which("pg_isready") is not None:
        host = postgres.host_and_port()
        subprocess.run(["pg_isready", "-h", host[0], "-p", str(host[1]), "-t", "60"], check=True, timeout=90)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    if os.geteuid() != 0:
        pytest.skip("restarting the machine's PostgreSQL needs root")
    if not postgres_available():
        pytest.skip("PostgreSQL at 127.0.0.1:5432 is not reachable")
    yield from server_for("postgresql", tmp_path)


def test_postgres_restart_mid_sync(workspace: Workspace, server: ServerProcess) -> None:
    version, name = cluster()
    register(workspace, server)
    accept_many(workspace, 20)
    workspace.sync.sync()
    accept_many(workspace, 30)
    try:
        pg_ctlcluster(version, name, "stop", "-m", "fast")
        with pytest.raises(SyncError) as raised:
            workspace.sync.sync()
        assert raised.value.kind in ("server", "offline")
        assert workspace.sync.pending() == 30  # nothing marked sent while the database was down
    finally:
        pg_ctlcluster(version, name, "start")  # whatever happened: the machine's database runs again
        wait_until_postgres_answers()
    workspace.sync.sync()  # the server's pool reconnects (it pings before use); the window tries again
    assert_identical(workspace, server)
