"""argparse speaking Chinese: usage, section titles, -h, and the parser's own error messages.

Both command lines (`clerk`, `clerk-server`) build their parsers from `ChineseArgumentParser`, so what a
hall's staff read when they mistype a command is Chinese like the rest of the output.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable, Sequence
from typing import Any, NoReturn

_TYPE_WORD = {"int": "整数", "float": "数字"}

# argparse's own messages (Python 3.11–3.13 wording), as formatted when they reach `error`.
_MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"the following arguments are required: (.+)", r"缺少必需的参数：\1"),
        (r"argument (.+?): invalid choice: (.+?) \(choose from (.+)\)", r"参数 \1 的值 \2 无效，可选：\3"),
        (r"argument (.+?): expected one argument", r"参数 \1 后面需要一个值"),
        (r"argument (.+?): expected at least one argument", r"参数 \1 后面至少需要一个值"),
        (r"argument (.+?): expected at most one argument", r"参数 \1 后面至多一个值"),
        (r"argument (.+?): not allowed with argument (.+)", r"参数 \1 不能与 \2 同时使用"),
        (r"argument (.+?): ignored explicit argument (.+)", r"参数 \1 不接受值 \2"),
        (r"unrecognized arguments: (.+)", r"无法识别的参数：\1"),
        (r"ambiguous option: (.+?) could match (.+)", r"选项 \1 不明确，可能是：\2"),
        (r"one of the arguments (.+) is required", r"须给出以下参数之一：\1"),
        # Last: a type function's own (Chinese) message, raised as ArgumentTypeError.
        (r"argument (.+?): (.+)", r"参数 \1：\2"),
    )
)
_INVALID_TYPE = re.compile(r"argument (.+?): invalid (\w+) value: (.+)")


def translate_error(message: str) -> str:
    """argparse's English error message in Chinese; anything else (our own messages) unchanged."""
    invalid = _INVALID_TYPE.fullmatch(message)
    if invalid:
        name, kind, value = invalid.groups()
        return f"参数 {name} 的值 {value} 无效，应为{_TYPE_WORD.get(kind, kind)}"
    for pattern, replacement in _MESSAGES:
        if pattern.fullmatch(message):
            return pattern.sub(replacement, message)
    return message


class ChineseHelpFormatter(argparse.HelpFormatter):
    def add_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[argparse._MutuallyExclusiveGroup],
        prefix: str | None = None,
    ) -> None:
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)


class ChineseArgumentParser(argparse.ArgumentParser):
    def __init__(
        self, *, add_help: bool = True, parents: Sequence[argparse.ArgumentParser] = (), **kwargs: Any
    ) -> None:
        kwargs.setdefault("formatter_class", ChineseHelpFormatter)
        super().__init__(add_help=False, **kwargs)
        # Titles first, then the parents' arguments: their groups join ours by title.
        self._positionals.title = "位置参数"
        self._optionals.title = "选项"
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="显示帮助并退出")
        for parent in parents:
            self._add_container_actions(parent)
            self._defaults.update(parent._defaults)

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}：错误：{translate_error(message)}\n")
