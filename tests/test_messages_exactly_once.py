"""A real window pushing to a real server process through a proxy that loses the push's answer and then
sends the retry twice: each accepted case tells its applicant exactly once (server.messages)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.intake import parse_request
from app.sync.client import SyncError
from app.workspace import Workspace
from tests.faulty_proxy import FaultyProxy
from tests.helpers import SEAL, request_json
from tests.sync_harness import ServerProcess, server_for

pytestmark = pytest.mark.slow


@pytest.fixture(params=["sqlite", "postgresql"])
def server_process(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerProcess]:
    yield from server_for(request.param, tmp_path)


def test_a_lost_answer_and_a_duplicated_retry_tell_each_applicant_once(
    workspace: Workspace, server_process: ServerProcess
) -> None:
    # Registering passes (enrol, confirm); the first push reaches the server and its answer is cut; the
    # retry reaches the server twice.
    fates = iter(["pass", "pass", "cut", "duplicate"])
    proxy = FaultyProxy(server_process.port, choose=lambda: next(fates, "pass"))
    try:
        workspace.sync.register(
            server_url=proxy.url, code=server_process.enrollment_code("SZX0103", hall="SZX01")
        )
        item = workspace.catalog.item(SEAL)
        assert item is not None
        counter = workspace.counter("demo")
        numbers = [
            workspace.acceptance.accept(parse_request(request_json(item)), counter=counter) for _ in range(3)
        ]
        with pytest.raises(SyncError):
            workspace.sync.sync()  # stored on the server; the window did not hear so
        assert workspace.sync.pending() > 0
        workspace.sync.sync()
        assert workspace.sync.pending() == 0
        proxy.settle()
        assert proxy.fates[:4] == ["pass", "pass", "cut", "duplicate"]
    finally:
        proxy.close()
    listed = server_process.admin("messages", "list")
    assert sorted(m["case_number"] for m in listed) == sorted(numbers)
    assert {m["purpose"] for m in listed} == {"accepted"}
    assert len({m["event_id"] for m in listed}) == 3
    for row in listed:
        assert row["case_number"] in row["text"] and item.name in row["text"]
