"""证件类型: the identity documents applicants and agents show at the counter, and how each is checked.

`ID_KINDS` is the one table of kinds: stable code, Chinese name, what a number looks like, the rule that
checks it. The intake form, the acceptance request, the printed documents and `clerk id check` all read it.
A kind with a published number rule is validated by that rule; a kind without one (护照) is kept as typed.
A foreigner's number never goes through the resident-ID rules (shared/DOMAIN.md, Identifiers).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from app.identifiers import (
    IdCheck,
    check_gb11643,
    check_resident_id,
    check_uscc,
    fold_id_text,
    is_province_code,
    show_char,
)

MAX_FREE_FORM_LENGTH = 40  # the stored column's width; a passport number is far shorter


class IdKind(StrEnum):
    RESIDENT_ID = "resident_id"  # 居民身份证
    RESIDENCE_PERMIT_HMT = "residence_permit_hmt"  # 港澳台居民居住证
    FOREIGN_PERMANENT = "foreign_permanent"  # 外国人永久居留身份证 (2023 card and 2017 card)
    HK_MACAO_PERMIT = "hk_macao_permit"  # 港澳居民来往内地通行证
    TAIWAN_PERMIT = "taiwan_permit"  # 台湾居民来往大陆通行证
    PASSPORT = "passport"  # 护照
    USCC = "uscc"  # 统一社会信用代码 (organisations)


@dataclass(frozen=True)
class IdKindRule:
    kind: IdKind
    label: str  # the document's Chinese name, as shown and printed
    format_hint: str  # what a number of this kind looks like (placeholder text, messages)
    lengths: frozenset[int]  # lengths the rule accepts; empty = no rule, kept as typed
    person: bool  # a natural person's document (else an organisation's code)
    check: Callable[[str, date], IdCheck]

    @property
    def has_rule(self) -> bool:
        return bool(self.lengths)


def _fail(text: str, code: str, reason: str) -> IdCheck:
    return IdCheck(ok=False, normalized=text, code=code, reason=reason)


def _ok(text: str) -> IdCheck:
    return IdCheck(ok=True, normalized=text, code=None, reason=None)


# --- the rules -------------------------------------------------------------------------------

HMT_PREFIXES = {"810000": "香港", "820000": "澳门", "830000": "台湾"}


def _check_resident(value: str, today: date) -> IdCheck:
    result = check_resident_id(value, today=today)
    prefix = result.normalized[:6]
    if result.ok and prefix in HMT_PREFIXES:
        # GB 11643-valid, but 810000/820000/830000 number the residence permits, not resident ID cards.
        return _fail(
            result.normalized,
            "division",
            f"身份证号码前 6 位“{prefix}”是港澳台居民居住证的号码段，不是居民身份证",
        )
    return result


def _hmt_prefix(text: str) -> str | None:
    if text[:6] in HMT_PREFIXES:
        return None
    return (
        f"港澳台居民居住证号码前 6 位应为 810000（香港）、820000（澳门）或 830000（台湾），实为“{text[:6]}”"
    )


def _check_residence_permit(value: str, today: date) -> IdCheck:
    text = fold_id_text(value)
    if not text:
        return _fail(text, "empty", "请输入居住证号码")
    return check_gb11643(text, noun="港澳台居民居住证号码", today=today, prefix_problem=_hmt_prefix)


def _foreign_2023_prefix(text: str) -> str | None:
    if text[0] != "9":
        return f"外国人永久居留身份证号码（2023 版）第 1 位应为 9，实为“{text[0]}”"
    if not is_province_code(text[1:3]):
        return f"外国人永久居留身份证号码第 2–3 位“{text[1:3]}”不是有效的受理地省级行政区划代码"
    return None


_FOREIGN_2017 = re.compile(r"[A-Z]{3}\d{12}")


def _check_foreign_permanent(value: str, today: date) -> IdCheck:
    """The 2023 card: "9", province of issue (2), nationality code (3), birth date (8), sequence (3), the
    GB 11643 check character. The 2017 card: a 3-letter nationality code and 12 digits (no published
    check rule, so only its shape is checked)."""
    text = fold_id_text(value)
    if not text:
        return _fail(text, "empty", "请输入外国人永久居留身份证号码")
    if len(text) == 18:
        result = check_gb11643(
            text, noun="外国人永久居留身份证号码", today=today, prefix_problem=_foreign_2023_prefix
        )
        return replace(result, sex=None)  # what its sequence says of sex is not a published rule
    if len(text) == 15:
        if _FOREIGN_2017.fullmatch(text):
            return _ok(text)
        return _fail(
            text, "format", f"2017 版外国人永久居留身份证号码应为 3 位国籍字母加 12 位数字，实为“{text}”"
        )
    return _fail(
        text,
        "length",
        f"外国人永久居留身份证号码应为 18 位（2023 版）或 15 位（2017 版），实际为 {len(text)} 位",
    )


_HK_MACAO = re.compile(r"[HM](?:\d{8}|\d{10})")


def _check_hk_macao_permit(value: str, today: date) -> IdCheck:
    text = fold_id_text(value)
    if not text:
        return _fail(text, "empty", "请输入港澳居民来往内地通行证号码")
    if _HK_MACAO.fullmatch(text):
        return _ok(text)
    if text[0] not in "HM":
        return _fail(
            text,
            "format",
            f"港澳居民来往内地通行证号码应以 H（香港）或 M（澳门）开头，实为“{show_char(text[0])}”",
        )
    return _fail(
        text, "format", f"港澳居民来往内地通行证号码应为 H 或 M 加 8 位数字（旧证 10 位），实为“{text}”"
    )


def _check_taiwan_permit(value: str, today: date) -> IdCheck:
    text = fold_id_text(value)
    if not text:
        return _fail(text, "empty", "请输入台湾居民来往大陆通行证号码")
    if len(text) == 8 and text.isascii() and text.isdigit():
        return _ok(text)
    return _fail(text, "format", f"台湾居民来往大陆通行证号码应为 8 位数字，实为“{text}”（{len(text)} 位）")


def _check_free_form(value: str, today: date) -> IdCheck:
    """No published rule: kept as typed (outer blanks trimmed); only what can never be a number is refused."""
    text = value.strip()
    if not text:
        return _fail(text, "empty", "请输入证件号码")
    for position, ch in enumerate(text, start=1):
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs"):
            return _fail(
                text, "charset", f"证件号码第 {position} 个字符是不可见的控制字符（{show_char(ch)}），请删除"
            )
    if len(text) > MAX_FREE_FORM_LENGTH:
        return _fail(text, "length", f"证件号码过长：共 {len(text)} 个字符，最多 {MAX_FREE_FORM_LENGTH} 个")
    return _ok(text)


def _check_uscc(value: str, today: date) -> IdCheck:
    return check_uscc(value)


ID_KINDS: dict[IdKind, IdKindRule] = {
    rule.kind: rule
    for rule in (
        IdKindRule(
            IdKind.RESIDENT_ID, "居民身份证", "18 位身份证号码", frozenset({15, 18}), True, _check_resident
        ),
        IdKindRule(
            IdKind.RESIDENCE_PERMIT_HMT,
            "港澳台居民居住证",
            "18 位，810000/820000/830000 开头",
            frozenset({18}),
            True,
            _check_residence_permit,
        ),
        IdKindRule(
            IdKind.FOREIGN_PERMANENT,
            "外国人永久居留身份证",
            "18 位、9 开头（2023 版）或 15 位、国籍字母开头（2017 版）",
            frozenset({15, 18}),
            True,
            _check_foreign_permanent,
        ),
        IdKindRule(
            IdKind.HK_MACAO_PERMIT,
            "港澳居民来往内地通行证",
            "H 或 M 加 8 位数字（旧证 10 位）",
            frozenset({9, 11}),
            True,
            _check_hk_macao_permit,
        ),
        IdKindRule(
            IdKind.TAIWAN_PERMIT,
            "台湾居民来往大陆通行证",
            "8 位数字",
            frozenset({8}),
            True,
            _check_taiwan_permit,
        ),
        IdKindRule(IdKind.PASSPORT, "护照", "按证件原样填写", frozenset(), True, _check_free_form),
        IdKindRule(
            IdKind.USCC, "统一社会信用代码", "18 位统一社会信用代码", frozenset({18}), False, _check_uscc
        ),
    )
}
PERSON_ID_KINDS: tuple[IdKind, ...] = tuple(k for k, rule in ID_KINDS.items() if rule.person)


def id_kind_label(code: str) -> str:
    """The Chinese name of a kind code; an unknown code (a newer window's) is shown as it is."""
    try:
        return ID_KINDS[IdKind(code)].label
    except ValueError:
        return code


def check_id(kind: IdKind, value: str, *, today: date) -> IdCheck:
    """Check a number by its kind's rule. When a person's number fails its kind but passes another kind
    with a rule, the reason says which, so the clerk picks the right 证件类型 instead of forcing it."""
    result = ID_KINDS[kind].check(value, today)
    if result.ok or result.overridable or result.code == "empty" or not ID_KINDS[kind].person:
        return result
    for other in PERSON_ID_KINDS:
        rule = ID_KINDS[other]
        if other is not kind and rule.has_rule and rule.check(value, today).ok:
            hint = f"（此号码符合{rule.label}的规则：如持{rule.label}，请将证件类型选为“{rule.label}”）"
            return IdCheck(
                ok=False, normalized=result.normalized, code=result.code, reason=f"{result.reason}{hint}"
            )
    return result


# Codes of a failure that only says the value does not have the kind's shape at all.
_SHAPE_CODES = frozenset({"empty", "length", "charset", "format"})


@dataclass(frozen=True)
class IdGuess:
    """What kind a number is, found by trying every kind with a rule that takes its length."""

    kind: (
        IdKind | None
    )  # the kind it passes (or may pass with a reason); else the likeliest; None if none fits
    check: IdCheck | None  # the check of `kind`
    tried: tuple[tuple[IdKind, IdCheck], ...]  # every kind tried, in table order

    @property
    def ok(self) -> bool:
        return self.check is not None and self.check.ok


def guess_id_kind(value: str, *, today: date) -> IdGuess:
    """The kind a number is: the first that passes. If none passes, an overridable failure (a pilot credit
    code) stands only when every other kind fails on the number's shape; otherwise the likeliest kind is
    the first that failed past the shape (e.g. on its check character), and `tried` says why for each."""
    length = len(fold_id_text(value))
    tried = tuple(
        (kind, rule.check(value, today))
        for kind, rule in ID_KINDS.items()
        if rule.has_rule and length in rule.lengths
    )
    for kind, result in tried:
        if result.ok:
            return IdGuess(kind, result, tried)
    deep = [(kind, result) for kind, result in tried if result.code not in _SHAPE_CODES]
    final = [(kind, result) for kind, result in deep if not result.overridable]
    if deep:
        kind, result = (final or deep)[0]
        return IdGuess(kind, result, tried)
    if tried:
        return IdGuess(tried[0][0], tried[0][1], tried)
    return IdGuess(None, None, ())


def formats_with_rules() -> str:
    """The kinds with a rule and what their numbers look like, for a message."""
    return "；".join(f"{r.label}：{r.format_hint}" for r in ID_KINDS.values() if r.has_rule)


def mask_id_number(kind: str, value: str) -> str:
    """A person's number as printed: 18 and 15 characters keep the first 6 and last 4 (as resident IDs
    always have: 110105********002X); 8 to 14 keep the first 2 and last 2; shorter ones are masked
    completely. A credit code is public register data and stays whole."""
    if kind == IdKind.USCC:
        return fold_id_text(value)
    text = value.strip() if kind == IdKind.PASSPORT else fold_id_text(value)
    if len(text) >= 15:
        return text[:6] + "*" * (len(text) - 10) + text[-4:]
    if len(text) >= 8:
        return text[:2] + "*" * (len(text) - 4) + text[-2:]
    return "*" * len(text)
