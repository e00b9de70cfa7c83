"""Document numbers (文号): 机关简称 + 性质 + 〔年份〕 + 顺序号 + 号, e.g. 示政服受〔2026〕300001号.

Each window numbers offline, so the hall gives every window its own range of 顺序号 (文号段): block b holds
b×100000+1 … b×100000+99999 for each kind of document and year. Unless the window's settings name a block
(`document_serial_block`), it is the window's number in the hall: the digits of the window code after the
hall code (window SZX0103 of hall SZX01 → block 3 → 300001, 300002 …). A block that is used up is refused,
never reused. See README.md, 文书编号.
"""

from __future__ import annotations

import re

from app.documents.content import DocumentError

SERIALS_PER_BLOCK = 100_000
LAST_IN_BLOCK = SERIALS_PER_BLOCK - 1  # 99,999 numbers a block, kind and year
MAX_BLOCK = 9_999
SETTING = "document_serial_block"


class NumberingError(DocumentError):
    """The window cannot number a document (no block, or its block is used up)."""


def serial_block(*, setting: int | None, hall_code: str, window_code: str) -> int:
    """The window's block: the setting when set, else the window's number in the hall (see module doc)."""
    if setting is not None:
        block = setting
        source = f"设置 {SETTING}"
    else:
        rest = window_code[len(hall_code) :] if hall_code and window_code.startswith(hall_code) else ""
        digits = rest if rest.isdigit() else (re.search(r"\d+$", window_code) or [""])[0]
        if not digits:
            raise NumberingError(
                f"窗口编码 {window_code} 末尾没有窗口序号，无法确定本窗口的文号段：请在设置中指定 {SETTING}"
            )
        block = int(digits)
        source = f"窗口编码 {window_code}"
    if not 0 <= block <= MAX_BLOCK:
        raise NumberingError(
            f"文号段 {block}（取自{source}）无效：应为 0–{MAX_BLOCK}，请在设置中指定 {SETTING}"
        )
    return block


def block_range(block: int) -> tuple[int, int]:
    """The first and last 顺序号 of a block."""
    return block * SERIALS_PER_BLOCK + 1, block * SERIALS_PER_BLOCK + LAST_IN_BLOCK


def block_serial(block: int, index: int, *, what: str) -> int:
    """The index-th 顺序号 (1-based) of the block; NumberingError past its end (`what` names the series)."""
    first, last = block_range(block)
    if not 1 <= index <= LAST_IN_BLOCK:
        raise NumberingError(
            f"本窗口{what}的文号段（{first}–{last}号）已用完，不能再编号："
            f"请大厅为本窗口另分配文号段（设置 {SETTING}）"
        )
    return first + index - 1


def document_number(*, short_name: str, word: str, year: int, serial: int) -> str:
    """示政服受〔2026〕1号: no window code, no leading zeros."""
    return f"{short_name}{word}〔{year}〕{serial}号"


def counter_name(*, short_name: str, kind: str, year: int, block: int) -> str:
    """The serial counter a block's numbers of one kind and year are drawn from (db.models.Counter)."""
    return f"doc:{short_name}:{kind}:{year}:block{block}"
