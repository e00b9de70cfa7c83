"""The one table of case statuses (app.cases.status), and the services that read it: every status can be
reached, each says what may be done next, a move the table lacks is refused with the status's label, and the
server's projection ends in the same status whatever order a case's events arrive in."""

from __future__ import annotations

from itertools import permutations

import pytest
from sqlalchemy import func, select, update

from app.accounts.roles import Permission
from app.cases.status import (
    ACTION_LABEL,
    DECIDED_STATUS,
    STATUS_LABEL,
    TRANSITIONS,
    CaseAction,
    CaseStatus,
    TransitionError,
    allowed_actions,
    decide,
    project_status,
    status_after,
    transition,
)
from app.certificates import CertificateError
from app.completeness import Outcome
from app.intake import parse_request
from app.sync.authority import RECORDED_BY
from app.sync.wire import EVENT_KIND_LABEL, EventKind
from app.workspace import Workspace
from db.models import Case, CaseEvent
from tests.helpers import AGENT, PLANNING, PLANNING_FIELDS, request_json

FOLLOW_UPS = (EventKind.CERTIFICATE_ISSUED, EventKind.CERTIFICATE_HANDED_OVER, EventKind.DOCUMENT_PRINTED)


def test_every_status_is_reached_from_a_new_case() -> None:
    reached: set[CaseStatus | None] = {None}
    frontier: set[CaseStatus | None] = {None}
    while frontier:
        frontier = {t.target for t in TRANSITIONS if t.source in frontier} - reached
        reached |= frontier
    assert reached - {None} == set(CaseStatus)


def test_every_status_action_and_event_of_the_table_has_its_label_and_recorder() -> None:
    assert set(STATUS_LABEL) == set(CaseStatus)
    assert set(ACTION_LABEL) == set(CaseAction)
    for row in TRANSITIONS:
        assert row.event in EVENT_KIND_LABEL and row.event in RECORDED_BY
        assert isinstance(row.permission, Permission)


def test_what_each_status_allows() -> None:
    assert allowed_actions(CaseStatus.ACCEPTED) == (CaseAction.APPROVE,)
    assert allowed_actions(CaseStatus.APPROVED) == (CaseAction.HAND_OVER,)
    for done in (CaseStatus.AWAITING_SUPPLEMENT, CaseStatus.CLOSED, CaseStatus.DELIVERED):
        assert allowed_actions(done) == ()
    assert allowed_actions("suspended") == ()  # a status of a newer version: nothing, never a guess


def test_the_decision_picks_the_status() -> None:
    for outcome in Outcome:
        row = decide(outcome)
        assert (row.action, row.source, row.target) == (CaseAction.DECIDE, None, DECIDED_STATUS[outcome])
        assert row.event is EventKind.CASE_DECIDED


def test_a_move_the_table_lacks_is_refused_with_the_statuses_label() -> None:
    assert transition(CaseStatus.ACCEPTED, CaseAction.APPROVE).target is CaseStatus.APPROVED
    assert transition("approved", CaseAction.HAND_OVER).target is CaseStatus.DELIVERED
    with pytest.raises(TransitionError) as raised:
        transition(CaseStatus.DELIVERED, CaseAction.APPROVE)
    assert "已出件" in str(raised.value) and "审批发证" in str(raised.value)
    assert (raised.value.status, raised.value.action) == (CaseStatus.DELIVERED, CaseAction.APPROVE)
    with pytest.raises(TransitionError) as raised:
        transition("suspended", CaseAction.HAND_OVER)
    assert raised.value.status is None and "suspended" in str(raised.value)
    with pytest.raises(TransitionError, match="新办件"):
        transition(None, CaseAction.HAND_OVER)


def test_status_after_one_event() -> None:
    assert status_after(CaseStatus.ACCEPTED, EventKind.CERTIFICATE_ISSUED) is CaseStatus.APPROVED
    assert status_after(CaseStatus.APPROVED, EventKind.CERTIFICATE_HANDED_OVER) is CaseStatus.DELIVERED
    assert status_after(CaseStatus.ACCEPTED, EventKind.CERTIFICATE_HANDED_OVER) is None  # not before issue
    assert status_after(CaseStatus.APPROVED, EventKind.DOCUMENT_PRINTED) is None  # no status change
    assert status_after(CaseStatus.CLOSED, EventKind.CERTIFICATE_ISSUED) is None


@pytest.mark.parametrize("order", list(permutations(FOLLOW_UPS)), ids=lambda o: ",".join(o))
def test_the_projection_is_the_same_in_any_event_order(order: tuple[EventKind, ...]) -> None:
    assert project_status(CaseStatus.ACCEPTED, order) is CaseStatus.DELIVERED
    assert project_status(CaseStatus.ACCEPTED, [k for k in order if k != EventKind.CERTIFICATE_ISSUED]) == (
        CaseStatus.ACCEPTED
    )
    assert project_status(
        CaseStatus.ACCEPTED, [k for k in order if k != EventKind.CERTIFICATE_HANDED_OVER]
    ) == (CaseStatus.APPROVED)
    # A case not accepted never moves, whatever was recorded of it; one this version does not know is kept.
    assert project_status(CaseStatus.AWAITING_SUPPLEMENT, order) is CaseStatus.AWAITING_SUPPLEMENT
    assert project_status(CaseStatus.CLOSED, order) is CaseStatus.CLOSED
    assert project_status("suspended", order) == "suspended"


# -- the services read the table ---------------------------------------------------------------------------
def events_of(workspace: Workspace, number: str) -> list[str]:
    with workspace.store.read() as session:
        return list(
            session.scalars(
                select(CaseEvent.kind).where(CaseEvent.case_number == number).order_by(CaseEvent.id)
            )
        )


def test_approval_names_the_status_by_its_label(workspace: Workspace) -> None:
    counter = workspace.counter("demo")
    planning = workspace.catalog.item(PLANNING)
    assert planning is not None
    supplement = workspace.acceptance.accept(
        parse_request(request_json(planning, skip=("M05",))), counter=counter
    )
    with pytest.raises(CertificateError) as raised:
        workspace.certificates.approve(supplement, approver=counter, fields=PLANNING_FIELDS)
    assert "「待补正」" in str(raised.value) and "只有已受理的办件可以审批发证" in str(raised.value)
    assert "awaiting_supplement" not in str(raised.value)

    accepted = workspace.acceptance.accept(parse_request(request_json(planning)), counter=counter)
    workspace.certificates.approve(accepted, approver=counter, fields=PLANNING_FIELDS)
    with pytest.raises(CertificateError, match="「已审批发证，待领取」"):
        workspace.certificates.approve(accepted, approver=counter, fields=PLANNING_FIELDS)
    assert events_of(workspace, accepted) == [EventKind.CASE_DECIDED, EventKind.CERTIFICATE_ISSUED]


def test_hand_over_follows_the_table_not_only_the_certificate(workspace: Workspace) -> None:
    """A certificate not yet handed over here, of a case whose status says it is out already (as a status
    brought by sync would say): the table has no hand-over from there, so nothing is recorded."""
    counter = workspace.counter("demo")
    planning = workspace.catalog.item(PLANNING)
    assert planning is not None
    number = workspace.acceptance.accept(parse_request(request_json(planning)), counter=counter)
    workspace.certificates.approve(number, approver=counter, fields=PLANNING_FIELDS)
    with workspace.store.write() as session:
        session.execute(update(Case).where(Case.number == number).values(status=CaseStatus.DELIVERED))
    with pytest.raises(CertificateError) as raised:
        workspace.certificates.hand_over(
            number, clerk=counter, recipient_name=AGENT["name"], recipient_id_number=AGENT["id_number"]
        )
    assert "「已出件」" in str(raised.value) and "交付证照" in str(raised.value)
    assert events_of(workspace, number) == [EventKind.CASE_DECIDED, EventKind.CERTIFICATE_ISSUED]

    with workspace.store.write() as session:
        session.execute(update(Case).where(Case.number == number).values(status=CaseStatus.APPROVED))
    workspace.certificates.hand_over(
        number, clerk=counter, recipient_name=AGENT["name"], recipient_id_number=AGENT["id_number"]
    )
    with workspace.store.read() as session:
        assert session.scalars(select(Case.status).where(Case.number == number)).one() == "delivered"
        assert session.scalar(select(func.count()).select_from(CaseEvent)) == 3
