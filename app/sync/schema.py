"""The parts an event schema is made of (`app.sync.events` holds the schema of each kind).

A spec checks one value at a path and adds a `Problem` (the path and what is wrong, in Chinese) for each
thing wrong with it. `Record` is closed: it refuses fields it does not declare, and it descends only into
what it declares, so a schema's depth bounds the depth of what passes. No spec accepts a fraction: a float
is refused, and said so when it is 1e400, NaN or Infinity; integers stay within ±2^53.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from app.sync.wire import MAX_LIST_ITEMS, MAX_PAYLOAD_DEPTH, MAX_SAFE_INTEGER

_SHOWN_CHARS = 40
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
# NUL and unpaired surrogates no database keeps; other control characters (but tab and line breaks)
# have no business in what a clerk or the program writes.
_BAD_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_NOT_FINITE = "不是有限数值（如 1e400、NaN、Infinity），无法保存"
_TOO_BIG = f"整数超出范围（绝对值须不超过 {MAX_SAFE_INTEGER}）"


@dataclass(frozen=True)
class Problem:
    path: str  # "payload.applicant.id_override_reason", "device_time", "event"
    message: str  # Chinese, says what is wrong

    def __str__(self) -> str:
        return f"{self.path}：{self.message}"


class UnreadableNumber:
    """An integer with too many digits to read (a JSON reader's stand-in for it): always refused."""

    __slots__ = ("digits",)

    def __init__(self, digits: int) -> None:
        self.digits = digits

    def __repr__(self) -> str:
        return f"UnreadableNumber({self.digits} digits)"


def shown(text: str) -> str:
    """`text` fit to quote in a message: shortened, and escaped if it holds what cannot travel as UTF-8."""
    short = text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS] + "…"
    return short if _BAD_CHARACTER.search(short) is None else short.encode("unicode_escape").decode("ascii")


def _depth(value: Any, limit: int) -> int:
    """How deep lists and objects nest in `value`, counted no further than `limit` + 1 (no recursion)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level > limit:
                return level
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


def describe(value: Any) -> str:
    """What a value is, in a message: its JSON type, and what is wrong with it when that is the point."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "真假值"
    if isinstance(value, int):
        return _TOO_BIG if abs(value) > MAX_SAFE_INTEGER else "整数"
    if isinstance(value, float):
        return _NOT_FINITE if not math.isfinite(value) else "小数"
    if isinstance(value, UnreadableNumber):
        return f"位数过多的整数（{value.digits} 位），无法读取"
    if isinstance(value, str):
        return "文本"
    if isinstance(value, dict | list):
        noun = "对象" if isinstance(value, dict) else "列表"
        if _depth(value, MAX_PAYLOAD_DEPTH) > MAX_PAYLOAD_DEPTH:
            return f"嵌套超过 {MAX_PAYLOAD_DEPTH} 层的{noun}"
        return noun
    return type(value).__name__


def wrong_type(path: str, value: Any, expected: str, problems: list[Problem]) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        problems.append(Problem(path, _NOT_FINITE))
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_SAFE_INTEGER:
        problems.append(Problem(path, _TOO_BIG))
    else:
        problems.append(Problem(path, f"应为{expected}，实为{describe(value)}"))


# -- the parts a schema is made of --------------------------------------------------------------------
class Spec(Protocol):
    def check(self, value: Any, path: str, problems: list[Problem]) -> None: ...

    def depth(self) -> int: ...


@dataclass(frozen=True)
class Text:
    max_chars: int
    min_chars: int = 1
    choices: frozenset[str] | None = None
    rule: Callable[[str], object] | None = None  # truthy for a value in the right form
    form: str = ""  # the right form, as the message says it

    def check(self, value: Any, path: str, problems: list[Problem]) -> None:
        if not isinstance(value, str):
            wrong_type(path, value, "文本", problems)
            return
        length = len(value)
        if length > self.max_chars:
            problems.append(Problem(path, f"过长：共 {length} 个字符，最多 {self.max_chars} 个"))
            return
        if length < self.min_chars:
            problems.append(
                Problem(path, "不能为空" if self.min_chars == 1 else f"至少 {self.min_chars} 个字符")
            )
            return
        bad = _BAD_CHARACTER.search(value)
        if bad is not None:
            if bad.group() == "\x00" or "\ud800" <= bad.group() <= "\udfff":
                problems.append(Problem(path, "含有无法保存的字符（空字符或不成对的代理项）"))
            else:
                problems.append(Problem(path, f"含有控制字符（U+{ord(bad.group()):04X}）"))
            return
        if self.choices is not None and value not in self.choices:
            allowed = "、".join(sorted(self.choices))
            problems.append(Problem(path, f"应为以下之一：{allowed}；实为“{shown(value)}”"))
        elif self.rule is not None and not self.rule(value):
            problems.append(Problem(path, f"格式不对：应为{self.form}，实为“{shown(value)}”"))

    def depth(self) -> int:
        return 0


def choice(values: Any) -> Text:
    """One of the values of an enum (or a collection of strings)."""
    allowed = frozenset(str(v) for v in values)
    return Text(max(len(v) for v in allowed), choices=allowed)


@dataclass(frozen=True)
class Integer:
    low: int
    high: int

    def check(self, value: Any, path: str, problems: list[Problem]) -> None:
        if type(value) is not int or abs(value) > MAX_SAFE_INTEGER:
            wrong_type(path, value, "整数", problems)
        elif not self.low <= value <= self.high:
            problems.append(Problem(path, f"数值 {value} 超出范围（应在 {self.low}–{self.high} 之间）"))

    def depth(self) -> int:
        return 0


@dataclass(frozen=True)
class Flag:
    def check(self, value: Any, path: str, problems: list[Problem]) -> None:
        if not isinstance(value, bool):
            wrong_type(path, value, "真假值（true 或 false）", problems)

    def depth(self) -> int:
        return 0


@dataclass(frozen=True)
class Day:
    """A calendar day written YYYY-MM-DD."""

    def check(self, value: Any, path: str, problems: list[Problem]) -> None:
        if not isinstance(value, str):
            wrong_type(path, value, "日期（YYYY-MM-DD）", problems)
            return
        if _DAY.fullmatch(value) is None or parse_day(value) is None:
            problems.append(Problem(path, f"应为日期（YYYY-MM-DD），实为“{shown(value)}”"))

    def depth(self) -> int:
        return 0


@dataclass(frozen=True)
class Moment:
    """A moment in UTC, ISO 8601 (`2026-11-20T02:00:00Z`)."""

    def check(self, value: Any, path: str, problems: list[Problem]) -> None:
        if not isinstance(value, str):
            wrong_type(path, value, "UTC 时间（ISO 8601）", problems)
        elif parse_utc(value) is None:
            problems.append(
                Problem(path, f"应为 UTC 时间（ISO 8601，如 2026-11-20T02:00:00Z），实为“{shown(value)}”")
            )

    def depth(self) -> int:
        return 0


@dataclass(frozen=True)
class Field:
    spec: Spec
    required: bool = True  # False: an older window may leave it out
    nullable: bool = False


_MISSING = object()


@dataclass(frozen=True)
class Record:
    """A JSON object with exactly these fields (closed: any other field is refused)."""

    fields: Mapping[str, Field]
    # Derived, for speed: every event the server stores goes through `check`.
    _names: frozenset[str] = field(init=False, repr=False, compare=False)
    _steps: tuple[tuple[str, Spec, bool, bool], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        steps = tuple((n, f.spec, f.required, f.nullable) for n, f in self.fields.items())
        object.__setattr__(self, "_names", frozenset(self.fields))
        object.__setattr__(self, "_steps", steps)

    def check(self, value: Any, path: str, problems: list[Problem]) -> None:
        if not isinstance(value, dict):
            wrong_type(path, value, "对象", problems)
            return
        for name, spec, is_required, is_nullable in self._steps:
            item = value.get(name, _MISSING)
            if item is None or item is _MISSING:
                if item is _MISSING and is_required:
                    problems.append(Problem(f"{path}.{name}", "缺少字段"))
                elif item is None and not is_nullable:
                    problems.append(Problem(f"{path}.{name}", "不能为 null"))
                continue
            spec.check(item, path + "." + name, problems)
        if not value.keys() <= self._names:
            for name, item in value.items():
                if name not in self.fields:
                    key = shown(name) if isinstance(name, str) else repr(name)
                    problems.append(Problem(f"{path}.{key}", f"未知字段（{describe(item)}）"))

    def depth(self) -> int:
        return 1 + max((f.spec.depth() for f in self.fields.values()), default=0)


@dataclass(frozen=True)
class ListOf:
    item: Spec
    max_items: int = MAX_LIST_ITEMS

    def check(self, value: Any, path: str, problems: list[Problem]) -> None:
        if not isinstance(value, list):
            wrong_type(path, value, "列表", problems)
            return
        if len(value) > self.max_items:
            problems.append(Problem(path, f"过长：共 {len(value)} 项，最多 {self.max_items} 项"))
            return
        for index, item in enumerate(value):
            self.item.check(item, f"{path}[{index}]", problems)

    def depth(self) -> int:
        return 1 + self.item.depth()


@dataclass(frozen=True)
class TextMap:
    """A JSON object of short texts under short text names (a certificate's licence fields): at most
    `max_items` entries, each name and value checked by its spec."""

    key: Text
    value: Text
    max_items: int

    def check(self, value: Any, path: str, problems: list[Problem]) -> None:
        if not isinstance(value, dict):
            wrong_type(path, value, "对象", problems)
            return
        if len(value) > self.max_items:
            problems.append(Problem(path, f"过多：共 {len(value)} 项，最多 {self.max_items} 项"))
            return
        for name, item in value.items():
            before = len(problems)
            self.key.check(name, f"{path}（名称）", problems)
            if len(problems) == before:
                self.value.check(item, f"{path}.{name}", problems)

    def depth(self) -> int:
        return 1


def required(spec: Spec) -> Field:
    return Field(spec)


def nullable(spec: Spec) -> Field:
    return Field(spec, nullable=True)


def optional(spec: Spec, *, null: bool = False) -> Field:
    return Field(spec, required=False, nullable=null)


def parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse_utc(text: str) -> datetime | None:
    """The moment of an ISO 8601 UTC text (`Z` or `+00:00`), aware; None for anything else."""
    if len(text) > 40:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None or moment.utcoffset() != timedelta(0):
        return None
    return moment
