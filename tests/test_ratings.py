"""好差评 at the window (app.lifecycle.ratings, app.operations.ratings): which visits of a case can be rated,
a rating recorded with its event in one transaction, every bad input refused with nothing stored, and the
supervisor's list of 差评 with their follow-up."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import func, select

from app.accounts.roles import PermissionDenied
from app.case_number import format_case_number
from app.lifecycle.ratings import RatingRefused
from app.operations.ratings import (
    follow_up_rating,
    rate_service,
    unfavourable_ratings,
    visit_to_offer,
)
from app.sync.wire import EventKind
from app.workspace import Workspace
from db.models import CaseEvent, ServiceRating
from tests.test_operations import accept, approve, hand_over_to_agent

RATED_ON_FRIDAY_DUE = date(2026, 11, 25)  # rated Fri 2026-11-20: three working days on, Wed 25


def counts(ws: Workspace) -> tuple[int, int]:
    """(ratings, events) stored."""
    with ws.store.read() as session:
        ratings = session.scalar(select(func.count()).select_from(ServiceRating)) or 0
        events = session.scalar(select(func.count()).select_from(CaseEvent)) or 0
    return int(ratings), int(events)


def test_the_decision_is_a_visit_rated_once(workspace: Workspace) -> None:
    clerk = workspace.counter("demo")
    number = accept(workspace, clerk).case.number
    visit = visit_to_offer(workspace, person=clerk, number=number)
    assert visit is not None and visit.kind == EventKind.CASE_DECIDED and visit.label == "窗口受理"

    rated = rate_service(
        workspace, person=clerk, number=number, service_event_id=visit.event_id, level=1, reason=None
    )
    assert not rated.follow_up and rated.rating.level_label == "非常满意"
    assert rated.rating.follow_up_due is None and rated.rating.window_code == "SZX0103"
    with workspace.store.read() as session:
        event = session.scalars(select(CaseEvent).where(CaseEvent.event_id == rated.rating.event_id)).one()
    assert event.kind == EventKind.SERVICE_RATED
    assert event.payload == {"service_event_id": visit.event_id, "level": 1, "reason": None}
    assert visit_to_offer(workspace, person=clerk, number=number) is None  # rated: nothing more to offer
    assert workspace.ratings.visits(number)[0].rated_level == 1

    before = counts(workspace)
    with pytest.raises(RatingRefused, match="一次一评") as refused:
        rate_service(
            workspace, person=clerk, number=number, service_event_id=visit.event_id, level=5, reason="重评"
        )
    assert "已评价为“非常满意”" in str(refused.value)
    assert counts(workspace) == before


def test_an_unfavourable_rating_is_due_for_follow_up_and_followed_up_once(workspace: Workspace) -> None:
    clerk, supervisor = workspace.counter("demo"), workspace.counter("zhuren")
    number = accept(workspace, clerk).case.number
    visit = workspace.ratings.visits(number)[0]
    rated = rate_service(
        workspace, person=clerk, number=number, service_event_id=visit.event_id, level=5, reason=" 等候太久 "
    )
    assert rated.follow_up and rated.rating.reason == "等候太久"
    assert rated.rating.follow_up_due == RATED_ON_FRIDAY_DUE
    assert not rated.rating.overdue(RATED_ON_FRIDAY_DUE) and rated.rating.overdue(date(2026, 11, 26))

    with pytest.raises(PermissionDenied, match="值班主任"):
        unfavourable_ratings(workspace, person=clerk)
    listed = unfavourable_ratings(workspace, person=supervisor)
    assert [r.event_id for r in listed] == [rated.rating.event_id]
    with pytest.raises(PermissionDenied, match="值班主任"):
        follow_up_rating(workspace, person=clerk, rating_event_id=rated.rating.event_id, note="已回访")
    with pytest.raises(RatingRefused, match="请写明回访情况"):
        follow_up_rating(workspace, person=supervisor, rating_event_id=rated.rating.event_id, note="  ")
    with pytest.raises(RatingRefused, match="没有评价"):
        follow_up_rating(workspace, person=supervisor, rating_event_id=str(uuid.uuid4()), note="已回访")

    done = follow_up_rating(
        workspace, person=supervisor, rating_event_id=rated.rating.event_id, note="电话回访，已致歉"
    )
    assert done.followed_up_at is not None and done.follow_up_note == "电话回访，已致歉"
    with workspace.store.read() as session:
        kinds = session.scalars(select(CaseEvent.kind).order_by(CaseEvent.id.desc()).limit(1)).all()
    assert kinds == [EventKind.SERVICE_FOLLOWED_UP]
    assert unfavourable_ratings(workspace, person=supervisor, open_only=True) == []
    before = counts(workspace)
    with pytest.raises(RatingRefused, match=r"已于 .* 回访"):
        follow_up_rating(workspace, person=supervisor, rating_event_id=rated.rating.event_id, note="再次回访")
    assert counts(workspace) == before


def test_a_favourable_rating_needs_no_follow_up(workspace: Workspace) -> None:
    clerk, supervisor = workspace.counter("demo"), workspace.counter("zhuren")
    number = accept(workspace, clerk).case.number
    visit = workspace.ratings.visits(number)[0]
    rated = rate_service(
        workspace, person=clerk, number=number, service_event_id=visit.event_id, level=3, reason=None
    )
    assert unfavourable_ratings(workspace, person=supervisor) == []
    with pytest.raises(RatingRefused, match="不是差评，无需回访"):
        follow_up_rating(workspace, person=supervisor, rating_event_id=rated.rating.event_id, note="回访")


def test_the_hand_over_is_the_visit_offered_after_it(workspace: Workspace) -> None:
    clerk = workspace.counter("demo")
    number = accept(workspace, clerk).case.number
    approve(workspace, workspace.counter("shenpi"), number)
    assert visit_to_offer(workspace, person=clerk, number=number) is not None  # the decision, unrated
    hand_over_to_agent(workspace, clerk, number)
    visits = workspace.ratings.visits(number)
    assert [v.kind for v in visits] == [EventKind.CASE_DECIDED, EventKind.CERTIFICATE_HANDED_OVER]
    offered = visit_to_offer(workspace, person=clerk, number=number)
    assert offered is not None and offered.event_id == visits[1].event_id and offered.label == "领取证照"
    # A person whose roles record no ratings (帮办员) is offered none, and refused.
    helper = workspace.counter("bangban")
    assert visit_to_offer(workspace, person=helper, number=number) is None
    with pytest.raises(PermissionDenied, match="不能记录服务评价"):
        rate_service(
            workspace, person=helper, number=number, service_event_id=offered.event_id, level=1, reason=None
        )


@pytest.mark.parametrize(
    ("level", "reason", "message"),
    [
        (0, None, r"评价等级应为 1（非常满意）.*收到 0"),
        (6, None, "收到 6"),
        (True, None, "收到 True"),
        (4, None, "评价为“不满意”时须写明原因"),
        (5, "   ", "评价为“非常不满意”时须写明原因"),
        (4, "慢" * 501, "原因最多 500 字，现有 501 字"),
    ],
)
def test_a_bad_level_or_reason_is_refused_and_nothing_stored(
    workspace: Workspace, level: int, reason: str | None, message: str
) -> None:
    clerk = workspace.counter("demo")
    number = accept(workspace, clerk).case.number
    visit = workspace.ratings.visits(number)[0]
    before = counts(workspace)
    with pytest.raises(RatingRefused, match=message):
        rate_service(
            workspace,
            person=clerk,
            number=number,
            service_event_id=visit.event_id,
            level=level,
            reason=reason,
        )
    assert counts(workspace) == before


def test_what_is_no_service_event_of_the_case_is_refused(workspace: Workspace) -> None:
    clerk = workspace.counter("demo")
    number = accept(workspace, clerk).case.number
    other = accept(workspace, clerk).case.number
    other_visit = workspace.ratings.visits(other)[0]
    rated = rate_service(
        workspace, person=clerk, number=other, service_event_id=other_visit.event_id, level=2, reason=None
    )
    before = counts(workspace)
    not_a_visit = {
        str(uuid.uuid4()): "不是办件",  # no event at all
        other_visit.event_id: "不是办件",  # a visit of another case
        rated.rating.event_id: "不是办件",  # a rating is no visit
    }
    for event_id, message in not_a_visit.items():
        with pytest.raises(RatingRefused, match=f"{event_id} {message} {number} 在本窗口的一次窗口服务"):
            rate_service(
                workspace, person=clerk, number=number, service_event_id=event_id, level=1, reason=None
            )
    unknown = format_case_number(window_code="SZX0103", day=date(2026, 11, 20), serial=999)
    with pytest.raises(RatingRefused, match=f"本窗口没有办件 {unknown}"):
        rate_service(
            workspace,
            person=clerk,
            number=unknown,
            service_event_id=other_visit.event_id,
            level=1,
            reason=None,
        )
    with pytest.raises(RatingRefused, match="办件编号 SZX0103-X 有误"):
        rate_service(
            workspace,
            person=clerk,
            number="SZX0103-X",
            service_event_id=other_visit.event_id,
            level=1,
            reason=None,
        )
    assert counts(workspace) == before
