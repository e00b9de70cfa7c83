"""Validation of the identifiers a clerk types at the counter: resident ID, USCC, phone, names.

All checks are pure functions returning a result object rather than raising, so that the UI can
show the Chinese ``reason`` next to the field.  ``code`` is a stable machine-readable reason.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

# Invisible characters that sneak in with copy-paste and can never be part of an identifier.
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff")
_ASCII_DIGITS = frozenset("0123456789")


def fold_id_text(value: str) -> str:
    """NFKC-fold (full-width → half-width), drop all whitespace (incl. U+3000) and zero-width
    characters, and uppercase."""
    folded = unicodedata.normalize("NFKC", value)
    return "".join(ch for ch in folded if not ch.isspace() and ch not in _INVISIBLE).upper()


def show_char(ch: str) -> str:
    """A character for a message: itself if visible, otherwise its code point."""
    return ch if ch.isprintable() and not ch.isspace() else f"U+{ord(ch):04X}"


@dataclass(frozen=True)
class IdCheck:
    ok: bool
    normalized: str
    code: str | None  # "empty", "length", "charset", "division", "birth_date", "checksum", "format"
    reason: str | None  # Chinese message naming the problem
    overridable: bool = False
    birth_date: date | None = None
    sex: str | None = None  # "male" / "female"
    # The number passed its rule but something in it is implausible (a birth date more than
    # MAX_AGE_YEARS back): the clerk is told and may go on.
    warning: str | None = None


def _fail(normalized: str, code: str, reason: str, *, overridable: bool = False) -> IdCheck:
    return IdCheck(ok=False, normalized=normalized, code=code, reason=reason, overridable=overridable)


# --- Resident identity card number, GB 11643-1999 ----------------------------------------

_RID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_RID_CHECK_CHARS = "10X98765432"
# GB/T 2260 province-level codes, plus 83 (Taiwan residents' residence permits use 830000).
_PROVINCES = frozenset((11, 12, 13, 14, 15, 21, 22, 23, 71, 81, 82, 83)).union(
    range(31, 38), range(41, 47), range(50, 55), range(61, 66)
)
_EARLIEST_BIRTH = date(1850, 1, 1)


def resident_id_check_char(first17: str) -> str:
    """GB 11643 check character ("0"-"9" or "X") for the first 17 digits of a resident ID."""
    if len(first17) != 17 or not set(first17) <= _ASCII_DIGITS:
        raise ValueError(f"expected 17 ASCII digits, got {first17!r}")
    total = sum(int(ch) * w for ch, w in zip(first17, _RID_WEIGHTS, strict=True))
    return _RID_CHECK_CHARS[total % 11]


MAX_AGE_YEARS = 120


def birth_date_warning(birth: date, *, today: date) -> str | None:
    """A warning when the birth date lies more than MAX_AGE_YEARS years back (a typo or a wrong number,
    seldom a real person), else None."""
    try:
        limit = birth.replace(year=birth.year + MAX_AGE_YEARS)
    except ValueError:  # 29 February: the birthday falls on 1 March in a common year
        limit = date(birth.year + MAX_AGE_YEARS, 3, 1)
    if limit >= today:
        return None
    age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    return f"出生日期 {birth:%Y-%m-%d}，年龄 {age} 岁，超过 {MAX_AGE_YEARS} 岁，请与证件核对号码"


def check_gb11643(
    text: str, *, noun: str, today: date, prefix_problem: Callable[[str], str | None]
) -> IdCheck:
    """The GB 11643 structure shared by the resident ID and the cards numbered like it (港澳台居民居住证,
    the 2023 外国人永久居留身份证): 17 digits, the birth date in positions 7–14, the check character.

    ``text`` is folded and non-empty; ``noun`` names the number in messages ("身份证号码");
    ``prefix_problem`` judges the leading code (division, card prefix) and returns a reason or None.
    """
    if len(text) != 18:
        return _fail(text, "length", f"{noun}应为 18 位，实际为 {len(text)} 位")
    for position, ch in enumerate(text[:17], start=1):
        if ch not in _ASCII_DIGITS:
            return _fail(text, "charset", f"{noun}第 {position} 位“{show_char(ch)}”无效，前 17 位只能是数字")
    if text[17] not in _ASCII_DIGITS and text[17] != "X":
        return _fail(text, "charset", f"{noun}第 18 位“{show_char(text[17])}”无效，只能是数字或 X")
    problem = prefix_problem(text)
    if problem is not None:
        return _fail(text, "division", problem)
    year, month, day = int(text[6:10]), int(text[10:12]), int(text[12:14])
    shown = f"{text[6:10]}-{text[10:12]}-{text[12:14]}"
    try:
        birth = date(year, month, day)
    except ValueError:
        return _fail(text, "birth_date", f"{noun}中的出生日期 {shown} 不存在")
    if birth < _EARLIEST_BIRTH:
        return _fail(text, "birth_date", f"{noun}中的出生日期 {shown} 早于 1850 年，请核对")
    if birth > today:
        return _fail(text, "birth_date", f"{noun}中的出生日期 {shown} 晚于今天，请核对")
    expected = resident_id_check_char(text[:17])
    if text[17] != expected:
        return _fail(text, "checksum", f"{noun}校验位错误：应为 {expected}，实为 {text[17]}")
    sex = "male" if int(text[16]) % 2 == 1 else "female"
    return IdCheck(
        ok=True,
        normalized=text,
        code=None,
        reason=None,
        birth_date=birth,
        sex=sex,
        warning=birth_date_warning(birth, today=today),
    )


def is_province_code(code: str) -> bool:
    """A GB/T 2260 province-level code (two digits), 71/81/82/83 included."""
    return len(code) == 2 and code.isdigit() and int(code) in _PROVINCES


def _resident_division(text: str) -> str | None:
    if is_province_code(text[:2]):
        return None
    return f"身份证号码前两位“{text[:2]}”不是有效的省级行政区划代码"


def check_resident_id(value: str, *, today: date) -> IdCheck:
    """Validate an 18-digit resident ID number (GB 11643-1999); 15-digit numbers are refused.

    A birth date more than MAX_AGE_YEARS back passes with a ``warning``; one after ``today`` fails.
    """
    text = fold_id_text(value)
    if not text:
        return _fail(text, "empty", "请输入身份证号码")
    if len(text) == 15 and set(text) <= _ASCII_DIGITS:
        return _fail(text, "length", "这是 15 位旧身份证号码，须使用 18 位身份证号码，请核对新证件")
    return check_gb11643(text, noun="身份证号码", today=today, prefix_problem=_resident_division)


def mask_resident_id(value: str) -> str:
    """Keep the first 6 and last 4 characters, mask the rest: 110105********002X.

    Anything of 10 characters or fewer is masked completely (nothing would be hidden otherwise).
    """
    text = fold_id_text(value)
    if len(text) <= 10:
        return "*" * len(text)
    return text[:6] + "*" * (len(text) - 10) + text[-4:]


# --- Unified social credit code, GB 32100-2015 --------------------------------------------

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, Z, S, V
_USCC_INDEX = {ch: i for i, ch in enumerate(_USCC_ALPHABET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)  # 3**i mod 31
_USCC_AUTHORITIES = frozenset("123456789ABCDGNY")
_USCC_LOOKALIKE = {"I": "1", "O": "0", "Z": "2", "S": "5"}


def uscc_check_char(first17: str) -> str:
    """GB 32100 check character for the first 17 characters of a unified social credit code."""
    if len(first17) != 17 or not set(first17) <= _USCC_INDEX.keys():
        raise ValueError(f"expected 17 characters of {_USCC_ALPHABET}, got {first17!r}")
    total = sum(_USCC_INDEX[ch] * w for ch, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def check_uscc(value: str) -> IdCheck:
    """Validate an 18-character unified social credit code.

    A wrong check character is ``overridable``: some genuine early pilot codes fail it, so the
    clerk may accept the code with a recorded reason.  Every other failure is final.
    """
    text = fold_id_text(value)
    if not text:
        return _fail(text, "empty", "请输入统一社会信用代码")
    if len(text) != 18:
        return _fail(text, "length", f"统一社会信用代码应为 18 位，实际为 {len(text)} 位")
    for position, ch in enumerate(text, start=1):
        if ch not in _USCC_INDEX:
            hint = f"，可能应为数字 {_USCC_LOOKALIKE[ch]}" if ch in _USCC_LOOKALIKE else ""
            reason = (
                f"统一社会信用代码第 {position} 位“{show_char(ch)}”无效（不使用字母 I、O、Z、S、V）{hint}"
            )
            return _fail(text, "charset", reason)
    if text[0] not in _USCC_AUTHORITIES:
        return _fail(text, "format", f"统一社会信用代码第 1 位“{text[0]}”不是有效的登记管理部门代码")
    if not set(text[2:8]) <= _ASCII_DIGITS:
        return _fail(text, "division", f"统一社会信用代码第 3–8 位“{text[2:8]}”应为 6 位数字行政区划代码")
    expected = uscc_check_char(text[:17])
    if text[17] != expected:
        reason = (
            f"统一社会信用代码校验位错误：应为 {expected}，实为 {text[17]}"
            "（早期试点代码可能如此，核实后可说明理由放行）"
        )
        return _fail(text, "checksum", reason, overridable=True)
    return IdCheck(ok=True, normalized=text, code=None, reason=None)


# --- Phone numbers -------------------------------------------------------------------------

_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"))
_MOBILE = re.compile(r"(?:\+86|0086|86)?(1\d{10})")
# Area codes: 010 and 020-029 have three digits, all others (03xx-09xx) four.
_AREA = r"0(?:[12]\d|[3-9]\d\d)"
_LANDLINE = re.compile(
    rf"(?:\((?P<a1>{_AREA})\)|(?P<a2>{_AREA})-?|(?:\+86|0086)-?(?P<a3>[12]\d|[3-9]\d\d)-?)"
    r"(?P<local>[1-9]\d{6,7})(?:-(?P<ext>\d{1,6}))?"
)
_SERVICE = re.compile(r"12345|9[56]\d{3,4}")
_PHONE_HINT = "请输入 11 位手机号、带区号的固定电话（如 028-12345678）或 12345 等服务号码"


def check_phone(value: str) -> IdCheck:
    """Validate a mainland mobile, landline (with optional extension) or hall service number.

    ``normalized``: mobile → 11 digits; landline → "028-12345678" or "028-12345678-123";
    service number → its digits.
    """
    text = fold_id_text(value).translate(_DASHES).replace("转", "-")
    if not text:
        return _fail(text, "empty", "请输入电话号码")
    compact = text.replace("-", "")
    if _SERVICE.fullmatch(compact):
        return IdCheck(ok=True, normalized=compact, code=None, reason=None)
    mobile = _MOBILE.fullmatch(compact)
    if mobile:
        number = mobile.group(1)
        if number[1] in "012":
            return _fail(text, "format", f"手机号码“{number}”第 2 位不能是 {number[1]}，请核对")
        return IdCheck(ok=True, normalized=number, code=None, reason=None)
    landline = _LANDLINE.fullmatch(text)
    if landline:
        area = landline["a1"] or landline["a2"] or "0" + landline["a3"]
        normalized = f"{area}-{landline['local']}"
        if landline["ext"]:
            normalized += f"-{landline['ext']}"
        return IdCheck(ok=True, normalized=normalized, code=None, reason=None)
    if compact.isdigit() and compact.startswith("1") and 8 <= len(compact) <= 13:
        return _fail(text, "length", f"手机号码应为 11 位，实际为 {len(compact)} 位")
    return _fail(text, "format", f"电话号码“{text}”格式不正确，{_PHONE_HINT}")


# --- Person and organisation names ----------------------------------------------------------


@dataclass(frozen=True)
class NameCheck:
    ok: bool
    normalized: str
    code: str | None  # "empty", "length", "charset"
    reason: str | None


_MIDDLE_DOTS = str.maketrans(dict.fromkeys("\u2022\u30fb\uff65\u2027\u22c5\uff0e\u2219\u0387", "\u00b7"))
_WHITESPACE_RUN = re.compile(r"\s+")


def check_name(value: str, *, max_length: int = 100) -> NameCheck:
    """Validate a person or organisation name and normalise it.

    Outer whitespace is stripped, internal whitespace runs become one space, middle-dot
    look-alikes become U+00B7 "·".  Length counts code points (𠮷 is one).  Control and
    format characters (Unicode Cc/Cf, e.g. tab, zero-width space) and lone surrogates are
    refused.  No NFKC: compatibility ideographs and private-use rare characters stay as typed.
    """
    text = value.strip()
    if not text:
        return NameCheck(ok=False, normalized="", code="empty", reason="请输入名称")
    for position, ch in enumerate(text, start=1):
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs"):
            reason = f"名称第 {position} 个字符是不可见的控制字符（{show_char(ch)}），请删除后重新输入"
            return NameCheck(ok=False, normalized=text, code="charset", reason=reason)
    text = _WHITESPACE_RUN.sub(" ", text.translate(_MIDDLE_DOTS))
    if len(text) > max_length:
        reason = f"名称过长：共 {len(text)} 个字符，最多 {max_length} 个字符"
        return NameCheck(ok=False, normalized=text, code="length", reason=reason)
    return NameCheck(ok=True, normalized=text, code=None, reason=None)
