"""PostgreSQL restarted under a running server: the window's pushes fail cleanly, then go through once the
database is back; window and server end identical, nothing duplicated."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.sync.client import SyncError
from app.workspace import Workspace
from tests.sync_harness import ServerProcess, postgres_available, server_for
from tests.test_sync_e2e import accept_many, assert_identical, register

pytestmark = pytest.mark.slow


def cluster() -> tuple[str, str]:
    versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
    if not versions or shutil.which("pg_ctlcluster") is None:
        pytest.skip("no local PostgreSQL cluster managed by pg_ctlcluster")
    return versions[-1], "main"


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
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "stop", "-m", "fast"],
        check=True,
        timeout=120,
    )
    try:
        with pytest.raises(SyncError) as raised:
            workspace.sync.sync()
        assert raised.value.kind in ("server", "offline")
        assert workspace.sync.pending() == 30  # nothing marked sent while the database was down
    finally:
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "start"], check=True, timeout=120
        )
    deadline = time.monotonic() + 60
    while True:  # the server's pool reconnects; the window simply tries again
        try:
            workspace.sync.sync()
            break
        except SyncError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)
    assert_identical(workspace, server)
