"""A pulled page applied in short transactions: a real server (in-process, on SQLite and PostgreSQL), a real
window database, and the cases of another window of the hall to pull.

Every run of changes commits with how far its page is applied; the cursor moves only with a page's last
run. A round that stops part way (a handler failing, the window killed between two runs) leaves what it
applied; the next round goes on from there: nothing lost, nothing applied twice."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.secrets import SERVICE
from app.sync import wire
from app.sync.changes import Applying
from app.sync.client import credential_key
from app.sync.pull import CHANGE_HANDLERS, PROGRESS_STATE
from app.workspace import Workspace
from db.models import HallCase
from server import admin
from tests.server_fixtures import (  # noqa: F401 (fixtures)
    HALL,
    client_fixture,
    decided,
    enroll,
    serve_in_thread,
    server_app_fixture,
    server_clock_fixture,
    target_fixture,
)
from tests.sync_harness import ROOT

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

pytestmark = pytest.mark.slow

CASES = 250
RUN = 40  # changes per write transaction in these tests (time is not what ends a run here)


class PowerCut(RuntimeError):
    """What stops a round part way in these tests."""


@pytest.fixture
def base(server_app: FastAPI) -> Iterator[str]:
    with serve_in_thread(server_app) as url:
        yield url


@pytest.fixture
def hall_changes(client: TestClient, server_app: FastAPI) -> list[wire.Change]:
    """CASES cases decided at window SZX0104 of the hall: the changes window SZX0103 will pull, in order."""
    other = enroll(client, server_app, window="SZX0104")
    answer = other.push(decided("SZX0104", range(1, CASES + 1)))
    assert len(answer.acknowledged) == CASES
    changes = other.pull_all()
    assert [c.kind for c in changes] == [wire.KIND_CASE_UPDATED] * CASES
    return changes


@pytest.fixture
def registered(workspace: Workspace, server_app: FastAPI, base: str) -> Workspace:
    """Window SZX0103 registered with the server, applying RUN changes per transaction."""
    issued = admin.issue_enrollment_code(
        server_app.state.db,
        hall_code=HALL,
        window_code="SZX0103",
        replace=False,
        hours=24,
        now=server_app.state.clock(),
    )
    workspace.sync.register(server_url=base, code=issued.code)
    workspace.sync.inbox.run_changes = RUN
    workspace.sync.inbox.run_seconds = 3600.0
    return workspace


def hall_index(workspace: Workspace) -> dict[str, int]:
    """The hall index: case number → seq of the change it was last written from."""
    with workspace.store.read() as session:
        return {row.number: row.seq for row in session.scalars(select(HallCase))}


def progress_of(workspace: Workspace) -> dict[str, object] | None:
    recorded = workspace.sync.state().get(PROGRESS_STATE)
    return None if recorded is None else dict(json.loads(recorded))


def test_each_run_commits_with_its_progress_and_only_the_last_moves_the_cursor(
    registered: Workspace, hall_changes: list[wire.Change]
) -> None:
    seen: list[tuple[int, str | None, dict[str, object] | None, int]] = []

    def pulled(count: int) -> None:  # called after each run's commit
        seen.append(
            (
                count,
                registered.sync.state().get("cursor"),
                progress_of(registered),
                len(hall_index(registered)),
            )
        )

    report = registered.sync.sync(pulled=pulled)

    assert report.pulled == report.applied == CASES
    runs = list(range(RUN, CASES, RUN))
    assert [count for count, *_ in seen] == [*runs, CASES]
    for count, cursor, progress, stored in seen[:-1]:
        assert cursor is None  # the first page's cursor stays where it was ("0") until its last run
        assert progress == {"cursor": "0", "seq": hall_changes[count - 1].seq}
        assert stored == count
    _, cursor, progress, stored = seen[-1]
    assert cursor is not None and progress is None and stored == CASES
    assert hall_index(registered) == {c.key: c.seq for c in hall_changes}
    assert registered.sync.sync().pulled == 0


def test_a_round_failing_part_way_loses_nothing_and_applies_nothing_twice(
    registered: Workspace, hall_changes: list[wire.Change]
) -> None:
    real = CHANGE_HANDLERS[wire.KIND_CASE_UPDATED]
    calls = 0

    def failing_on_the_130th(applying: Applying, change: wire.Change) -> int:
        nonlocal calls
        calls += 1
        if calls == 130:
            raise PowerCut("the 130th change")
        return real(applying, change)

    registered.sync.inbox.handlers[wire.KIND_CASE_UPDATED] = failing_on_the_130th
    with pytest.raises(PowerCut):
        registered.sync.sync()
    # Three runs of 40 committed; the fourth (changes 121–160) was rolled back whole.
    assert hall_index(registered) == {c.key: c.seq for c in hall_changes[:120]}
    assert progress_of(registered) == {"cursor": "0", "seq": hall_changes[119].seq}
    assert registered.sync.state().get("cursor") is None

    registered.sync.inbox.handlers[wire.KIND_CASE_UPDATED] = real
    report = registered.sync.sync()
    assert report.pulled == report.applied == CASES - 120  # the first 120 are not applied again
    assert hall_index(registered) == {c.key: c.seq for c in hall_changes}
    assert progress_of(registered) is None and registered.sync.state().get("cursor") is not None
    assert registered.sync.sync().pulled == 0


KILLED_WINDOW = """
import sys, keyring
from pathlib import Path
from tests.conftest import MemoryKeyring
ring = MemoryKeyring()
keyring.set_keyring(ring)
ring.set_password(sys.argv[2], sys.argv[3], sys.argv[4])
from app.workspace import open_workspace
ws = open_workspace(Path(sys.argv[1]))
ws.sync.inbox.run_changes = int(sys.argv[5])
ws.sync.inbox.run_seconds = 3600.0

def pulled(count):
    print(count, flush=True)
    if count >= int(sys.argv[6]):
        sys.stdin.readline()  # between two runs, until it is killed

ws.sync.sync(pulled=pulled)
"""


def test_a_window_killed_between_two_runs_goes_on_where_it_stopped(
    registered: Workspace, hall_changes: list[wire.Change]
) -> None:
    credential = registered.sync.credential()
    assert credential is not None
    key = credential_key(credential.server_url, credential.window_code)
    secret = registered.sync._secrets.get(key)
    assert secret is not None
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED_WINDOW, str(registered.home), SERVICE, key, secret, str(RUN), "120"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    try:
        for line in process.stdout:
            if int(line) >= 120:
                break
    finally:
        process.kill()  # as a power cut would stop it: nothing after the third run's commit happens
        process.wait()
        process.stdout.close()
        if process.stdin is not None:
            process.stdin.close()
    assert hall_index(registered) == {c.key: c.seq for c in hall_changes[:120]}
    assert progress_of(registered) == {"cursor": "0", "seq": hall_changes[119].seq}

    report = registered.sync.sync()
    assert report.pulled == report.applied == CASES - 120
    assert hall_index(registered) == {c.key: c.seq for c in hall_changes}
    assert progress_of(registered) is None
