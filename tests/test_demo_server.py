"""The demo hall's embedded server: started on loopback, the window enrolled with it, cases synced."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.intake import parse_request
from app.sync.embedded import EmbeddedServer
from app.workspace import Workspace
from tests.helpers import SEAL, request_json

pytestmark = pytest.mark.slow


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
    counter = workspace.counter()
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
