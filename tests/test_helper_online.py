"""The online hand-off (issue 15, app.helpers.online, server.helper_keys, server.helper_drafts) between real
workspaces and a real server in this process, on SQLite and PostgreSQL: a helper's laptop publishes its key
by sync and its sheet then reads at a window with nothing injected; a reference QR fetches its draft by id;
the hall's open drafts are listed and loaded; a case naming a draft uses it; revoking the laptop on the
server refuses its sheets at the windows after their next sync, while a certificate it sealed stays valid;
a PC of another hall gets nothing of this hall's drafts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.accounts.demo import DEMO_PASSWORD
from app.certificates import VerificationStatus
from app.clock import Clock
from app.helpers.drafts import held_draft
from app.helpers.handoff import NOT_SYNCED_MESSAGE, HandoffStatus, read_at_window, reference_code
from app.helpers.service import HelperService, PreparedSheet
from app.intake import parse_request
from app.signing_keys import SigningKeys
from app.sync import wire
from app.sync.transport import SyncError
from app.workspace import Workspace, secret_store
from db.models import HelperDraft, RevokedSigningKey
from tests.helpers import PERSON, PLANNING, open_demo_workspace, request_json
from tests.sync_harness import InProcessServer, in_process_server
from tests.test_scan_window import focus_name, scan
from tests.test_verify_dialog import approved_certificate
from ui.fonts import register_fonts, ui_font
from ui.main_window import MainWindow

pytestmark = pytest.mark.slow

HELPER_WINDOW = "SZX0109"
PLANNING_BODY = "11510100MB1C5E420M"


# The window-side flows run against the embedded server's SQLite; the two that decide what a hall may
# see run on PostgreSQL too (the server's own checks are tested on both in test_server_helper_online.py).
BOTH_DATABASES = pytest.mark.parametrize("server", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[InProcessServer]:
    yield from in_process_server(getattr(request, "param", "sqlite"), tmp_path)


@pytest.fixture
def sync_transport(server: InProcessServer) -> httpx.BaseTransport:
    return server.transport


@pytest.fixture
def window(workspace: Workspace, server: InProcessServer) -> Workspace:
    """The demo window SZX0103, registered with the server."""
    workspace.sync.register(server_url=server.url, code=server.enrollment_code("SZX0103", hall="SZX01"))
    return workspace


@pytest.fixture
def helper(tmp_path: Path, clock: Clock, server: InProcessServer) -> Iterator[Workspace]:
    """The help desk's laptop: a PC of the demo hall registered as window SZX0109 (its own keyring)."""
    home = tmp_path / "helper"
    home.mkdir()
    ws = open_demo_workspace(
        home, clock=clock, secrets_in_file=True, window_code=HELPER_WINDOW, transport=server.transport
    )
    ws.sync.register(server_url=server.url, code=server.enrollment_code(HELPER_WINDOW, hall="SZX01"))
    yield ws
    ws.close()


def prepare(ws: Workspace) -> PreparedSheet:
    item = ws.catalog.item(PLANNING)
    assert item is not None
    signed = ws.sign_in("bangban", DEMO_PASSWORD)
    service = HelperService(
        store=ws.store, catalog=ws.catalog, secrets=secret_store(ws.home, ws.settings), clock=ws.clock
    )
    return service.prepare(
        parse_request(request_json(item, applicant=PERSON, agent=None)), helper=ws.counter(signed.login)
    )


def read(ws: Workspace, text: str):  # type: ignore[no-untyped-def]
    hall, _code = ws.check_window()
    return read_at_window(text, store=ws.store, catalog=ws.catalog, hall=hall)


def reference_of(helper: Workspace, sheet: PreparedSheet) -> str:
    """The sheet's draft by reference (id and hash, signed by the laptop): what a sheet too big for one QR
    carries."""
    item = helper.catalog.item(PLANNING)
    assert item is not None
    keys = SigningKeys(
        store=helper.store, secrets=secret_store(helper.home, helper.settings), clock=helper.clock
    )
    key, _entry = keys.current(
        office_code=item.body_code, office_name=item.body_name, window_code=HELPER_WINDOW
    )
    return reference_code(sheet.prepared.draft, key=key)


@BOTH_DATABASES
def test_the_laptops_key_and_drafts_reach_the_window_by_sync(
    window: Workspace, helper: Workspace, server: InProcessServer
) -> None:
    sheet = prepare(helper)
    draft = sheet.prepared.draft
    assert read(window, sheet.code).status is HandoffStatus.UNKNOWN_KEY  # before any sync

    report = helper.sync.sync()
    assert report.keys_published == 1 and report.drafts_uploaded == 1, report.helper_problems
    assert report.helper_problems == []
    again = helper.sync.sync()  # published and uploaded once: nothing is sent again
    assert again.keys_published == 0 and again.drafts_uploaded == 0
    with helper.store.read() as session:
        assert session.get(HelperDraft, draft.draft_id).uploaded_at is not None  # type: ignore[union-attr]

    window.sync.sync()
    loaded = read(window, sheet.code)  # the full sheet: the key came by sync, nothing injected
    assert loaded.status is HandoffStatus.LOADED, loaded.message
    assert loaded.draft == draft

    # (a) The reference form: the draft is not here; fetched by id, its hash and signature checked, kept.
    reference = reference_of(helper, sheet)
    assert read(window, reference).status is HandoffStatus.NOT_SYNCED
    hall, _code = window.check_window()
    fetched = window.sync.fetch_draft(draft.draft_id, catalog=window.catalog, hall=hall)
    assert fetched.status is HandoffStatus.LOADED and fetched.draft == draft, fetched.message
    assert held_draft(window.store, draft.draft_id) is not None
    assert read(window, reference).status is HandoffStatus.LOADED  # offline from now on

    # (b) The hall's open drafts ("帮办草稿"), and one loaded from the list.
    listed = window.sync.open_drafts()
    assert [(d.draft_id, d.applicant_name, d.helper_login, d.window_code) for d in listed] == [
        (draft.draft_id, PERSON["name"], "bangban", HELPER_WINDOW)
    ]

    # A case naming the draft uses it: it leaves the open list; fetched again, the window is told.
    request = replace(draft.request, prepared_by=draft.prepared_by)
    number = window.acceptance.accept(request, counter=window.counter("demo"))
    window.sync.sync()
    assert window.sync.open_drafts() == []
    again_fetched = window.sync.fetch_draft(draft.draft_id, catalog=window.catalog, hall=hall)
    assert again_fetched.status is HandoffStatus.LOADED
    assert f"该预审单已用于办件 {number}" in again_fetched.message
    # A second case naming the same draft (the applicant came again) is stored, not refused.
    second = window.acceptance.accept(request, counter=window.counter("demo"))
    second_round = window.sync.sync()
    assert second != number and second_round.rejected == [] and second_round.pending == 0


def test_revoking_the_laptop_refuses_its_sheets_and_keeps_its_certificates(
    window: Workspace, helper: Workspace, server: InProcessServer
) -> None:
    sheet = prepare(helper)
    _number, certificate = approved_certificate(helper)  # the laptop also sealed a certificate
    helper.sync.sync()
    window.sync.sync()
    assert read(window, sheet.code).status is HandoffStatus.LOADED
    assert window.certificates.verify(certificate).status is VerificationStatus.VALID

    credential = helper.sync.credential()
    assert credential is not None
    server.admin("revoke", credential.device_id, "--reason", "帮办笔记本电脑遗失")
    assert read(window, sheet.code).status is HandoffStatus.LOADED  # not yet: the window has not pulled
    window.sync.sync()
    refused = read(window, sheet.code)
    assert refused.status is HandoffStatus.REVOKED and refused.draft is None
    assert refused.message.startswith("该帮办设备已被停用") and "帮办笔记本电脑遗失" in refused.message
    with window.store.read() as session:
        revoked = list(session.scalars(select(RevokedSigningKey.key_id)))
    assert revoked == [refused.key_id]
    # What the revoked PC's key sealed before stays valid: only hand-offs consult the revocation.
    assert window.certificates.verify(certificate).status is VerificationStatus.VALID

    with pytest.raises(SyncError):  # the laptop itself can do nothing more with the server
        helper.sync.sync()


@BOTH_DATABASES
def test_a_pc_of_another_hall_gets_nothing_of_this_halls_drafts(
    window: Workspace, helper: Workspace, server: InProcessServer
) -> None:
    sheet = prepare(helper)
    helper.sync.sync()
    assert len(window.sync.open_drafts()) == 1
    with httpx.Client(transport=server.transport, base_url=server.url) as http:
        headers = server.enrolled_headers(http, "SZX0201", hall="SZX02")
        listed = http.get(wire.DRAFTS_PATH, headers=headers)
        assert listed.status_code == 200 and listed.json() == {"drafts": []}
        one = http.get(wire.DRAFT_PATH.format(draft_id=sheet.prepared.draft.draft_id), headers=headers)
        assert one.status_code == 404 and sheet.prepared.draft.draft_id in one.json()["message"]
        assert PERSON["name"] not in one.text


def test_offline_the_window_says_so(window: Workspace, helper: Workspace, server: InProcessServer) -> None:
    sheet = prepare(helper)
    helper.sync.sync()
    window.sync.sync()
    server.stop()
    try:
        hall, _code = window.check_window()
        with pytest.raises(SyncError, match="离线：无法从服务器取回帮办预审单") as raised:
            window.sync.fetch_draft(sheet.prepared.draft.draft_id, catalog=window.catalog, hall=hall)
        assert raised.value.kind == "offline"
        with pytest.raises(SyncError, match="离线"):
            window.sync.open_drafts()
    finally:
        server.start()


def test_a_reference_qr_scanned_at_the_window_fetches_its_draft(
    window: Workspace, helper: Workspace, server: InProcessServer, qtbot: QtBot, qapp: QApplication
) -> None:
    sheet = prepare(helper)
    helper.sync.sync()
    window.sync.sync()
    reference = reference_of(helper, sheet)
    qapp.setFont(ui_font(register_fonts()))
    signed = window.sign_in("demo", DEMO_PASSWORD)
    win = MainWindow(workspace=window, counter=window.counter(signed.login))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    try:
        server.stop()  # offline: the window says so, and fills nothing
        focus_name(qtbot, win)
        scan(qtbot, win, reference)
        qtbot.waitUntil(
            lambda: win.last_message is not None and "离线" in win.last_message.text(), timeout=20_000
        )
        assert win.last_message is not None and NOT_SYNCED_MESSAGE in win.last_message.text()
        assert win.intake.name.text() == ""
        win.last_message.close()
        server.start()
        focus_name(qtbot, win)
        scan(qtbot, win, reference)
        qtbot.waitUntil(
            lambda: win.last_handoff is not None and win.last_handoff.status is HandoffStatus.LOADED,
            timeout=20_000,
        )
        assert win.intake.name.text() == PERSON["name"]
        assert win.counter_flow.item is not None and win.counter_flow.item.code == PLANNING
        request = win.counter_flow.current_request()
        assert request is not None and request.prepared_by == sheet.prepared.draft.prepared_by
    finally:
        win.jobs.wait()
        qapp.processEvents()
        win.close()
        win.jobs.shutdown()
