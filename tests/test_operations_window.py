"""The window as a thin adapter over the operations: the case dialog offers what the status table allows,
a case of another window is described from the hall's index, and a refusal is shown without changing
anything."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from pytestqt.qtbot import QtBot

from app.accounts.demo import DEMO_PASSWORD
from app.case_number import format_case_number
from app.intake import parse_request
from app.operations.certificates import approve_case
from app.operations.counter import accept_case
from app.workspace import Workspace
from db.models import HallCase
from tests.helpers import PLANNING, PLANNING_FIELDS, SEAL, request_json
from ui.case_dialog import CaseDialog
from ui.main_window import MainWindow


def accepted(workspace: Workspace, *, skip: tuple[str, ...] = ()) -> str:
    item = workspace.catalog.item(PLANNING)
    assert item is not None
    request = parse_request(request_json(item, skip=skip))
    return accept_case(workspace, person=workspace.counter("demo"), request=request).changed.number


def dialog_for(qtbot: QtBot, workspace: Workspace, number: str) -> CaseDialog:
    case = workspace.cases.find(number)
    assert case is not None
    dialog = CaseDialog(case, kinds=workspace.documents.available(case), prints=[])
    qtbot.addWidget(dialog)
    return dialog


def test_the_case_dialog_offers_what_the_status_allows(qtbot: QtBot, workspace: Workspace) -> None:
    number = accepted(workspace)
    supplement = accepted(workspace, skip=("M05",))
    offered = dialog_for(qtbot, workspace, number)
    assert not offered.approve_button.isHidden() and offered.handover.isHidden()
    assert list(offered.print_buttons) == workspace.documents.available(number)
    waiting = dialog_for(qtbot, workspace, supplement)
    assert waiting.approve_button.isHidden() and waiting.handover.isHidden()
    approve_case(
        workspace,
        person=workspace.counter("shenpi"),
        number=number,
        fields=PLANNING_FIELDS,
        password=DEMO_PASSWORD,
    )
    approved = dialog_for(qtbot, workspace, number)
    assert approved.approve_button.isHidden() and not approved.handover.isHidden()


def test_a_case_of_another_window_is_told_from_the_hall_index(
    window: MainWindow, qtbot: QtBot, workspace: Workspace
) -> None:
    number = format_case_number(window_code="SZX0104", day=date(2026, 11, 20), serial=3)
    with workspace.store.write() as session:
        session.add(
            HallCase(
                number=number,
                window_code="SZX0104",
                status="accepted",
                decision="accepted",
                item_code=SEAL,
                received_on=date(2026, 11, 20),
                updated_at=datetime(2026, 11, 20, 2, 30),
                seq=1,
            )
        )
    window.show_case(number)
    qtbot.waitUntil(lambda: window.last_message is not None)  # looked up on the database lane
    assert window.case_dialog is None and window.last_message is not None
    assert window.last_message.windowTitle() == "其他窗口的办件"
    text = window.last_message.text()
    assert "由 SZX0104 窗口于 2026-11-20 受理" in text and "已受理" in text and "10:30" in text
    assert "调取" in text  # the window tried to fetch it whole, and says plainly why it could not
    window.last_message.close()
    told = window.last_message
    unknown = format_case_number(window_code="SZX0104", day=date(2026, 11, 20), serial=4)
    window.show_case(unknown)
    qtbot.waitUntil(lambda: window.last_message is not told)
    assert window.last_message is not None and window.last_message.windowTitle() == "未找到"
    assert f"都没有办件 {unknown}（可能尚未同步" in window.last_message.text()


def test_a_refused_approval_is_shown_and_changes_nothing(
    window: MainWindow, qtbot: QtBot, workspace: Workspace
) -> None:
    number = accepted(workspace)
    window.counter = replace(window.counter, roles=frozenset(), unknown_roles=("auditor",))
    with qtbot.waitSignal(window.lookup.opened, timeout=20_000):
        window.show_case(number)
    dialog = window.case_dialog
    assert dialog is not None
    # The button says why it cannot be used; asked anyway (a shortcut, a stale dialog), the operation refuses.
    assert not dialog.approve_button.isEnabled()
    assert "“auditor”本程序不认识" in dialog.approve_button.toolTip()
    window.lookup.approve_confirmed(number, dialog.approval_request(), password=DEMO_PASSWORD)
    qtbot.waitUntil(lambda: window.last_message is not None)  # refused on the database lane
    assert window.last_message is not None and window.last_message.windowTitle() == "未能发证"
    assert not dialog.approve_button.isEnabled()  # refused: still not this person's to approve
    assert "“auditor”本程序不认识" in window.last_message.text()
    case = workspace.cases.find(number)
    assert case is not None and case.status == "accepted" and case.certificate is None
