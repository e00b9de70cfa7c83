"""Who may collect a certificate (领证): the holder (本人), an organisation's legal representative
(法定代表人), or an agent (受托人) with a written authorisation or as the agent the case recorded. One table,
`CAPACITIES`, read by `CertificateService.hand_over`, the window's hand-over form and `clerk case handover`.

A recipient's 证件 is checked by its kind's rule as at intake (app.identity_documents); a number of a kind
without a rule (a passport) is kept as typed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from app.catalog import ApplicantKind
from app.identifiers import check_name, fold_id_text
from app.identity_documents import ID_KINDS, IdKind, check_id

MAX_AUTHORIZATION_CHARS = 200
CASE_AGENT_AUTHORIZATION = "本办件申请时登记的代理人"


class Capacity(StrEnum):
    SELF = "self"
    LEGAL_REP = "legal-rep"
    AGENT = "agent"


class PickupError(ValueError):
    """The recipient may not collect as asked; the message says what is missing."""


@dataclass(frozen=True)
class Person:
    """A person as the case or the recipient names them."""

    name: str
    id_type: str
    id_number: str


@dataclass(frozen=True)
class Holder:
    """What the case says of who applied."""

    kind: str  # ApplicantKind
    applicant: Person
    agent: Person | None


@dataclass(frozen=True)
class Recipient:
    capacity: Capacity
    name: str
    id_type: IdKind
    id_number: str
    authorization: str | None  # 授权委托书 …, or CASE_AGENT_AUTHORIZATION


def _same(a: Person, id_type: IdKind, id_number: str) -> bool:
    return (a.id_type or IdKind.RESIDENT_ID) == id_type and fold_id_text(a.id_number) == id_number


def _self(holder: Holder, person: Recipient) -> str | None:
    if holder.kind != ApplicantKind.PERSON:
        return "申请人为单位，没有“本人”：请选择“法定代表人”，或由受托人凭授权委托书领取"
    if not _same(holder.applicant, person.id_type, person.id_number):
        return (
            "领取人证件与申请人不一致，不是申请人本人：代他人领取请选择“受托人”并登记授权委托书"
            "（名称、日期或编号）"
        )
    return None


def _legal_rep(holder: Holder, person: Recipient) -> str | None:
    if holder.kind != ApplicantKind.ORGANIZATION:
        return "申请人为自然人，没有法定代表人：请选择“本人”，或由受托人凭授权委托书领取"
    return None


def _agent(holder: Holder, person: Recipient) -> str | None:
    if person.authorization:
        return None
    if holder.agent is not None and _same(holder.agent, person.id_type, person.id_number):
        return None
    return (
        "受托人领取须登记授权委托书（如“授权委托书，2026年11月18日”），"
        "或为本办件申请时登记的代理人本人（证件须一致）"
    )


@dataclass(frozen=True)
class CapacityRule:
    label: str  # as printed on the 领证回执
    refusal: Callable[[Holder, Recipient], str | None]  # why this recipient may not collect so; None: may


CAPACITIES: dict[Capacity, CapacityRule] = {
    Capacity.SELF: CapacityRule("本人", _self),
    Capacity.LEGAL_REP: CapacityRule("法定代表人", _legal_rep),
    Capacity.AGENT: CapacityRule("受托人", _agent),
}


def capacity_label(code: str | None) -> str:
    """The printed name of a stored capacity ("" for a hand-over recorded before capacities)."""
    try:
        return CAPACITIES[Capacity(code or "")].label
    except ValueError:
        return code or ""


def default_capacity(holder: Holder) -> Capacity:
    """What the hand-over form starts with: the case's agent collects if there was one, else the holder."""
    if holder.agent is not None:
        return Capacity.AGENT
    return Capacity.SELF if holder.kind == ApplicantKind.PERSON else Capacity.LEGAL_REP


def inferred_capacity(holder: Holder, id_type: IdKind, id_number: str) -> Capacity | None:
    """The capacity a recipient evidently has when none was said: the applicant (a person) or the case's
    agent, by their 证件; None when neither (the capacity must then be said)."""
    if holder.kind == ApplicantKind.PERSON and _same(holder.applicant, id_type, id_number):
        return Capacity.SELF
    if holder.agent is not None and _same(holder.agent, id_type, id_number):
        return Capacity.AGENT
    return None


def check_recipient(
    holder: Holder,
    *,
    capacity: Capacity | str | None,
    name: str,
    id_type: IdKind | str | None,
    id_number: str,
    authorization: str | None,
    today: date,
) -> Recipient:
    """The recipient as recorded; PickupError saying every thing wrong or missing."""
    problems: list[str] = []
    checked_name = check_name(name)
    if not checked_name.ok:
        problems.append(checked_name.reason or "领取人姓名有误")
    kind = _id_kind(id_type, problems)
    number = fold_id_text(id_number)
    if kind is not None:
        result = check_id(kind, id_number, today=today)
        if not ID_KINDS[kind].person:
            problems.append("领取人须为自然人：请填写其本人的证件（身份证、护照等），不是单位的信用代码")
        elif not result.ok:
            problems.append(result.reason or "领取人证件号码有误")
        number = result.normalized
    text = (authorization or "").strip() or None
    if text is not None and (len(text) > MAX_AUTHORIZATION_CHARS or any(ord(c) < 32 for c in text)):
        problems.append(f"授权委托书的登记应为不超过 {MAX_AUTHORIZATION_CHARS} 字的文字")
    if problems or kind is None:
        raise PickupError("领取人信息有误：" + "；".join(problems))
    chosen = _capacity(capacity) if capacity else inferred_capacity(holder, kind, number)
    if chosen is None:
        raise PickupError(
            "领取人不是申请人本人，也不是本办件登记的代理人：请写明领取人身份"
            "（法定代表人，或受托人并登记授权委托书）"
        )
    if text is not None and chosen is not Capacity.AGENT:
        raise PickupError(f"只有受托人领取才登记授权委托书；领取人身份为“{CAPACITIES[chosen].label}”")
    recipient = Recipient(chosen, checked_name.normalized, kind, number, text)
    refused = CAPACITIES[chosen].refusal(holder, recipient)
    if refused is not None:
        raise PickupError(refused)
    if chosen is Capacity.AGENT and text is None:
        return Recipient(chosen, checked_name.normalized, kind, number, CASE_AGENT_AUTHORIZATION)
    return recipient


def _capacity(value: Capacity | str) -> Capacity:
    try:
        return Capacity(value)
    except ValueError:
        allowed = "、".join(f"{c}（{rule.label}）" for c, rule in CAPACITIES.items())
        raise PickupError(f"领取人身份应为 {allowed} 之一，实为“{value}”") from None


def _id_kind(value: IdKind | str | None, problems: list[str]) -> IdKind | None:
    try:
        return IdKind(value or IdKind.RESIDENT_ID)
    except ValueError:
        problems.append(f"不认识的证件类型“{value}”")
        return None
