"""Approving a case (its certificate issued and signed) and handing the certificate over (出件). Both act
only on a case held at this window, in a status the status table allows the action from, by a person
whose role holds the permission the table names."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from app.accounts.roles import Duty, require_apart
from app.cases.status import CaseAction, transition
from app.documents.kinds import DocumentKind
from app.operations.changes import CaseChanged
from app.operations.lookup import held_case
from app.operations.person import Actor

if TYPE_CHECKING:
    from app.workspace import Workspace


@dataclass(frozen=True)
class Approved:
    changed: CaseChanged
    certificate_id: str
    qr_text: str  # the signed payload the certificate's QR code carries


@dataclass(frozen=True)
class HandedOver:
    changed: CaseChanged
    recipient_name: str
    print_next: DocumentKind  # the pickup receipt, signed by the recipient


def approve_case(
    ws: Workspace,
    *,
    person: Actor,
    number: str,
    content: str | None = None,
    valid_until: date | None = None,
    fields: Mapping[str, str] | None = None,
    password: str,
) -> Approved:
    """Approve the case and issue its certificate. `content`: the 许可内容 (default 准予 + the item's
    name); `valid_until`: only for a licence whose catalog entry says the approver enters it (otherwise
    the catalog's validity holds); `fields`: the entries of the licence's template by their labels.

    Approving applies the office's seal: the approver confirms with their password again (SignInRefused
    when it is wrong, counted like a sign-in), and the account that accepted the case may not approve it
    (app.accounts.roles.SEPARATIONS)."""
    case = held_case(ws, number=number)
    move = transition(case.status, CaseAction.APPROVE, facts=case, number=case.number)
    person.require(move.permission)
    duties = [Duty.ACCEPTED] if case.clerk_login == person.clerk_login else []
    require_apart(move.permission, duties, who=person.who)
    ws.confirm_password(person, password)
    approval = ws.certificates.approve(
        case.number, approver=person, content=content, valid_until=valid_until, fields=fields
    )
    return Approved(CaseChanged(case.number, move.target), approval.certificate_id, approval.qr_text)


def hand_over_certificate(
    ws: Workspace,
    *,
    person: Actor,
    number: str,
    recipient_name: str,
    recipient_id_number: str,
    recipient_id_type: str | None = None,
    capacity: str | None = None,
    authorization: str | None = None,
) -> HandedOver:
    """Record that the certificate was handed to the recipient, in what capacity (app.pickup: self,
    legal-rep, agent) and on what authorisation; the pickup receipt is printed next."""
    case = held_case(ws, number=number)
    move = transition(case.status, CaseAction.HAND_OVER)
    person.require(move.permission)
    ws.certificates.hand_over(
        case.number,
        clerk=person,
        recipient_name=recipient_name,
        recipient_id_number=recipient_id_number,
        recipient_id_type=recipient_id_type,
        capacity=capacity,
        authorization=authorization,
    )
    return HandedOver(CaseChanged(case.number, move.target), recipient_name, DocumentKind.PICKUP_RECEIPT)
