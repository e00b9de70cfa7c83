"""The window's online lookup of a holder's licences (app.licence_library.lookup) against the real server in
this process: a licence issued at one window of the hall is found by the applicant's ID at another, whose
library has never seen it, and verified there with the hall's keys it pulled; a revocation the server holds
refuses it; offline, the lookup says so. Each licence the server sends is verified at the window."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.accounts.demo import DEMO_PASSWORD
from app.clock import Clock
from app.licence_library.fitness import Holder
from app.licence_library.lookup import HolderIdError, look_up
from app.operations import lifecycle as ops
from app.seal import VerificationStatus
from app.sync.transport import SyncError
from app.workspace import Workspace
from tests.helpers import COMPANY, open_demo_workspace
from tests.sync_harness import InProcessServer, in_process_server
from tests.test_licence_library import FOOD_CHANGE, accepted
from tests.test_licence_window import back_to_window, food_change_case, open_licence_dialog
from tests.test_licences import FOOD, FOOD_FIELDS
from tests.test_main_window import accept_by_keyboard
from ui.fonts import register_fonts, ui_font
from ui.main_window import MainWindow


@pytest.fixture
def server(tmp_path: Path) -> Iterator[InProcessServer]:
    yield from in_process_server("sqlite", tmp_path)


@pytest.fixture
def sync_transport(server: InProcessServer) -> httpx.BaseTransport:
    return server.transport


def register(workspace: Workspace, server: InProcessServer, window: str) -> None:
    workspace.sync.register(server_url=server.url, code=server.enrollment_code(window, hall="SZX01"))


@pytest.fixture
def other(server: InProcessServer, tmp_path: Path, clock: Clock) -> Iterator[Workspace]:
    """Another window of the demo hall, on its own PC."""
    ws = open_demo_workspace(tmp_path / "other", clock=clock, transport=server.transport)
    ws.settings.set("window_code", "SZX0104")
    try:
        register(ws, server, "SZX0104")
        yield ws
    finally:
        ws.close()


def lookup(ws: Workspace, holder_id: str = COMPANY["id_number"]):  # type: ignore[no-untyped-def]
    return look_up(
        library=ws.licences, transport=ws.sync.transport, holder_id=holder_id, today=ws.clock.today()
    )


def test_a_licence_issued_at_one_window_is_found_online_at_another(
    workspace: Workspace, other: Workspace, server: InProcessServer
) -> None:
    register(workspace, server, "SZX0103")
    number = accepted(workspace, FOOD)
    workspace.certificates.approve(number, approver=workspace.counter("shenpi"), fields=FOOD_FIELDS)
    workspace.sync.sync()
    other.sync.sync()  # the hall's keys reach the other window; its library holds no case of the company
    assert other.licences.by_holder(COMPANY["id_number"]) == []

    [found], left_out = lookup(other)
    assert left_out == 0 and found.status is VerificationStatus.VALID
    assert found.licence_type == "food_business" and found.holder_name == COMPANY["name"]
    change = other.catalog.item(FOOD_CHANGE)
    assert change is not None
    m03 = change.material("M03")
    assert m03 is not None
    holder = Holder(COMPANY["name"], COMPANY["id_number"])
    refusal = other.licences.refusal(
        found, accepted_types=m03.licence_types, material_name=m03.name, holder=holder
    )
    assert refusal is None
    assert lookup(other, "11010519491231002X") == ([], 0)
    with pytest.raises(HolderIdError, match="持证人证件号码无效"):
        lookup(other, "110105194912310021")

    ops.revoke(
        workspace,
        person=workspace.counter("shenpi"),
        number=number,
        reason="申请人以欺骗手段取得许可",
        basis="《中华人民共和国行政许可法》第六十九条第二款",
        password=DEMO_PASSWORD,
    )
    workspace.sync.sync()  # the other window has not pulled the revocation: the server's answer says it
    [found], _ = lookup(other)
    assert found.status is VerificationStatus.REVOKED and found.revocation is not None
    refusal = other.licences.refusal(
        found, accepted_types=m03.licence_types, material_name=m03.name, holder=holder
    )
    assert refusal is not None and "申请人以欺骗手段取得许可" in refusal.message

    server.stop()
    try:
        with pytest.raises(SyncError) as offline:
            lookup(other)
        assert offline.value.kind == "offline"
    finally:
        server.start()


def test_the_dialog_finds_the_licence_online_and_the_case_records_the_server_lookup(
    workspace: Workspace, other: Workspace, server: InProcessServer, qtbot: QtBot, qapp: QApplication
) -> None:
    register(workspace, server, "SZX0103")
    number = accepted(workspace, FOOD)
    workspace.certificates.approve(number, approver=workspace.counter("shenpi"), fields=FOOD_FIELDS)
    workspace.sync.sync()
    other.sync.sync()
    qapp.setFont(ui_font(register_fonts()))
    signed = other.sign_in("demo", DEMO_PASSWORD)
    win = MainWindow(workspace=other, counter=other.counter(signed.login))
    qtbot.addWidget(win)
    win.scan_input.uninstall()
    win.show()
    qtbot.waitExposed(win)
    back_to_window(qtbot, win)
    try:
        food_change_case(qtbot, win)
        dialog = open_licence_dialog(qtbot, win, "M03")
        with qtbot.waitSignal(dialog.answered, timeout=20_000):
            qtbot.keyClick(dialog, Qt.Key.Key_F5)
        assert "找到 1 个电子证照" in dialog.lookup_note.text() and "离线" not in dialog.lookup_note.text()
        listed = dialog.results.item(0).text()
        assert "联网按证件号查得" in listed and "可采用" in listed
        with qtbot.waitSignal(dialog.finished, timeout=5000):
            qtbot.keyClick(dialog.results, Qt.Key.Key_Return)
        back_to_window(qtbot, win)
        saved = accept_by_keyboard(qtbot, win)
        case = other.cases.find(saved)
        assert case is not None and case.decision == "accepted"
        [m03] = [m for m in case.materials if m.material == "M03"]
        assert m03.licence is not None and m03.licence["verified_by"] == "server_lookup"
    finally:
        win.jobs.wait()
        QApplication.processEvents()
        win.close()
        win.jobs.shutdown()
