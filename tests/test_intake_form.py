"""The intake form as the clerk sees it: 证件类型 for applicant and agent, each number checked by its kind's
rule against today's date at the time of checking, and an implausible birth date shown as a warning."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.cases.views import AgentView
from app.clock import CHINA, Clock
from app.workspace import Workspace
from tests.helpers import PLANNING
from tests.id_numbers import FOREIGN_2023, gb11643
from tests.test_main_window import accept_by_keyboard, type_into
from ui.intake_form import HINT_STYLE_OK, IntakeForm
from ui.main_window import MainWindow


class HallClock:
    """The hall's clock, moved by the test as the day moves on while the window stays open."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def clock(self) -> Clock:
        return Clock(lambda: self.moment)


@pytest.fixture
def hall_clock() -> HallClock:
    return HallClock(datetime(2026, 11, 20, 10, 0, tzinfo=CHINA))  # as the default clock: a Friday, 10:00


@pytest.fixture
def clock(hall_clock: HallClock) -> Clock:
    """The workspace (and so the window) reads this module's clock, which the test can move."""
    return hall_clock.clock()


def choose_planning(qtbot: QtBot, win: MainWindow) -> None:
    qtbot.keyClick(win, Qt.Key.Key_F2)
    qtbot.keyClicks(win.item_query, "jsgcghxk")
    qtbot.keyClick(win.item_query, Qt.Key.Key_Return)
    assert win.item is not None and win.item.code == PLANNING


def findings(win: MainWindow) -> list[str]:
    return [win.decision.findings.item(i).text() for i in range(win.decision.findings.count())]


def test_a_birth_date_more_than_120_years_back_warns_instead_of_a_green_tick(qtbot: QtBot) -> None:
    form = IntakeForm(today=lambda: date(2026, 11, 20))
    qtbot.addWidget(form)
    form.id_number.setText("440524188001010014")
    assert "超过 120 岁" in form.id_hint.text() and "1880-01-01" in form.id_hint.text()
    assert "✓" not in form.id_hint.text() and form.id_hint.styleSheet() != HINT_STYLE_OK
    form.has_agent.setChecked(True)
    form.agent_id.setText("440524188001010014")
    assert "超过 120 岁" in form.agent_id_hint.text() and "✓" not in form.agent_id_hint.text()
    form.agent_id.setText("11010519491231002X")
    assert form.agent_id_hint.text().startswith("✓") and form.agent_id_hint.styleSheet() == HINT_STYLE_OK


def test_checks_use_the_day_of_checking_not_the_day_the_window_opened(qtbot: QtBot) -> None:
    days = [date(2026, 11, 20)]
    form = IntakeForm(today=lambda: days[-1])
    qtbot.addWidget(form)
    born_tomorrow = gb11643("11010520261121001")
    form.id_number.setText(born_tomorrow)
    assert "晚于今天" in form.id_hint.text()
    days.append(date(2026, 11, 21))  # the window stayed open past midnight
    form.id_number.setText("")
    form.id_number.setText(born_tomorrow)
    assert form.id_hint.text().startswith("✓ 出生日期 2026-11-21")


def test_the_window_checks_an_id_against_the_new_day_after_midnight(
    window: MainWindow, qtbot: QtBot, workspace: Workspace, hall_clock: HallClock
) -> None:
    """The window opened on Friday; a child born on Saturday is registered just after midnight."""
    hall_clock.moment = datetime(2026, 11, 20, 23, 58, tzinfo=CHINA)
    choose_planning(qtbot, window)
    born_saturday = gb11643("11010520261121001")
    type_into(qtbot, window.intake.name, "王小明")
    type_into(qtbot, window.intake.id_number, born_saturday)
    assert "晚于今天" in window.intake.id_hint.text()
    assert any("晚于今天" in m for m in findings(window)) and not window.decision.accept_button.isEnabled()
    hall_clock.moment = datetime(2026, 11, 21, 0, 1, tzinfo=CHINA)  # past midnight, the window still open
    type_into(qtbot, window.intake.phone, "13800138000")  # the next keystroke checks the form again
    assert window.intake.id_hint.text().startswith("✓ 出生日期 2026-11-21")
    qtbot.keyClick(window, Qt.Key.Key_F9)
    assert not any("晚于今天" in m for m in findings(window))
    assert window.decision.outcome.text() == "受理"
    case = workspace.cases.find(accept_by_keyboard(qtbot, window))
    assert case is not None and case.received_on == date(2026, 11, 21)
    assert case.applicant.id_number == born_saturday


def test_the_id_kind_combos_default_to_the_resident_id_and_hide_for_an_organisation(qtbot: QtBot) -> None:
    form = IntakeForm(today=lambda: date(2026, 11, 20))
    qtbot.addWidget(form)
    form.show()
    labels = [form.id_kind.itemText(i) for i in range(form.id_kind.count())]
    assert labels[0] == "居民身份证" and "外国人永久居留身份证" in labels and "护照" in labels
    assert form.agent_id_kind.currentText() == "居民身份证"
    assert form.id_kind.isVisible()
    form.kind.setCurrentIndex(1)  # 法人/其他组织: registered by its credit code
    assert not form.id_kind.isVisible() and form.id_number.placeholderText() == "18 位统一社会信用代码"
    form.kind.setCurrentIndex(0)
    form.id_kind.setCurrentIndex(form.id_kind.findText("护照"))
    form.id_number.setText("E12345678")
    assert "无统一校验规则" in form.id_hint.text() and "✓" not in form.id_hint.text()


def test_an_applicant_born_in_1880_is_warned_about_and_saved(
    window: MainWindow, qtbot: QtBot, workspace: Workspace
) -> None:
    choose_planning(qtbot, window)
    type_into(qtbot, window.intake.name, "李𠮷䶮")
    type_into(qtbot, window.intake.id_number, "440524188001010014")
    type_into(qtbot, window.intake.phone, "13912345678")
    assert "超过 120 岁" in window.intake.id_hint.text() and "✓" not in window.intake.id_hint.text()
    qtbot.keyClick(window, Qt.Key.Key_F9)
    assert window.decision.outcome.text() == "受理"  # a warning, not a wall
    assert any("申请人" in m and "超过 120 岁" in m for m in findings(window))
    assert window.decision.accept_button.isEnabled()
    case = workspace.cases.find(accept_by_keyboard(qtbot, window))
    assert case is not None and case.decision == "accepted"
    [note] = [f for f in case.findings if f.rule == "id_plausibility"]
    assert "超过 120 岁" in note.message


def test_a_2023_foreign_permanent_card_holder_is_entered_and_saved(
    window: MainWindow, qtbot: QtBot, workspace: Workspace
) -> None:
    choose_planning(qtbot, window)
    type_into(qtbot, window.intake.name, "JOHNSON·EMILY ANNE")
    type_into(qtbot, window.intake.id_number, FOREIGN_2023)
    # Under the default kind the number is refused, and the refusal names the kind it is.
    assert "外国人永久居留身份证" in window.intake.id_hint.text()
    assert not window.intake.override.isVisible()
    window.intake.id_kind.setCurrentIndex(window.intake.id_kind.findText("外国人永久居留身份证"))
    assert window.intake.id_hint.text() == "✓ 出生日期 1985-03-01"
    type_into(qtbot, window.intake.phone, "13800138000")
    window.intake.has_agent.setChecked(True)
    window.intake.agent_id_kind.setCurrentIndex(
        window.intake.agent_id_kind.findText("港澳居民来往内地通行证")
    )
    type_into(qtbot, window.intake.agent_name, "陈大文")
    type_into(qtbot, window.intake.agent_id, "h12345678")
    type_into(qtbot, window.intake.agent_phone, "13912345678")
    assert window.intake.agent_id_hint.text() == "✓ 校验通过"
    qtbot.keyClick(window, Qt.Key.Key_F9)
    assert window.decision.outcome.text() == "受理"
    case = workspace.cases.find(accept_by_keyboard(qtbot, window))
    assert case is not None
    assert case.applicant.id_type == "foreign_permanent" and case.applicant.id_number == FOREIGN_2023
    assert case.agent == AgentView(
        name="陈大文", id_type="hk_macao_permit", id_number="H12345678", phone="13912345678"
    )
    window.new_case()
    assert window.intake.id_kind.currentText() == "居民身份证"
    assert window.intake.agent_id_kind.currentText() == "居民身份证"
