"""The case's later life in the real main window: the applicant's return with the notice (the supplement
round trip), and the back office's steps from the case dialog — each through its form, on the database
lane, the case read again and its documents asked for."""

from __future__ import annotations

from datetime import date

from pytestqt.qtbot import QtBot

from app.cases.status import CaseStatus
from app.intake import parse_request
from app.operations.counter import accept_case
from app.workspace import Workspace
from tests.helpers import PLANNING, request_json
from tests.window_people import shift_change
from ui.case_dialog import CaseDialog
from ui.main_window import MainWindow
from ui.step_dialog import StepDialog
from ui.supplement_dialog import SupplementDialog


def accepted(workspace: Workspace, *, skip: tuple[str, ...] = ()) -> str:
    item = workspace.catalog.item(PLANNING)
    assert item is not None
    request = parse_request(request_json(item, skip=skip))
    return accept_case(workspace, person=workspace.counter("demo"), request=request).changed.number


def open_case(qtbot: QtBot, window: MainWindow, number: str) -> CaseDialog:
    before = window.case_dialog
    window.show_case(number)
    qtbot.waitUntil(lambda: window.case_dialog is not before and window.case_dialog is not None)
    dialog = window.case_dialog
    assert dialog is not None
    return dialog


def status_of(workspace: Workspace, number: str) -> str:
    case = workspace.cases.find(number)
    assert case is not None
    return str(case.status)


def test_the_supplement_round_trip_in_the_window(
    window: MainWindow, qtbot: QtBot, workspace: Workspace
) -> None:
    number = accepted(workspace, skip=("M02", "M05"))
    dialog = open_case(qtbot, window, number)
    assert dialog.steps is not None and "supplement" in {str(a) for a in dialog.steps.buttons}
    dialog.steps.buttons[next(a for a in dialog.steps.buttons if a == "supplement")].click()
    qtbot.waitUntil(lambda: isinstance(window.lookup.steps.dialog, SupplementDialog))
    supplement = window.lookup.steps.dialog
    assert isinstance(supplement, SupplementDialog)
    assert [row.code for row in supplement.rows] == ["M02", "M05"]  # exactly what the notice listed
    # The applicant brought one of the two: the check says a new notice, naming the other only.
    supplement.tick("M02")
    supplement.check_button.click()
    qtbot.waitUntil(lambda: "检查结果" in supplement.answer.text())
    assert "补正告知" in supplement.answer.text() and "M05" in supplement.answer.text()
    supplement.tick("M05")
    supplement.check_button.click()
    qtbot.waitUntil(lambda: "检查结果：受理" in supplement.answer.text())
    with qtbot.waitSignal(window.lookup.print_requested, timeout=20_000) as asked:
        supplement.save_button.click()
    assert asked.args == ["supplement-receipt", number]  # the receipt of the materials first
    qtbot.waitUntil(lambda: status_of(workspace, number) == CaseStatus.ACCEPTED)
    case = workspace.cases.find(number)
    assert case is not None and case.life.accepted_on == date(2026, 11, 20) and case.life.step == 1
    qtbot.waitUntil(lambda: window.case_dialog is not None and window.case_dialog.case.status == "accepted")


def test_a_refused_supplement_is_told_and_nothing_is_recorded(
    window: MainWindow, qtbot: QtBot, workspace: Workspace
) -> None:
    number = accepted(workspace, skip=("M02",))
    dialog = open_case(qtbot, window, number)
    assert dialog.steps is not None
    [button] = [b for a, b in dialog.steps.buttons.items() if a == "supplement"]
    button.click()
    qtbot.waitUntil(lambda: isinstance(window.lookup.steps.dialog, SupplementDialog))
    supplement = window.lookup.steps.dialog
    assert isinstance(supplement, SupplementDialog)
    supplement.save_button.click()  # nothing ticked
    qtbot.waitUntil(lambda: "请勾选" in supplement.answer.text())
    assert supplement.save_button.isEnabled() and status_of(workspace, number) == "awaiting_supplement"


def test_the_back_office_steps_from_the_case_dialog(
    window: MainWindow, qtbot: QtBot, workspace: Workspace
) -> None:
    number = accepted(workspace)
    clerk_view = open_case(qtbot, window, number)
    assert clerk_view.steps is not None
    review = next(b for a, b in clerk_view.steps.buttons.items() if a == "review")
    assert not review.isEnabled() and "审批员" in review.toolTip()  # the clerk's role does not allow it
    clerk_view.close()
    shift_change(qtbot, window, "shenpi")
    approver_view = open_case(qtbot, window, number)
    assert approver_view.steps is not None
    next(b for a, b in approver_view.steps.buttons.items() if a == "review").click()
    qtbot.waitUntil(lambda: isinstance(window.lookup.steps.dialog, StepDialog))
    form = window.lookup.steps.dialog
    assert isinstance(form, StepDialog)
    form.accept()
    qtbot.waitUntil(lambda: status_of(workspace, number) == CaseStatus.IN_REVIEW)
    qtbot.waitUntil(lambda: window.case_dialog is not None and window.case_dialog.case.status == "in_review")
    in_review = window.case_dialog
    assert in_review is not None and in_review.steps is not None
    next(b for a, b in in_review.steps.buttons.items() if a == "suspend").click()
    qtbot.waitUntil(
        lambda: (
            isinstance(window.lookup.steps.dialog, StepDialog)
            and window.lookup.steps.dialog.action == "suspend"
        )
    )
    form = window.lookup.steps.dialog
    assert isinstance(form, StepDialog)
    form.fill("kind", "expert_review")
    form.fill("reason", "组织专家评审建设工程设计方案")
    form.fill("expected_end", date(2026, 12, 4))
    with qtbot.waitSignal(window.lookup.print_requested, timeout=20_000) as asked:
        form.accept()
    assert asked.args == ["suspension-notice", number]
    assert status_of(workspace, number) == CaseStatus.SUSPENDED
    # A step refused by the service is told, nothing recorded: resuming before the suspension started.
    qtbot.waitUntil(lambda: window.case_dialog is not None and window.case_dialog.case.status == "suspended")
    suspended = window.case_dialog
    assert suspended is not None and suspended.steps is not None
    next(b for a, b in suspended.steps.buttons.items() if a == "resume").click()
    qtbot.waitUntil(
        lambda: (
            isinstance(window.lookup.steps.dialog, StepDialog)
            and window.lookup.steps.dialog.action == "resume"
        )
    )
    form = window.lookup.steps.dialog
    assert isinstance(form, StepDialog)
    form.fill("actual_end", date(2026, 11, 1))
    form.accept()
    qtbot.waitUntil(lambda: window.last_message is not None and "早于" in window.last_message.text())
    assert status_of(workspace, number) == CaseStatus.SUSPENDED
