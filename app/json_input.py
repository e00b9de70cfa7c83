"""JSON from outside the program: a file handed to `clerk`, a published catalog or calendar, a key directory.

Python's own `json.loads` answers hostile input with exceptions no caller expects: a document nested
100,000 deep raises RecursionError, a 5,000-digit integer a bare ValueError about `int_max_str_digits`;
`1e400` quietly becomes `inf` and `NaN` is taken. Here every such document is refused with
`JsonInputError` (a ValueError) whose message is Chinese and names the problem, so a caller's own
"not valid JSON" handling covers them all. Limits:
- nesting at most `MAX_DEPTH` levels (a request is 4 deep, a catalog 7);
- integers within the signed 64-bit range every database and the server store;
- numbers finite (no NaN, Infinity, or a float that overflows);
- text that is UTF-8; a file at most `max_bytes` (read no further than that).
"""

from __future__ import annotations

import errno
import json
import math
import sys
from pathlib import Path
from typing import Any, NoReturn

MAX_DEPTH = 32
MAX_INT_DIGITS = 19  # 2**63 - 1 has 19 digits; the range is checked after this cheap length test
INT_MIN, INT_MAX = -(2**63), 2**63 - 1


READ_REASONS = {errno.ENOENT: "文件不存在", errno.EACCES: "没有读取权限", errno.EPERM: "没有读取权限"}


class JsonInputError(ValueError):
    """JSON that cannot be used; the message (Chinese) names the problem."""


def _refuse(message: str) -> NoReturn:
    raise JsonInputError(message)


def _parse_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        _refuse(f"整数位数过多（{digits} 位），超出 64 位整数范围")
    value = int(text)
    if not INT_MIN <= value <= INT_MAX:
        _refuse(f"整数位数过多（{text}），超出 64 位整数范围")
    return value


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        _refuse(f"数值 {text[:40]} 超出范围")
    return value


def _parse_constant(name: str) -> Any:
    _refuse(f"不支持的数值 {name}（NaN、Infinity 不是 JSON 数值）")


def _depth_within(value: Any, limit: int) -> bool:
    """Iterative, so a deep document cannot exhaust the stack here either."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return False
        stack.extend((child, depth + 1) for child in children)
    return True


def loads(content: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """The document in `content`, or JsonInputError."""
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8")
        except UnicodeDecodeError as error:
            _refuse(f"不是有效的 JSON（不是 UTF-8 编码的文本，第 {error.start + 1} 个字节）")
    try:
        data = json.loads(
            content, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant
        )
    except RecursionError:
        _refuse(f"嵌套层数过深（最多 {max_depth} 层）")
    except json.JSONDecodeError as error:
        _refuse(f"不是有效的 JSON（第 {error.lineno} 行第 {error.colno} 列：{error.msg}）")
    if not _depth_within(data, max_depth):
        _refuse(f"嵌套层数过深（最多 {max_depth} 层）")
    return data


def read_bytes(source: str, *, what: str, max_bytes: int) -> bytes:
    """The bytes of the file `source` ("-": standard input), at most `max_bytes`; JsonInputError naming
    the file otherwise (missing, unreadable, a folder, too large)."""
    try:
        if source == "-":
            content = sys.stdin.buffer.read(max_bytes + 1)
        else:
            with Path(source).open("rb") as handle:
                content = handle.read(max_bytes + 1)
    except IsADirectoryError:
        _refuse(f"无法读取{what} {source}：这是文件夹，请指定文件")
    except OSError as error:
        _refuse(f"无法读取{what} {source}：{READ_REASONS.get(error.errno or 0, error.strerror)}")
    if len(content) > max_bytes:
        _refuse(f"{what} {source} 过大（超过 {max_bytes // 1024} KB），未读取")
    return content


def read_json_file(source: str, *, what: str, max_bytes: int, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON document in the file `source` ("-": standard input); JsonInputError naming the file and
    the problem otherwise."""
    content = read_bytes(source, what=what, max_bytes=max_bytes)
    try:
        return loads(content, max_depth=max_depth)
    except JsonInputError as error:
        raise JsonInputError(f"{what} {source} {error}") from None
