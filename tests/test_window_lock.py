"""Who is at the window, through the window: the idle lock hides the case and gives it back as it was, a
shift change needs no restart, and what a role may not do is both disabled on screen and refused by the
operation (a helper accepts nothing; the clerk who accepted a case does not approve it); the settings
dialog is hall IT's."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QMessageBox
from pytestqt.qtbot import QtBot

from app.accounts.demo import DEMO_PASSWORD
from app.intake import parse_request
from app.settings import Settings
from app.workspace import Workspace
from db.models import Clerk
from tests.helpers import PLANNING, PLANNING_FIELDS, request_json
from tests.test_main_window import accept_by_keyboard, fill_company_with_agent
from tests.window_people import confirm_approval, shift_change
from ui.main_window import MainWindow
from ui.settings_dialog import SettingsDialog


def on_screen(window: MainWindow) -> tuple[dict[str, str], list[bool], str | None]:
    """The half-entered case as the window holds it: every field of the form, each material's tick, item."""
    fields = {f.objectName() or str(i): f.text() for i, f in enumerate(window.intake.findChildren(QLineEdit))}
    ticks = [row.received for row in window.checklist.rows()]
    return fields, ticks, window.item.code if window.item is not None else None


def idle_lock(qtbot: QtBot, window: MainWindow) -> None:
    window.set_idle_timeout(50)  # the setting says minutes; the test does not wait ten of them
    qtbot.waitUntil(lambda: window.locked, timeout=5_000)
    window.set_idle_timeout(10 * 60_000)  # once unlocked, the window stays so while the test goes on


def unlock_with(qtbot: QtBot, window: MainWindow, password: str) -> str:
    form = window.lock_page.form
    form.password.setText(password)
    qtbot.keyClick(form.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: form.submit.isEnabled(), timeout=20_000)
    return form.message.text()


def test_the_idle_lock_hides_the_case_and_gives_it_back_as_it_was(
    window: MainWindow, qtbot: QtBot, workspace: Workspace
) -> None:
    fill_company_with_agent(qtbot, window)
    window.checklist.mark_all_received()
    before = on_screen(window)
    assert any(before[1]) and any(before[0].values())  # typed in, materials ticked
    assert int(workspace.settings.get("idle_lock_minutes")) == 10  # the default
    idle_lock(qtbot, window)
    # Nothing of the case is on screen: not the form, not today's cases, not the toolbar with the name.
    assert not window.intake.isVisible() and not window.checklist_view.isVisible()
    assert not window.cases_view.isVisible() and not window.toolbar.isVisible()
    assert window.lock_page.isVisible() and "窗口已锁定" in window.lock_page.title.text()
    assert window.lock_page.form.login.text() == "demo" and window.lock_page.form.login.isReadOnly()
    assert all(not shortcut.isEnabled() for shortcut in window.shortcuts)  # F9, Ctrl+Enter: nothing
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)  # 新办件: not while locked
    assert window.stack.currentWidget() is window.lock_page  # what a screen grab shows: only the lock

    said = unlock_with(qtbot, window, "wrong-password")
    assert "账号或密码不正确" in said and "再错 4 次" in said and window.locked  # counted like a sign-in
    unlock_with(qtbot, window, DEMO_PASSWORD)
    qtbot.waitUntil(lambda: not window.locked, timeout=20_000)  # the account read afresh, then unlocked
    assert window.intake.isVisible() and window.toolbar.isVisible()
    assert on_screen(window) == before  # the half-entered case, exactly
    assert window.counter.clerk_login == "demo"
    number = accept_by_keyboard(qtbot, window)  # and it can be accepted as it was
    case = workspace.cases.find(number)
    assert case is not None and case.clerk_login == "demo"


def test_a_shift_change_needs_no_restart_and_keeps_the_half_entered_case(
    window: MainWindow, qtbot: QtBot, workspace: Workspace
) -> None:
    fill_company_with_agent(qtbot, window)
    before = on_screen(window)
    assert "王晓梅" in window.windowTitle()
    window.shift_button.click()
    assert window.locked and not window.lock_page.form.login.isReadOnly() and "未登录" in window.windowTitle()
    form = window.lock_page.form
    form.login.setText("nobody")
    form.password.setText(DEMO_PASSWORD)
    form.submit.click()
    qtbot.waitUntil(lambda: "账号或密码不正确" in form.message.text(), timeout=20_000)
    assert window.locked
    shift_change(qtbot, window, "chuzheng")
    assert "周敏（chuzheng）" in window.windowTitle() and "周敏" in window.who.text()
    assert on_screen(window) == before
    assert not window.decision.accept_button.isEnabled()  # 出证员: no acceptance
    assert "受理员" in window.decision.accept_button.toolTip()


def test_the_idle_lock_offers_another_clerk_to_sign_in(window: MainWindow, qtbot: QtBot) -> None:
    fill_company_with_agent(qtbot, window)
    before = on_screen(window)
    idle_lock(qtbot, window)
    window.lock_page.other.click()
    assert not window.lock_page.form.login.isReadOnly() and window.lock_page.form.login.text() == ""
    shift_change(qtbot, window, "zhuren")
    assert window.counter.clerk_name == "陈建国" and on_screen(window) == before


def test_a_disabled_account_does_not_unlock(window: MainWindow, qtbot: QtBot, workspace: Workspace) -> None:
    idle_lock(qtbot, window)
    with workspace.store.write() as session:  # as a sync from the server brings it
        clerk = session.get(Clerk, "demo")
        assert clerk is not None
        clerk.active = False
    said = unlock_with(qtbot, window, DEMO_PASSWORD)
    assert "已停用" in said and window.locked


def test_a_helper_accepts_nothing_on_screen_nor_by_the_operation(
    window: MainWindow, qtbot: QtBot, workspace: Workspace
) -> None:
    shift_change(qtbot, window, "bangban")
    assert window.helper_mode and not window.decision.isVisible()  # a helper's desk: the pre-check (issue 15)
    fill_company_with_agent(qtbot, window)
    window.checklist.mark_all_received()
    window.counter_flow.reevaluate()
    assert window.decision.outcome.text() == "受理"  # evaluated, never shown to the helper
    button = window.decision.accept_button
    assert not button.isEnabled() and "孙丽（bangban） 没有受理员角色，不能受理办件" in button.toolTip()
    window.last_message = None
    qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # helper mode: nothing
    assert window.last_message is None and not window.case_saved
    window.counter_flow.accept_case()  # the operation itself refuses all the same
    qtbot.waitUntil(lambda: window.last_message is not None, timeout=20_000)
    assert window.last_message is not None and window.last_message.windowTitle() == "未能保存"
    assert "没有受理员角色" in window.last_message.text()
    assert not window.case_saved and window.last_case_number is None
    window.refresh_cases()
    qtbot.waitUntil(lambda: window.todays_cases.loaded)
    assert window.cases_model.rowCount() == 0  # nothing stored


def accepted_by(workspace: Workspace, login: str) -> str:
    item = workspace.catalog.item(PLANNING)
    assert item is not None
    return workspace.acceptance.accept(parse_request(request_json(item)), counter=workspace.counter(login))


def test_the_clerk_who_accepted_a_case_does_not_approve_it(
    window: MainWindow, qtbot: QtBot, workspace: Workspace
) -> None:
    with workspace.store.write() as session:  # one person, both roles: 四分离 still keeps them apart
        clerk = session.get(Clerk, "demo")
        assert clerk is not None
        clerk.roles = "clerk approver"
    shift_change(qtbot, window, "demo")  # signed in again: the roles read afresh
    number = accepted_by(workspace, "demo")
    with qtbot.waitSignal(window.lookup.opened, timeout=20_000):
        window.show_case(number)
    dialog = window.case_dialog
    assert dialog is not None and dialog.approve_button.isEnabled()  # the role allows; the case does not
    for label, value in PLANNING_FIELDS.items():
        dialog.enter(label, value)
    dialog.approve_button.click()
    confirmation = window.lookup.confirmation
    assert confirmation is not None and number in confirmation.windowTitle()
    window.last_message = None
    confirm_approval(window)
    qtbot.waitUntil(lambda: window.last_message is not None, timeout=20_000)
    assert window.last_message is not None and window.last_message.windowTitle() == "未能发证"
    assert "受理、审批、出证分离" in window.last_message.text()
    case = workspace.cases.find(number)
    assert case is not None and case.status == "accepted" and case.certificate is None


def test_approving_asks_what_will_be_sealed_and_the_approvers_password(
    window: MainWindow, qtbot: QtBot, workspace: Workspace
) -> None:
    number = accepted_by(workspace, "demo")
    shift_change(qtbot, window, "shenpi")
    with qtbot.waitSignal(window.lookup.opened, timeout=20_000):
        window.show_case(number)
    dialog = window.case_dialog
    assert dialog is not None
    for label, value in PLANNING_FIELDS.items():
        dialog.enter(label, value)
    dialog.approve_button.click()
    confirmation = window.lookup.confirmation
    assert confirmation is not None
    summary = confirmation.findChild(QLabel, "approvalSummary")
    assert isinstance(summary, QLabel)
    text = summary.text()
    assert "电子印章" in text and number in text and PLANNING_FIELDS["建设项目名称"] in text
    confirmation.reject()  # cancelled: nothing approved, the button usable again
    assert dialog.approve_button.isEnabled() and window.lookup.confirmation is None
    dialog.approve_button.click()
    window.last_message = None
    confirm_approval(window, "wrong-password")
    qtbot.waitUntil(lambda: window.last_message is not None, timeout=20_000)
    assert window.last_message is not None and "账号或密码不正确" in window.last_message.text()
    assert (found := workspace.cases.find(number)) is not None and found.certificate is None
    window.last_message.close()
    with qtbot.waitSignal(window.lookup.opened, timeout=20_000):
        dialog.approve_button.click()
        confirm_approval(window)
    case = workspace.cases.find(number)
    assert case is not None and case.certificate is not None


def test_the_settings_dialog_is_hall_its(window: MainWindow, qtbot: QtBot, workspace: Workspace) -> None:
    button = window.settings_button
    assert not button.isEnabled() and "系统管理员" in button.toolTip()
    window.open_settings()  # asked anyway: refused
    assert window.settings_dialog is None and window.last_message is not None
    assert window.last_message.icon() == QMessageBox.Icon.Warning
    shift_change(qtbot, window, "xinxi")
    assert button.isEnabled()
    button.click()
    dialog = window.settings_dialog
    assert isinstance(dialog, SettingsDialog)
    assert not dialog.inputs["window_code"].isEnabled()  # the server's, not IT's at the window
    file = workspace.settings.path
    before = file.read_bytes()
    idle, interval, printers = (
        dialog.inputs[k] for k in ("idle_lock_minutes", "sync_interval_seconds", "printers")
    )
    assert isinstance(idle, QLineEdit) and isinstance(interval, QLineEdit)
    idle.setText("0")
    interval.setText("soon")
    dialog.save()
    said = dialog.message.text()
    assert "idle_lock_minutes 不能小于 1" in said and "sync_interval_seconds 应为整数" in said
    assert file.read_bytes() == before and dialog.isVisible()  # nothing written, not half of it
    printers.setPlainText("[1, 2]")  # type: ignore[union-attr]
    interval.setText("60")
    idle.setText("15")
    dialog.save()
    assert "printers 应为 JSON 对象" in dialog.message.text() and file.read_bytes() == before
    printers.setPlainText(json.dumps({"receipt": "前台打印机"}))  # type: ignore[union-attr]
    with qtbot.waitSignal(dialog.accepted):
        dialog.save()
    saved = Settings(file)
    assert saved.get("idle_lock_minutes") == 15 and saved.get("sync_interval_seconds") == 60
    assert saved.get("printers") == {"receipt": "前台打印机"} and saved.get("window_code") == "SZX0103"
