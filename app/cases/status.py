"""A case's status and the one table of how it may change (shared/STYLE.md habit 16).

Every status a case can have is a `CaseStatus`; every change of status is a row of `TRANSITIONS`: the action
a person takes, the status it starts from, the status it ends in, the event that records it, the permission
it needs and the conditions the case must meet besides (`Guard`: no tolerated material outstanding before
an approval, one extension only). The services check a change against the table before they make it; a
window applying what sync brings, and the server projecting a case from its events, read the same table;
the window asks it which actions a case allows.

The life of a case (行政许可法; shared/DOMAIN.md "After acceptance"):

    (new) ─受理决定→ 待补正 ─补正→ 已受理 (or 待补正 again: a new notice) ─开始审查→ 审查中 ⇄ 挂起
                    └→ 不予受理 (ended)        └────────────┬──────────────┘
                                                   准予许可（发证）→ 已领取 / 已邮寄 (ended) → 已撤销
                                                   不予许可 (ended)
    撤回 (the applicant's written request) and 终止 end a case not yet decided; 更正 and 容缺补交 keep the
    status; an extension (Art. 42) keeps 审查中.

Each event of a change carries the case's step (`step`: 1 for the first change after the decision, then
one more each time) and the status it saw and made (`from_status`, `to_status`). Two PCs acting on one
case while apart make two events of the same step: the server keeps the first and shows the other to a
supervisor (`replay`). Events of windows older than steps (a certificate issued or handed over) are taken
in the order the table allows them.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from app.accounts.roles import Permission
from app.completeness import Outcome
from app.sync.wire import EventKind


class CaseStatus(StrEnum):
    AWAITING_SUPPLEMENT = (
        "awaiting_supplement"  # 补正告知: the one-time notice given, the applicant to return
    )
    ACCEPTED = "accepted"  # 受理 (or 容缺受理: tolerated materials still to come)
    IN_REVIEW = "in_review"  # 审查中: the back office examines it
    SUSPENDED = "suspended"  # 挂起 (Art. 45 and local kinds): the time limits stand still
    APPROVED = "approved"  # 准予许可: the certificate issued, to be collected or mailed
    REFUSED = "refused"  # 不予许可 (Art. 38): ended with a decision giving reasons and remedies
    DELIVERED = "delivered"  # 已领取: handed over at a window (ended)
    MAILED = "mailed"  # 已邮寄: sent by post with a tracking number (ended)
    CLOSED = "closed"  # 不予受理 at the counter (Art. 32 (1)(2)): ended
    WITHDRAWN = "withdrawn"  # 撤回: the applicant withdrew in writing before the decision (ended)
    TERMINATED = "terminated"  # 终止: e.g. a supplement deadline missed, as the notice said (ended)
    REVOKED = "revoked"  # 撤销 (Art. 69): the certificate revoked after it was granted (ended)


STATUS_LABEL: dict[str, str] = {
    CaseStatus.AWAITING_SUPPLEMENT: "待补正",
    CaseStatus.ACCEPTED: "已受理",
    CaseStatus.IN_REVIEW: "审查中",
    CaseStatus.SUSPENDED: "挂起",
    CaseStatus.APPROVED: "准予许可，待领取",
    CaseStatus.REFUSED: "不予许可",
    CaseStatus.DELIVERED: "已领取",
    CaseStatus.MAILED: "已邮寄",
    CaseStatus.CLOSED: "已办结（不予受理）",
    CaseStatus.WITHDRAWN: "已撤回",
    CaseStatus.TERMINATED: "已终止",
    CaseStatus.REVOKED: "已撤销",
}

# A case in one of these is over: nothing but a correction (and, for a granted one, a revocation) follows.
ENDED: frozenset[CaseStatus] = frozenset(
    {
        CaseStatus.REFUSED,
        CaseStatus.DELIVERED,
        CaseStatus.MAILED,
        CaseStatus.CLOSED,
        CaseStatus.WITHDRAWN,
        CaseStatus.TERMINATED,
        CaseStatus.REVOKED,
    }
)
# Whose legal time limit runs (the approver's queue, the supervisor's watch): accepted and not yet decided.
UNDER_TIME_LIMIT: frozenset[CaseStatus] = frozenset(
    {CaseStatus.ACCEPTED, CaseStatus.IN_REVIEW, CaseStatus.SUSPENDED}
)


class CaseAction(StrEnum):
    DECIDE = "decide"  # the counter's decision on a new application (Art. 32)
    SUPPLEMENT = "supplement"  # the applicant returns with the notice's materials (补正)
    SUPPLY_TOLERATED = "supply_tolerated"  # a tolerated (容缺) material supplied after acceptance
    REVIEW = "review"  # the back office takes the case up (开始审查)
    SUSPEND = "suspend"  # 挂起 (Art. 45, 公示, 现场勘验)
    RESUME = "resume"  # the suspension over: the clocks run again
    EXTEND = "extend"  # Art. 42: once, by 10 working days, with the head's approval
    APPROVE = "approve"  # 准予许可, certificate issued
    REFUSE = "refuse"  # 不予许可 (Art. 38)
    HAND_OVER = "hand_over"  # the certificate collected at a window (领证)
    MAIL = "mail"  # the certificate mailed (送达)
    WITHDRAW = "withdraw"  # 撤回申请 (the applicant, in writing)
    TERMINATE = "terminate"  # 终止办理
    REVOKE = "revoke"  # 撤销 a granted certificate (Art. 69)
    CORRECT = "correct"  # 更正: a supervisor corrects the case's data; the old values stay in the record


ACTION_LABEL: dict[str, str] = {
    CaseAction.DECIDE: "受理",
    CaseAction.SUPPLEMENT: "接收补正材料",
    CaseAction.SUPPLY_TOLERATED: "接收容缺补交材料",
    CaseAction.REVIEW: "开始审查",
    CaseAction.SUSPEND: "挂起",
    CaseAction.RESUME: "恢复办理",
    CaseAction.EXTEND: "延长办理期限",
    CaseAction.APPROVE: "审批发证",
    CaseAction.REFUSE: "作出不予许可决定",
    CaseAction.HAND_OVER: "交付证照",
    CaseAction.MAIL: "邮寄证照",
    CaseAction.WITHDRAW: "撤回申请",
    CaseAction.TERMINATE: "终止办理",
    CaseAction.REVOKE: "撤销许可",
    CaseAction.CORRECT: "更正办件信息",
}


class Guard(StrEnum):
    """A condition of the case a row needs besides its status."""

    NO_TOLERATED_GAPS = "no_tolerated_gaps"  # every tolerated material supplied, or the item allows it
    TOLERATED_GAPS = "tolerated_gaps"  # something tolerated is still to be supplied
    NOT_EXTENDED = "not_extended"  # Art. 42 allows one extension


class CaseFacts(Protocol):
    """What the guards read of a case (a `CaseView` is one)."""

    @property
    def tolerated_outstanding(self) -> tuple[str, ...]: ...  # material codes still to be supplied

    @property
    def approve_before_supplied(self) -> bool: ...  # the item's rule lets it be decided before

    @property
    def extended(self) -> bool: ...


def _holds(guard: Guard, facts: CaseFacts) -> bool:
    if guard is Guard.NO_TOLERATED_GAPS:
        return not facts.tolerated_outstanding or facts.approve_before_supplied
    if guard is Guard.TOLERATED_GAPS:
        return bool(facts.tolerated_outstanding)
    return not facts.extended


# Why a guard refuses, after "办件{number}": the message names what is missing.
GUARD_REFUSAL: dict[Guard, str] = {
    Guard.NO_TOLERATED_GAPS: "尚有容缺材料未补齐（{gaps}），补齐后才能{action}",
    Guard.TOLERATED_GAPS: "没有待补交的容缺材料",
    Guard.NOT_EXTENDED: "已延长过一次办理期限；行政许可法第四十二条只允许延长一次",
}


@dataclass(frozen=True)
class Transition:
    action: CaseAction
    source: CaseStatus | None  # None: a case that does not exist yet
    target: CaseStatus
    event: EventKind  # the outbox event that records the change
    permission: Permission
    guards: frozenset[Guard] = frozenset()


def _rows(
    action: CaseAction,
    sources: Sequence[CaseStatus],
    target: CaseStatus | None,
    event: EventKind,
    permission: Permission,
    *guards: Guard,
) -> tuple[Transition, ...]:
    """One row per source; `target` None: the row keeps the status (a correction, an extension …)."""
    return tuple(
        Transition(action, source, source if target is None else target, event, permission, frozenset(guards))
        for source in sources
    )


S, A, E, P = CaseStatus, CaseAction, EventKind, Permission
_BEFORE_DECISION = (S.ACCEPTED, S.IN_REVIEW, S.SUSPENDED)
_GRANTED = (S.APPROVED, S.DELIVERED, S.MAILED)

TRANSITIONS: tuple[Transition, ...] = (
    # The decision at the counter: the outcome picks the status (DECIDED_STATUS).
    *(Transition(A.DECIDE, None, s, E.CASE_DECIDED, P.ACCEPT) for s in
      (S.ACCEPTED, S.AWAITING_SUPPLEMENT, S.CLOSED)),
    # The supplement round trip: complete → accepted that day; still incomplete → a new notice.
    *(Transition(A.SUPPLEMENT, S.AWAITING_SUPPLEMENT, s, E.CASE_SUPPLEMENTED, P.ACCEPT)
      for s in (S.ACCEPTED, S.AWAITING_SUPPLEMENT)),
    *_rows(A.SUPPLY_TOLERATED, _BEFORE_DECISION, None, E.TOLERATED_SUPPLIED, P.ACCEPT, Guard.TOLERATED_GAPS),
    *_rows(A.REVIEW, (S.ACCEPTED,), S.IN_REVIEW, E.REVIEW_STARTED, P.APPROVE),
    *_rows(A.SUSPEND, (S.IN_REVIEW,), S.SUSPENDED, E.CASE_SUSPENDED, P.SUSPEND),
    *_rows(A.RESUME, (S.SUSPENDED,), S.IN_REVIEW, E.CASE_RESUMED, P.SUSPEND),
    *_rows(A.EXTEND, (S.IN_REVIEW,), None, E.CASE_EXTENDED, P.EXTEND, Guard.NOT_EXTENDED),
    # 即办件 are decided straight after acceptance; others after review.
    *_rows(A.APPROVE, (S.ACCEPTED, S.IN_REVIEW), S.APPROVED, E.CERTIFICATE_ISSUED, P.APPROVE,
           Guard.NO_TOLERATED_GAPS),
    *_rows(A.REFUSE, (S.ACCEPTED, S.IN_REVIEW), S.REFUSED, E.CASE_REFUSED, P.REFUSE),
    *_rows(A.HAND_OVER, (S.APPROVED,), S.DELIVERED, E.CERTIFICATE_HANDED_OVER, P.HAND_OVER),
    *_rows(A.MAIL, (S.APPROVED,), S.MAILED, E.CASE_MAILED, P.HAND_OVER),
    *_rows(A.WITHDRAW, (S.AWAITING_SUPPLEMENT, *_BEFORE_DECISION), S.WITHDRAWN, E.CASE_WITHDRAWN, P.WITHDRAW),
    # A missed supplement deadline ends at the counter; a case under review is ended by the approver.
    *_rows(A.TERMINATE, (S.AWAITING_SUPPLEMENT,), S.TERMINATED, E.CASE_TERMINATED, P.WITHDRAW),
    *_rows(A.TERMINATE, _BEFORE_DECISION, S.TERMINATED, E.CASE_TERMINATED, P.REFUSE),
    *_rows(A.REVOKE, _GRANTED, S.REVOKED, E.CERTIFICATE_REVOKED, P.REVOKE),
    *_rows(A.CORRECT, tuple(CaseStatus), None, E.CASE_CORRECTED, P.CORRECT),
)  # fmt: skip

# The status a case has once decided (it moves on by the transitions above); the same for a supplement.
DECIDED_STATUS: dict[Outcome, CaseStatus] = {
    Outcome.ACCEPTED: CaseStatus.ACCEPTED,
    Outcome.ACCEPTED_WITH_TOLERANCE: CaseStatus.ACCEPTED,
    Outcome.SUPPLEMENT_REQUIRED: CaseStatus.AWAITING_SUPPLEMENT,
    Outcome.REJECTED: CaseStatus.CLOSED,
}
# The kinds of event that change a case (a row of the table from a status), and the action of each.
STATUS_EVENTS: frozenset[str] = frozenset(str(row.event) for row in TRANSITIONS if row.source is not None)
ACTION_OF_EVENT: dict[str, CaseAction] = {
    str(row.event): row.action for row in TRANSITIONS if row.source is not None
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


def is_ended(status: CaseStatus | str) -> bool:
    return status in ENDED


def allowed_actions(status: CaseStatus | str, facts: CaseFacts | None = None) -> tuple[CaseAction, ...]:
    """What may be done to a case in `status` (and, given its `facts`, whose guards hold), in the table's
    order, each once."""
    return tuple(
        dict.fromkeys(
            t.action
            for t in TRANSITIONS
            if t.source == status and (facts is None or all(_holds(g, facts) for g in t.guards))
        )
    )


def transition(
    status: CaseStatus | str | None,
    action: CaseAction,
    *,
    facts: CaseFacts | None = None,
    target: CaseStatus | None = None,
    number: str = "",
) -> Transition:
    """The row of the table for `action` on a case in `status` (to `target` where the action has several);
    TransitionError when none allows it, or when given the case's `facts` a guard does not hold (the
    message names what is missing). For DECIDE and SUPPLEMENT, whose target the outcome picks, use
    `decide` and `supplement`."""
    for row in TRANSITIONS:
        if row.action == action and row.source == status and (target is None or row.target == target):
            if facts is not None:
                for guard in sorted(row.guards):
                    if not _holds(guard, facts):
                        gaps = "、".join(facts.tolerated_outstanding)
                        why = GUARD_REFUSAL[guard].format(gaps=gaps, action=ACTION_LABEL[action])
                        raise TransitionError(
                            f"办件{(' ' + number) if number else ''}{why}",
                            status=status_of(str(status)),
                            action=action,
                        )
            return row
    shown = "新办件" if status is None else status_label(str(status))
    raise TransitionError(
        f"办件{(' ' + number + ' ') if number else ''}状态为“{shown}”，不能{ACTION_LABEL[action]}"
        + _from_where(action),
        status=None if status is None else status_of(str(status)),
        action=action,
    )


def _from_where(action: CaseAction) -> str:
    sources = [status_label(t.source) for t in TRANSITIONS if t.action == action and t.source is not None]
    if not sources or action is CaseAction.CORRECT:
        return ""
    return f"（只能在“{'”“'.join(dict.fromkeys(sources))}”时{ACTION_LABEL[action]}）"


def decide(outcome: Outcome) -> Transition:
    """The row for the counter's decision with `outcome`."""
    target = DECIDED_STATUS[outcome]
    return next(t for t in TRANSITIONS if t.action == CaseAction.DECIDE and t.target == target)


def supplement(status: CaseStatus | str, outcome: Outcome, *, number: str = "") -> Transition:
    """The row for a supplement whose new check gave `outcome` (complete → accepted, else a new notice).
    The completeness check never gives `rejected` for a case the hall already took in."""
    return transition(status, CaseAction.SUPPLEMENT, target=DECIDED_STATUS[outcome], number=number)


def status_after(status: CaseStatus | str, event: str) -> CaseStatus | None:
    """The status an event recorded elsewhere moves a case in `status` to, or None when the table has no
    such move (the event changes no status, or does not apply to that status). For an action with several
    targets the first is given: use the event's own `to_status` where it has one."""
    for row in TRANSITIONS:
        if row.source is not None and row.source == status and row.event == event:
            return row.target
    return None


def fits(status: CaseStatus | str, event: str, source: str | None, target: str | None) -> bool:
    """Whether an event of kind `event` that saw `source` and made `target` follows a case in `status`."""
    return source == status and any(
        row.source == status and row.event == event and row.target == target for row in TRANSITIONS
    )


@dataclass(frozen=True)
class Recorded:
    """A stored event of a case as the projection reads it: its kind, and the step and statuses it
    carries (None in events of windows older than steps)."""

    event_id: str
    kind: str
    step: int | None = None
    source: str | None = None
    target: str | None = None


@dataclass(frozen=True)
class Replayed:
    status: CaseStatus | str
    step: int  # the case's last step taken
    applied: tuple[str, ...]  # event ids, in the order taken
    conflicting: tuple[str, ...]  # events whose step another took, or that no longer follow
    waiting: tuple[str, ...]  # events of a later step whose predecessor has not arrived


def replay(decided: CaseStatus | str, recorded: Sequence[Recorded]) -> Replayed:
    """A case's status from the status its decision gave it and its events in the order they arrived.

    From step 0 (the decision), the event of the next step that follows the status is taken (the first to
    arrive when two claim the step); an event of an older window (no step) is taken when the table allows
    it from the status, whatever order such events arrived in. An event whose step was taken by another,
    or that claims the next step but does not follow the status, conflicts; one of a later step waits.
    A decided status this version does not know is kept."""
    status: CaseStatus | str = decided
    step = 0
    used: set[str] = set()
    applied: list[str] = []
    stepped = [r for r in recorded if r.step is not None and r.kind in STATUS_EVENTS]
    legacy = [r for r in recorded if r.step is None and r.kind in STATUS_EVENTS]
    while True:
        nxt = next(
            (
                r
                for r in stepped
                if r.event_id not in used and r.step == step + 1 and fits(status, r.kind, r.source, r.target)
            ),
            None,
        )
        if nxt is not None:
            status = status_of(str(nxt.target)) or str(nxt.target)
        else:
            nxt = next(
                (r for r in legacy if r.event_id not in used and status_after(status, r.kind) is not None),
                None,
            )
            if nxt is None:
                break
            status = status_after(status, nxt.kind) or status
        used.add(nxt.event_id)
        applied.append(nxt.event_id)
        step += 1
    conflicting = tuple(
        r.event_id for r in stepped if r.event_id not in used and r.step is not None and r.step <= step + 1
    )
    waiting = tuple(
        r.event_id for r in stepped if r.event_id not in used and r.step is not None and r.step > step + 1
    )
    return Replayed(status, step, tuple(applied), conflicting, waiting)


def project_status(decided: CaseStatus | str, events: Collection[str]) -> CaseStatus | str:
    """A case's status from its decided status and the kinds of its events of windows older than steps
    (each taken while the table allows one), whatever order they arrived in."""
    return replay(decided, [Recorded(f"e{i}", kind) for i, kind in enumerate(events)]).status
