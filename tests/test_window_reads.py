"""What the clerk reads in the window: each fact once, F9, items outside the hall's competence."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.catalog import Necessity
from app.workspace import Workspace
from tests.helpers import MARRIAGE, PASSPORT, PERSON
from tests.test_main_window import accept_by_keyboard, fill_company_with_agent, settled, type_into
from ui.main_window import MainWindow
from ui.models import CodeRole, MaterialColumn

BUILDING = "511A0201000000-510100000000-000-11510100009024674G-1-00"  # 建筑工程施工许可证核发


def panel_text(window: MainWindow) -> str:
    panel = window.decision
    lines = [panel.outcome.text(), panel.dates.text()]
    lines += [panel.findings.item(i).text() for i in range(panel.findings.count())]
    return "\n".join(lines)


def row_of(window: MainWindow, code: str) -> int:
    return next(i for i, r in enumerate(window.checklist.rows()) if r.material.code == code)


def toggle(window: MainWindow, qtbot: QtBot, code: str, column: MaterialColumn) -> None:
    view = window.checklist_view
    view.setFocus()
    view.setCurrentIndex(window.checklist.index(row_of(window, code), column))
    qtbot.keyClick(view, Qt.Key.Key_Space)


def choose(window: MainWindow, qtbot: QtBot, query: str, code: str) -> None:
    qtbot.keyClick(window, Qt.Key.Key_F2)
    type_into(qtbot, window.item_query, query)
    model = window.search_model
    row = next(r for r in range(model.rowCount()) if model.index(r, 0).data(CodeRole) == code)
    window.item_list.setCurrentIndex(model.index(row, 0))
    qtbot.keyClick(window.item_query, Qt.Key.Key_Return)
    assert window.item is not None and window.item.code == code


# -- item 7: each fact once ----------------------------------------------------------------------
def test_the_decision_panel_says_each_fact_once(window: MainWindow, qtbot: QtBot) -> None:
    fill_company_with_agent(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_F9)
    agent_id = window.checklist.index(row_of(window, "M12"), MaterialColumn.FORM)
    assert agent_id.data() == "原件和复印件"
    defect = window.checklist.index(row_of(window, "M12"), MaterialColumn.DEFECT)
    assert window.checklist.setData(defect, "复印件不清晰", Qt.ItemDataRole.EditRole)
    toggle(window, qtbot, "M08", MaterialColumn.RECEIVED)  # tolerable (容缺)
    toggle(window, qtbot, "M05", MaterialColumn.RECEIVED)  # required
    assert window.decision.outcome.text() == "补正告知"
    text = panel_text(window)
    assert text.count("复印件不清晰") == 1
    assert text.count("建设工程规划设计方案电子报批数据") == 1
    assert "受理后限期补交" not in text


def test_the_referral_is_shown_once(window: MainWindow, qtbot: QtBot, workspace: Workspace) -> None:
    choose(window, qtbot, "hz", PASSPORT)
    type_into(qtbot, window.intake.name, PERSON["name"])
    type_into(qtbot, window.intake.id_number, PERSON["id_number"])
    type_into(qtbot, window.intake.phone, PERSON["phone"])
    assert window.decision.outcome.text() == "不予受理"
    assert window.evaluation is not None
    referral = window.evaluation.result.referral_office
    assert referral and panel_text(window).count(referral) == 1


# -- item 8: F9 ticks what the applicant has to hand over -----------------------------------------
def test_f9_leaves_optional_materials_as_they_were(window: MainWindow, qtbot: QtBot) -> None:
    fill_company_with_agent(qtbot, window)
    optional = [
        r.material.code for r in window.checklist.rows() if r.material.necessity is Necessity.OPTIONAL
    ]
    assert optional == ["M09"]  # 日照分析报告
    qtbot.keyClick(window, Qt.Key.Key_F9)
    received = {r.material.code: r.received for r in window.checklist.rows()}
    assert received.pop("M09") is False
    assert all(received.values())  # required and tolerable (容缺) ones
    assert window.decision.outcome.text() == "受理"
    toggle(window, qtbot, "M09", MaterialColumn.RECEIVED)  # handed over after all: ticked by hand
    toggle(window, qtbot, "M01", MaterialColumn.RECEIVED)
    qtbot.keyClick(window, Qt.Key.Key_F9)
    assert all(r.received for r in window.checklist.rows())


def test_f9_does_not_tick_a_material_replaced_by_a_commitment(window: MainWindow, qtbot: QtBot) -> None:
    fill_company_with_agent(qtbot, window)
    choose(window, qtbot, "sgxk", BUILDING)
    promised = [r.material.code for r in window.checklist.rows() if r.material.commitment_allowed]
    assert promised == ["M07", "M08"]
    toggle(window, qtbot, "M07", MaterialColumn.COMMITMENT)  # 告知承诺 signed instead of the paper
    qtbot.keyClick(window, Qt.Key.Key_F9)
    received = {r.material.code: r.received for r in window.checklist.rows()}
    shared = {r.material.code for r in window.checklist.rows() if r.material.shared_by}
    assert shared == {"M06"}  # obtained by data sharing: never asked of the applicant, never ticked
    assert received == {code: code != "M07" and code not in shared for code in received}
    assert window.decision.outcome.text() == "受理"


# -- item 9: an item outside the hall's competence ------------------------------------------------
def test_an_item_outside_the_hall_is_marked_and_refused_at_once(
    window: MainWindow, qtbot: QtBot, workspace: Workspace
) -> None:
    from PySide6.QtGui import QBrush

    qtbot.keyClick(window, Qt.Key.Key_F2)
    for query in ("结婚", "jhdj"):
        window.item_query.clear()
        type_into(qtbot, window.item_query, query)
        model = window.search_model
        rows = {model.index(r, 0).data(CodeRole): model.index(r, 0) for r in range(model.rowCount())}
        marriage = rows[MARRIAGE]
        assert marriage.data() == "内地居民结婚登记（非本大厅受理）"
        tooltip = marriage.data(Qt.ItemDataRole.ToolTipRole)
        assert "示例市民政局婚姻登记处" in tooltip and "028-61882233" in tooltip
        assert isinstance(marriage.data(Qt.ItemDataRole.ForegroundRole), QBrush)
    window.item_query.clear()
    type_into(qtbot, window.item_query, "jsgcghxk")
    planning = window.search_model.index(0, 0)
    assert planning.data() == "建设工程规划许可证核发"  # this hall's items are not marked
    assert planning.data(Qt.ItemDataRole.ForegroundRole) is None

    window.item_query.clear()
    choose(window, qtbot, "jhdj", MARRIAGE)
    # Decided before anyone is typed: 不予受理, and where to go.
    assert window.intake.name.text() == "" and window.intake.id_number.text() == ""
    assert window.decision.outcome.text() == "不予受理"
    text = panel_text(window)
    assert "示例市民政局婚姻登记处" in text and text.count("028-61882233") == 1
    assert "出具不予受理通知书需填写申请人姓名" in text
    assert not window.decision.accept_button.isEnabled()
    qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    settled(qtbot, window)
    assert window.last_case_number is None and window.decision.outcome.text() == "不予受理"

    type_into(qtbot, window.intake.name, PERSON["name"])  # the notice is addressed to the applicant
    assert window.decision.accept_button.isEnabled()
    assert "出具不予受理通知书需填写" not in panel_text(window)
    number = accept_by_keyboard(qtbot, window)
    case = workspace.cases.find(number)
    assert case is not None and case.decision == "rejected"
    assert case.applicant.name == PERSON["name"] and case.applicant.id_number == ""
    assert "示例市民政局婚姻登记处" in (case.referral_office or "")


def test_a_typed_number_is_still_checked_on_a_refusal(window: MainWindow, qtbot: QtBot) -> None:
    choose(window, qtbot, "jhdj", MARRIAGE)
    type_into(qtbot, window.intake.name, PERSON["name"])
    type_into(qtbot, window.intake.id_number, "110105194912310021")  # wrong check character
    assert window.decision.outcome.text() == "不予受理"
    assert "校验" in panel_text(window) and not window.decision.accept_button.isEnabled()
