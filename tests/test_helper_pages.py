"""A helper's captured pages reach the window (issue 15, app.helpers.draft_pages): a help-desk laptop of the
demo hall captures pages for two materials, saves and prints the draft and syncs (its page files go to the
server as a window's do); windows of the same hall load the draft by its sheet's QR text or online, get the
files, find the pages on their materials and accept the case with them. A window of another hall cannot
download them; offline, the window says which pages are not here and still accepts; a page whose bytes do
not match its hash is refused, named; a format-1 (flat) draft still loads. One embedded server (SQLite) and
one laptop for the module; a fresh window for each test."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import orjson
import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.accounts.demo import DEMO_PASSWORD
from app.catalog import Material
from app.clock import Clock, fixed_clock
from app.completeness import applicable_materials
from app.helpers.draft_pages import files_of, flat_pages_note, place_draft_pages, waiting_message
from app.helpers.drafts import (
    FLAT_PAGES_FORMAT,
    Draft,
    DraftError,
    DraftPages,
    canonical_bytes,
    draft_from_bytes,
    draft_json,
    for_current_checklist,
)
from app.helpers.handoff import Handoff, HandoffStatus, handoff_code, read_at_window
from app.helpers.service import HelperService, PreparedSheet
from app.intake import parse_request
from app.operations.capture import new_capture
from app.operations.counter import accept_case
from app.scanning.capture import CaptureSession
from app.signing_keys import SigningKeys
from app.sync.transport import SyncError
from app.workspace import Workspace, secret_store
from db.models import CasePage, PageSet, PageUpload
from tests.blob_helpers import download, sha256_of
from tests.conftest import DEFAULT_NOW
from tests.helpers import PERSON, PLANNING, open_demo_workspace, request_json
from tests.page_fixtures import captured
from tests.sync_harness import InProcessServer, in_process_server
from tests.test_scan_window import focus_name, scan
from ui.fonts import register_fonts, ui_font
from ui.main_window import MainWindow

pytestmark = pytest.mark.slow

HELPER_WINDOW = "SZX0109"


@dataclass
class Laptop:
    """The help desk's laptop and what it prepared, once synced with the server."""

    server: InProcessServer
    ws: Workspace
    sheet: PreparedSheet
    materials: tuple[Material, Material]  # the two materials it captured pages for
    root: Path
    windows: int = 0

    @property
    def draft(self) -> Draft:
        return self.sheet.prepared.draft

    def window(self, clock: Clock) -> Workspace:
        """A fresh window PC of the same hall, registered, its key directory pulled (the laptop's key)."""
        self.windows += 1
        code = f"SZX011{self.windows}"
        home = self.root / f"window-{self.windows}"
        home.mkdir()
        ws = open_demo_workspace(
            home, clock=clock, secrets_in_file=True, window_code=code, transport=self.server.transport
        )
        ws.sync.register(server_url=self.server.url, code=self.server.enrollment_code(code, hall="SZX01"))
        ws.sync.sync()
        return ws

    def key_signed(self, draft: Draft) -> str:
        item = self.ws.catalog.item(PLANNING)
        assert item is not None
        keys = SigningKeys(
            store=self.ws.store, secrets=secret_store(self.ws.home, self.ws.settings), clock=self.ws.clock
        )
        key, _entry = keys.current(
            office_code=item.body_code, office_name=item.body_name, window_code=HELPER_WINDOW
        )
        return handoff_code(draft, key=key)


@pytest.fixture(scope="module")
def laptop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Laptop]:
    root = tmp_path_factory.mktemp("helper-pages")
    clock = fixed_clock(DEFAULT_NOW)
    server_iter = in_process_server("sqlite", root)
    server = next(server_iter)
    home = root / "helper"
    home.mkdir()
    ws = open_demo_workspace(
        home, clock=clock, secrets_in_file=True, window_code=HELPER_WINDOW, transport=server.transport
    )
    ws.sync.register(server_url=server.url, code=server.enrollment_code(HELPER_WINDOW, hall="SZX01"))
    try:
        item = ws.catalog.item(PLANNING)
        assert item is not None
        helper = ws.counter(ws.sign_in("bangban", DEMO_PASSWORD).login)
        request = parse_request(request_json(item, applicant=PERSON, agent=None))
        listed = applicable_materials(item, applicant_kind=request.applicant.kind, has_agent=False)
        first, second = listed[0], listed[1]
        # Captured as at the counter (F6): pages stored and checked in the capture session.
        capture = new_capture(ws, person=helper, materials=listed)
        capture.add(first.code, [captured("营业执照 第 1 页"), captured("营业执照 第 2 页")])
        capture.add(second.code, [captured("规划图 第 1 页")])
        capture.rotate(first.code, 1)  # the second page turned: the turn travels with the draft
        _keep_what_was_warned(capture)
        pages = [DraftPages(m.material_code, m.pages, kept_short=m.kept_short) for m in capture.attachments()]
        service = HelperService(
            store=ws.store, catalog=ws.catalog, secrets=secret_store(ws.home, ws.settings), clock=ws.clock
        )
        prepared = service.save(request, helper=helper, pages=pages)
        sheet = service.sheet(prepared.draft.draft_id, helper=helper)
        service.printed(sheet.prepared.draft)
        # Named by a kept draft, though by no case: the page store's sweep leaves them.
        assert set(prepared.draft.page_hashes) <= ws.pages.referenced()
        assert ws.pages.pages.remove_unreferenced(ws.pages.referenced(), older_than=time.time() + 60) == 0
        report = ws.sync.sync()
        assert report.drafts_uploaded == 1 and report.pages_uploaded == 3, report.page_problems
        yield Laptop(server, ws, sheet, (first, second), root)
    finally:
        ws.close()
        next(server_iter, None)


def _keep_what_was_warned(capture: CaptureSession) -> None:
    for slot in capture.materials:
        for index, held in enumerate(capture.pages(slot.code)):
            if held.page.warnings:
                capture.keep(slot.code, index)
        if capture.short_message(slot.code):
            capture.keep_short_count(slot.code)


@pytest.fixture
def window_ws(laptop: Laptop, clock: Clock) -> Iterator[Workspace]:
    ws = laptop.window(clock)
    yield ws
    ws.close()


def read(ws: Workspace, text: str) -> Handoff:
    hall, _code = ws.check_window()
    return read_at_window(text, store=ws.store, catalog=ws.catalog, hall=hall)


def loaded(ws: Workspace, laptop: Laptop) -> Handoff:
    """The sheet's QR read at `ws` (the draft fetched online when the QR carries only its reference)."""
    handoff = read(ws, laptop.sheet.code)
    if handoff.status is HandoffStatus.NOT_SYNCED:
        hall, _code = ws.check_window()
        handoff = ws.sync.fetch_draft(laptop.draft.draft_id, catalog=ws.catalog, hall=hall)
    assert handoff.status is HandoffStatus.LOADED, handoff.message
    return handoff


def window_capture(ws: Workspace, handoff: Handoff) -> tuple[CaptureSession, dict[str, str]]:
    item = handoff.item
    draft = handoff.draft
    assert item is not None and draft is not None
    listed = applicable_materials(item, applicant_kind=draft.request.applicant.kind, has_agent=False)
    capture = new_capture(ws, person=ws.counter("demo"), materials=listed)
    return capture, {m.code: m.name for m in item.materials}


def accept_with(ws: Workspace, handoff: Handoff, capture: CaptureSession) -> str:
    assert handoff.draft is not None and handoff.item is not None
    request = for_current_checklist(handoff.draft, item=handoff.item)
    accepted = accept_case(ws, person=ws.counter("demo"), request=request, pages=capture.attachments())
    return accepted.changed.number


def case_pages(ws: Workspace, number: str) -> dict[str, list[tuple[str, int]]]:
    with ws.store.read() as session:
        rows = session.execute(
            select(PageSet.material_code, CasePage.sha256, CasePage.rotation)
            .join(CasePage, CasePage.page_set_id == PageSet.id)
            .where(PageSet.case_number == number)
            .order_by(PageSet.material_code, CasePage.position)
        ).all()
    found: dict[str, list[tuple[str, int]]] = {}
    for code, sha, rotation in rows:
        found.setdefault(code, []).append((sha, rotation))
    return found


def drafted(draft: Draft) -> dict[str, list[tuple[str, int]]]:
    return {one.material_code: [(p.sha256, p.rotation) for p in one.pages] for one in draft.material_pages}


# -- the laptop ------------------------------------------------------------------------------------------
def test_the_draft_names_its_pages_per_material_and_their_files_reach_the_server(laptop: Laptop) -> None:
    draft = laptop.draft
    first, second = laptop.materials
    assert [(one.material_code, len(one.pages)) for one in draft.material_pages] == sorted(
        [(first.code, 2), (second.code, 1)]
    )
    assert drafted(draft)[first.code][1][1] == 90  # the turned page
    assert draft_from_bytes(canonical_bytes(draft)) == draft  # format 2 round trip, signed as it is
    on_server = {sha256_of(path) for path in (laptop.server.blob_folder).rglob("*") if path.is_file()}
    assert set(draft.page_hashes) <= on_server
    with laptop.ws.store.read() as session:
        owed = {row.sha256: row.done_at for row in session.scalars(select(PageUpload))}
    assert set(owed) == set(draft.page_hashes) and all(done is not None for done in owed.values())


def test_a_draft_page_missing_on_the_laptop_stays_owed(laptop: Laptop) -> None:
    """The upload forgets a missing file no page set names; a kept draft's page is not forgotten."""
    ws, sha = laptop.ws, laptop.draft.page_hashes[-1]
    with ws.store.write() as session:
        row = session.get(PageUpload, sha)
        assert row is not None
        done_at, row.done_at = row.done_at, None
    path = ws.pages.pages.path(sha)
    data = path.read_bytes()
    path.unlink()
    credential = ws.sync.credential()
    assert credential is not None
    try:
        missing = ws.sync.uploads.upload(credential)
        assert missing.owed == 1 and sha[:12] in missing.problems[0] and "缺少页面文件" in missing.problems[0]
    finally:
        ws.pages.pages.put(data)
    again = ws.sync.uploads.upload(credential)  # put back: sent (the server holds it: done at once)
    assert again.owed == 0 and again.problems == []
    with ws.store.read() as session:
        assert session.get(PageUpload, sha).done_at is not None and done_at is not None  # type: ignore[union-attr]


# -- windows of the hall ---------------------------------------------------------------------------------
def test_a_window_loads_the_sheet_gets_the_files_and_accepts_the_case_with_them(
    laptop: Laptop, window_ws: Workspace
) -> None:
    handoff = loaded(window_ws, laptop)
    draft = handoff.draft
    assert draft == laptop.draft
    capture, names = window_capture(window_ws, handoff)
    first = place_draft_pages(capture, draft.material_pages, here=window_ws.pages.pages.has, names=names)
    assert first.placed == {} and first.pages_waiting == 3  # nothing here yet: nothing half-filled
    got = window_ws.sync.ensure_page_files(files_of(first.waiting))
    assert (got.downloaded, got.not_on_server, got.problems) == (3, (), ())
    then = place_draft_pages(capture, first.waiting, here=window_ws.pages.pages.has, names=names)
    one, two = laptop.materials
    assert then.placed == {one.code: 2, two.code: 1} and then.waiting == ()
    assert [h.page.sha256 for h in capture.pages(one.code)] == [sha for sha, _r in drafted(draft)[one.code]]

    number = accept_with(window_ws, handoff, capture)
    assert case_pages(window_ws, number) == drafted(draft)  # hashes, order and turns as the helper left them
    case = window_ws.cases.find(number)
    assert case is not None and case.prepared_by is not None and case.prepared_by.draft_id == draft.draft_id


def test_the_draft_fetched_online_brings_its_pages_too(laptop: Laptop, window_ws: Workspace) -> None:
    hall, _code = window_ws.check_window()
    handoff = window_ws.sync.fetch_draft(laptop.draft.draft_id, catalog=window_ws.catalog, hall=hall)
    assert handoff.status is HandoffStatus.LOADED and handoff.draft == laptop.draft, handoff.message
    capture, names = window_capture(window_ws, handoff)
    got = window_ws.sync.ensure_page_files(handoff.draft.page_files)
    assert got.here == got.files == 3
    placed = place_draft_pages(
        capture, handoff.draft.material_pages, here=window_ws.pages.pages.has, names=names
    )
    assert placed.pages_placed == 3
    number = accept_with(window_ws, handoff, capture)
    assert case_pages(window_ws, number) == drafted(laptop.draft)


def test_a_window_of_another_hall_cannot_download_them(laptop: Laptop) -> None:
    server = laptop.server
    with httpx.Client(transport=server.transport, base_url=server.url) as http:
        headers = server.enrolled_headers(http, "SZX0201", hall="SZX02")
        for sha in laptop.draft.page_hashes:
            refused = download(http, headers, sha)
            assert refused.status_code == 404, refused.text
            assert not refused.content.startswith(b"\x89PNG")


def test_offline_the_window_names_the_missing_pages_and_still_accepts(
    laptop: Laptop, window_ws: Workspace
) -> None:
    handoff = loaded(window_ws, laptop)  # the laptop's draft is here now (full QR, or fetched and kept)
    capture, names = window_capture(window_ws, handoff)
    placed = place_draft_pages(
        capture, handoff.draft.material_pages, here=window_ws.pages.pages.has, names=names
    )
    laptop.server.stop()
    try:
        with pytest.raises(SyncError) as raised:
            window_ws.sync.ensure_page_files(files_of(placed.waiting))
        assert raised.value.kind == "offline"
        assert read(window_ws, laptop.sheet.code).status is HandoffStatus.LOADED  # offline, still read
    finally:
        laptop.server.start()
    one, two = laptop.materials
    told = waiting_message(placed.waiting, names=names, why=raised.value.message)
    assert told.startswith("帮办采集的 3 页尚未到达本机")
    assert f"{one.name} 2 页" in told and f"{two.name} 1 页" in told and "重新采集" in told
    number = accept_with(window_ws, handoff, capture)  # the case is not held up by the missing pages
    assert case_pages(window_ws, number) == {}
    assert window_ws.cases.find(number) is not None


def test_a_page_not_matching_its_hash_is_refused_and_nothing_stored(
    laptop: Laptop, window_ws: Workspace
) -> None:
    handoff = loaded(window_ws, laptop)
    one, _two = laptop.materials
    damaged = drafted(laptop.draft)[one.code][0][0]
    path = laptop.server.blob_folder / damaged[:2] / damaged
    original = path.read_bytes()
    path.write_bytes(bytes(b ^ 0xFF for b in original[:64]) + original[64:])  # same size, other bytes
    try:
        got = window_ws.sync.ensure_page_files(handoff.draft.page_files)
    finally:
        path.write_bytes(original)
    assert got.downloaded == 2 and len(got.problems) == 1
    assert damaged[:12] in got.problems[0] and "校验值不符" in got.problems[0]
    assert not window_ws.pages.pages.has(damaged)
    assert not any(window_ws.pages.pages.root.rglob("*.part"))
    capture, names = window_capture(window_ws, handoff)
    placed = place_draft_pages(
        capture, handoff.draft.material_pages, here=window_ws.pages.pages.has, names=names
    )
    assert one.code not in placed.placed and [w.material_code for w in placed.waiting] == [one.code]
    assert capture.pages(one.code) == []  # nothing half-filled


def test_a_format_1_draft_still_loads_with_a_note_for_its_pages(laptop: Laptop, window_ws: Workspace) -> None:
    flat = replace(
        laptop.draft,
        draft_id=str(uuid.uuid4()),
        format=FLAT_PAGES_FORMAT,
        material_pages=(),
        flat_page_hashes=laptop.draft.page_hashes,
    )
    data = draft_json(flat)
    assert data["format"] == 1 and data["pages"] == list(laptop.draft.page_hashes)
    assert draft_from_bytes(canonical_bytes(flat)) == flat  # read and written back as it was signed
    handoff = read(window_ws, laptop.key_signed(flat))
    assert handoff.status is HandoffStatus.LOADED and handoff.draft == flat, handoff.message
    assert handoff.draft.page_files == {}
    assert "旧版格式" in flat_pages_note(handoff.draft) and "3 页" in flat_pages_note(handoff.draft)


def test_a_draft_naming_pages_wrongly_is_refused(laptop: Laptop) -> None:
    data = draft_json(laptop.draft)
    unsorted = {**data, "pages": list(reversed(data["pages"]))}
    bad_turn = {
        **data,
        "pages": [{**data["pages"][0], "pages": [{**data["pages"][0]["pages"][0], "rotation": 45}]}],
    }
    extra = {**data, "pages": [{**data["pages"][0], "note": "x"}]}
    for wrong, said in ((unsorted, "未按材料编码排列"), (bad_turn, "旋转角度"), (extra, "结构不符")):
        with pytest.raises(DraftError, match=said):
            draft_from_bytes(orjson.dumps(wrong))


# -- the main window -------------------------------------------------------------------------------------
def test_the_scanned_sheet_puts_the_pages_on_their_materials_in_the_main_window(
    laptop: Laptop, window_ws: Workspace, qtbot: QtBot, qapp: QApplication
) -> None:
    qapp.setFont(ui_font(register_fonts()))
    signed = window_ws.sign_in("demo", DEMO_PASSWORD)
    win = MainWindow(workspace=window_ws, counter=window_ws.counter(signed.login))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    try:
        # An altered sheet: refused by its signature, nothing fetched or stored.
        code = laptop.sheet.code
        middle = len(code) // 2
        altered = code[:middle] + ("A" if code[middle] != "A" else "B") + code[middle + 1 :]
        focus_name(qtbot, win)
        scan(qtbot, win, altered)
        qtbot.waitUntil(lambda: win.last_handoff is not None, timeout=10_000)
        assert win.last_handoff is not None and win.last_handoff.status is not HandoffStatus.LOADED
        assert win.draft_pages.last is None and not any(window_ws.pages.pages.root.rglob("*.png"))
        if win.last_message is not None:
            win.last_message.close()

        focus_name(qtbot, win)
        with qtbot.waitSignal(win.draft_pages.settled, timeout=20_000) as settled:
            scan(qtbot, win, code)
        outcome = settled.args[0]
        one, two = laptop.materials
        assert (
            outcome.placed == {one.code: 2, two.code: 1} and outcome.waiting == () and outcome.message == ""
        )
        capture = win.counter_flow.capture
        assert capture is not None
        shown = {
            m.code: [(h.page.sha256, h.page.rotation) for h in capture.pages(m.code)]
            for m in laptop.materials
        }
        assert shown == drafted(laptop.draft)

        win.counter_flow.open_capture()  # F6: the capture view lists them on their materials
        dialog = win.counter_flow.capture_dialog
        assert dialog is not None
        listed = [dialog.materials.item(i).text() for i in range(dialog.materials.count())]
        assert any(text.startswith(f"{one.code}（2 页）") for text in listed), listed
        assert any(text.startswith(f"{two.code}（1 页）") for text in listed), listed
        dialog.reject()

        with qtbot.waitSignal(win.counter_flow.saved, timeout=20_000) as saved:
            win.counter_flow.accept_case()
        number = saved.args[0].changed.number
        assert case_pages(window_ws, number) == drafted(laptop.draft)
    finally:
        win.jobs.wait()
        qapp.processEvents()
        win.close()
        win.jobs.shutdown()
