"""Is a captured page worth keeping: blank, too dark or blurred, and is a material's page count below its
standard. Warnings only: the clerk may keep the page anyway (the window records the override with the
figures measured here).

The page is measured on a reduced grey copy (`WORK_LONG_SIDE` pixels on its longer side, about 94 dpi for
A4: strokes of 10.5 pt text are still two pixels wide, and a 300 dpi page is measured in ~15 ms on top of
decoding it). A margin is left out (a scanner's lid shadow, punched holes, a camera's desk edge). Ink is
what is clearly darker than the paper *around it*, so a camera's uneven lighting is not ink and a page in
shadow is not blank. The thresholds below were set from the project's own documents rendered at 300 dpi
(tests/test_page_quality.py makes each case): what each figure was on them is noted beside each one.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from PIL import Image, ImageChops, ImageFilter

from app.scanning.thumbnails import reduced

WORK_LONG_SIDE = 1100  # pixels
# Left out on every side, as a share of the side: 8 % of A4's 210 mm is 17 mm, past a punched hole
# (centred 12 mm in, 6 mm across) and a lid's shadow; a document's own margins are wider (GB/T 9704: 28 mm).
MARGIN = 0.08
# The paper's local level: the brightest pixel near each place (a max filter over BACKGROUND_WINDOW pixels of
# the page reduced BACKGROUND_REDUCTION times, i.e. ~11 mm), so a lighting gradient or a shadow follows it.
BACKGROUND_REDUCTION = 8
BACKGROUND_WINDOW = 5
# A pixel is ink when this much darker than its paper (0–255). Scanner noise is under 5 once averaged,
# the reverse's print showing through is 10–30, pencil 60 and up, print and pen 100 and up.
INK_DEPTH = 48
# Blank: less ink than this share of the page. A blank sheet with noise, a lid shadow, punched holes, the
# reverse showing through and 40 specks of dust measured 0.010 %; a page holding only "此页无正文" in 12 pt,
# 0.081 %.
BLANK_INK_SHARE = 0.0002
# The paper's brightness: this fraction of the page is darker than it.
PAPER_PERCENTILE = 0.9
# Too dark: the paper darker than this (0–255; 35 %). A scanned page's paper is 255, a document camera's
# photo in uneven light 227; a page dimmed to 40 % 102 (dim but legible: not warned), to 15 % 38 (an
# underexposed shot), a camera photo with its lid closed 13.
TOO_DARK_PAPER = 90
# Sharpness: the mean Laplacian response on the ink (the 8-neighbour kernel below, scaled by 1/4) over the
# ink's mean depth: how abruptly ink meets paper, whatever the ink's contrast. Scanned documents measured
# 0.66–0.78, a document camera's photos of them 0.54–0.65, a 1-bit scan 0.80, a page dimmed to 40 % 0.88;
# blurred by a Gaussian of radius 2 px at 300 dpi 0.35 (still easy to read; a photo 0.30), 3 px 0.19,
# 4 px 0.12 (a photo out of focus as much 0.10).
BLURRED_SHARPNESS = 0.25
_DARK_SIDE_LAPLACIAN = ImageFilter.Kernel((3, 3), [1, 1, 1, 1, -8, 1, 1, 1, 1], scale=4)
# Fewer ink pixels than this: too little to judge sharpness on.
MIN_INK_PIXELS = 50
_INK_MASK = [255 if depth >= INK_DEPTH else 0 for depth in range(256)]


class WarningCode(StrEnum):
    BLANK = "blank"
    TOO_DARK = "too_dark"
    BLURRED = "blurred"
    TOO_FEW_PAGES = "too_few_pages"


@dataclass(frozen=True)
class PageWarning:
    code: WarningCode
    message: str  # for the clerk, with the figure that made it


@dataclass(frozen=True)
class PageQuality:
    warnings: tuple[PageWarning, ...]
    # The figures measured, kept with an override. Shares and luminance are 0–1.
    mean_luminance: float
    paper_luminance: float
    ink_share: float
    sharpness: float | None  # None: too little ink to judge (a blank or too dark page)

    @property
    def codes(self) -> tuple[WarningCode, ...]:
        return tuple(warning.code for warning in self.warnings)


def _percentile(histogram: list[int], fraction: float) -> int:
    total = sum(histogram)
    reached = 0
    for value, count in enumerate(histogram):
        reached += count
        if reached >= fraction * total:
            return value
    return len(histogram) - 1


def _mean(histogram: list[int]) -> float:
    total = sum(histogram)
    return sum(value * count for value, count in enumerate(histogram)) / total if total else 0.0


def check_page(data: bytes) -> PageQuality:
    """What is wrong with a captured page (PNG or JPEG bytes), if anything: too dark, else blank, else
    blurred (one at most: a dark page's ink cannot be judged, a blank page has no sharpness). Raises
    CaptureError for a file that is not such an image."""
    gray = reduced(data, long_side=WORK_LONG_SIDE, gray=True)
    width, height = gray.size
    left, top = int(width * MARGIN), int(height * MARGIN)
    page = gray.crop((left, top, width - left, height - top))

    levels = page.histogram()
    mean_luminance = _mean(levels) / 255
    paper = _percentile(levels, PAPER_PERCENTILE)

    background = page.reduce(BACKGROUND_REDUCTION).filter(ImageFilter.MaxFilter(BACKGROUND_WINDOW))
    depth = ImageChops.subtract(background.resize(page.size, Image.Resampling.BILINEAR), page)
    ink = depth.point(_INK_MASK)
    depths = depth.histogram()
    ink_pixels = sum(depths[INK_DEPTH:])
    ink_share = ink_pixels / (page.width * page.height)

    sharpness = None
    if ink_pixels >= MIN_INK_PIXELS and paper >= TOO_DARK_PAPER:
        edges = page.filter(_DARK_SIDE_LAPLACIAN).histogram(mask=ink)
        sharpness = _mean(edges) / max(_mean(depth.histogram(mask=ink)), 1.0)

    warnings: list[PageWarning] = []
    if paper < TOO_DARK_PAPER:
        warnings.append(
            PageWarning(
                WarningCode.TOO_DARK,
                f"页面过暗：纸面亮度仅 {paper / 255:.0%}（正常应在 {TOO_DARK_PAPER / 255:.0%} 以上），"
                "请补光后重拍，或检查扫描仪盖板",
            )
        )
    elif ink_share < BLANK_INK_SHARE:
        warnings.append(
            PageWarning(
                WarningCode.BLANK,
                f"疑似空白页：有字迹的面积仅占 {ink_share * 100:.3f}%，请确认是否为空白页或背面",
            )
        )
    elif sharpness is not None and sharpness < BLURRED_SHARPNESS:
        warnings.append(
            PageWarning(
                WarningCode.BLURRED,
                f"页面模糊：文字清晰度 {sharpness * 100:.0f}（清晰的页面在 {BLURRED_SHARPNESS * 100:.0f} "
                "以上），请对焦后重拍或重新扫描",
            )
        )
    return PageQuality(
        warnings=tuple(warnings),
        mean_luminance=mean_luminance,
        paper_luminance=paper / 255,
        ink_share=ink_share,
        sharpness=sharpness,
    )


def count_warning(*, pages: int, standard_pages: int | None) -> PageWarning | None:
    """A warning when a material has fewer pages than its standard asks (None: the material has none)."""
    if pages < 0 or (standard_pages is not None and standard_pages < 0):
        raise ValueError(f"page counts cannot be negative: pages={pages}, standard_pages={standard_pages}")
    if standard_pages is None or pages >= standard_pages:
        return None
    return PageWarning(
        WarningCode.TOO_FEW_PAGES, f"页数少于规范要求：应不少于 {standard_pages} 页，实有 {pages} 页"
    )
