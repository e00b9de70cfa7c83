"""A separator sheet's code: which case and which material the pages after the sheet belong to.

The sheet (app.documents.separator_sheets prints it) goes into the feeder before each material of an
applicant's stack; its Code 128 and, as a second chance, its QR code both carry

    ``SEP:{case number}:{material code}``

The fixed prefix ``SEP:`` is nothing else the project prints begins with: not a case number (a window code
has no colon), not a document's or a certificate's URL, not an identity number. The material code is
percent-encoded (UTF-8) outside the printable ASCII that Code 128 holds, so any catalog code prints; the
demo catalog's codes (M01 …) print as they are. The case number keeps its own check character, so a sheet
misread as another case is refused by `parse_case_number`, never matched to it.

The marks that say "separator" without any code: a heavy black band across the top and across the bottom
of the page, the same distance from either edge (a sheet fed upside down looks the same). Their geometry is
here because both the printed sheet and the feeder's detection read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, unquote_to_bytes

from app.case_number import CaseNumberError, parse_case_number
from app.codes import QUIET_ZONE_CODE128, code128_modules

PREFIX = "SEP:"
_FIELD_SEPARATOR = ":"
# Printable ASCII a material code keeps as it is; "%" (the escape) and the space (which a keyboard-wedge
# scanner or a trim may lose) are escaped with the rest.
_KEPT = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in "%")
# The longest sheet code: its Code 128 (quiet zones included) fills the sheet's width between the bands'
# ends at no less than 0.3 mm a module (what a 200 dpi feeder scan still reads: ~2.4 pixels a module).
# A case number with a 7-letter window code leaves room for 21 ASCII characters of material code, or 3
# Chinese characters (9 escaped bytes each).
MIN_MODULE_MM = 0.3

# The black bands (millimetres; A4 portrait): full width between the side margins, `BAND_EDGE_MM` from the
# top and from the bottom edge (inside any printer's unprintable margin), `BAND_HEIGHT_MM` tall.
BAND_EDGE_MM = 10.0
BAND_HEIGHT_MM = 16.0
BAND_SIDE_MM = 10.0
MAX_BARCODE_MODULES = int((210 - 2 * BAND_SIDE_MM) / MIN_MODULE_MM)


class SeparatorCodeError(ValueError):
    """A separator code that cannot be made; the message (Chinese) names the problem."""


@dataclass(frozen=True)
class SeparatorCode:
    case_number: str
    material_code: str

    @property
    def text(self) -> str:
        return separator_text(case_number=self.case_number, material_code=self.material_code)


@dataclass(frozen=True)
class UnreadableSeparator:
    """A text that is a separator sheet's by its prefix but cannot be used; `reason` is the clerk's."""

    text: str
    reason: str


def separator_text(*, case_number: str, material_code: str) -> str:
    """The code printed on the sheet for a material of a case; SeparatorCodeError (Chinese) on a case number
    that does not parse, an empty material code or a code too long for the sheet's barcode."""
    try:
        number = str(parse_case_number(case_number))
    except CaseNumberError as error:
        raise SeparatorCodeError(f"无法打印分隔页：{error.reason}") from None
    if not material_code.strip():
        raise SeparatorCodeError("无法打印分隔页：材料编码为空")
    text = f"{PREFIX}{number}{_FIELD_SEPARATOR}{quote(material_code, safe=_KEPT)}"
    if len(code128_modules(text)) + 2 * QUIET_ZONE_CODE128 > MAX_BARCODE_MODULES:
        raise SeparatorCodeError(
            f"无法打印分隔页：材料编码“{material_code}”过长，印成条码后超出分隔页的宽度"
            "（材料编码宜为字母和数字，不超过 20 个字符）"
        )
    return text


def is_separator_text(text: str) -> bool:
    """The text begins as a separator sheet's code does (whether or not the rest is usable)."""
    return text.strip()[: len(PREFIX)].upper() == PREFIX


def parse_separator(text: str) -> SeparatorCode | UnreadableSeparator | None:
    """What a decoded text says: a sheet's case and material; an `UnreadableSeparator` with the reason when
    it starts as a sheet's code but is damaged or cut short; None when it is no separator's code at all.

    Surrounding whitespace and a lowercased prefix (a scanner set to lowercase) are tolerated; the case
    number is checked by its check character.
    """
    stripped = text.strip()
    if not is_separator_text(stripped):
        return None
    shown = stripped if len(stripped) <= 60 else stripped[:60] + "…"
    rest = stripped[len(PREFIX) :]
    number_text, found, material_part = rest.partition(_FIELD_SEPARATOR)
    if not found:
        return UnreadableSeparator(shown, f"分隔页条码“{shown}”不完整：缺少材料编码")
    try:
        number = str(parse_case_number(number_text))
    except CaseNumberError as error:
        return UnreadableSeparator(shown, f"分隔页条码“{shown}”中的办件编号有误：{error.reason}")
    try:
        material = unquote_to_bytes(material_part).decode("utf-8")
    except UnicodeDecodeError:
        material = ""
    if not material.strip() or not material.isprintable():
        return UnreadableSeparator(shown, f"分隔页条码“{shown}”中的材料编码无效")
    return SeparatorCode(case_number=number, material_code=material)


def handheld_message(code: SeparatorCode) -> str:
    """What the window says when the handheld scanner reads a separator sheet outside a feeder run."""
    return (
        f"这是办件 {code.case_number} 材料 {code.material_code} 的分隔页：分隔页用于批量进纸扫描时区分材料，"
        "扫描后自动移除，无需手持扫码"
    )
