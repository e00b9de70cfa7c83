"""Bundle numbers (一件事编号): ``YJS-{window_code}-{YYYYMMDD}-{serial:03d}{check}``.

Example: ``YJS-SZX0103-20261203-001D`` — window SZX0103, 3 Dec 2026, the window's first bundle that day
(serial 001), check ``D``.

Why this form: a bundle is numbered at the counter, offline like its cases, so the number is made from what
only this window hands out — its window code (region-unique), the day and a serial of its own — and is
unique region-wide without asking the server. It is not a case number: the ``YJS`` (一件事) prefix makes it
four parts where a case number has three, so neither is ever read as the other (a scan of one never opens
the other). The check character is the case numbers' Damm-36 (`app.checksum`), over everything but the
hyphens, so a mistyped or misscanned bundle number is refused, not taken for another bundle.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from app.case_number import is_valid_window_code
from app.checksum import damm36_check_char
from app.identifiers import fold_id_text

PREFIX = "YJS"
MAX_BUNDLE_SERIAL = 999
_FORM = re.compile(r"YJS-(?P<window>[A-Z0-9]+)-(?P<day>[0-9]{8})-(?P<serial>[0-9]{3})(?P<check>[0-9A-Z])")
EXAMPLE = "YJS-SZX0103-20261203-001D"
_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"))


class BundleNumberError(ValueError):
    """A bundle number that cannot be used; the message is for the clerk."""


@dataclass(frozen=True)
class BundleNumber:
    window_code: str
    day: date
    serial: int

    def __str__(self) -> str:
        body = f"{self.window_code}-{self.day:%Y%m%d}-{self.serial:03d}"
        return f"{PREFIX}-{body}{_check(self.window_code, self.day, self.serial)}"


def _check(window_code: str, day: date, serial: int) -> str:
    return damm36_check_char(f"{PREFIX}{window_code}{day:%Y%m%d}{serial:03d}")


def format_bundle_number(*, window_code: str, day: date, serial: int) -> str:
    if not is_valid_window_code(window_code):
        raise ValueError(f"bad window code {window_code!r}")
    if not 1 <= serial <= MAX_BUNDLE_SERIAL:
        raise ValueError(f"bundle serial must be 1–{MAX_BUNDLE_SERIAL}, got {serial}")
    return str(BundleNumber(window_code, day, serial))


def looks_like_bundle_number(text: str) -> bool:
    """Whether a text starts as a bundle number does (so it is read as one, and refused with the reason)."""
    return fold_id_text(text).translate(_DASHES).startswith(f"{PREFIX}-")


def parse_bundle_number(text: str) -> BundleNumber:
    """Typed or scanned text (full-width, lowercase, spaces tolerated); BundleNumberError says why not."""
    folded = fold_id_text(text).translate(_DASHES)
    match = _FORM.fullmatch(folded)
    if match is None:
        raise BundleNumberError(
            f"一件事编号“{folded[:40]}”格式不正确：应为“YJS-窗口代码-年月日-序号校验位”，如 {EXAMPLE}"
        )
    window = match["window"]
    if not is_valid_window_code(window):
        raise BundleNumberError(f"一件事编号中的窗口代码“{window}”无效")
    digits = match["day"]
    try:
        day = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise BundleNumberError(f"一件事编号中的日期 {digits} 不存在，可能输错或扫描错误") from None
    serial = int(match["serial"])
    if serial < 1:
        raise BundleNumberError("一件事编号的序号不能为 000，可能输错或扫描错误")
    if match["check"] != _check(window, day, serial):
        raise BundleNumberError("一件事编号校验位不符，可能输错或扫描错误，请核对后重新输入")
    return BundleNumber(window, day, serial)


def is_bundle_number(text: str) -> bool:
    """Exactly a well-formed bundle number (no folding): the wire's rule."""
    try:
        return str(parse_bundle_number(text)) == text
    except BundleNumberError:
        return False
