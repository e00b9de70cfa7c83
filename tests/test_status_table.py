"""The one table of case statuses (app.cases.status), and the services that read it: every status can be
reached, each says what may be done next, a move the table lacks is refused with the status's label, and the
server's projection ends in the same status whatever order a case's events arrive in."""

from __future__ import annotations

from itertools import permutations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update

from app.accounts.roles import Permission
from app.cases.status import (
    ACTION_LABEL,
    STATUS_LABEL,
    TRANSITIONS,
    CaseAction,
    CaseStatus,
    Recorded,
    TransitionError,
    allowed_actions,
    project_status,
    replay,
    status_after,
    status_label,
    supplement,
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
    S, A = CaseStatus, CaseAction
    assert allowed_actions(S.AWAITING_SUPPLEMENT) == (A.SUPPLEMENT, A.WITHDRAW, A.TERMINATE, A.CORRECT)
    assert allowed_actions(S.ACCEPTED) == (
        A.SUPPLY_TOLERATED, A.REVIEW, A.APPROVE, A.REFUSE, A.WITHDRAW, A.TERMINATE, A.CORRECT
    )  # fmt: skip
    assert allowed_actions(S.IN_REVIEW) == (
        A.SUPPLY_TOLERATED, A.SUSPEND, A.EXTEND, A.APPROVE, A.REFUSE, A.WITHDRAW, A.TERMINATE, A.CORRECT
    )  # fmt: skip
    assert allowed_actions(S.SUSPENDED) == (A.SUPPLY_TOLERATED, A.RESUME, A.WITHDRAW, A.TERMINATE, A.CORRECT)
    assert allowed_actions(S.APPROVED) == (A.HAND_OVER, A.MAIL, A.REVOKE, A.CORRECT)
    for done in (S.DELIVERED, S.MAILED):
        assert allowed_actions(done) == (A.REVOKE, A.CORRECT)
    for ended in (S.CLOSED, S.REFUSED, S.WITHDRAWN, S.TERMINATED, S.REVOKED):
        assert allowed_actions(ended) == (A.CORRECT,)
    assert allowed_actions("escalated") == ()  # a status of a newer version: nothing, never a guess


class Facts:
    def __init__(self, *, gaps: tuple[str, ...] = (), early: bool = False, extended: bool = False) -> None:
        self.tolerated_outstanding, self.approve_before_supplied, self.extended = gaps, early, extended


def test_the_guards_name_what_is_missing() -> None:
    gaps = Facts(gaps=("M08",))
    assert CaseAction.APPROVE not in allowed_actions(CaseStatus.ACCEPTED, gaps)
    assert CaseAction.SUPPLY_TOLERATED in allowed_actions(CaseStatus.ACCEPTED, gaps)
    assert CaseAction.SUPPLY_TOLERATED not in allowed_actions(CaseStatus.ACCEPTED, Facts())
    with pytest.raises(TransitionError, match="容缺材料未补齐（M08）"):
        transition(CaseStatus.IN_REVIEW, CaseAction.APPROVE, facts=gaps)
    # Unless the item's rule lets it be decided before they are supplied.
    assert transition(CaseStatus.IN_REVIEW, CaseAction.APPROVE, facts=Facts(gaps=("M08",), early=True))
    with pytest.raises(TransitionError, match="只允许延长一次"):
        transition(CaseStatus.IN_REVIEW, CaseAction.EXTEND, facts=Facts(extended=True))


def test_a_move_the_table_lacks_is_refused_with_the_statuses_label() -> None:
    assert transition(CaseStatus.ACCEPTED, CaseAction.APPROVE).target is CaseStatus.APPROVED
    assert transition("approved", CaseAction.HAND_OVER).target is CaseStatus.DELIVERED
    with pytest.raises(TransitionError) as raised:
        transition(CaseStatus.DELIVERED, CaseAction.APPROVE, number="SZX0103-20261120-0001Y")
    assert "“已领取”" in str(raised.value) and "审批发证" in str(raised.value)
    assert "SZX0103-20261120-0001Y" in str(raised.value) and "只能在“已受理”“审查中”时" in str(raised.value)
    assert (raised.value.status, raised.value.action) == (CaseStatus.DELIVERED, CaseAction.APPROVE)
    with pytest.raises(TransitionError) as raised:
        transition("escalated", CaseAction.HAND_OVER)
    assert raised.value.status is None and "escalated" in str(raised.value)
    with pytest.raises(TransitionError, match="新办件"):
        transition(None, CaseAction.HAND_OVER)


def test_a_supplement_picks_its_status_by_the_new_check() -> None:
    assert supplement(CaseStatus.AWAITING_SUPPLEMENT, Outcome.ACCEPTED).target is CaseStatus.ACCEPTED
    assert supplement(CaseStatus.AWAITING_SUPPLEMENT, Outcome.SUPPLEMENT_REQUIRED).target is (
        CaseStatus.AWAITING_SUPPLEMENT
    )
    with pytest.raises(TransitionError, match="已受理"):
        supplement(CaseStatus.ACCEPTED, Outcome.ACCEPTED)  # a supplement for a case not awaiting one


# -- the projection over any sequence of events ------------------------------------------------------------
def model_step(status: CaseStatus, action: CaseAction) -> CaseStatus | None:
    """The lifecycle as the issue states it, written independently of the table (no guards)."""
    S, A = CaseStatus, CaseAction
    before_decision = {S.ACCEPTED, S.IN_REVIEW, S.SUSPENDED}
    if action is A.CORRECT:
        return status
    moves = {
        (S.AWAITING_SUPPLEMENT, A.SUPPLEMENT): S.ACCEPTED,
        (S.ACCEPTED, A.REVIEW): S.IN_REVIEW,
        (S.IN_REVIEW, A.SUSPEND): S.SUSPENDED,
        (S.SUSPENDED, A.RESUME): S.IN_REVIEW,
        (S.IN_REVIEW, A.EXTEND): S.IN_REVIEW,
        (S.ACCEPTED, A.APPROVE): S.APPROVED,
        (S.IN_REVIEW, A.APPROVE): S.APPROVED,
        (S.ACCEPTED, A.REFUSE): S.REFUSED,
        (S.IN_REVIEW, A.REFUSE): S.REFUSED,
        (S.APPROVED, A.HAND_OVER): S.DELIVERED,
        (S.APPROVED, A.MAIL): S.MAILED,
        **{(s, A.WITHDRAW): S.WITHDRAWN for s in {S.AWAITING_SUPPLEMENT, *before_decision}},
        **{(s, A.TERMINATE): S.TERMINATED for s in {S.AWAITING_SUPPLEMENT, *before_decision}},
        **{(s, A.SUPPLY_TOLERATED): s for s in before_decision},
        **{(s, A.REVOKE): S.REVOKED for s in (S.APPROVED, S.DELIVERED, S.MAILED)},
    }
    return moves.get((status, action))


@settings(max_examples=300, deadline=None)
@given(
    start=st.sampled_from([CaseStatus.ACCEPTED, CaseStatus.AWAITING_SUPPLEMENT, CaseStatus.CLOSED]),
    actions=st.lists(st.sampled_from([a for a in CaseAction if a is not CaseAction.DECIDE]), max_size=12),
)
def test_any_sequence_of_actions_follows_the_model_and_replays_to_the_same_status(
    start: CaseStatus, actions: list[CaseAction]
) -> None:
    """Every allowed action is the model's, every refused one is refused by the model too, and the server's
    replay of the recorded events (in any arrival order) ends where the window did."""
    status, recorded = start, []
    for action in actions:
        expected = model_step(status, action)
        try:
            row = transition(status, action)  # the first row (a supplement: complete)
        except TransitionError as error:
            assert expected is None, (status, action)
            assert status_label(status) in str(error)
            continue
        assert row.target is expected, (status, action)
        recorded.append(Recorded(f"e{len(recorded)}", row.event, len(recorded) + 1, status, row.target))
        status = row.target
    for order in (recorded, list(reversed(recorded))):
        replayed = replay(start, order)
        assert replayed.status == status and replayed.step == len(recorded)
        assert replayed.conflicting == () and replayed.waiting == ()


def test_two_pcs_taking_one_step_conflict_and_the_first_stored_wins() -> None:
    review = Recorded("a", EventKind.REVIEW_STARTED, 1, "accepted", "in_review")
    withdrawn = Recorded("b", EventKind.CASE_WITHDRAWN, 1, "accepted", "withdrawn")
    approved = Recorded("c", EventKind.CERTIFICATE_ISSUED, 2, "in_review", "approved")
    replayed = replay(CaseStatus.ACCEPTED, [review, withdrawn, approved])
    assert replayed.status is CaseStatus.APPROVED and replayed.conflicting == ("b",)
    # A step whose predecessor has not arrived waits; once it arrives both are taken.
    assert replay(CaseStatus.ACCEPTED, [approved]).waiting == ("c",)
    assert replay(CaseStatus.ACCEPTED, [approved, review]).applied == ("a", "c")
    # An event that claims the next step but saw another status conflicts.
    wrong = Recorded("d", EventKind.CASE_RESUMED, 2, "suspended", "in_review")
    assert replay(CaseStatus.ACCEPTED, [review, wrong]).conflicting == ("d",)


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
    assert project_status("escalated", order) == "escalated"


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
    assert "「待补正」" in str(raised.value) and "只有已受理、审查中的办件可以审批发证" in str(raised.value)
    assert "awaiting_supplement" not in str(raised.value)

    accepted = workspace.acceptance.accept(parse_request(request_json(planning)), counter=counter)
    workspace.certificates.approve(accepted, approver=counter, fields=PLANNING_FIELDS)
    with pytest.raises(CertificateError, match="「准予许可，待领取」"):
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
    assert "「已领取」" in str(raised.value) and "交付证照" in str(raised.value)
    assert events_of(workspace, number) == [EventKind.CASE_DECIDED, EventKind.CERTIFICATE_ISSUED]

    with workspace.store.write() as session:
        session.execute(update(Case).where(Case.number == number).values(status=CaseStatus.APPROVED))
    workspace.certificates.hand_over(
        number, clerk=counter, recipient_name=AGENT["name"], recipient_id_number=AGENT["id_number"]
    )
    with workspace.store.read() as session:
        assert session.scalars(select(Case.status).where(Case.number == number)).one() == "delivered"
        assert session.scalar(select(func.count()).select_from(CaseEvent)) == 3
