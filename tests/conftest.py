from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from app.clock import CHINA, Clock, fixed_clock
from app.workspace import Workspace, open_workspace

# A Friday, 10:00 at the hall.
DEFAULT_NOW = datetime(2026, 11, 20, 10, 0, tzinfo=CHINA)


@pytest.fixture
def clock() -> Clock:
    return fixed_clock(DEFAULT_NOW)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def workspace(home: Path, clock: Clock) -> Iterator[Workspace]:
    ws = open_workspace(home, clock=clock)
    yield ws
    ws.close()
