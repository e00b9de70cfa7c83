"""A helper's draft whose material is satisfied by an electronic licence (issue 15,
app.helpers.draft_licences), loaded into the real main window: the licence is verified again at the window,
the row shows it as at the counter (电子证照, 免交纸质) and the case is saved with it; the same draft loaded
after the licence was revoked fills the rest but leaves the material out, and the clerk is told why."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.accounts.demo import DEMO_PASSWORD
from app.helpers.drafts import held_draft, save_draft
from app.helpers.handoff import HandoffStatus
from app.intake import licence_received, parse_request
from app.licence_library.evidence import VerifiedBy
from app.operations import lifecycle as ops
from app.workspace import Workspace
from tests.helpers import COMPANY
from tests.test_helper_handoff import (  # noqa: F401 (fixture)
    deliver_keys,
    helper_service,
    helper_ws_fixture,
    long_scans,
)
from tests.test_licence_library import FOOD_CHANGE, accepted, change_request
from tests.test_licences import FOOD, FOOD_FIELDS
from tests.test_scan_window import focus_name, scan
from ui.main_window import MainWindow
from ui.models import LicenceRole, MaterialColumn


def findings(window: MainWindow) -> list[str]:
    return [window.decision.findings.item(i).text() for i in range(window.decision.findings.count())]


def test_a_drafts_licence_is_verified_again_at_the_window(
    helper_ws: Workspace, workspace: Workspace, window: MainWindow, qtbot: QtBot
) -> None:
    # A 食品经营许可证 this window issued to COMPANY; the helper recorded it for M03 of a 变更 (as F7 in
    # helper mode does: the licence verified on the laptop, with the hall's keys sync brought there).
    number = accepted(workspace, FOOD)
    certificate = workspace.certificates.approve(
        number, approver=workspace.counter("shenpi"), fields=FOOD_FIELDS
    )
    licence = workspace.licences.verify(certificate.qr_text)
    request = parse_request(change_request(licence.qr_text))
    evidence = licence.evidence(VerifiedBy.SERVER_LOOKUP)
    request = replace(
        request,
        materials=tuple(
            licence_received(material_code="M03", evidence=evidence) if m.material_code == "M03" else m
            for m in request.materials
        ),
    )
    signed = helper_ws.sign_in("bangban", DEMO_PASSWORD)
    sheet = helper_service(helper_ws).prepare(request, helper=helper_ws.counter(signed.login))
    assert sheet.prepared.draft.request.materials == request.materials
    deliver_keys(helper_ws, workspace)
    # With its licence's QR text the draft no longer fits one QR: the sheet names it, and it follows by
    # sync (fetched from the server when scanned: tests/test_helper_online.py).
    found = held_draft(helper_ws.store, sheet.prepared.draft.draft_id)
    assert found is not None
    save_draft(workspace.store, found[0])

    focus_name(qtbot, window)
    long_scans(window)
    scan(qtbot, window, sheet.code)
    assert window.last_handoff is not None and window.last_handoff.status is HandoffStatus.LOADED
    assert window.counter_flow.item is not None and window.counter_flow.item.code == FOOD_CHANGE
    model = window.checklist
    row = model.row_of("M03")
    assert row is not None
    assert model.data(model.index(row, MaterialColumn.FORM)) == "电子证照"
    line = model.data(model.index(row, MaterialColumn.NAME), LicenceRole)
    assert "食品经营许可证" in line and COMPANY["name"] in line
    assert any("食品经营许可证" in f and "免交纸质" in f for f in findings(window)), findings(window)
    assert window.decision.outcome.text() == "受理"
    assert window.last_message is None  # nothing to tell: every licence of the draft satisfies

    with qtbot.waitSignal(window.counter_flow.saved, timeout=20_000):
        window.counter_flow.accept_case()
    case = workspace.cases.find(window.counter_flow.last_case_number or "")
    assert case is not None and case.decision == "accepted"
    [m03] = [m for m in case.materials if m.material == "M03"]
    assert m03.form == "licence" and m03.licence is not None
    assert m03.licence["licence_id"] == licence.licence_id and m03.licence["verified_by"] == "qr_offline"

    # Revoked since the helper took it: the draft fills in, the licence does not, and the clerk is told.
    ops.revoke(
        workspace,
        person=workspace.counter("shenpi"),
        number=number,
        reason="申请人以欺骗手段取得许可",
        basis="《中华人民共和国行政许可法》第六十九条第二款",
        password=DEMO_PASSWORD,
    )
    window.counter_flow.new_case()
    window.load_draft(sheet.code)
    assert window.last_handoff is not None and window.last_handoff.status is HandoffStatus.LOADED
    assert window.intake.name.text() == COMPANY["name"]
    row = model.row_of("M03")
    assert row is not None
    assert model.rows()[row].licence is None and not model.rows()[row].received
    assert model.data(model.index(row, MaterialColumn.FORM)) != "电子证照"
    assert window.decision.outcome.text() == "补正告知"  # M03 is missing now
    message = window.last_message
    assert message is not None and message.icon() is QMessageBox.Icon.Warning
    assert (
        "未填入" in message.text()
        and "已撤销" in message.text()
        and "申请人以欺骗手段取得许可" in message.text()
    )
    current = window.counter_flow.current_request()
    assert current is not None and "M03" not in {m.material_code for m in current.materials}
