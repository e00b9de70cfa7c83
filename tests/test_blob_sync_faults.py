"""Issue 14, page files through a real TCP proxy that breaks the connection (tests/faulty_proxy.py), to a
real server (SQLite and PostgreSQL): cut after the server took a chunk, several times, the upload resumes
from the server's offset, never sends a chunk twice, and ends with identical hashes on window and server
and one file on the server's disk; under random faults (dropped, cut, duplicated, slow and late requests)
against `clerk-server serve` in a process of its own, the same end."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import select

from app.clock import Clock
from app.intake import parse_request
from app.scanning.attach import MaterialPages
from app.scanning.events import AttachedPage
from app.scanning.pages import PageFormat, PageSource
from app.sync.client import credential_key
from app.sync.transport import SyncError
from app.workspace import Workspace
from db.models import PageUpload
from tests.blob_helpers import file_bytes, partial_files, sha256_of, stored_files
from tests.fault_rounds import draw_seed, fault_chooser, replay_hint
from tests.faulty_proxy import FaultyProxy, _read_http_message
from tests.helpers import PLANNING, open_demo_workspace, request_json
from tests.sync_harness import CentralServer, InProcessServer, ServerProcess, in_process_server, server_for

pytestmark = pytest.mark.slow

MIB = 1024 * 1024


@dataclass
class Noting(FaultyProxy):
    """The fault proxy, noting the request line of each request that reached the server."""

    reached: list[str] = field(default_factory=list)

    def _exchange(self, request: bytes) -> bytes:
        self.reached.append(request.split(b"\r\n", 1)[0].decode("ascii", "replace"))
        return super()._exchange(request)

    def chunk_offsets(self) -> list[int]:
        return [int(line.split("offset=")[1].split()[0]) for line in self.reached if line.startswith("PUT ")]


@dataclass
class CutsChunks(Noting):
    """Every other chunk (PUT) reaches the server and its answer never reaches the window, `cuts` times."""

    cuts: int = 3
    chunks: int = 0

    def _handle(self, client: socket.socket) -> None:
        with contextlib.suppress(OSError), client:
            request = _read_http_message(client)
            if not request:
                return
            response = self._exchange(request)
            if request.startswith(b"PUT "):
                self.chunks += 1
                if self.cuts and self.chunks % 2 == 0:
                    self.cuts -= 1
                    self.fates.append("cut")
                    client.shutdown(socket.SHUT_RDWR)
                    return
            self.fates.append("pass")
            client.sendall(response)


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[InProcessServer]:
    yield from in_process_server(request.param, tmp_path)


@pytest.fixture(params=["sqlite", "postgresql"])
def process(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerProcess]:
    """`clerk-server serve` in a process of its own."""
    yield from server_for(request.param, tmp_path)


def registered(tmp_path: Path, server: CentralServer, clock: Clock) -> Workspace:
    """Window SZX0103 on the network (no in-process transport), registered with the server directly."""
    workspace = open_demo_workspace(tmp_path / "window", clock=clock, secrets_in_file=True)
    workspace.sync.register(server_url=server.url, code=server.enrollment_code("SZX0103", hall="SZX01"))
    return workspace


@pytest.fixture
def window(tmp_path: Path, server: InProcessServer, clock: Clock) -> Iterator[Workspace]:
    workspace = registered(tmp_path, server, clock)
    yield workspace
    workspace.close()


def through(workspace: Workspace, proxy: FaultyProxy) -> None:
    """The window's sync traffic from now on through `proxy` (its registration went direct)."""
    secrets = workspace.sync._secrets
    secret = secrets.get(credential_key(workspace.sync.server_url(), "SZX0103")) or ""
    secrets.set(credential_key(proxy.url, "SZX0103"), secret)
    workspace.settings.set("server_url", proxy.url)
    workspace.sync.read_timeout = 1.0


def attach_large_page(workspace: Workspace, size: int) -> AttachedPage:
    item = workspace.catalog.item(PLANNING)
    assert item is not None
    number = workspace.acceptance.accept(parse_request(request_json(item)), counter=workspace.counter("demo"))
    view = workspace.cases.find(number)
    assert view is not None
    data, _sha = file_bytes(size, seed=11)
    page = AttachedPage(
        workspace.pages.pages.put(data), size, PageFormat.JPEG, 4000, 3000, 300, 0, PageSource.CAMERA
    )
    workspace.pages.attach(
        number, [MaterialPages(view.materials[0].material, (page,))], by=workspace.counter("demo")
    )
    return page


def sync_until_sent(workspace: Workspace, *, rounds: int) -> int:
    """Sync rounds until no page file and no event is owed; how many it took."""
    for number in range(1, rounds + 1):
        with contextlib.suppress(SyncError):
            report = workspace.sync.sync()
            if report.pages_owed == 0 and report.pending == 0 and not report.page_problems:
                return number
    raise AssertionError(f"still owed after {rounds} rounds")


def assert_identical(workspace: Workspace, server: CentralServer, page: AttachedPage) -> None:
    [stored] = stored_files(server.blob_folder)  # one file: no second copy, nothing else
    assert stored.name == page.sha256 and sha256_of(stored) == page.sha256
    assert sha256_of(workspace.pages.pages.path(page.sha256)) == page.sha256
    assert partial_files(server.blob_folder) == []
    with workspace.store.read() as session:
        [row] = session.scalars(select(PageUpload)).all()
    assert row.done_at is not None and row.sent_bytes == page.byte_size and row.last_error is None


def test_cut_after_the_server_took_a_chunk_the_upload_resumes_and_sends_each_chunk_once(
    window: Workspace, server: InProcessServer
) -> None:
    page = attach_large_page(window, 6 * MIB + 5)
    proxy = CutsChunks(server.port, cuts=3)
    try:
        through(window, proxy)
        rounds = sync_until_sent(window, rounds=10)
    finally:
        proxy.close()
    # Three cuts end three rounds; a loaded machine may end one more by the 1 s read timeout.
    assert proxy.fates.count("cut") == 3 and rounds >= 4
    assert proxy.chunk_offsets() == [n * MIB for n in range(7)]  # every chunk once, in order
    assert_identical(window, server, page)


def test_random_faults_end_with_identical_hashes(
    tmp_path: Path, process: ServerProcess, clock: Clock
) -> None:
    seed = draw_seed()
    window = registered(tmp_path, process, clock)
    page = attach_large_page(window, 5 * MIB + 77)
    proxy = Noting(process.port, choose=fault_chooser(seed), slow_seconds=1.5)
    try:
        through(window, proxy)
        with contextlib.suppress(AssertionError):
            sync_until_sent(window, rounds=12)
        proxy.choose = lambda: "pass"  # the network heals
        sync_until_sent(window, rounds=5)
        proxy.settle()  # stale requests delivered after newer ones change nothing
    finally:
        proxy.close()
        window.close()
    faults = {fate for fate in proxy.fates if fate != "pass"}
    assert faults == {"drop", "cut", "duplicate", "slow", "late"}, replay_hint(seed)
    try:
        assert_identical(window, process, page)
    except AssertionError as error:
        raise AssertionError(f"{error}; {replay_hint(seed)}") from error
