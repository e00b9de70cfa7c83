"""Line breaking of Chinese text on paper: no line starts with closing punctuation, none ends with an opening
one, and a Latin word or number is not cut (unless it is longer than half a line).

reportlab's CJK wrapping (``wordWrap="CJK"``) knows only the Japanese list of characters that cannot start
a line, which lacks the full-width ``，；：！？`` and the closing quotes of Chinese text, and it lets such a
character hang into the margin (in a table cell: over the rule). Here a line is broken earlier instead, so
the character goes to the next line together with the one before it and nothing passes the margin.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reportlab.platypus import Paragraph as PdfParagraph
from reportlab.platypus.paragraph import ParaLines, _handleBulletWidth, cjkU, makeCJKParaLine
from reportlab.rl_config import _FUZZ

CANNOT_START = frozenset("，。、；：！？）］｝〕〉》」』】〗〙”’…‥·％‰℃°!),.:;?]}%")
CANNOT_END = frozenset("（［｛〔〈《「『【〖〘“‘([{")


def is_word_char(ch: str) -> bool:
    """Part of a Latin word, a number, a time or a code (10:00, 2026-11-20, SZX0103-0001Y): not cut."""
    return len(ch) == 1 and ord(ch) < 0x2000 and not ch.isspace() and ch != "·"


def break_allowed(chars: Sequence[str], at: int) -> bool:
    """May a line end before ``chars[at]``: by the punctuation rules, and not inside a word?"""
    before, after = chars[at - 1], chars[at]
    if after in CANNOT_START or before in CANNOT_END:
        return False
    return not (is_word_char(before) and is_word_char(after))


def next_line_start(chars: Sequence[str], start: int, over: int) -> int:
    """Where the next line begins when the line beginning at ``start`` has no room for ``chars[over]``.

    The latest break the rules allow; a word longer than half the line is cut where it overflows (still
    by the punctuation rules); when the rules leave no break at all the line is broken where it overflowed.
    A space that overflows ends the line it would not fit on.
    """
    if chars[over].isspace():
        return over + 1
    if over <= start + 1:
        return over  # one character wider than the line: it gets the line to itself
    half = (start + over) // 2
    for at in range(over, max(start, half), -1):
        if break_allowed(chars, at):
            return at
    for at in range(over, start, -1):
        if chars[at] not in CANNOT_START and chars[at - 1] not in CANNOT_END:
            return at
    return over


def split_lines(frags: list[Any], max_widths: list[float], calc_bounds: bool) -> Any:
    """``reportlab.platypus.paragraph.cjkFragSplit`` with the breaking rules above."""
    glyphs: list[Any] = []  # one cjkU (a str knowing its frag and width) a character; "" for a line break
    for frag in frags:
        text = frag.text.decode("utf8") if isinstance(frag.text, bytes) else frag.text
        if text:
            glyphs.extend(cjkU(ch, frag, "utf8") for ch in text)
        else:
            glyphs.append(cjkU(text, frag, "utf8"))
    chars = [str(g) for g in glyphs]
    lines: list[Any] = []
    start = 0
    while start < len(glyphs):
        max_width = max_widths[min(len(lines), len(max_widths) - 1)]
        used = 0.0
        end = start
        line_break = False
        while end < len(glyphs):
            if hasattr(glyphs[end].frag, "lineBreak"):
                line_break = True
                end += 1
                break
            if used + glyphs[end].width > max_width + _FUZZ and end > start:
                end = next_line_start(chars, start, end)
                break
            used += glyphs[end].width
            end += 1
        line = glyphs[start:end]
        width = sum(g.width for g in line)
        lines.append(makeCJKParaLine(line, max_width, width, max_width - width, line_break, calc_bounds))
        start = end
    return ParaLines(kind=1, lines=lines)


class CjkParagraph(PdfParagraph):  # type: ignore[misc]
    """A platypus Paragraph (style with ``wordWrap="CJK"``) broken into lines by the rules above."""

    def breakLinesCJK(self, maxWidths: Any) -> Any:
        if getattr(self, "_splitpara", 0) and hasattr(self, "blPara"):
            return self.blPara
        widths = list(maxWidths) if isinstance(maxWidths, list | tuple) else [maxWidths]
        style = self.style
        self.height = 0
        _handleBulletWidth(self.bulletText, style, widths)
        if not self.frags:
            return ParaLines(
                kind=0,
                fontSize=style.fontSize,
                fontName=style.fontName,
                textColor=style.textColor,
                lines=[],
                ascent=style.fontSize,
                descent=-0.2 * style.fontSize,
            )
        auto_leading = getattr(self, "autoLeading", getattr(style, "autoLeading", ""))
        return split_lines(self.frags, widths, auto_leading not in ("", "off"))
