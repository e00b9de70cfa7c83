"""A PC whose clock is far from the server's: the window warns and still records hall time (issue 12).

The server is `clerk-server serve` on loopback (it answers with a Date header as any HTTP server does);
the PC's clock is set an hour behind by giving the window's system clock a wrong source.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.cli import main
from app.clock import Clock
from app.intake import parse_request
from app.workspace import open_workspace
from tests.helpers import SEAL, demo_item, open_demo_workspace, request_json
from tests.sync_harness import ServerProcess, server_for
from ui.main_window import MainWindow

BEHIND = timedelta(hours=1)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    yield from server_for("sqlite", tmp_path)  # `clerk-server serve`, as on the hall's server


def a_clock_behind() -> Clock:
    clock = Clock()
    clock._now = lambda: datetime.now(UTC) - BEHIND  # the PC's clock, wrong
    return clock


def test_a_pc_clock_an_hour_behind_is_corrected_and_said(
    tmp_path: Path, server: ServerProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "window"
    clock = a_clock_behind()
    ws = open_demo_workspace(home, secrets_in_file=True)
    ws.close()
    ws = open_workspace(home, clock=clock)
    try:
        assert ws.clock.skew_warning() is None  # nothing known yet: the PC's clock is all there is
        ws.sync.register(
            server_url=server.url, code=server.enrollment_code("SZX0103", hall="SZX01", replace=True)
        )
        ws.sync.sync()
        off = ws.clock.offset - BEHIND
        assert abs(off) < timedelta(seconds=5), ws.clock.offset
        warning = ws.clock.skew_warning()
        assert warning is not None and "本机时钟比服务器慢约 60 分钟" in warning and "校准" in warning
        number = ws.acceptance.accept(
            parse_request(request_json(demo_item(SEAL))), counter=ws.counter("demo")
        )
        case = ws.cases.find(number)
        assert case is not None
        stored = datetime.fromisoformat(case.to_json()["created_at"].replace("Z", "+00:00"))
        assert abs(stored - datetime.now(UTC)) < timedelta(seconds=30)  # hall time, not the PC's
    finally:
        ws.close()

    # The next start, offline, keeps the correction the last sync found.
    ws = open_workspace(home, clock=a_clock_behind())
    try:
        assert abs(ws.clock.offset - BEHIND) < timedelta(seconds=5)
    finally:
        ws.close()
    assert main(["--home", str(home), "sync", "status"]) == 0
    assert "本机时钟比服务器慢约 60 分钟" in capsys.readouterr().out  # hall IT reads it too


def test_a_test_clock_never_follows_the_server() -> None:
    fixed = Clock(lambda: datetime(2026, 11, 20, 2, 0, tzinfo=UTC))
    now = datetime.now(UTC)
    fixed.observe_server(now, sent=now - BEHIND, received=now - BEHIND)
    assert fixed.offset == timedelta(0) and fixed.skew_warning() is None
    right = Clock()
    right.observe_server(now + timedelta(seconds=30), sent=now, received=now)
    assert right.offset == timedelta(0)  # within the tolerance: network delay, whole seconds


def test_the_window_says_its_clock_is_off(window: MainWindow) -> None:
    status = window.sync_status
    status.show_view(window.sync.view)
    assert "本机时钟不准" not in status.label.text()
    window.desk.workspace.clock.offset = -timedelta(minutes=30)  # as the last sync found it
    status.show_view(window.sync.view)
    assert "本机时钟不准" in status.label.text()
    assert "本机时钟比服务器快约 30 分钟" in status.label.toolTip() and "校准" in status.label.toolTip()
