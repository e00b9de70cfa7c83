"""The steps after the counter's first decision, as people take them at any PC of the hall: the supplement
(补正) and tolerated materials (容缺补交) at a window, review, suspension, extension and refusal in the back
office, withdrawal and termination, mailing, revocation, correction. Each checks, before anything is done,
the case's status and guards against the status table (app.cases.status), the permission its row names
against the person's roles, and 四分离 (app.accounts.roles.SEPARATIONS); the service checks the table again
inside its transaction (app.lifecycle)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from app.accounts.roles import Duty, require_apart
from app.cases.status import CaseAction, CaseStatus, Transition, transition
from app.completeness import ReceivedMaterial
from app.documents.kinds import DocumentKind, step_documents
from app.lifecycle.service import Stepped
from app.lifecycle.supplements import SupplementCheck, SupplementForm
from app.operations.changes import CaseChanged
from app.operations.lookup import held_case
from app.operations.person import Actor
from app.sync.wire import EventKind

if TYPE_CHECKING:
    from app.workspace import Workspace


@dataclass(frozen=True)
class StepTaken:
    changed: CaseChanged
    print_next: tuple[DocumentKind, ...]  # the documents the step prints, in order
    event_id: str  # the step's event (a visit at the counter is rated by it: 好差评)


@dataclass(frozen=True)
class Supplemented(StepTaken):
    check: SupplementCheck


def may_take(
    ws: Workspace, *, person: Actor, number: str, action: CaseAction, target: CaseStatus | None = None
) -> Transition:
    """The table's row for `action` on the case held here, once its status, guards, the person's roles and
    四分离 allow it; TransitionError, PermissionDenied or CaseNotHere otherwise."""
    case = held_case(ws, number=number)
    row = transition(case.status, action, facts=case, target=target, number=number)
    person.require(row.permission)
    duties = [Duty.ACCEPTED] if case.clerk_login == person.clerk_login else []
    require_apart(row.permission, duties, who=person.who)
    return row


def _taken(stepped: Stepped, event: EventKind) -> StepTaken:
    return StepTaken(CaseChanged(stepped.number, stepped.status), step_documents(event), stepped.event_id)


def supplement_form(ws: Workspace, *, number: str) -> SupplementForm:
    """What the notice (or the 容缺 list) asked of the applicant: shown before anything is ticked."""
    held_case(ws, number=number)
    return ws.supplements.form(number)


def check_supplement(
    ws: Workspace, *, person: Actor, number: str, brought: Sequence[ReceivedMaterial]
) -> SupplementCheck:
    """The new completeness check on what was brought, without recording anything."""
    return ws.supplements.check(number, brought, counter=person)


def record_supplement(
    ws: Workspace, *, person: Actor, number: str, brought: Sequence[ReceivedMaterial]
) -> Supplemented:
    """The applicant's return recorded: accepted under the same number that day, a new notice, or the
    tolerated materials supplied; the documents to print next."""
    case = held_case(ws, number=number)
    supplement = case.status == CaseStatus.AWAITING_SUPPLEMENT
    may_take(
        ws,
        person=person,
        number=number,
        action=CaseAction.SUPPLEMENT if supplement else CaseAction.SUPPLY_TOLERATED,
    )
    recorded = ws.supplements.record(number, brought, by=person)
    stepped = recorded.stepped
    return Supplemented(
        CaseChanged(stepped.number, stepped.status), recorded.print_next, stepped.event_id, recorded.check
    )


def start_review(ws: Workspace, *, person: Actor, number: str) -> StepTaken:
    may_take(ws, person=person, number=number, action=CaseAction.REVIEW)
    return _taken(ws.lifecycle.start_review(number, by=person), EventKind.REVIEW_STARTED)


def suspend(
    ws: Workspace, *, person: Actor, number: str, kind: str, reason: str, start: date, expected_end: date
) -> StepTaken:
    may_take(ws, person=person, number=number, action=CaseAction.SUSPEND)
    stepped = ws.lifecycle.suspend(
        number, by=person, kind=kind, reason=reason, start=start, expected_end=expected_end
    )
    return _taken(stepped, EventKind.CASE_SUSPENDED)


def resume(ws: Workspace, *, person: Actor, number: str, actual_end: date) -> StepTaken:
    may_take(ws, person=person, number=number, action=CaseAction.RESUME)
    return _taken(ws.lifecycle.resume(number, by=person, actual_end=actual_end), EventKind.CASE_RESUMED)


def extend(
    ws: Workspace, *, person: Actor, number: str, reason: str, approved_by: str, approved_on: date
) -> StepTaken:
    may_take(ws, person=person, number=number, action=CaseAction.EXTEND)
    stepped = ws.lifecycle.extend(
        number, by=person, reason=reason, approved_by=approved_by, approved_on=approved_on
    )
    return _taken(stepped, EventKind.CASE_EXTENDED)


def refuse(
    ws: Workspace, *, person: Actor, number: str, reasons: str, basis: str, password: str
) -> StepTaken:
    """不予许可: like an approval, a decision under the office's seal: the approver confirms with their
    password again."""
    may_take(ws, person=person, number=number, action=CaseAction.REFUSE)
    ws.confirm_password(person, password)
    return _taken(
        ws.lifecycle.refuse(number, by=person, reasons=reasons, basis=basis), EventKind.CASE_REFUSED
    )


def withdraw(ws: Workspace, *, person: Actor, number: str, reason: str, request_day: date) -> StepTaken:
    may_take(ws, person=person, number=number, action=CaseAction.WITHDRAW)
    stepped = ws.lifecycle.withdraw(number, by=person, reason=reason, request_day=request_day)
    return _taken(stepped, EventKind.CASE_WITHDRAWN)


def terminate(ws: Workspace, *, person: Actor, number: str, reason: str, basis: str) -> StepTaken:
    may_take(ws, person=person, number=number, action=CaseAction.TERMINATE)
    return _taken(
        ws.lifecycle.terminate(number, by=person, reason=reason, basis=basis), EventKind.CASE_TERMINATED
    )


def mail(
    ws: Workspace,
    *,
    person: Actor,
    number: str,
    recipient: str,
    phone: str,
    address: str,
    carrier: str,
    tracking_number: str,
) -> StepTaken:
    may_take(ws, person=person, number=number, action=CaseAction.MAIL)
    stepped = ws.lifecycle.mail(
        number,
        by=person,
        recipient=recipient,
        phone=phone,
        address=address,
        carrier=carrier,
        tracking_number=tracking_number,
    )
    return _taken(stepped, EventKind.CASE_MAILED)


def revoke(ws: Workspace, *, person: Actor, number: str, reason: str, basis: str, password: str) -> StepTaken:
    may_take(ws, person=person, number=number, action=CaseAction.REVOKE)
    ws.confirm_password(person, password)
    return _taken(
        ws.lifecycle.revoke(number, by=person, reason=reason, basis=basis), EventKind.CERTIFICATE_REVOKED
    )


def correct(
    ws: Workspace, *, person: Actor, number: str, reason: str, values: Mapping[str, str]
) -> StepTaken:
    may_take(ws, person=person, number=number, action=CaseAction.CORRECT)
    return _taken(
        ws.lifecycle.correct(number, by=person, reason=reason, values=values), EventKind.CASE_CORRECTED
    )
