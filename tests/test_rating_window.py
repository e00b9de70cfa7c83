"""好差评 in the window (pytest-qt, real widgets): the rating offered once a visit's document is printed, one
touch for a favourable rating, a reason asked for a 差评, the applicant declining, and the supervisor's
list of 差评 (checked by qtmodeltester) where the follow-up is recorded."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QBrush
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.clock import CHINA, fixed_clock
from app.documents.kinds import DocumentKind
from app.lifecycle.ratings import RatingService
from app.operations.printing import DocumentPrinted, render_document, write_document
from app.workspace import Workspace
from db.models import ServiceRating
from tests.test_operations import accept
from tests.window_people import shift_change
from ui.main_window import MainWindow
from ui.rating_dialog import RatingDialog
from ui.ratings_dialog import OVERDUE, RatingColumn, RatingsDialog


def printed_receipt(workspace: Workspace, tmp_path: Path) -> DocumentPrinted:
    """A case accepted at this window and its receipt printed (to a file), as the counter does it."""
    clerk = workspace.counter("demo")
    number = accept(workspace, clerk).case.number
    document = render_document(workspace, person=clerk, number=number, kind=DocumentKind.RECEIPT)
    return write_document(workspace, person=clerk, document=document, path=tmp_path / f"{number}.pdf")


def offered(qtbot: QtBot, window: MainWindow, printed: DocumentPrinted) -> RatingDialog:
    with qtbot.waitSignal(window.rating_offer.offered, timeout=20_000) as shown:
        window.printing.printed.emit(printed)
    dialog: RatingDialog = shown.args[0]
    assert dialog.isVisible()
    return dialog


def ratings(workspace: Workspace) -> list[ServiceRating]:
    with workspace.store.read() as session:
        return list(session.scalars(select(ServiceRating)))


def test_a_favourable_rating_is_one_touch_and_the_visit_is_rated_once(
    qtbot: QtBot, window: MainWindow, workspace: Workspace, tmp_path: Path
) -> None:
    printed = printed_receipt(workspace, tmp_path)
    dialog = offered(qtbot, window, printed)
    assert [b.text() for b in dialog.level_buttons.values()] == [
        "非常满意",
        "满意",
        "基本满意",
        "不满意",
        "非常不满意",
    ]
    assert all(b.minimumHeight() >= 64 for b in dialog.level_buttons.values())  # big enough to touch
    assert "窗口受理" in dialog.findChild(type(dialog.problem), "ratingQuestion").text()
    assert not dialog.reason_box.isVisible()
    with qtbot.waitSignal(window.rating_offer.recorded, timeout=20_000):
        qtbot.mouseClick(dialog.level_buttons[2], Qt.MouseButton.LeftButton)
    [row] = ratings(workspace)
    assert (row.case_number, row.level, row.reason, row.follow_up_due) == (printed.case_number, 2, None, None)
    assert "满意" in window.statusBar().currentMessage()

    window.printing.printed.emit(printed)  # the same visit's document again: it is rated, nothing offered
    window.jobs.wait()
    assert not window.rating_offer.showing
    assert len(ratings(workspace)) == 1


def test_an_unfavourable_rating_asks_the_reason_first(
    qtbot: QtBot, window: MainWindow, workspace: Workspace, tmp_path: Path
) -> None:
    dialog = offered(qtbot, window, printed_receipt(workspace, tmp_path))
    qtbot.mouseClick(dialog.level_buttons[4], Qt.MouseButton.LeftButton)
    assert dialog.reason_box.isVisible() and "不满意" in dialog.reason_label.text()
    qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)  # no reason
    assert dialog.problem.text() == "评价为“不满意”时须写明原因" and dialog.isVisible()
    window.jobs.wait()
    assert ratings(workspace) == []
    dialog.reason.setText("材料要求没有一次说清")
    with qtbot.waitSignal(window.rating_offer.recorded, timeout=20_000):
        qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)
    [row] = ratings(workspace)
    assert (row.level, row.reason) == (4, "材料要求没有一次说清") and row.follow_up_due is not None
    assert f"请值班主任于 {row.follow_up_due} 前回访" in window.statusBar().currentMessage()


def test_the_applicant_may_decline_and_is_not_asked_again(
    qtbot: QtBot, window: MainWindow, workspace: Workspace, tmp_path: Path
) -> None:
    printed = printed_receipt(workspace, tmp_path)
    dialog = offered(qtbot, window, printed)
    qtbot.mouseClick(dialog.skip_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    window.printing.printed.emit(printed)
    window.jobs.wait()
    assert ratings(workspace) == []
    assert not window.rating_offer.showing


def test_the_supervisor_sees_complaints_overdue_in_red_and_follows_one_up(
    qtbot: QtBot,
    window: MainWindow,
    workspace: Workspace,
    qtmodeltester,  # type: ignore[no-untyped-def]
) -> None:
    clerk = workspace.counter("demo")
    late_number, fresh_number = (accept(workspace, clerk).case.number for _ in range(2))
    # Rated ten days ago (a service on another clock): due three working days later, overdue today.
    earlier = RatingService(
        store=workspace.store,
        calendar=workspace.calendar,
        clock=fixed_clock(datetime(2026, 11, 10, 9, tzinfo=CHINA)),
    )
    late_visit, fresh_visit = (
        workspace.ratings.visits(late_number)[0],
        workspace.ratings.visits(fresh_number)[0],
    )
    earlier.rate(late_number, service_event_id=late_visit.event_id, level=5, reason="态度差", by=clerk)
    workspace.ratings.rate(
        fresh_number, service_event_id=fresh_visit.event_id, level=4, reason="等候久", by=clerk
    )

    assert not window.ratings_entry.action.isVisible()  # not offered to the clerk
    window.ratings_entry.open()  # nor opened for them, should it be reached
    assert window.last_message is not None and "值班主任" in window.last_message.text()
    assert window.ratings_entry.dialog is None

    shift_change(qtbot, window, "zhuren")
    with qtbot.waitSignal(window.ratings_entry.opened, timeout=20_000) as opened:
        window.ratings_entry.button.click()
    dialog: RatingsDialog = opened.args[0]
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2, timeout=20_000)
    qtmodeltester.check(dialog.model)
    model = dialog.model
    cells = [
        [model.data(model.index(r, c)) for c in (RatingColumn.CASE, RatingColumn.LEVEL, RatingColumn.DUE)]
        for r in range(2)
    ]
    assert cells == [[late_number, "非常不满意", "2026-11-13"], [fresh_number, "不满意", "2026-11-25"]]
    due = model.index(0, RatingColumn.DUE)
    red = model.data(due, Qt.ItemDataRole.ForegroundRole)
    assert isinstance(red, QBrush) and red.color() == OVERDUE
    assert model.data(model.index(1, RatingColumn.DUE), Qt.ItemDataRole.ForegroundRole) is None
    assert "待回访 2 条，其中逾期 1 条" in dialog.summary.text()
    assert model.rowCount(model.index(0, 0)) == 0 and model.columnCount(QModelIndex()) == len(RatingColumn)

    dialog.view.selectRow(0)
    dialog.note.setText("已电话致歉并说明办理要求")
    with qtbot.waitSignal(dialog.loaded, timeout=20_000):
        qtbot.mouseClick(dialog.follow_up_button, Qt.MouseButton.LeftButton)
    followed = model.data(model.index(1, RatingColumn.FOLLOWED_UP))  # followed-up ones come last
    assert "已电话致歉并说明办理要求" in followed
    assert model.data(model.index(0, RatingColumn.CASE)) == fresh_number
    assert "待回访 1 条，其中逾期 0 条" in dialog.summary.text()
