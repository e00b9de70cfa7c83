"""What the PDF draws besides text: the QR code, the Code 128 barcode, where the seal goes (with the date
under it, GB/T 9704) and where the cross-page seal (骑缝章) goes on a notice of more than one page."""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from app.codes import QUIET_ZONE_CODE128, QUIET_ZONE_QR, code128_modules, qr_matrix
from app.documents.fonts import FontChain

GUIDE_GREY = colors.HexColor("#9e9e9e")  # printed guides for the stamp: dashed, light
# The kind of seal a seal's name ends with; printed on its own line under the body's name.
SEAL_SUFFIXES = ("行政许可专用章", "行政审批专用章", "受理专用章", "专用章", "印章")
CROSS_PAGE_SEAL_RADIUS = 16 * mm
CROSS_PAGE_SEAL_LABEL = "骑缝章"


class QrFlowable(Flowable):  # type: ignore[misc]
    """A QR code drawn module by module (with its quiet zone) from app.codes data."""

    def __init__(self, text: str, side: float) -> None:
        super().__init__()
        self.matrix = qr_matrix(text)
        self.side = side
        self.hAlign = "CENTER"

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.side, self.side

    def draw(self) -> None:
        count = self.matrix.size + 2 * QUIET_ZONE_QR
        module = self.side / count
        canvas = self.canv
        canvas.setFillColor(colors.black)
        for y, row in enumerate(self.matrix.modules):
            for x, dark in enumerate(row):
                if dark:
                    canvas.rect(
                        (x + QUIET_ZONE_QR) * module,
                        self.side - (y + QUIET_ZONE_QR + 1) * module,
                        module,
                        module,
                        stroke=0,
                        fill=1,
                    )


class Code128Flowable(Flowable):  # type: ignore[misc]
    """A Code 128 barcode with its human-readable text underneath."""

    MODULE = 0.3 * mm  # bar module width aimed at: reads from paper with an ordinary counter scanner

    def __init__(
        self, text: str, *, max_width: float, height: float, chain: FontChain, font_size: float
    ) -> None:
        super().__init__()
        self.text = text
        self.modules = code128_modules(text)
        self.bar_width = min(max_width, (len(self.modules) + 2 * QUIET_ZONE_CODE128) * self.MODULE)
        self.bar_height = height
        self.chain = chain
        self.font_size = font_size
        self.hAlign = "CENTER"

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.bar_width, self.bar_height + self.font_size * 1.4

    def draw(self) -> None:
        count = len(self.modules) + 2 * QUIET_ZONE_CODE128
        module = self.bar_width / count
        canvas = self.canv
        canvas.setFillColor(colors.black)
        text_band = self.font_size * 1.4
        x = QUIET_ZONE_CODE128 * module
        run_start: float | None = None
        for bit in self.modules + "0":
            if bit == "1" and run_start is None:
                run_start = x
            elif bit == "0" and run_start is not None:
                canvas.rect(run_start, text_band, x - run_start, self.bar_height, stroke=0, fill=1)
                run_start = None
            x += module
        self.chain.draw_string(
            canvas, self.bar_width / 2, self.font_size * 0.3, self.text, size=self.font_size, align="center"
        )


class SealArea(Flowable):  # type: ignore[misc]
    """Where the seal goes: a dashed circle naming the seal; the date (成文日期) directly under it."""

    DATE_BAND = 13.0  # points under the circle for the date

    def __init__(self, seal_name: str, day_text: str, *, diameter: float, chain: FontChain) -> None:
        super().__init__()
        self.seal_name, self.day_text, self.diameter, self.chain = seal_name, day_text, diameter, chain
        self.lines = seal_lines(seal_name, chain, width=diameter * 0.78)
        self.hAlign = "RIGHT"

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.diameter, self.diameter + self.DATE_BAND

    def draw(self) -> None:
        canvas, d, band = self.canv, self.diameter, self.DATE_BAND
        centre_y = band + d / 2
        canvas.saveState()
        canvas.setStrokeColor(GUIDE_GREY)
        canvas.setDash(3, 2)
        canvas.circle(d / 2, centre_y, d / 2 - 1, stroke=1, fill=0)
        canvas.restoreState()
        y = centre_y + sum(size * 1.25 for _, size in self.lines) / 2 + 1
        for text, size in self.lines:
            y -= size * 1.25
            self.chain.draw_string(canvas, d / 2, y, text, size=size, align="center")
        canvas.saveState()
        canvas.setFillColor(GUIDE_GREY)
        self.chain.draw_string(canvas, d / 2, y - 10, "（盖章）", size=7, align="center")
        canvas.restoreState()
        self.chain.draw_string(canvas, d / 2, 2, self.day_text, size=9, align="center")


def seal_lines(name: str, chain: FontChain, *, width: float) -> list[tuple[str, float]]:
    """The seal's name as it is printed inside the circle: (line, size) pairs, one size, each line fitting
    `width`. One line when it fits at 7 pt; otherwise the body's name over the kind of seal (行政许可专用章),
    and a part that does not fit at 7 pt cut in two."""
    readable = 7.0
    if chain.string_width(name, readable) <= width:
        return [(name, chain.fit_size(name, width, 9, min_size=readable))]
    suffix = next((x for x in SEAL_SUFFIXES if name.endswith(x) and len(name) > len(x)), "")
    parts = [name[: len(name) - len(suffix)], suffix] if suffix else [name]
    lines: list[str] = []
    for part in parts:
        if chain.string_width(part, readable) > width:
            cut = _name_cut(part)
            lines += [part[:cut], part[cut:]]
        else:
            lines.append(part)
    size = min(chain.fit_size(line, width, 8, min_size=5.5) for line in lines)
    return [(line, size) for line in lines]


def _name_cut(name: str) -> int:
    """Where a body's name is cut in two lines: after its place (示例市 | 自然资源和规划局), else halfway."""
    places = [name.find(x) + 1 for x in "省市县区" if 1 < name.find(x) + 1 < len(name) - 1]
    return min(places) if places else (len(name) + 1) // 2


def draw_cross_page_seal(canvas: Canvas, chain: FontChain, *, page_width: float, y: float) -> None:
    """The place of the 骑缝章 on one page: a dashed half circle on the right edge at the same height on every
    page, so the seal stamped across the fanned-out pages leaves a part on each."""
    radius = CROSS_PAGE_SEAL_RADIUS
    canvas.saveState()
    canvas.setStrokeColor(GUIDE_GREY)
    canvas.setDash(3, 2)
    path = canvas.beginPath()
    path.arc(page_width - radius, y - radius, page_width + radius, y + radius, startAng=90, extent=180)
    canvas.drawPath(path, stroke=1, fill=0)
    canvas.setFillColor(GUIDE_GREY)
    size = 7.0
    top = y + len(CROSS_PAGE_SEAL_LABEL) * size * 1.15 / 2
    for index, char in enumerate(CROSS_PAGE_SEAL_LABEL):  # written top to bottom
        chain.draw_string(
            canvas, page_width - 6 * mm, top - (index + 1) * size * 1.15, char, size=size, align="center"
        )
    canvas.restoreState()
