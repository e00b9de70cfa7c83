"""A case's status and the one table of how it may change (shared/STYLE.md habit 16).

Every status a case can have is a `CaseStatus`; every change of status is a row of `TRANSITIONS`: the action
a person takes, the status it starts from, the status it ends in, the event that records it and the
permission it needs. The services check a change against the table before they make it; a window applying
what sync brings, and the server projecting a case from its events, read the same table; the window asks
it which actions a case allows. The lifecycle (supplements, review, suspensions, pickup) grows this table
and nothing else.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from app.accounts.roles import Permission
from app.completeness import Outcome
from app.sync.wire import EventKind


class CaseStatus(StrEnum):
    ACCEPTED = "accepted"
    AWAITING_SUPPLEMENT = "awaiting_supplement"
    CLOSED = "closed"
    APPROVED = "approved"
    DELIVERED = "delivered"


STATUS_LABEL: dict[str, str] = {
    CaseStatus.ACCEPTED: "已受理",
    CaseStatus.AWAITING_SUPPLEMENT: "待补正",
    CaseStatus.CLOSED: "已办结（不予受理）",
    CaseStatus.APPROVED: "已审批发证，待领取",
    CaseStatus.DELIVERED: "已出件",
}


class CaseAction(StrEnum):
    DECIDE = "decide"  # the counter's decision on a new application (Art. 32)
    APPROVE = "approve"  # approved, certificate issued
    HAND_OVER = "hand_over"  # the certificate handed over (出件)


ACTION_LABEL: dict[str, str] = {
    CaseAction.DECIDE: "受理",
    CaseAction.APPROVE: "审批发证",
    CaseAction.HAND_OVER: "交付证照",
}


@dataclass(frozen=True)
class Transition:
    action: CaseAction
    source: CaseStatus | None  # None: a case that does not exist yet
    target: CaseStatus
    event: EventKind  # the outbox event that records the change
    permission: Permission


TRANSITIONS: tuple[Transition, ...] = (
    # The decision: the outcome picks the status (DECIDED_STATUS).
    Transition(CaseAction.DECIDE, None, CaseStatus.ACCEPTED, EventKind.CASE_DECIDED, Permission.ACCEPT),
    Transition(
        CaseAction.DECIDE, None, CaseStatus.AWAITING_SUPPLEMENT, EventKind.CASE_DECIDED, Permission.ACCEPT
    ),
    Transition(CaseAction.DECIDE, None, CaseStatus.CLOSED, EventKind.CASE_DECIDED, Permission.ACCEPT),
    Transition(
        CaseAction.APPROVE,
        CaseStatus.ACCEPTED,
        CaseStatus.APPROVED,
        EventKind.CERTIFICATE_ISSUED,
        Permission.APPROVE,
    ),
    Transition(
        CaseAction.HAND_OVER,
        CaseStatus.APPROVED,
        CaseStatus.DELIVERED,
        EventKind.CERTIFICATE_HANDED_OVER,
        Permission.HAND_OVER,
    ),
)

# The status a case has once decided (it moves on by the transitions above).
DECIDED_STATUS: dict[Outcome, CaseStatus] = {
    Outcome.ACCEPTED: CaseStatus.ACCEPTED,
    Outcome.ACCEPTED_WITH_TOLERANCE: CaseStatus.ACCEPTED,
    Outcome.SUPPLEMENT_REQUIRED: CaseStatus.AWAITING_SUPPLEMENT,
    Outcome.REJECTED: CaseStatus.CLOSED,
}


class TransitionError(Exception):
    """An action the case's status does not allow; the message says the status and the action."""

    def __init__(self, message: str, *, status: CaseStatus | None, action: CaseAction) -> None:
        super().__init__(message)
        self.status = status
        self.action = action


def status_of(text: str) -> CaseStatus | None:
    """The status a stored or pulled text names, or None for one this version does not know."""
    try:
        return CaseStatus(text)
    except ValueError:
        return None


def status_label(text: str) -> str:
    return STATUS_LABEL.get(text, text)


def allowed_actions(status: CaseStatus | str) -> tuple[CaseAction, ...]:
    """What may be done to a case in `status`, in the table's order (each once)."""
    return tuple(dict.fromkeys(t.action for t in TRANSITIONS if t.source == status))


def transition(status: CaseStatus | str | None, action: CaseAction) -> Transition:
    """The row of the table for `action` on a case in `status`; TransitionError when none allows it. (For
    DECIDE, whose target the outcome picks, use `decide`.)"""
    for row in TRANSITIONS:
        if row.action == action and row.source == status:
            return row
    shown = "新办件" if status is None else status_label(str(status))
    raise TransitionError(
        f"办件状态为“{shown}”，不能{ACTION_LABEL[action]}",
        status=None if status is None else status_of(str(status)),
        action=action,
    )


def decide(outcome: Outcome) -> Transition:
    """The row for the counter's decision with `outcome`."""
    target = DECIDED_STATUS[outcome]
    return next(t for t in TRANSITIONS if t.action == CaseAction.DECIDE and t.target == target)


def status_after(status: CaseStatus | str, event: str) -> CaseStatus | None:
    """The status an event recorded elsewhere moves a case in `status` to, or None when the table has no
    such move (the event changes no status, or does not apply to that status)."""
    for row in TRANSITIONS:
        if row.source is not None and row.source == status and row.event == event:
            return row.target
    return None


def project_status(decided: CaseStatus | str, events: Collection[str]) -> CaseStatus | str:
    """A case's status from the status its decision gave it and the kinds of the events recorded since
    (the server's projection, whatever order the events arrived in): each move of the table whose event is
    among `events` is taken while one applies. A decided status this version does not know is kept."""
    status: CaseStatus | str = decided
    taken: set[str] = set()
    while True:
        moved = next(
            (
                row
                for row in TRANSITIONS
                if row.source is not None
                and row.source == status
                and row.event in events
                and row.event not in taken
            ),
            None,
        )
        if moved is None:
            return status
        taken.add(moved.event)
        status = moved.target
