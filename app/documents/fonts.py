"""The shipped fonts for PDFs made with reportlab, with fallback glyph by glyph.

The counter PCs may have no CJK font at all and applicants' names use rare characters, so every
PDF embeds (subsets of) the fonts shipped in ``resources/fonts``, tried in this order:

1. ``wqy-microhei.ttc`` (subfont 0, WenQuanYi Micro Hei): Latin, digits, punctuation, common CJK;
   the primary font, used for everything it can draw.
2. ``HanaMinA.ttf``: CJK incl. Ext A (䶮) and the Plane 2 characters of JIS X 0213 (𠮷, 𪚥).
3. ``HanaMinB.ttf``: the rest of Plane 2 (Ext B-F, e.g. 𫖯).

Text is cut into runs of consecutive characters drawn with the same font (``FontChain.runs``); the
canvas helpers draw run by run and ``FontChain.markup`` wraps the non-primary runs in
``<font name=...>`` tags for a platypus ``Paragraph`` (whose style must use ``FontChain.primary``).
``FontChain.missing`` lists the characters no shipped font can draw, so the clerk is warned before
printing instead of finding empty boxes on paper.

reportlab embeds TrueType (glyf) outlines only; each font is checked when it is registered.

reportlab 5.1 writes the ToUnicode CMap of a subset with ``<%04X>``, which gives ``<20BB7>`` for 𠮷:
not valid (it must be the UTF-16 surrogate pair ``<D842DFB7>``), so text extraction, search and
copy & paste lose every Plane 2 character.  ``font_chain`` therefore wraps
``reportlab.pdfbase.ttfonts.makeToUnicodeCMap`` to rewrite those entries as surrogate pairs; the
wrapper is installed only if the installed reportlab still has the bug.
"""

from __future__ import annotations

import hashlib
import re
import struct
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics, ttfonts

# (file, reportlab font name, subfont index in a collection) in fallback order.
FONT_FILES: tuple[tuple[str, str, int], ...] = (
    ("wqy-microhei.ttc", "WQYMicroHei", 0),
    ("HanaMinA.ttf", "HanaMinA", 0),
    ("HanaMinB.ttf", "HanaMinB", 0),
)
_RESOURCE_FOLDER = "resources/fonts"
_SIZE_STEP = 0.5


class FontError(Exception):
    """A shipped font is missing, unreadable or not usable for PDFs (message for the clerk)."""


@dataclass(frozen=True)
class Run:
    """Consecutive characters drawn with one font."""

    font: str
    text: str


class FontChain:
    """Registered reportlab fonts in fallback order, with the code points each can draw."""

    def __init__(self, fonts: list[tuple[str, frozenset[int]]]) -> None:
        if not fonts:
            raise ValueError("FontChain needs at least one font")
        self.names: tuple[str, ...] = tuple(name for name, _ in fonts)
        self._fonts = tuple(fonts)
        self._coverage = dict(fonts)

    @property
    def primary(self) -> str:
        return self.names[0]

    def font_for(self, ch: str) -> str | None:
        """The first font that has a glyph for ``ch``; None if none has (control characters never do)."""
        if unicodedata.category(ch) == "Cc":
            return None
        code = ord(ch)
        for name, coverage in self._fonts:
            if code in coverage:
                return name
        return None

    def runs(self, text: str) -> list[Run]:
        """Maximal runs of characters drawn with the same font.

        Whitespace joins the current run (leading whitespace the first run) unless that run's font
        lacks it and another font has it; characters no font has go with the primary font.
        """
        runs: list[Run] = []
        font: str | None = None
        chars: list[str] = []
        leading: list[str] = []
        for ch in text:
            if ch.isspace():
                if font is None:
                    leading.append(ch)
                    continue
                if ord(ch) in self._coverage[font] or self.font_for(ch) is None:
                    chars.append(ch)
                    continue
            ch_font = self.font_for(ch) or self.primary
            if ch_font != font:
                if font is not None:
                    runs.append(Run(font, "".join(chars)))
                font, chars, leading = ch_font, [*leading, ch], []
            else:
                chars.append(ch)
        if font is not None:
            runs.append(Run(font, "".join(chars)))
        elif leading:
            runs.append(Run(self.primary, "".join(leading)))
        return runs

    def missing(self, text: str) -> list[str]:
        """Characters of ``text`` no font can draw, once each, in order of appearance; whitespace ignored."""
        seen: dict[str, None] = {}
        for ch in text:
            if ch not in seen and not ch.isspace() and self.font_for(ch) is None:
                seen[ch] = None
        return list(seen)

    def markup(self, text: str) -> str:
        """Paragraph markup: XML-escaped, non-primary runs in ``<font name=...>``, newlines as ``<br/>``."""
        lines = []
        for line in re.split(r"\r\n|\r|\n", text):
            parts = []
            for run in self.runs(line):
                escaped = escape(run.text)
                parts.append(
                    escaped if run.font == self.primary else f'<font name="{run.font}">{escaped}</font>'
                )
            lines.append("".join(parts))
        return "<br/>".join(lines)

    def string_width(self, text: str, size: float) -> float:
        """Width in points of ``text`` drawn at ``size`` with fallback."""
        return float(sum(pdfmetrics.stringWidth(run.text, run.font, size) for run in self.runs(text)))

    def draw_string(
        self, canvas: Any, x: float, y: float, text: str, *, size: float, align: str = "left"
    ) -> None:
        """Draw one line on a reportlab canvas, run by run; ``align`` places it left of, around or right of x.

        The canvas's current font is left as it was.
        """
        if align == "left":
            start = x
        elif align == "center":
            start = x - self.string_width(text, size) / 2
        elif align == "right":
            start = x - self.string_width(text, size)
        else:
            raise ValueError(f"align must be 'left', 'center' or 'right', not {align!r}")
        text_object = canvas.beginText(start, y)
        for run in self.runs(text):
            text_object.setFont(run.font, size)
            text_object.textOut(run.text)
        canvas.drawText(text_object)

    def fit_size(self, text: str, max_width: float, size: float, *, min_size: float) -> float:
        """The largest of size, size - 0.5, size - 1, ... at which ``text`` fits ``max_width``.

        Never below ``min_size`` (the text may then be wider than ``max_width``).
        """
        unit_width = self.string_width(text, 1.0)
        if unit_width <= 0 or self.string_width(text, size) <= max_width:
            return size
        # Widths scale linearly with the size: start a step above the estimate, then walk down.
        steps = max(0, int((size - max_width / unit_width) / _SIZE_STEP) - 1)
        candidate = size - steps * _SIZE_STEP
        while candidate > min_size and self.string_width(text, candidate) > max_width:
            candidate -= _SIZE_STEP
        return max(candidate, min_size)


_lock = threading.Lock()
_chains: dict[Path | None, FontChain] = {}


def font_chain(folder: Path | None = None) -> FontChain:
    """The shipped fonts registered with reportlab, once per process and folder.

    ``folder`` (tests) replaces ``resources/fonts``; fonts from it are registered under names with a
    suffix so they never replace the shipped ones.  Raises FontError if a font is missing or unusable.
    """
    key = None if folder is None else folder.resolve()
    with _lock:
        chain = _chains.get(key)
        if chain is None:
            chain = _chains[key] = _load_chain(key)
        return chain


def _load_chain(folder: Path | None) -> FontChain:
    _fix_tounicode_for_astral_planes()
    if folder is None:
        root: Traversable = resources.files("resources.fonts")
        shown = _RESOURCE_FOLDER
        suffix = ""
    else:
        root = folder
        shown = str(folder)
        suffix = "-" + hashlib.sha1(str(folder).encode("utf-8")).hexdigest()[:8]
    for file_name, _, _ in FONT_FILES:
        if not root.joinpath(file_name).is_file():
            raise FontError(f"缺少字体文件 {file_name}（{shown}），请重新安装窗口程序")
    fonts: list[tuple[str, frozenset[int]]] = []
    for file_name, font_name, subfont in FONT_FILES:
        font = _load_font(root.joinpath(file_name), file_name, shown, font_name + suffix, subfont)
        pdfmetrics.registerFont(font)
        coverage = frozenset(code for code, glyph in font.face.charToGlyph.items() if glyph)
        fonts.append((font.fontName, coverage))
    return FontChain(fonts)


def _load_font(entry: Traversable, file_name: str, shown: str, font_name: str, subfont: int) -> Any:
    try:
        with resources.as_file(entry) as path:
            font = ttfonts.TTFont(font_name, str(path), subfontIndex=subfont)
    except OSError as exc:
        raise FontError(f"无法读取字体文件 {file_name}（{shown}）：{exc}，请重新安装窗口程序") from exc
    except (ttfonts.TTFError, struct.error, ValueError, IndexError, KeyError) as exc:
        raise FontError(
            f"字体文件 {file_name}（{shown}）无法用于打印（需要可嵌入的 TrueType 字体）：{exc}，"
            "请重新安装窗口程序"
        ) from exc
    face = font.face
    if "glyf" not in face.table or "loca" not in face.table:
        raise FontError(
            f"字体文件 {file_name}（{shown}）不是 TrueType 轮廓字体，无法嵌入 PDF，请重新安装窗口程序"
        )
    if not face.charToGlyph:
        raise FontError(f"字体文件 {file_name}（{shown}）没有字符映射表，请重新安装窗口程序")
    return font


_SURROGATE_FIXED = "_window_clerk_astral_fix"


def _fix_tounicode_for_astral_planes() -> None:
    """Make reportlab's ToUnicode CMaps map Plane 1-16 characters as UTF-16 surrogate pairs."""
    original: Callable[[str, list[int]], str] = ttfonts.makeToUnicodeCMap
    if getattr(original, _SURROGATE_FIXED, False) or "<D842DFB7>" in original("probe", [0x20BB7]):
        return
    entry = re.compile(r"^(<[0-9A-F]{2}>) <([0-9A-F]{5,6})>$", re.MULTILINE)

    def surrogate_pair(match: re.Match[str]) -> str:
        return f"{match[1]} <{chr(int(match[2], 16)).encode('utf-16-be').hex().upper()}>"

    def make_to_unicode_cmap(fontname: str, subset: list[int]) -> str:
        return entry.sub(surrogate_pair, original(fontname, subset))

    setattr(make_to_unicode_cmap, _SURROGATE_FIXED, True)
    ttfonts.makeToUnicodeCMap = make_to_unicode_cmap
