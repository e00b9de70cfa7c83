"""Case numbers (办件编号): ``{window_code}-{YYYYMMDD}-{serial:04d}{check}``.

Example: ``SZX0103-20261121-00072`` -- window SZX0103, 21 Nov 2026, serial 7, check ``2``.
Window codes are unique region-wide, so a number made offline at one window never collides
with another window's.  The structure is fixed: a window code of 4-12 characters [A-Z0-9]
starting with a letter, a hyphen, 8 date digits, a hyphen, 4 serial digits (0001-9999) and one
check character from 0-9A-Z.

Check character: Damm algorithm over an order-36 totally anti-symmetric quasigroup
(``app.checksum.damm36_check_char``), computed over window_code + YYYYMMDD + serial4 with the
hyphens left out.

Why not ISO/IEC 7064 hybrid MOD 37,36 (the first choice, used by GB/T 36904): it detects every
single substitution, but not every adjacent transposition.  Its step p = 2·s mod 37 sends
s = 18 to 36 (≡ 0 mod 36) and s = 19 to 1, so two neighbouring characters with values a and
a + 1 that enter at a running state p with p + a ≡ 18 (mod 36) leave the same state in either
order.  Concretely, with hybrid checks ``SZX0103-20261121-0489J`` and ``SZX0103-20261121-0498J``
would both be valid, and so would ``...-00701`` and ``...-00710`` (last serial digit swapped
with the check character): for that window and day alone, 67 pairs of serials related by an
adjacent digit swap and 32 pairs related by a digit/check swap would pass for each other (see
tests/test_case_number.py).  The hyphens cannot help: they sit at
fixed places counted from the end, so they only catch errors that touch them.
ISO/IEC 7064 pure MOD 37,2 would detect all of these, but its check character is one of 37
symbols, '*' included ('*' is the Code 39 barcode start/stop symbol and awkward to read out).
The Damm-36 check detects all single substitutions and all adjacent transpositions (the
swap of the last serial digit with the check character included) while keeping the check
character alphanumeric.  The tests verify this exhaustively for the quasigroup itself and for
every substitution (37 symbols incl. '-') and every adjacent swap of generated numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from app.checksum import ALPHANUMERIC, damm36_check_char
from app.identifiers import fold_id_text

_WINDOW_CODE = re.compile(r"[A-Z][A-Z0-9]{3,11}")
_DATE_PART = re.compile(r"[0-9]{8}")
_SERIAL_PART = re.compile(r"(?P<serial>[0-9]{4})(?P<check>[0-9A-Z])")
_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"))
_EXAMPLE = "SZX0103-20261121-00072"
MAX_SERIAL = 9999


def is_valid_window_code(code: str) -> bool:
    """4-12 characters of A-Z/0-9 starting with a letter (exact, no folding)."""
    return _WINDOW_CODE.fullmatch(code) is not None


def _day_text(day: date) -> str:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def _check_char(window_code: str, day: date, serial: int) -> str:
    return damm36_check_char(f"{window_code}{_day_text(day)}{serial:04d}")


@dataclass(frozen=True)
class CaseNumber:
    window_code: str
    day: date
    serial: int
    check: str

    def __post_init__(self) -> None:
        _require_valid_parts(self.window_code, self.serial)
        if self.check != _check_char(self.window_code, self.day, self.serial):
            raise ValueError(f"check character {self.check!r} does not match the case number")

    def __str__(self) -> str:
        return f"{self.window_code}-{_day_text(self.day)}-{self.serial:04d}{self.check}"


class CaseNumberError(ValueError):
    """A case number that cannot be accepted; ``reason`` is the Chinese message for the clerk."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code  # "empty", "format", "window_code", "date", "serial", "checksum"
        self.reason = reason


def _require_valid_parts(window_code: str, serial: int) -> None:
    if not isinstance(window_code, str) or not is_valid_window_code(window_code):
        raise ValueError(
            f"window code must be 4-12 characters of A-Z/0-9 starting with a letter, got {window_code!r}"
        )
    if isinstance(serial, bool) or not isinstance(serial, int) or not 1 <= serial <= MAX_SERIAL:
        raise ValueError(f"serial must be an integer from 1 to {MAX_SERIAL}, got {serial!r}")


def format_case_number(*, window_code: str, day: date, serial: int) -> str:
    """The case number text for a window, a day and a serial; ValueError on bad input."""
    _require_valid_parts(window_code, serial)
    check = _check_char(window_code, day, serial)
    return str(CaseNumber(window_code=window_code, day=day, serial=serial, check=check))


@lru_cache(maxsize=4096)  # the server parses each number of a batch twice: schema, then its own checks
def parse_case_number(text: str) -> CaseNumber:
    """Parse typed or scanned text (full-width, lowercase and spaces tolerated).

    Raises CaseNumberError naming the first problem found.
    """
    folded = fold_id_text(text).translate(_DASHES)
    if not folded:
        raise CaseNumberError("empty", "请输入办件编号")
    parts = folded.split("-")
    if len(parts) != 3:
        raise CaseNumberError(
            "format",
            f"办件编号“{folded}”格式不正确：应为“窗口代码-年月日-序号校验位”三段，以“-”分隔，如 {_EXAMPLE}",
        )
    window_code, day_part, serial_part = parts
    if not is_valid_window_code(window_code):
        raise CaseNumberError(
            "window_code", f"办件编号中的窗口代码“{window_code}”无效：应为 4–12 位字母或数字，以字母开头"
        )
    if not _DATE_PART.fullmatch(day_part):
        raise CaseNumberError("date", f"办件编号第二段应为 8 位数字的日期（年月日），实为“{day_part}”")
    serial_match = _SERIAL_PART.fullmatch(serial_part)
    if serial_match is None:
        raise CaseNumberError(
            "serial", f"办件编号第三段应为 4 位数字序号加 1 位校验位（共 5 位），实为“{serial_part}”"
        )
    try:
        day = date(int(day_part[:4]), int(day_part[4:6]), int(day_part[6:]))
    except ValueError:
        shown = f"{day_part[:4]}-{day_part[4:6]}-{day_part[6:]}"
        raise CaseNumberError("date", f"办件编号中的日期 {shown} 不存在，可能输错或扫描错误") from None
    serial = int(serial_match["serial"])
    if serial < 1:
        raise CaseNumberError("serial", "办件编号的序号不能为 0000，可能输错或扫描错误")
    check = serial_match["check"]
    if check not in ALPHANUMERIC or check != _check_char(window_code, day, serial):
        raise CaseNumberError("checksum", "办件编号校验位不符，可能输错或扫描错误，请核对后重新输入")
    return CaseNumber(window_code=window_code, day=day, serial=serial, check=check)
