"""Shipped fonts in PDFs: fallback glyph by glyph, missing-glyph warnings, PDFs read back with poppler."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfgen import canvas as pdf_canvas
from reportlab.platypus import Paragraph

from app.documents.fonts import FontChain, FontError, Run, font_chain

FONTS = Path(__file__).resolve().parent.parent / "resources" / "fonts"
SAMPLE = "申请人：李𠮷䶮 ABC-123（法人）"
WQY, HANA_A, HANA_B = "WQYMicroHei", "HanaMinA", "HanaMinB"
TANGUT_IN_HANA_A = "\U00017000"  # 𗀀, HanaMinA has a glyph for it
TANGUT_NOWHERE = "\U00017002"
BIANG = "\U00030edd"  # 𰻝, Ext G (Plane 3): no shipped font covers Plane 3

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
    reason="poppler-utils (pdftotext, pdftoppm) is not installed",
)


@pytest.fixture(scope="module")
def chain() -> FontChain:
    return font_chain()


def cmap(font_name: str) -> dict[int, int]:
    charmap: dict[int, int] = pdfmetrics.getFont(font_name).face.charToGlyph
    return charmap


# --- loading --------------------------------------------------------------------------------------


def test_all_three_shipped_fonts_load(chain: FontChain) -> None:
    assert chain.names == (WQY, HANA_A, HANA_B)
    assert chain.primary == WQY
    assert font_chain() is chain
    for name in chain.names:
        face = pdfmetrics.getFont(name).face
        assert "glyf" in face.table  # TrueType outlines: reportlab can embed them
    assert pdfmetrics.getFont(WQY).face.name == b"WenQuanYiMicroHei"  # subfont 0 of the collection


def test_coverage_of_the_sample_characters(chain: FontChain) -> None:
    wqy, hana_a, hana_b = cmap(WQY), cmap(HANA_A), cmap(HANA_B)
    # WQY Micro Hei: basic CJK only; practically no Ext A (2 code points) and nothing beyond the BMP.
    assert ord("李") in wqy and ord("䶮") not in wqy and ord("𠮷") not in wqy
    assert sum(1 for code in wqy if 0x3400 <= code <= 0x4DBF) < 10
    assert not any(code >= 0x20000 for code in wqy)
    # HanaMinA: Ext A and the Plane 2 characters of JIS X 0213 (𠮷, 𪚥), so 𠮷 is drawn with it.
    assert all(ord(ch) in hana_a for ch in "䶮𠮷𪚥𫖯")
    # HanaMinB: Plane 2 only (no Ext A); 𤭢 is one of the characters only it has.
    assert ord("𠮷") in hana_b and ord("䶮") not in hana_b
    assert ord("𤭢") in hana_b and ord("𤭢") not in hana_a
    assert [chain.font_for(ch) for ch in "李䶮𠮷𪚥𤭢A1：（"] == [WQY, HANA_A, HANA_A, HANA_A, HANA_B] + [
        WQY
    ] * 4


# --- runs -----------------------------------------------------------------------------------------


def test_runs_of_the_sample(chain: FontChain) -> None:
    assert chain.runs(SAMPLE) == [
        Run(WQY, "申请人：李"),
        Run(HANA_A, "𠮷䶮 "),  # the space joins the current run
        Run(WQY, "ABC-123（法人）"),
    ]


def test_runs_use_hanaminb_for_what_only_it_has(chain: FontChain) -> None:
    assert chain.runs("李𤭢𠮷") == [Run(WQY, "李"), Run(HANA_B, "𤭢"), Run(HANA_A, "𠮷")]


def test_runs_whitespace_and_unknown_characters(chain: FontChain) -> None:
    assert chain.runs("") == []
    assert chain.runs("   ") == [Run(WQY, "   ")]
    assert chain.runs("  䶮\u3000李") == [Run(HANA_A, "  䶮\u3000"), Run(WQY, "李")]
    assert chain.runs("䶮\t\n李") == [Run(HANA_A, "䶮\t\n"), Run(WQY, "李")]
    # A character no font has goes with the primary font (and .notdef is drawn).
    assert chain.runs(f"䶮{BIANG}A") == [Run(HANA_A, "䶮"), Run(WQY, f"{BIANG}A")]
    assert "".join(run.text for run in chain.runs(SAMPLE * 3)) == SAMPLE * 3


# --- missing --------------------------------------------------------------------------------------


def test_missing_lists_characters_no_font_has(chain: FontChain) -> None:
    assert chain.font_for(TANGUT_IN_HANA_A) == HANA_A  # so "abc\U00017000" has nothing missing
    assert chain.missing("abc" + TANGUT_IN_HANA_A) == []
    assert chain.font_for(TANGUT_NOWHERE) is None
    assert chain.missing("abc" + TANGUT_NOWHERE) == [TANGUT_NOWHERE]
    assert chain.missing(f"{BIANG}{BIANG}面 {TANGUT_NOWHERE}{BIANG}") == [BIANG, TANGUT_NOWHERE]
    assert chain.missing(SAMPLE + "𤭢𪚥") == []


def test_missing_ignores_whitespace_but_not_control_characters(chain: FontChain) -> None:
    assert chain.missing(" \t\r\n\u3000\u00a0") == []
    assert chain.missing("李\x00四\x07") == ["\x00", "\x07"]  # WQY maps U+0000, still missing
    assert chain.font_for("\x00") is None


def test_missing_is_fast(chain: FontChain) -> None:
    """Checking a whole form costs at most one glyph-set lookup per character and font: linear, whatever
    the machine (counted, not timed)."""
    lookups = 0

    class CountedCoverage(frozenset[int]):
        def __contains__(self, code: object) -> bool:
            nonlocal lookups
            lookups += 1
            return super().__contains__(code)

    coverage = {name: frozenset(code for code, glyph in cmap(name).items() if glyph) for name in chain.names}
    counted = FontChain([(name, CountedCoverage(coverage[name])) for name in chain.names])
    fields = [SAMPLE * 10 + str(i) for i in range(1000)]  # 220 000 characters
    for field in fields:
        assert counted.missing(field) == chain.missing(field) == []
    assert 0 < lookups <= len(chain.names) * sum(len(field) for field in fields)


# --- markup, widths, sizes ------------------------------------------------------------------------


def test_markup(chain: FontChain) -> None:
    assert chain.markup(SAMPLE) == '申请人：李<font name="HanaMinA">𠮷䶮 </font>ABC-123（法人）'
    assert chain.markup("A<B>&C\n𤭢\r\n") == 'A&lt;B&gt;&amp;C<br/><font name="HanaMinB">𤭢</font><br/>'
    assert chain.markup("") == ""


def test_string_width_is_the_sum_over_runs(chain: FontChain) -> None:
    expected = sum(pdfmetrics.stringWidth(run.text, run.font, 12) for run in chain.runs(SAMPLE))
    assert chain.string_width(SAMPLE, 12) == pytest.approx(expected)
    # Full-width characters are 1 em in every font; 𠮷 in the primary font would be .notdef instead.
    assert chain.string_width("李𠮷䶮", 10) == pytest.approx(30)


def test_fit_size(chain: FontChain) -> None:
    width = chain.string_width(SAMPLE, 12)
    assert chain.fit_size(SAMPLE, width, 12, min_size=5) == 12
    assert chain.fit_size(SAMPLE, width + 100, 12, min_size=5) == 12
    size = chain.fit_size(SAMPLE, width * 0.6, 12, min_size=5)
    assert size == 7  # 12 * 0.6 = 7.2 -> 7.0 on the 0.5 grid
    assert chain.string_width(SAMPLE, size) <= width * 0.6 < chain.string_width(SAMPLE, size + 0.5)
    assert chain.fit_size(SAMPLE, 10, 12, min_size=5) == 5
    assert chain.fit_size("", 0, 12, min_size=5) == 12
    assert chain.fit_size(SAMPLE, width * 0.52, 11.75, min_size=1) == 5.75  # 6.24 -> grid from 11.75


class RecordingCanvas:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def beginText(self, x: float, y: float) -> RecordingCanvas:  # reportlab's names
        self.calls.append(("beginText", x, y))
        return self

    def setFont(self, name: str, size: float) -> None:
        self.calls.append(("setFont", name, size))

    def textOut(self, text: str) -> None:
        self.calls.append(("textOut", text))

    def drawText(self, text_object: object) -> None:
        self.calls.append(("drawText",))


@pytest.mark.parametrize(("align", "offset"), [("left", 0.0), ("center", -0.5), ("right", -1.0)])
def test_draw_string_alignment(chain: FontChain, align: str, offset: float) -> None:
    canvas = RecordingCanvas()
    chain.draw_string(canvas, 100, 50, SAMPLE, size=10, align=align)
    width = chain.string_width(SAMPLE, 10)
    assert canvas.calls[0] == ("beginText", pytest.approx(100 + offset * width), 50)
    assert canvas.calls[1:] == [
        ("setFont", WQY, 10),
        ("textOut", "申请人：李"),
        ("setFont", HANA_A, 10),
        ("textOut", "𠮷䶮 "),
        ("setFont", WQY, 10),
        ("textOut", "ABC-123（法人）"),
        ("drawText",),
    ]


def test_draw_string_rejects_unknown_alignment(chain: FontChain) -> None:
    with pytest.raises(ValueError, match="align"):
        chain.draw_string(RecordingCanvas(), 0, 0, "x", size=10, align="justify")


# --- real PDFs ------------------------------------------------------------------------------------

SIZE = 24
X, Y = 50.0, 700.0  # baseline of the draw_string line
PARAGRAPH_TOP = 600.0


def make_pdf(path: Path, chain: FontChain, *, fallback: bool) -> None:
    """The sample drawn with draw_string and as a Paragraph; fallback=False uses the primary font only."""
    canvas = pdf_canvas.Canvas(str(path), pagesize=A4)
    if fallback:
        chain.draw_string(canvas, X, Y, SAMPLE, size=SIZE)
        markup = chain.markup(SAMPLE + "\n第二行 <&> 𤭢")
    else:
        canvas.setFont(chain.primary, SIZE)
        canvas.drawString(X, Y, SAMPLE)
        markup = escape(SAMPLE) + "<br/>" + escape("第二行 <&> 𤭢")  # no <font> tags
    style = ParagraphStyle("body", fontName=chain.primary, fontSize=SIZE, leading=SIZE * 1.4)
    paragraph = Paragraph(markup, style)
    _, height = paragraph.wrapOn(canvas, 500, 300)
    paragraph.drawOn(canvas, X, PARAGRAPH_TOP - height)
    canvas.showPage()
    canvas.save()


def pdf_text(path: Path) -> str:
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, timeout=60
    )
    return done.stdout.decode("utf-8")


def render(path: Path) -> Image.Image:
    subprocess.run(
        ["pdftoppm", "-r", "100", "-png", "-singlefile", str(path), str(path.with_suffix(""))],
        check=True,
        timeout=60,
    )
    with Image.open(path.with_suffix(".png")) as image:
        return image.convert("L")


def ink(image: Image.Image, box_pt: tuple[float, float, float, float]) -> int:
    """Dark pixels in a box given in PDF points (left, bottom, right, top) on an A4 page at 100 dpi."""
    scale = 100 / 72
    left, bottom, right, top = box_pt
    crop = image.crop(
        (
            round(left * scale),
            round((A4[1] - top) * scale),
            round(right * scale),
            round((A4[1] - bottom) * scale),
        )
    )
    return sum(crop.histogram()[:128])


@needs_poppler
def test_pdf_text_can_be_extracted(chain: FontChain, tmp_path: Path) -> None:
    path = tmp_path / "sample.pdf"
    make_pdf(path, chain, fallback=True)
    text = pdf_text(path)
    lines = [line for line in text.splitlines() if line.strip()]
    # Once from draw_string, once from the Paragraph; Plane 2 characters survive the ToUnicode map.
    assert lines[:3] == [SAMPLE, SAMPLE, "第二行 <&> 𤭢"]
    assert text.count("李𠮷䶮") == 2
    assert text.count("ABC-123（法人）") == 2


@needs_poppler
def test_pdf_embeds_the_fallback_fonts(chain: FontChain, tmp_path: Path) -> None:
    path = tmp_path / "sample.pdf"
    make_pdf(path, chain, fallback=True)
    fonts = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, check=True, timeout=60
    ).stdout.decode()
    embedded = [
        line.split()[0] for line in fonts.splitlines()[2:] if "TrueType" in line and " yes yes yes " in line
    ]
    assert sorted(name.split("+", 1)[1] for name in embedded) == [
        "HanaMinA",
        "HanaMinB",
        "WenQuanYiMicroHei-0",
    ]


@needs_poppler
def test_rare_characters_are_drawn(chain: FontChain, tmp_path: Path) -> None:
    with_fallback, primary_only = tmp_path / "fallback.pdf", tmp_path / "primary.pdf"
    make_pdf(with_fallback, chain, fallback=True)
    make_pdf(primary_only, chain, fallback=False)
    drawn, plain = render(with_fallback), render(primary_only)
    # draw_string line: the box of each rare character, from the widths of what precedes it.
    start = X + chain.string_width("申请人：李", SIZE)
    for index, ch in enumerate("𠮷䶮"):
        left = start + index * SIZE
        box = (left + 1, Y - 0.15 * SIZE, left + SIZE - 1, Y + 0.85 * SIZE)
        assert ink(drawn, box) > 0.08 * (SIZE * 100 / 72) ** 2, ch  # a real glyph
        assert ink(plain, box) < ink(drawn, box) / 4, ch  # WQY's .notdef is blank
    # Neighbours drawn with the primary font are the same in both files.
    li = (start - SIZE, Y - 0.15 * SIZE, start, Y + 0.85 * SIZE)
    assert ink(drawn, li) == ink(plain, li) > 0
    # Paragraph: its first line holds 𠮷䶮 at the same x; the second line ends with 𤭢.
    paragraph = (X, PARAGRAPH_TOP - 2 * 1.4 * SIZE, X + 500, PARAGRAPH_TOP)
    assert ink(drawn, paragraph) > ink(plain, paragraph)
    first_line_baseline = PARAGRAPH_TOP - SIZE  # reportlab puts the first baseline one font size down
    box = (
        start + 1,
        first_line_baseline - 0.15 * SIZE,
        start + 2 * SIZE - 1,
        first_line_baseline + 0.85 * SIZE,
    )
    assert ink(drawn, box) > 2 * 0.08 * (SIZE * 100 / 72) ** 2
    assert ink(plain, box) < ink(drawn, box) / 4


def test_tounicode_map_uses_surrogate_pairs(chain: FontChain) -> None:
    cmap_text = ttfonts.makeToUnicodeCMap("X", [0, 0x41, 0x674E, 0x20BB7])
    assert "<01> <0041>" in cmap_text and "<02> <674E>" in cmap_text
    assert "<03> <D842DFB7>" in cmap_text


# --- errors ---------------------------------------------------------------------------------------


def test_missing_font_file_raises_font_error(tmp_path: Path) -> None:
    shutil.copyfile(FONTS / "wqy-microhei.ttc", tmp_path / "wqy-microhei.ttc")
    shutil.copyfile(FONTS / "HanaMinA.ttf", tmp_path / "HanaMinA.ttf")
    with pytest.raises(FontError, match=r"缺少字体文件 HanaMinB\.ttf") as info:
        font_chain(tmp_path)
    assert "请重新安装窗口程序" in str(info.value)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"OTTO" + bytes(8), "postscript outlines"),
        (b"junk", "TrueType"),
        (b"", "TrueType"),
        (None, "TrueType"),
    ],
)
def test_unusable_font_file_raises_font_error(tmp_path: Path, content: bytes | None, reason: str) -> None:
    for name in ("wqy-microhei.ttc", "HanaMinA.ttf"):
        (tmp_path / name).symlink_to(FONTS / name)
    if content is None:  # a truncated real font
        content = (FONTS / "HanaMinB.ttf").read_bytes()[:1000]
    (tmp_path / "HanaMinB.ttf").write_bytes(content)
    with pytest.raises(FontError, match=r"字体文件 HanaMinB\.ttf.*无法用于打印") as info:
        font_chain(tmp_path)
    assert reason in str(info.value)


def test_other_folder_registers_under_its_own_names(chain: FontChain, tmp_path: Path) -> None:
    for name in ("wqy-microhei.ttc", "HanaMinA.ttf", "HanaMinB.ttf"):
        (tmp_path / name).symlink_to(FONTS / name)
    other = font_chain(tmp_path)
    assert other is font_chain(tmp_path)
    assert other is not chain
    assert all(a != b and a.startswith(b + "-") for a, b in zip(other.names, chain.names, strict=True))
    assert other.runs(SAMPLE)[1] == Run(other.names[1], "𠮷䶮 ")
    assert font_chain().names == (WQY, HANA_A, HANA_B)
