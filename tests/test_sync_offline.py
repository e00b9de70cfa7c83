"""The window without a server: sync state, backoff with jitter, nothing lost or marked sent."""

from __future__ import annotations

import json
import random
import socket

import pytest
from pytestqt.qtbot import QtBot

from app.intake import parse_request
from app.sync.client import SyncError, credential_key
from app.workspace import Workspace
from tests.helpers import SEAL, request_json
from ui.main_window import MainWindow
from ui.sync_status import backoff_seconds


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pretend_registered(workspace: Workspace, url: str) -> None:
    workspace.settings.set("server_url", url)
    workspace.sync._secrets.set(
        credential_key(url, "SZX0103"),
        json.dumps({"device_id": "d1", "secret": "s", "hall_code": "SZX01", "window_code": "SZX0103"}),
    )


def test_backoff_grows_with_jitter_and_stays_bounded() -> None:
    rng = random.Random(1)
    delays = [[backoff_seconds(n, rng=rng) for n in range(1, 12)] for _ in range(50)]
    for run in delays:
        for n, delay in enumerate(run, start=1):
            base = min(300, 5 * 2 ** (n - 1))
            assert 0.5 * base <= delay <= 1.5 * base
    assert len({round(run[3], 3) for run in delays}) > 40  # windows do not retry in lockstep


def test_unregistered_window_says_so(workspace: Workspace) -> None:
    with pytest.raises(SyncError) as raised:
        workspace.sync.sync()
    assert raised.value.kind == "not_registered"


def test_unreachable_server_changes_nothing(workspace: Workspace) -> None:
    pretend_registered(workspace, f"http://127.0.0.1:{closed_port()}")
    item = workspace.catalog.item(SEAL)
    assert item is not None
    for _ in range(3):
        workspace.acceptance.accept(parse_request(request_json(item)), counter=workspace.counter("demo"))
    with pytest.raises(SyncError) as raised:
        workspace.sync.sync()
    assert raised.value.kind == "offline"
    assert workspace.sync.pending() == 3 and workspace.sync.dead_letters() == []
    assert "last_success_at" not in workspace.sync.state()


def test_window_shows_offline_with_backlog_and_retries(
    window: MainWindow, qtbot: QtBot, workspace: Workspace
) -> None:
    pretend_registered(workspace, f"http://127.0.0.1:{closed_port()}")
    item = workspace.catalog.item(SEAL)
    assert item is not None
    workspace.acceptance.accept(parse_request(request_json(item)), counter=workspace.counter("demo"))
    with qtbot.waitSignal(
        window.sync.changed, timeout=10_000, check_params_cb=lambda v: v.state == "offline"
    ):
        window.sync.sync_now()
    text = window.sync_status.label.text()
    # Waiting: the case, and the sign-in's own record.
    assert "离线" in text and "待上传 2 条" in text and "秒后重试" in text and "从未同步" in text
    assert window.sync.timer.isActive()  # the next try is scheduled
    assert window.sync.failures == 1
