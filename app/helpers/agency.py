"""代办 (full agency): the written authorisation (代办委托书) a principal gives a helper to handle an item for
them, recorded with the draft and carried by the case (`PreparedBy.authorisation`, the `case.decided`
event's `prepared_by.authorisation`).

What a hall files about it (行政许可法 Art. 29: scope, validity, signed or sealed by the principal):

- `principal`, `principal_id`: who authorises (the applicant: an enterprise's name and unified social
  credit code, or a person's name and ID number) — the applicant of the draft, nobody else;
- `scope`: what the helper may do (委托事项及权限), as the document says it;
- `valid_from`, `valid_until`: the period the document states (both days included);
- `signed_on`: the document's date (落款日期);
- `reference`: the document's own number, if it has one (optional).

The rules are one function (`authorisation_problems`) read by the helper's window, the counter and the
server alike; lengths are the wire's (app.sync.wire).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from app.sync.schema import Problem  # (path, message): app.intake imports this package
from app.sync.wire import MAX_AUTHORISATION_ID_CHARS as MAX_ID_CHARS
from app.sync.wire import MAX_AUTHORISATION_REFERENCE_CHARS as MAX_REFERENCE_CHARS
from app.sync.wire import MAX_CLERK_TEXT_CHARS, MAX_NAME_CHARS

MAX_VALIDITY_DAYS = 5 * 366  # an authorisation longer than five years is a typing error, not a hall's
EARLIEST = date(2000, 1, 1)

FIELD_LABEL = {
    "principal": "委托人",
    "principal_id": "委托人证件号码",
    "scope": "委托事项及权限",
    "valid_from": "委托期限起",
    "valid_until": "委托期限止",
    "signed_on": "委托书落款日期",
    "reference": "委托书编号",
}


@dataclass(frozen=True)
class Authorisation:
    principal: str
    principal_id: str
    scope: str
    valid_from: date
    valid_until: date
    signed_on: date
    reference: str = ""

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "principal": self.principal,
            "principal_id": self.principal_id,
            "scope": self.scope,
            "valid_from": self.valid_from.isoformat(),
            "valid_until": self.valid_until.isoformat(),
            "signed_on": self.signed_on.isoformat(),
        }
        if self.reference:
            data["reference"] = self.reference
        return data

    def period_text(self) -> str:
        return f"{self.valid_from:%Y年%m月%d日}至{self.valid_until:%Y年%m月%d日}"

    def in_force_on(self, day: date) -> bool:
        return self.valid_from <= day <= self.valid_until


_FIELDS = frozenset(FIELD_LABEL)
_REQUIRED = _FIELDS - {"reference"}


def _text_problem(name: str, value: str, limit: int, *, required: bool = True) -> Problem | None:
    label = FIELD_LABEL[name]
    if required and not value.strip():
        return Problem(f"authorisation.{name}", f"代办委托书：请填写{label}")
    if len(value) > limit:
        return Problem(
            f"authorisation.{name}", f"代办委托书：{label}过长（{len(value)} 个字符，最多 {limit} 个）"
        )
    if any(ord(c) < 32 or c == "\x7f" for c in value):
        return Problem(f"authorisation.{name}", f"代办委托书：{label}含有控制字符")
    return None


def authorisation_problems(
    authorisation: Authorisation, *, on: date, applicant_id: str | None = None
) -> list[Problem]:
    """Everything wrong with `authorisation` for a draft or case of day `on` (whose applicant's number is
    `applicant_id`, when known): empty or over-long texts, dates out of order or not sane. Each problem's
    message (Chinese) names the field; its path is `authorisation.{field}`."""
    a = authorisation
    problems = [
        p
        for p in (
            _text_problem("principal", a.principal, MAX_NAME_CHARS),
            _text_problem("principal_id", a.principal_id, MAX_ID_CHARS),
            _text_problem("scope", a.scope, MAX_CLERK_TEXT_CHARS),
            _text_problem("reference", a.reference, MAX_REFERENCE_CHARS, required=False),
        )
        if p is not None
    ]
    for name in ("valid_from", "valid_until", "signed_on"):
        day: date = getattr(a, name)
        if day < EARLIEST or day.year > on.year + 10:
            problems.append(
                Problem(f"authorisation.{name}", f"代办委托书：{FIELD_LABEL[name]} {day} 不是合理的日期")
            )
    if a.valid_until < a.valid_from:
        problems.append(
            Problem(
                "authorisation.valid_until",
                f"代办委托书：委托期限止（{a.valid_until}）早于委托期限起（{a.valid_from}）",
            )
        )
    elif (a.valid_until - a.valid_from).days > MAX_VALIDITY_DAYS:
        problems.append(
            Problem("authorisation.valid_until", "代办委托书：委托期限超过五年，请核对委托书上的期限")
        )
    if a.signed_on > on:
        problems.append(
            Problem("authorisation.signed_on", f"代办委托书：落款日期 {a.signed_on} 晚于办理当日（{on}）")
        )
    if a.signed_on > a.valid_until:
        problems.append(Problem("authorisation.signed_on", "代办委托书：落款日期晚于委托期限止，委托书无效"))
    if applicant_id is not None and a.principal_id.strip().upper() != applicant_id.strip().upper():
        problems.append(
            Problem(
                "authorisation.principal_id",
                "代办委托书：委托人证件号码与申请人的不一致（委托人应为申请人本人或本单位）",
            )
        )
    return problems


def draft_problems(authorisation: Authorisation, *, on: date, applicant_id: str) -> list[Problem]:
    """What the helper's window refuses on top of `authorisation_problems`: an authorisation not in force on
    the day the draft is made (expired, or not yet begun)."""
    problems = authorisation_problems(authorisation, on=on, applicant_id=applicant_id)
    if not problems and not authorisation.in_force_on(on):
        problems.append(
            Problem(
                "authorisation.valid_until",
                f"代办委托书不在有效期内（{authorisation.period_text()}），不能据此代办",
            )
        )
    return problems


def authorisation_from_json(data: Any) -> Authorisation:
    """The inverse of `Authorisation.as_json`, strict: ValueError (Chinese) naming the problem. Dates are read
    here; the rules between them are `authorisation_problems`'."""
    if not isinstance(data, dict) or not set(data) <= _FIELDS or not set(data) >= _REQUIRED:
        raise ValueError("代办委托书内容结构不符")
    texts: dict[str, str] = {}
    for name in ("principal", "principal_id", "scope", "reference"):
        value = data.get(name, "")
        if not isinstance(value, str):
            raise ValueError(f"代办委托书的{FIELD_LABEL[name]}应为文本")
        texts[name] = value
    days: dict[str, date] = {}
    for name in ("valid_from", "valid_until", "signed_on"):
        value = data[name]
        try:
            if not isinstance(value, str) or len(value) != 10:
                raise ValueError
            days[name] = date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"代办委托书的{FIELD_LABEL[name]}不是日期（YYYY-MM-DD）") from None
    return Authorisation(
        principal=texts["principal"],
        principal_id=texts["principal_id"],
        scope=texts["scope"],
        valid_from=days["valid_from"],
        valid_until=days["valid_until"],
        signed_on=days["signed_on"],
        reference=texts["reference"],
    )
