"""Helper mode (issue 15), with the real window: a 帮办员 who signs in gets the pre-check in place of the
decision and their drafts below; a draft with a 代办委托书 is saved, its 帮办预审单 printed through a real
queue (rendered, read and its QR decoded), edited (a printed draft edited is a new draft) and reopened from
我的草稿; bad input refused with a message and nothing stored; 我的代办/帮办件 from a real server, and
offline what was last fetched."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pypdfium2
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from app.accounts.demo import DEMO_PASSWORD
from app.clock import Clock
from app.helpers.agency import Authorisation
from app.helpers.client_cases import ClientList
from app.helpers.drafts import for_current_checklist
from app.helpers.handoff import HandoffStatus
from app.helpers.my_drafts import is_printed
from app.helpers.prepared_by import PreparedBy
from app.intake import parse_request
from app.scanning.image_codes import codes_in_image
from app.sync.transport import SyncError
from app.workspace import Workspace
from db.models import HelperDraft, PageUpload
from tests.cups_queue import READY, ensure_queues, printed_files, queues_to_ourselves, wait_for_new_output
from tests.documents_helpers import needs_poppler, read_back
from tests.helpers import PERSON, PLANNING, open_demo_workspace, request_json
from tests.page_fixtures import captured
from tests.sync_harness import InProcessServer, in_process_server
from tests.test_helper_handoff import deliver_keys, helper_ws_fixture, read  # noqa: F401 (fixture)
from ui.helper_panels import AuthorisationDialog
from ui.main_window import MainWindow

pytestmark = pytest.mark.slow

TODAY = date(2026, 11, 20)


def open_window(qtbot: QtBot, qapp: object, ws: Workspace, login: str) -> MainWindow:
    from ui.fonts import register_fonts, ui_font

    qapp.setFont(ui_font(register_fonts()))  # type: ignore[attr-defined]
    signed = ws.sign_in(login, DEMO_PASSWORD)
    win = MainWindow(workspace=ws, counter=ws.counter(signed.login))
    qtbot.addWidget(win)
    win.scan_input.uninstall()
    win.show()
    qtbot.waitExposed(win)
    return win


def close_window(win: MainWindow) -> None:
    from PySide6.QtWidgets import QApplication

    win.jobs.wait()
    QApplication.processEvents()
    win.close()
    win.jobs.shutdown()


@pytest.fixture
def helper_window(qtbot: QtBot, qapp: object, helper_ws: Workspace) -> Iterator[MainWindow]:
    win = open_window(qtbot, qapp, helper_ws, "bangban")
    qtbot.waitUntil(lambda: win.helper_desk.entries is not None and win.helper_lists.isVisible())
    yield win
    close_window(win)


def fill_applicant(qtbot: QtBot, win: MainWindow, *, phone: str = PERSON["phone"]) -> None:
    win.choose_item(PLANNING)
    win.intake.name.setText(PERSON["name"])
    win.intake.id_number.setText(PERSON["id_number"])
    win.intake.phone.setText(phone)
    qtbot.waitUntil(lambda: win.precheck.state.text().startswith("预审"))


def authorisation_dialog(qtbot: QtBot, win: MainWindow) -> AuthorisationDialog:
    qtbot.waitUntil(lambda: win.helper_desk.authorisation_dialog is not None)
    dialog = win.helper_desk.authorisation_dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def give_authorisation(qtbot: QtBot, win: MainWindow, **changes: object) -> AuthorisationDialog:
    """Tick 全程代办 and fill the 代办委托书 dialog as the helper would (the applicant is the principal)."""
    win.helper_desk.authorisation_dialog = None
    win.precheck.agency.setChecked(True)
    dialog = authorisation_dialog(qtbot, win)
    assert dialog.principal.text() == PERSON["name"]  # the applicant, filled in
    dialog.scope.setPlainText(str(changes.get("scope", "代为申请、递交材料、领取证照")))
    if "principal" in changes:
        dialog.principal.setText(str(changes["principal"]))
    dialog.valid_from.setDate(changes.get("valid_from", date(2026, 11, 1)))  # type: ignore[arg-type]
    dialog.valid_until.setDate(changes.get("valid_until", date(2027, 10, 31)))  # type: ignore[arg-type]
    dialog.signed_on.setDate(date(2026, 10, 30))
    dialog.reference.setText("WT-2026-017")
    win.helper_desk.authorisation_dialog = None
    dialog.accept()
    return dialog


def press(qtbot: QtBot, win: MainWindow, key: Qt.Key) -> None:
    """Ctrl+key in the helper's window, the active one (as on the helper's laptop)."""
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    qtbot.keyClick(win, key, Qt.KeyboardModifier.ControlModifier)


def draft_count(ws: Workspace) -> int:
    with ws.store.read() as session:
        return int(session.scalar(select(func.count()).select_from(HelperDraft)) or 0)


def test_a_helper_signs_in_to_helper_mode_and_a_clerk_to_the_counter(
    qtbot: QtBot, helper_window: MainWindow, window: MainWindow
) -> None:
    assert helper_window.helper_mode and window.helper_mode is False
    assert helper_window.precheck.isVisible() and not helper_window.decision.isVisible()
    assert helper_window.helper_lists.isVisible() and not helper_window.todays_cases.isVisible()
    assert helper_window.windowTitle().startswith("帮办预审")
    assert window.decision.isVisible() and not window.precheck.isVisible()
    fill_applicant(qtbot, helper_window)
    assert helper_window.precheck.to_bring.count() > 0  # nothing received yet: every material to bring
    helper_window.checklist.mark_all_received()
    qtbot.waitUntil(lambda: "齐全" in helper_window.precheck.state.text())
    assert not helper_window.decision.accept_button.isVisible()  # nothing is decided here
    with qtbot.waitSignal(helper_window.helper_desk.previewed, timeout=30_000) as previewed:
        press(qtbot, helper_window, Qt.Key.Key_P)  # saved, then previewed
    previewed.args[0].reject()
    assert helper_window.helper_desk.draft_id is not None
    qtbot.waitUntil(lambda: helper_window.helper_lists.drafts.rowCount() == 1)
    assert helper_window.helper_lists.drafts.item(0, 3).text() == "材料齐全"


def test_bad_input_is_refused_and_nothing_stored(
    qtbot: QtBot, helper_window: MainWindow, helper_ws: Workspace
) -> None:
    win = helper_window
    win.save_draft()  # no item chosen
    qtbot.waitUntil(lambda: win.last_message is not None)
    assert win.last_message is not None and "请先选择事项" in win.last_message.text()
    win.last_message.close()

    fill_applicant(qtbot, win)
    give_authorisation(qtbot, win, valid_from=date(2026, 11, 1), valid_until=date(2026, 10, 1))
    again = authorisation_dialog(qtbot, win)
    assert "早于委托期限起" in again.problems.text() and win.helper_desk.authorisation is None
    win.helper_desk.authorisation_dialog = None
    again.principal.setText("")
    again.valid_until.setDate(date(2027, 10, 31))
    again.accept()
    third = authorisation_dialog(qtbot, win)
    assert "请填写委托人" in third.problems.text() and win.helper_desk.authorisation is None
    win.helper_desk.authorisation_dialog = None
    third.principal.setText(PERSON["name"])
    third.scope.setPlainText("权" * 501)
    third.accept()
    fourth = authorisation_dialog(qtbot, win)
    assert "委托事项及权限过长" in fourth.problems.text() and win.helper_desk.authorisation is None
    fourth.reject()  # given up: 代办 unticked again
    qtbot.waitUntil(lambda: not win.precheck.agency.isChecked())

    win.precheck.agency.setChecked(True)  # ticked, the dialog cancelled: no draft without the document
    authorisation_dialog(qtbot, win).reject()
    win.precheck.agency.blockSignals(True)
    win.precheck.agency.setChecked(True)
    win.precheck.agency.blockSignals(False)
    win.last_message = None
    win.save_draft()
    qtbot.waitUntil(lambda: win.last_message is not None)
    assert win.last_message is not None and "请填写代办委托书" in win.last_message.text()
    assert draft_count(helper_ws) == 0


@needs_poppler
def test_a_draft_with_an_authorisation_saved_printed_edited_and_reopened(
    qtbot: QtBot,
    helper_window: MainWindow,
    helper_ws: Workspace,
    workspace: Workspace,
    window: MainWindow,
    tmp_path: Path,
) -> None:
    win, desk = helper_window, helper_window.helper_desk
    fill_applicant(qtbot, win)
    give_authorisation(qtbot, win)
    assert desk.authorisation is not None and desk.authorisation.principal_id == PERSON["id_number"]
    assert "委托人" in win.precheck.agency_summary.text()
    capture = win.counter_flow.intake_capture()  # pages captured (F6) go with the draft, per material
    material = capture.materials[0].code
    capture.add(material, [captured("帮办 第 1 页"), captured("帮办 第 2 页")])
    with qtbot.waitSignal(desk.saved, timeout=20_000) as saved:
        press(qtbot, win, Qt.Key.Key_S)
    first = saved.args[0].draft
    assert first.authorisation == desk.authorisation and desk.draft_id == first.draft_id
    assert [(m.material_code, len(m.pages)) for m in first.material_pages] == [(material, 2)]
    with helper_ws.store.read() as session:  # owed to the server from now on (app.sync.blobs)
        owed = set(session.scalars(select(PageUpload.sha256).where(PageUpload.done_at.is_(None))))
    assert owed == set(first.page_hashes)
    with qtbot.waitSignal(desk.saved, timeout=20_000) as again:  # not printed: saved again, same draft
        win.save_draft()
    assert again.args[0].draft.draft_id == first.draft_id and draft_count(helper_ws) == 1

    with qtbot.waitSignal(desk.previewed, timeout=30_000) as previewed:
        win.precheck.print_button.click()
    preview = previewed.args[0]
    page = pypdfium2.PdfDocument(preview.document.pdf)[0]
    text = "".join(page.get_textpage().get_text_range().split())  # lines joined as the reader reads on
    assert "帮办预审单" in text and "代办委托书" in text and "代为申请、递交材料、领取证照" in text
    assert "2026年11月01日至2027年10月31日" in text and "WT-2026-017" in text
    assert PERSON["id_number"] not in text  # masked, as on every document
    [code] = [c.text for c in codes_in_image(page.render(scale=200 / 72).to_pil())]
    deliver_keys(helper_ws, workspace)
    loaded = read(workspace, code)  # the window reads it, the 代办委托书 with it
    assert loaded.status is HandoffStatus.LOADED and loaded.draft is not None
    assert loaded.draft.authorisation == desk.authorisation
    assert loaded.item is not None  # the clerk decides; the case carries the 代办委托书 and shows it
    number = workspace.acceptance.accept(
        for_current_checklist(loaded.draft, item=loaded.item), counter=workspace.counter("demo")
    )
    with qtbot.waitSignal(window.lookup.opened, timeout=20_000):
        window.show_case(number)
    assert window.case_dialog is not None
    summary = window.case_dialog.findChild(QLabel, "caseSummary")
    assert summary is not None
    assert "帮办员：孙丽（bangban）" in summary.text()
    assert "代办委托书：委托人" in summary.text() and "2027年10月31日" in summary.text()
    window.case_dialog.reject()

    ensure_queues()
    with queues_to_ourselves():
        preview.printer.setCurrentText(READY)
        before = printed_files()
        with qtbot.waitSignal(desk.printed, timeout=60_000):
            preview.accept()
            printed = wait_for_new_output(before)
    assert read_back(printed.read_bytes(), tmp_path, dpi=200).decoded("QR") == [code]
    assert is_printed(helper_ws.store, first.draft_id)

    win.intake.phone.setText("13900139000")  # edited after printing: a new draft, the printed one kept
    with qtbot.waitSignal(desk.saved, timeout=20_000) as edited:
        win.save_draft()
    second = edited.args[0].draft
    assert second.draft_id != first.draft_id and second.authorisation == first.authorisation
    assert "另存为新预审单" in win.precheck.draft_label.text()
    with helper_ws.store.read() as session:
        row = session.get(HelperDraft, second.draft_id)
        assert row is not None and row.replaces_draft_id == first.draft_id and row.printed_at is None
    qtbot.waitUntil(lambda: win.helper_lists.drafts.rowCount() == 2)
    assert "本周草稿 2 份" in win.helper_lists.workload.text()

    with qtbot.waitSignal(desk.opened, timeout=20_000):  # 新草稿, then the printed one reopened
        win.new_case()
        rows = win.helper_lists.drafts
        [target] = [r for r in range(2) if rows.item(r, 0).data(Qt.ItemDataRole.UserRole) == first.draft_id]
        rect = rows.visualRect(rows.model().index(target, 1))
        qtbot.mouseClick(rows.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(rows.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert win.intake.phone.text() == PERSON["phone"] and desk.draft_id == first.draft_id
    assert desk.draft_printed and desk.authorisation == first.authorisation
    assert win.precheck.agency.isChecked() and "已打印" in win.precheck.draft_label.text()
    reopened = win.counter_flow.capture  # its pages back on their material, to be saved again with it
    assert reopened is not None
    assert [h.page.sha256 for h in reopened.pages(material)] == list(first.page_hashes)


# -- 我的代办/帮办件 from a real server ---------------------------------------------------------------------
@pytest.fixture
def server(tmp_path: Path) -> Iterator[InProcessServer]:
    yield from in_process_server("sqlite", tmp_path)


def registered(tmp_path: Path, server: InProcessServer, window: str, clock: Clock) -> Workspace:
    ws = open_demo_workspace(tmp_path / window, clock=clock, secrets_in_file=True, transport=server.transport)
    ws.settings.set("window_code", window)
    ws.sync.register(server_url=server.url, code=server.enrollment_code(window, hall="SZX01"))
    return ws


def test_the_client_list_comes_from_the_server_and_stays_offline(
    qtbot: QtBot, qapp: object, tmp_path: Path, server: InProcessServer, clock: Clock
) -> None:
    counter = registered(tmp_path, server, "SZX0103", clock)
    laptop = registered(tmp_path, server, "SZX0109", clock)
    try:
        item = counter.catalog.item(PLANNING)
        assert item is not None
        authorisation = Authorisation(
            principal=PERSON["name"],
            principal_id=PERSON["id_number"],
            scope="代为申请、递交材料",
            valid_from=date(2026, 11, 1),
            valid_until=date(2027, 10, 31),
            signed_on=date(2026, 10, 30),
        )
        helped = parse_request(request_json(item, applicant=PERSON, agent=None))
        drafts = ("0b6f9a4e-6d3c-4a51-8f0e-2c4d7e9b1a01", "0b6f9a4e-6d3c-4a51-8f0e-2c4d7e9b1a02")
        mine = counter.acceptance.accept(
            replace(helped, prepared_by=PreparedBy("bangban", "孙丽", drafts[0], authorisation)),
            counter=counter.counter("demo"),
        )
        other = counter.acceptance.accept(  # another helper's: never in bangban's list
            replace(helped, prepared_by=PreparedBy("demo", "王晓梅", drafts[1])),
            counter=counter.counter("demo"),
        )
        counter.sync.sync()

        win = open_window(qtbot, qapp, laptop, "bangban")
        try:
            with qtbot.waitSignal(win.helper_desk.clients_fetched, timeout=60_000) as fetched:
                win.helper_lists.refresh_button.click()
            clients = fetched.args[0]
            assert isinstance(clients, ClientList), clients
            assert [c.number for c in clients.cases] == [mine] and other != mine
            assert clients.cases[0].agency and clients.cases[0].status_label == "已受理"
            table = win.helper_lists.clients
            assert table.rowCount() == 1 and table.item(0, 1).text() == mine
            assert table.item(0, 8).text() == "代办"
            assert "在办 1 件" in win.helper_lists.workload.text()
            shown_at = win.helper_lists.fetched.text()
            assert "获取" in shown_at

            server.stop()  # offline: the last list stays, with when it was fetched
            with qtbot.waitSignal(win.helper_desk.clients_fetched, timeout=60_000) as offline:
                win.helper_lists.refresh_button.click()
            assert isinstance(offline.args[0], SyncError)
            assert win.helper_lists.clients.rowCount() == 1 and win.helper_lists.fetched.text() == shown_at
            assert "上次获取" in win.statusBar().currentMessage()
        finally:
            close_window(win)
        again = open_window(qtbot, qapp, laptop, "bangban")  # a restart, still offline
        try:
            qtbot.waitUntil(lambda: again.helper_lists.clients.rowCount() == 1)
        finally:
            close_window(again)
    finally:
        counter.close()
        laptop.close()
