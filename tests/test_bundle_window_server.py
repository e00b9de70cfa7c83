"""A 一件事 bundle this window does not hold, opened through the real main window from a real server on
PostgreSQL (app.sync.bundle_fetch, GET BUNDLE_PATH): its QR scanned, the bundle of another window of the
hall is shown with each case's decision and status, read only (nothing stored here); with the server gone,
the clerk is told the window is offline and nothing is shown."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pytestqt.qtbot import QtBot

from app.bundles.follow import held_bundle_status
from app.clock import Clock
from app.scanning.routing import OpenBundle
from app.workspace import Workspace
from tests.sync_harness import InProcessServer, in_process_server
from tests.test_bundle_prints import registered, split_bundle
from tests.test_scan_window import focus_name, scan
from ui.bundle_dialog import BundleCaseColumn, BundleDialog
from ui.main_window import MainWindow

pytestmark = pytest.mark.slow


@pytest.fixture
def server(tmp_path: Path) -> Iterator[InProcessServer]:
    yield from in_process_server("postgresql", tmp_path)


@pytest.fixture
def sync_transport(server: InProcessServer) -> httpx.BaseTransport:
    return server.transport


def test_a_bundle_of_another_window_opens_from_the_server_and_offline_the_clerk_is_told(
    qtbot: QtBot,
    window: MainWindow,
    workspace: Workspace,
    server: InProcessServer,
    tmp_path: Path,
    clock: Clock,
) -> None:
    workspace.sync.register(server_url=server.url, code=server.enrollment_code("SZX0103", hall="SZX01"))
    origin = registered(tmp_path, server, "SZX0104", clock)  # another window of the hall took the bundle
    try:
        number, cases = split_bundle(origin)
        origin.sync.sync()
    finally:
        origin.close()
    assert held_bundle_status(workspace, text=number) is None

    focus_name(qtbot, window)
    with qtbot.waitSignal(window.bundles.opened, timeout=20_000) as opened:
        route = scan(qtbot, window, f"HTTPS://ZWFW.EXAMPLE.GOV.CN/BUNDLE/{number}")
    assert route == OpenBundle(number)
    dialog = opened.args[0]
    assert isinstance(dialog, BundleDialog)
    assert not dialog.status.held_here and dialog.status.window_code == "SZX0104"
    model = dialog.model
    lines = {
        model.index(r, BundleCaseColumn.NUMBER).data(): (
            model.index(r, BundleCaseColumn.DECISION).data(),
            model.index(r, BundleCaseColumn.STATUS).data(),
        )
        for r in range(model.rowCount())
    }
    assert set(lines) == set(cases)
    # Its shared S03 and the hygiene permit's M06 were missing: two 补正告知, two accepted, as decided there.
    assert sorted(d for d, _ in lines.values()) == ["受理", "受理", "补正告知", "补正告知"]
    heading = dialog.heading.text()
    assert "有事项待补正" in heading and "服务器记录" in heading and "SZX0104" in heading
    dialog.close()
    assert held_bundle_status(workspace, text=number) is None  # read only: nothing stored here

    server.stop()
    shown: list[object] = []
    window.bundles.opened.connect(shown.append)
    with qtbot.waitSignal(window.bundles.not_followed, timeout=20_000) as refused:
        window.show_bundle(number)
    assert "离线" in refused.args[0] and number in refused.args[0]
    assert window.last_message is not None and "离线" in window.last_message.text()
    assert shown == []  # nothing shown
