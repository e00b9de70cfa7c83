"""One feeder run of an applicant's whole stack, split to its materials by the separator sheets in it.

The run is read in order. A readable sheet of this case names the material the pages after it belong to and
is dropped. Everything the split cannot place is handed back, with the reason, for the clerk to place by
hand (never guessed):

- a page before the first sheet;
- a sheet that looks like one (its black bands, app.scanning.separators) but whose codes cannot be read or
  disagree, and every page after it until the next readable sheet, since their material is unknown;
- a sheet of another case, or of a material not on this case's checklist, and the pages after it.

Each page's bytes are decoded once: the separator's codes and its bands are read from the same picture. The
codes are read on a copy of at most `SEPARATOR_LONG_SIDE` pixels (a 300 dpi scan at half size: the sheet's
0.5 mm modules are still ~3 pixels); a page with the bands but no code there is read again at full size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, Protocol, TypeVar

from PIL import Image

from app.case_number import parse_case_number
from app.scanning.image_codes import (
    PROJECT_FORMATS,
    FoundCode,
    gray,
    open_page_image,
    read_codes,
    reduced,
)
from app.scanning.separators import (
    BAND_EDGE_MM,
    BAND_HEIGHT_MM,
    SeparatorCode,
    UnreadableSeparator,
    parse_separator,
)

SEPARATOR_LONG_SIDE = 2400  # pixels; 200 dpi A4 is read as it is, 300 dpi at half size


class PageLike(Protocol):
    @property
    def data(self) -> bytes: ...  # a whole PNG or JPEG file (app.scanning.pages.CapturedPage)


P = TypeVar("P", bound=PageLike)


class Unplaced(StrEnum):
    BEFORE_FIRST_SHEET = "before_first_sheet"
    UNREADABLE_SHEET = "unreadable_sheet"
    OTHER_CASE_SHEET = "other_case_sheet"
    UNKNOWN_MATERIAL_SHEET = "unknown_material_sheet"
    AFTER_UNUSABLE_SHEET = "after_unusable_sheet"  # a page after one of the three sheets above


@dataclass(frozen=True)
class UnplacedPage(Generic[P]):
    page: P
    reason: str  # for the clerk
    kind: Unplaced
    place: int  # 1-based place of the page in the run

    @property
    def is_sheet(self) -> bool:
        """The page is a separator sheet itself (the clerk may discard it), not a page of a material."""
        return self.kind not in (Unplaced.BEFORE_FIRST_SHEET, Unplaced.AFTER_UNUSABLE_SHEET)


@dataclass(frozen=True)
class FeederSplit(Generic[P]):
    # Every checklist material in checklist order, with its pages in the order they were fed (none when the
    # applicant had none of it: two sheets in a row).
    materials: dict[str, list[P]]
    unplaced: list[UnplacedPage[P]]  # in the order fed
    sheets_dropped: int  # readable sheets of this case's materials, taken out of the run


@dataclass(frozen=True)
class _Sheet:
    code: SeparatorCode


@dataclass(frozen=True)
class _UnreadableSheet:
    reason: str


_Reading = _Sheet | _UnreadableSheet | None  # None: a page of a material


def split(pages: Sequence[P], *, case_number: str, material_codes: Sequence[str]) -> FeederSplit[P]:
    """Split a feeder run of the case `case_number` (its checklist: `material_codes`, in order).

    CaptureError (app.scanning.pages) naming the page when a page's picture cannot be read: the run is then
    not split at all."""
    number = str(parse_case_number(case_number))
    materials: dict[str, list[P]] = {code: [] for code in material_codes}
    unplaced: list[UnplacedPage[P]] = []
    dropped = 0
    current: str | None = None  # the material pages go to; None: none yet, or unknown
    lost_reason = "位于第一张分隔页之前"  # why a page goes unplaced while `current` is None
    lost_kind = Unplaced.BEFORE_FIRST_SHEET
    for place, page in enumerate(pages, start=1):
        reading = _read_page(open_page_image(page.data, what=f"批量进纸第 {place} 页的图像"))
        if reading is None:
            if current is not None:
                materials[current].append(page)
            else:
                unplaced.append(UnplacedPage(page, lost_reason, lost_kind, place))
            continue
        current = None
        lost_kind = Unplaced.AFTER_UNUSABLE_SHEET
        if isinstance(reading, _UnreadableSheet):
            sheet_kind, reason = Unplaced.UNREADABLE_SHEET, reading.reason
            lost_reason = f"位于无法识别的分隔页（第 {place} 页）之后，所属材料不明"
        elif reading.code.case_number != number:
            sheet_kind = Unplaced.OTHER_CASE_SHEET
            reason = f"分隔页属于其他办件 {reading.code.case_number}（本办件为 {number}）"
            lost_reason = f"位于其他办件的分隔页（第 {place} 页）之后，所属材料不明"
        elif reading.code.material_code not in materials:
            sheet_kind = Unplaced.UNKNOWN_MATERIAL_SHEET
            reason = f"分隔页的材料 {reading.code.material_code} 不在本办件的材料清单中"
            lost_reason = (
                f"位于不在材料清单中的材料 {reading.code.material_code} 的分隔页（第 {place} 页）之后"
            )
        else:
            current = reading.code.material_code
            dropped += 1
            continue
        unplaced.append(UnplacedPage(page, reason, sheet_kind, place))
    return FeederSplit(materials, unplaced, dropped)


def _read_page(image: Image.Image) -> _Reading:
    """What a fed page is: a readable sheet, a sheet that cannot be used (with the reason) or None, a page of
    a material."""
    image = gray(image)
    small, scale = reduced(image, long_side=SEPARATOR_LONG_SIDE)
    # No downscaling inside zxing: on downscaled copies it has misread a Code 128 with a passing check
    # (tests/test_codes.py); this copy is reduced by box averaging.
    found = read_codes(small, formats=PROJECT_FORMATS, try_downscale=False, scale=scale)
    banded = has_separator_bands(small)
    if not _separator_texts(found) and banded and scale > 1:
        found = read_codes(image, formats=PROJECT_FORMATS)
    texts = _separator_texts(found)
    if not texts:
        return _UnreadableSheet("分隔页无法识别：黑色标记条在，但条码与二维码都读不出") if banded else None
    readings = {parse_separator(text) for text in texts}
    codes = {r for r in readings if isinstance(r, SeparatorCode)}
    if len(codes) > 1:
        shown = "、".join(sorted(c.text for c in codes))
        return _UnreadableSheet(f"分隔页无法识别：页上的条码内容不一致（{shown}）")
    if codes:
        return _Sheet(codes.pop())
    damaged = next(r for r in readings if isinstance(r, UnreadableSeparator))
    return _UnreadableSheet(f"分隔页无法识别：{damaged.reason}")


def _separator_texts(found: Sequence[FoundCode]) -> list[str]:
    return [code.text for code in found if parse_separator(code.text) is not None]


# Band detection, on the page reduced to about a millimetre a pixel.
_DARK = 110  # a gray level below this is ink
_BAND_ROW = 0.85  # share of dark pixels that makes a row part of a band
_LIGHT_ROW = 0.30  # below this share a row is paper
_A4_WIDTH_MM = 210.0


def has_separator_bands(image: Image.Image) -> bool:
    """The page has the separator's black bands: one near the top and one near the bottom edge, each about
    `BAND_HEIGHT_MM` tall across the page, paper on both sides of each (a scanner's black border touches
    the edge, a band does not), and mostly paper between them (a black page is no separator).

    Distances are judged from the page's width taken as A4's 210 mm, so any resolution will do; the check
    looks the same for a sheet fed upside down."""
    image = gray(image)
    factor = max(1, image.width // 210)
    small = image.reduce(factor) if factor > 1 else image
    width, height = small.size
    if width < 40 or height < 40:
        return False
    rows_per_mm = width / _A4_WIDTH_MM
    ink = small.point([255 if level < _DARK else 0 for level in range(256)])
    middle = ink.crop((int(width * 0.1), 0, int(width * 0.9), height))
    shares = [value / 255 for value in middle.resize((1, height), Image.Resampling.BOX).tobytes()]
    runs = _dark_runs(shares)
    shortest, longest = 0.5 * BAND_HEIGHT_MM * rows_per_mm, 1.8 * BAND_HEIGHT_MM * rows_per_mm
    reach = (BAND_EDGE_MM + 3 * BAND_HEIGHT_MM) * rows_per_mm  # how far from its edge a band may lie
    bands = [(start, end) for start, end in runs if shortest <= end - start <= longest]
    top = next((b for b in bands if b[0] <= reach), None)
    bottom = next((b for b in reversed(bands) if b[1] >= height - reach), None)
    if top is None or bottom is None or top == bottom:
        return False
    if not (_paper_between(shares, 0, top[0]) and _paper_between(shares, bottom[1], height)):
        return False
    inside = shares[top[1] : bottom[0]]
    return bool(inside) and sum(inside) / len(inside) < 0.5


def _dark_runs(shares: Sequence[float]) -> list[tuple[int, int]]:
    """(start, end) of each run of band rows, end exclusive."""
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for row, share in enumerate([*shares, 0.0]):
        if share >= _BAND_ROW and start is None:
            start = row
        elif share < _BAND_ROW and start is not None:
            runs.append((start, row))
            start = None
    return runs


def _paper_between(shares: Sequence[float], start: int, end: int) -> bool:
    return any(share < _LIGHT_ROW for share in shares[start:end])
