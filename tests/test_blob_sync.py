"""Issue 14, page files between windows and a real server in this process (SQLite and PostgreSQL): the
pages a window attached reach the server with identical hashes on both sides; the back office fetches the
case, its page sets come with it and its files are downloaded when looked at, hash checked; a later page set
reaches the PC holding a copy; a restart of the window resumes from the server's offset; a file the server
refuses as damaged on the way is sent again; a file missing or damaged here is reported and holds nothing
up; offline, a file damaged on the server, and a full disk here each get their message, nothing half kept."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event, select

from app.accounts.roles import PermissionDenied
from app.cli import main as cli
from app.clock import Clock
from app.intake import parse_request
from app.operations.pages import case_pages
from app.scanning.attach import MaterialPages
from app.scanning.events import AttachedPage
from app.scanning.page_store import page_sha256
from app.scanning.pages import PageFormat, PageSource
from app.sync import wire
from app.sync.blob_downloads import DOWNLOADS_FOLDER, OFFLINE_PAGES
from app.sync.transport import Credential
from app.workspace import Workspace
from db.models import PageUpload
from tests.blob_helpers import file_bytes, sha256_of, stored_files
from tests.helpers import PLANNING, open_demo_workspace, request_json
from tests.page_fixtures import attach_pages
from tests.sync_harness import InProcessServer, in_process_server

pytestmark = pytest.mark.slow

HALL = "SZX01"
ORIGIN, OFFICE = "SZX0103", "SZX0104"
MIB = 1024 * 1024


class Recording(httpx.BaseTransport):
    """The server's in-process transport, with every request noted (method, path, offset); `mangle` may
    change a request's body once on its way (a chunk damaged by the network)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.seen: list[tuple[str, str, str | None]] = []
        self.mangle: Any = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append((request.method, request.url.path, request.url.params.get("offset")))
        if self.mangle is not None and request.method == "PUT":
            body, self.mangle = self.mangle(request.read()), None
            request = httpx.Request(request.method, request.url, headers=request.headers, content=body)
        return self.inner.handle_request(request)

    def chunks(self) -> list[int]:
        return [int(offset or 0) for method, _path, offset in self.seen if method == "PUT"]


class Unreachable(httpx.BaseTransport):
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[InProcessServer]:
    yield from in_process_server(request.param, tmp_path)


def open_window(tmp_path: Path, server: InProcessServer, window: str, clock: Clock) -> Workspace:
    workspace = open_demo_workspace(
        tmp_path / window, clock=clock, secrets_in_file=True, transport=Recording(server.transport)
    )
    workspace.settings.set("window_code", window)
    workspace.sync.register(server_url=server.url, code=server.enrollment_code(window, hall=HALL))
    return workspace


@pytest.fixture
def hall(tmp_path: Path, server: InProcessServer, clock: Clock) -> Iterator[dict[str, Workspace]]:
    windows = {w: open_window(tmp_path, server, w, clock) for w in (ORIGIN, OFFICE)}
    yield windows
    for workspace in windows.values():
        workspace.close()


def recorded(workspace: Workspace) -> Recording:
    transport = workspace.sync.transport.http_transport
    assert isinstance(transport, Recording)
    return transport


def accept(workspace: Workspace) -> tuple[str, str]:
    """A case accepted at the window: its number and its first material's code."""
    item = workspace.catalog.item(PLANNING)
    assert item is not None
    number = workspace.acceptance.accept(parse_request(request_json(item)), counter=workspace.counter("demo"))
    view = workspace.cases.find(number)
    assert view is not None
    return number, view.materials[0].material


def big_page(workspace: Workspace, size: int, *, seed: int) -> AttachedPage:
    """A page file of `size` bytes in the window's page store (a camera's JPEG, as far as sizes go)."""
    data, _sha = file_bytes(size, seed=seed)
    sha = workspace.pages.pages.put(data)
    return AttachedPage(sha, len(data), PageFormat.JPEG, 4000, 3000, 300, 0, PageSource.CAMERA)


def uploads(workspace: Workspace) -> dict[str, PageUpload]:
    with workspace.store.read() as session:
        return {row.sha256: row for row in session.scalars(select(PageUpload))}


def server_hashes(server: InProcessServer) -> dict[str, str]:
    """Each whole file on the server's disk: its name → the SHA-256 of its bytes."""
    return {path.name: sha256_of(path) for path in stored_files(server.blob_folder)}


def test_pages_reach_the_server_identical_and_the_back_office_gets_them(
    hall: dict[str, Workspace], server: InProcessServer
) -> None:
    origin, office = hall[ORIGIN], hall[OFFICE]
    number, material = accept(origin)
    small = attach_pages(origin, number, origin.counter("demo"), material, "第 1 页", "第 2 页")
    large = big_page(origin, 2 * MIB + 333, seed=3)
    origin.pages.attach(number, [MaterialPages(material, (*small, large))], by=origin.counter("demo"))
    shas = {p.sha256 for p in (*small, large)}

    report = origin.sync.sync()
    assert (report.pages_uploaded, report.pages_owed, report.page_problems) == (3, 0, [])
    assert server_hashes(server) == {sha: sha for sha in shas}  # identical on both sides
    for row in uploads(origin).values():
        assert row.done_at is not None and row.sent_bytes == row.byte_size and row.last_error is None
    before = len(recorded(origin).seen)
    assert origin.sync.sync().pages_uploaded == 0  # nothing owed: nothing asked
    assert not [s for s in recorded(origin).seen[before:] if "/blobs/" in s[1]]

    # The back office fetches the case: its page sets come with it, its files when looked at.
    office.sync.sync()
    office.sync.fetch_case(number)
    assert uploads(office) == {}  # the files are the capturing window's to send
    assert not any(office.pages.pages.has(sha) for sha in shas)
    steps: list[tuple[int, int]] = []
    shown = case_pages(
        office, person=office.counter("shenpi"), number=number, progress=lambda *p: steps.append(p)
    )
    assert [(s.material_code, [p.sha256 for p in s.pages]) for s in shown.sets] == [
        (material, [p.sha256 for p in (*small, large)])
    ]
    assert (
        shown.here is not None and shown.here.complete and shown.here.downloaded == 3 and shown.message == ""
    )
    assert steps[0] == (0, 3) and steps[-1] == (3, 3)
    for sha in shas:
        assert page_sha256(office.pages.pages.read(sha)) == sha
    assert not (office.pages.pages.root / DOWNLOADS_FOLDER).exists() or not any(
        (office.pages.pages.root / DOWNLOADS_FOLDER).iterdir()
    )

    # The accepting window adds a page; the PC holding a copy gets the new list by sync.
    extra = attach_pages(origin, number, origin.counter("demo"), material, "第 1 页", "第 3 页")
    origin.sync.sync()
    office.sync.sync()
    [again] = office.pages.page_sets(number)
    assert [p.sha256 for p in again.pages] == [p.sha256 for p in extra]
    assert again.attached_by == "demo"
    shown = case_pages(office, person=office.counter("shenpi"), number=number)
    assert shown.here is not None and shown.here.complete and shown.here.downloaded == 1


def test_a_restarted_window_resumes_from_the_servers_offset(
    hall: dict[str, Workspace], server: InProcessServer, tmp_path: Path, clock: Clock
) -> None:
    origin = hall[ORIGIN]
    number, material = accept(origin)
    page = big_page(origin, 3 * MIB + 10, seed=4)
    origin.pages.attach(number, [MaterialPages(material, (page,))], by=origin.counter("demo"))
    origin.sync.uploads.seconds = 0  # the round's time for pages is up after one chunk
    report = origin.sync.sync()
    assert (report.pages_uploaded, report.pages_owed) == (0, 1)
    assert recorded(origin).chunks() == [0]
    assert uploads(origin)[page.sha256].sent_bytes == MIB
    origin.close()

    again = open_demo_workspace(
        tmp_path / ORIGIN, clock=clock, secrets_in_file=True, transport=Recording(server.transport)
    )
    hall[ORIGIN] = again  # closed by the fixture
    report = again.sync.sync()
    assert (report.pages_uploaded, report.pages_owed) == (1, 0)
    assert recorded(again).chunks() == [MIB, 2 * MIB, 3 * MIB]  # from the server's offset, each chunk once
    assert server_hashes(server) == {page.sha256: page.sha256}


def test_a_file_damaged_on_the_way_is_sent_again(hall: dict[str, Workspace], server: InProcessServer) -> None:
    origin = hall[ORIGIN]
    number, material = accept(origin)
    page = big_page(origin, MIB + 10, seed=5)
    origin.pages.attach(number, [MaterialPages(material, (page,))], by=origin.counter("demo"))
    recorded(origin).mangle = lambda body: bytes([body[0] ^ 0xFF]) + body[1:]
    report = origin.sync.sync()
    assert (report.pages_uploaded, report.page_problems) == (1, [])
    assert recorded(origin).chunks() == [0, MIB, 0, MIB]  # the server dropped the damaged whole: sent again
    assert server_hashes(server) == {page.sha256: page.sha256}


def test_missing_and_damaged_files_are_reported_and_hold_nothing_up(
    hall: dict[str, Workspace], server: InProcessServer, capsys: pytest.CaptureFixture[str]
) -> None:
    origin = hall[ORIGIN]
    number, material = accept(origin)
    clerk = origin.counter("demo")
    gone, broken, fine = attach_pages(origin, number, clerk, material, "page 1", "page 2", "page 3")
    store = origin.pages.pages
    kept = store.path(gone.sha256).read_bytes()
    store.path(gone.sha256).unlink()  # deleted by hand
    damaged = bytearray(store.path(broken.sha256).read_bytes())
    damaged[100] ^= 0xFF
    store.path(broken.sha256).write_bytes(bytes(damaged))

    report = origin.sync.sync()
    assert (report.pages_uploaded, report.pages_owed) == (1, 2)
    assert len(report.page_problems) == 2
    rows = uploads(origin)
    assert rows[fine.sha256].done_at is not None
    assert "缺少页面文件" in (rows[gone.sha256].last_error or "") and rows[gone.sha256].done_at is None
    assert "已损坏" in (rows[broken.sha256].last_error or "") and rows[broken.sha256].done_at is None
    assert {p.sha256 for p in origin.sync.page_upload_problems()} == {gone.sha256, broken.sha256}
    capsys.readouterr()
    assert cli(["--home", str(origin.home), "sync", "status"]) == 0
    said = capsys.readouterr().out
    assert said.count("材料页面未能上传") == 2 and "缺少页面文件" in said and "已损坏" in said
    assert set(server_hashes(server)) == {fine.sha256}

    sent = len(recorded(origin).seen)
    report = origin.sync.sync()  # tried again, once each, without a request for either
    assert (report.pages_uploaded, len(report.page_problems)) == (0, 2)
    assert not [s for s in recorded(origin).seen[sent:] if "/blobs/" in s[1]]

    store.put(kept)  # put back from a backup
    report = origin.sync.sync()
    assert (report.pages_uploaded, report.pages_owed) == (1, 1)
    assert uploads(origin)[gone.sha256].last_error is None
    assert set(server_hashes(server)) == {fine.sha256, gone.sha256}


def test_a_file_no_page_names_any_more_is_owed_to_no_one(
    hall: dict[str, Workspace], server: InProcessServer
) -> None:
    """A page deleted before it was sent, its file swept from the page store: its row goes, no error."""
    origin = hall[ORIGIN]
    number, material = accept(origin)
    kept, dropped = attach_pages(origin, number, origin.counter("demo"), material, "page 1", "page 2")
    origin.pages.attach(number, [MaterialPages(material, (kept,))], by=origin.counter("demo"))
    removed = origin.pages.pages.remove_unreferenced(origin.pages.referenced(), older_than=time.time() + 1)
    assert removed == 1 and not origin.pages.pages.has(dropped.sha256)
    report = origin.sync.sync()
    assert (report.pages_uploaded, report.pages_owed, report.page_problems) == (1, 0, [])
    assert set(uploads(origin)) == {kept.sha256}
    assert set(server_hashes(server)) == {kept.sha256}


def test_offline_damaged_on_the_server_and_a_full_disk_here_each_say_so(
    hall: dict[str, Workspace], server: InProcessServer
) -> None:
    origin, office = hall[ORIGIN], hall[OFFICE]
    number, material = accept(origin)
    first, second = attach_pages(origin, number, origin.counter("demo"), material, "page A", "page B")
    origin.sync.sync()
    office.sync.fetch_case(number)
    approver = office.counter("shenpi")

    office.sync.transport.http_transport = Unreachable()
    offline = case_pages(office, person=approver, number=number)
    assert offline.here is None and offline.message.startswith(OFFLINE_PAGES)
    assert [len(s.pages) for s in offline.sets] == [2]  # the page list is here all the same
    office.sync.transport.http_transport = Recording(server.transport)

    # The server's copy of one file went bad on its disk: the window does not take it.
    on_server = server.blob_folder / first.sha256[:2] / first.sha256
    bad = bytearray(on_server.read_bytes())
    bad[-1] ^= 0xFF
    on_server.write_bytes(bytes(bad))
    shown = case_pages(office, person=approver, number=number)
    assert shown.here is not None and shown.here.downloaded == 1 and not shown.here.complete
    assert "与其校验值不符" in shown.message
    assert not office.pages.pages.has(first.sha256) and office.pages.pages.has(second.sha256)
    assert not any((office.pages.pages.root / DOWNLOADS_FOLDER).iterdir())

    # Nearly full here: refused with the disk's message, nothing written.
    office.sync.downloads.pages.reserve_bytes = 10**15
    full = case_pages(office, person=approver, number=number)
    assert full.here is None and "磁盘空间不足" in full.message
    assert not office.pages.pages.has(first.sha256)


def test_only_people_who_may_see_pages_get_them(hall: dict[str, Workspace]) -> None:
    origin = hall[ORIGIN]
    number, material = accept(origin)
    attach_pages(origin, number, origin.counter("demo"), material, "page A")
    with pytest.raises(PermissionDenied, match="查看材料页面"):
        case_pages(origin, person=origin.counter("xinxi"), number=number)


def test_a_round_with_nothing_owed_costs_one_query(workspace: Workspace) -> None:
    """200 files sent before, none owed: the upload step reads one query and sends nothing."""
    now = workspace.clock.now().replace(tzinfo=None)
    with workspace.store.write() as session:
        session.add_all(
            PageUpload(
                sha256=hashlib.sha256(str(i).encode()).hexdigest(),
                byte_size=1000,
                sent_bytes=1000,
                queued_at=now,
                done_at=now,
            )
            for i in range(200)
        )
    statements: list[str] = []

    def note(*args: Any) -> None:
        statements.append(args[2])

    credential = Credential("http://127.0.0.1:9", "device", "secret", HALL, ORIGIN)
    for engine in (workspace.store.read_engine, workspace.store.write_engine):
        event.listen(engine, "before_cursor_execute", note)
    try:
        done = workspace.sync.uploads.upload(credential)
    finally:
        for engine in (workspace.store.read_engine, workspace.store.write_engine):
            event.remove(engine, "before_cursor_execute", note)
    assert (done.uploaded, done.owed, done.stopped) == (0, 0, None)
    queries = [s for s in statements if not s.startswith("BEGIN")]
    assert len(queries) == 1 and "page_upload" in queries[0], statements
    assert wire.BLOB_CHUNK_BYTES == MIB


def test_two_pcs_attaching_one_material_end_with_the_servers_page_set_everywhere(
    hall: dict[str, Workspace], server: InProcessServer
) -> None:
    """The accepting window and the back office both attach pages to the same material and visit: whichever
    the server stored last is the page set at both PCs after their next rounds (a PC that sent its own
    cannot tell from a pulled change which came last, so it fetches the case again)."""
    origin, office = hall[ORIGIN], hall[OFFICE]
    number, material = accept(origin)
    attach_pages(origin, number, origin.counter("demo"), material, "page A")
    origin.sync.sync()
    office.sync.fetch_case(number)
    later = attach_pages(origin, number, origin.counter("demo"), material, "page C")
    origin.sync.sync()
    last = attach_pages(office, number, office.counter("demo"), material, "page B1", "page B2")
    office.sync.sync()  # its own goes first (stored last); the origin's comes in the pull
    origin.sync.sync()
    expected = [p.sha256 for p in last]
    for workspace in (office, origin):
        [held] = workspace.pages.page_sets(number)
        assert [p.sha256 for p in held.pages] == expected, workspace.home.name
    assert later[0].sha256 not in expected
    fetched = httpx.get(
        server.url + wire.CASE_FETCH_PATH.format(number=number),
        headers={"Authorization": office.sync.transport.registered().bearer},
    ).json()
    assert [[p["sha256"] for p in e["payload"]["pages"]] for e in fetched["page_sets"]] == [expected]
