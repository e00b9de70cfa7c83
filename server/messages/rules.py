"""Which event tells the applicant what: one table (shared/STYLE.md habit 16), and the text it makes.

A row names the event's kind, the status the event leaves the case in (None: whatever it is), the message's
purpose and its template. An event matches at most one row, so it makes at most one message: the message's
key is (event id, purpose).

`certificate.issued` is both the decision (准予许可) and the certificate ready to collect (窗口统一出件: the
hall's windows hand it out from that moment): one message says both, purpose `approved`. Its text offers
mailing too, since the applicant may ask for it instead. `case.refused` is the other decision (不予许可).

Every text starts with the hall's name in 【】 (how a Chinese SMS names its sender), greets the applicant by
name, names the item and the case number, and says what to do next. No identification number of anyone
appears in it (a name and the case number identify the case to its applicant well enough).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from app.cases.status import CaseStatus
from app.lifecycle.delivery import CARRIERS, Carrier
from app.lifecycle.suspensions import suspension_label
from app.sync.wire import EventKind


class Purpose(StrEnum):
    ACCEPTED = "accepted"  # 已受理
    SUPPLEMENT = "supplement"  # 需补正材料
    SUSPENDED = "suspended"  # 挂起（暂停计时）
    APPROVED = "approved"  # 准予许可, and the certificate ready to collect
    REFUSED = "refused"  # 不予许可
    MAILED = "mailed"  # 证照已邮寄


PURPOSE_LABEL: dict[str, str] = {
    Purpose.ACCEPTED: "受理通知",
    Purpose.SUPPLEMENT: "补正通知",
    Purpose.SUSPENDED: "挂起通知",
    Purpose.APPROVED: "准予许可、领证通知",
    Purpose.REFUSED: "不予许可通知",
    Purpose.MAILED: "邮寄通知",
}

_HEAD = "【{hall}】{name}您好："
_ACCEPTED = _HEAD + "您申请的“{item}”已受理，办件编号 {number}{promised}。可凭办件编号查询办理进度。"
_SUPPLEMENT = (
    _HEAD + "您申请的“{item}”（办件编号 {number}）材料需补正。请按一次性告知书所列内容{deadline}"
    "携带告知书和补正材料到{hall}补正。"
)
_SUSPENDED = (
    _HEAD + "您申请的“{item}”（办件编号 {number}）因{suspension}暂停计时，预计 {expected_end} 结束，"
    "期间不计入办理时限，详见挂起告知书。"
)
_APPROVED = (
    _HEAD + "您申请的“{item}”（办件编号 {number}）已准予许可，证照已制作完成。请携带受理回执和身份证件"
    "到{hall}出件窗口领取（委托他人领取的，另带授权委托书），也可申请邮寄。"
)
_REFUSED = (
    _HEAD + "您申请的“{item}”（办件编号 {number}）经审查不予许可，请到{hall}领取《不予行政许可决定书》，"
    "其中载明理由。如不服，可依法申请行政复议或提起行政诉讼。"
)
_MAILED = (
    _HEAD + "您申请的“{item}”（办件编号 {number}）的证照已由{carrier}寄出，运单号 {tracking_number}，"
    "请注意查收。"
)


@dataclass(frozen=True)
class MessageRule:
    kind: EventKind
    status: CaseStatus | None  # the status the event leaves the case in; None: any
    purpose: Purpose
    template: str


S, K, P = CaseStatus, EventKind, Purpose
MESSAGE_RULES: tuple[MessageRule, ...] = (
    MessageRule(K.CASE_DECIDED, S.ACCEPTED, P.ACCEPTED, _ACCEPTED),
    MessageRule(K.CASE_DECIDED, S.AWAITING_SUPPLEMENT, P.SUPPLEMENT, _SUPPLEMENT),
    MessageRule(K.CASE_SUPPLEMENTED, S.ACCEPTED, P.ACCEPTED, _ACCEPTED),
    MessageRule(K.CASE_SUPPLEMENTED, S.AWAITING_SUPPLEMENT, P.SUPPLEMENT, _SUPPLEMENT),
    MessageRule(K.CASE_SUSPENDED, None, P.SUSPENDED, _SUSPENDED),
    MessageRule(K.CERTIFICATE_ISSUED, None, P.APPROVED, _APPROVED),
    MessageRule(K.CASE_REFUSED, None, P.REFUSED, _REFUSED),
    MessageRule(K.CASE_MAILED, None, P.MAILED, _MAILED),
)
MESSAGE_KINDS: frozenset[str] = frozenset(rule.kind for rule in MESSAGE_RULES)


def status_after(payload: Mapping[str, Any]) -> str | None:
    """The status an event leaves its case in: a change's `to_status`, a decision's `status`."""
    value = payload.get("to_status", payload.get("status"))
    return value if isinstance(value, str) else None


def rule_for(kind: str, payload: Mapping[str, Any]) -> MessageRule | None:
    """The row an event of `kind` with `payload` matches, or None: it tells the applicant nothing."""
    status = status_after(payload)
    for rule in MESSAGE_RULES:
        if rule.kind == kind and (rule.status is None or rule.status == status):
            return rule
    return None


def chinese_day(text: object) -> str | None:
    """ "2026-12-04" → "2026年12月4日"; None for anything else."""
    if not isinstance(text, str):
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return f"{day.year}年{day.month}月{day.day}日"


def _carrier(value: object) -> str:
    try:
        return CARRIERS[Carrier(str(value))].label
    except ValueError:
        return str(value)


def compose(
    rule: MessageRule,
    *,
    hall_name: str,
    case_number: str,
    snapshot: Mapping[str, Any],
    payload: Mapping[str, Any],
) -> str:
    """The message's text: the case as decided (`snapshot`), the event's `payload`."""
    applicant = snapshot.get("applicant") or {}
    promised = chinese_day(payload.get("promised_date", snapshot.get("promised_date")))
    deadline = chinese_day(payload.get("supplement_deadline", snapshot.get("supplement_deadline")))
    values = {
        "hall": hall_name,
        "name": str(applicant.get("name") or "申请人"),
        "item": str(snapshot.get("item_name") or snapshot.get("item_code") or ""),
        "number": case_number,
        "promised": f"，承诺于 {promised}前办结" if promised else "",
        "deadline": f"于 {deadline}前" if deadline else "尽快",
        "suspension": suspension_label(str(payload.get("kind", ""))),
        "expected_end": chinese_day(payload.get("expected_end")) or "另行告知时",
        "carrier": _carrier(payload.get("carrier")),
        "tracking_number": str(payload.get("tracking_number", "")),
    }
    return rule.template.format_map(values)
