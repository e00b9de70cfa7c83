from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import keyring
import keyring.backend
import pytest

import app.accounts.passwords
from app.clock import CHINA, Clock, fixed_clock
from app.workspace import Workspace
from tests.helpers import open_demo_workspace

# Offscreen windows get the most common counter PC screen, 1366×768, instead of the platform's 800×800
# (Qt reads this when the application object is made, after collection).
# Hashes made in this test run cost 1 MiB and one pass instead of 64 MiB and two (a check costs what the
# hash recorded): hundreds of sign-ins take milliseconds, not minutes. The scheme is the same argon2id; the
# strength a real window or server uses is tested in a process of its own (test_server_accounts.py).
app.accounts.passwords._HASHER = app.accounts.passwords.make_hasher(
    time_cost=1, memory_cost=1024, parallelism=1
)

COUNTER_SCREEN = Path(__file__).resolve().parent / "data" / "screen-1366x768.json"
if os.environ["QT_QPA_PLATFORM"] == "offscreen" and not any(c in str(COUNTER_SCREEN) for c in ":,"):
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={COUNTER_SCREEN}"

# A Friday, 10:00 at the hall.
DEFAULT_NOW = datetime(2026, 11, 20, 10, 0, tzinfo=CHINA)


STOP_SERVICES_ENV = "CLERK_TEST_STOP_SERVICES"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that stop a machine service (the PostgreSQL every other test run on the machine uses) run only
    when asked for, on a machine of their own."""
    if os.environ.get(STOP_SERVICES_ENV) == "1":
        return
    skip = pytest.mark.skip(reason=f"stops a machine service: set {STOP_SERVICES_ENV}=1 to run it")
    for item in items:
        if item.get_closest_marker("stops_services") is not None:
            item.add_marker(skip)


@pytest.fixture
def clock() -> Clock:
    return fixed_clock(DEFAULT_NOW)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def sync_transport() -> httpx.BaseTransport | None:
    """How the `workspace` fixture's sync client reaches a server: the network. A module whose tests run a
    server in this process overrides it with that server's transport (tests.sync_harness)."""
    return None


@pytest.fixture
def workspace(home: Path, clock: Clock, sync_transport: httpx.BaseTransport | None) -> Iterator[Workspace]:
    """A demo data folder (window SZX0103 of the demo hall, its accounts and catalog), opened. A folder that
    is not a demo folder is not a window until registered: see tests.helpers.open_demo_workspace."""
    ws = open_demo_workspace(home, clock=clock, transport=sync_transport)
    yield ws
    ws.close()


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A file-free keyring for tests: nothing a test stores outlives it."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.secrets.pop((service, username), None)


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def window(qtbot, qapp, workspace: Workspace):  # type: ignore[no-untyped-def]
    """The real main window on a fresh workspace, shown; waits for its jobs when the test ends."""
    from PySide6.QtWidgets import QApplication

    from app.accounts.demo import DEMO_PASSWORD
    from ui.fonts import register_fonts, ui_font
    from ui.main_window import MainWindow

    qapp.setFont(ui_font(register_fonts()))
    signed = workspace.sign_in("demo", DEMO_PASSWORD)  # as at the sign-in dialog (tests/test_sign_in.py)
    win = MainWindow(workspace=workspace, counter=workspace.counter(signed.login))
    qtbot.addWidget(win)
    # QTest types at machine speed, which the window takes for a scanner: the tests that scan read scans
    # (tests/test_scan_window.py installs the reading again); the others type into their fields.
    win.scan_input.uninstall()
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.jobs.wait()
    QApplication.processEvents()
    win.close()
    win.jobs.shutdown()  # as ui.main does after the window: its worker threads end with the test


@pytest.fixture
def clerk_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """`clerk` commands that change data act as the demo clerk, as a script signs them in (CLERK_LOGIN and
    CLERK_PASSWORD); a command may still name another account with --clerk."""
    from app.accounts.demo import DEMO_CLERK, DEMO_PASSWORD

    monkeypatch.setenv("CLERK_LOGIN", DEMO_CLERK[0])
    monkeypatch.setenv("CLERK_PASSWORD", DEMO_PASSWORD)
