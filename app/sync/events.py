"""What an event of each kind may hold: one schema per kind, read by the window and the server alike.

The window checks an event here before it writes it to its outbox, so the clerk hears about a field that
would not do while the applicant is still at the counter; the server checks every event here before it
stores anything of it, and refuses a bad one alone (it goes to the window's dead letters). Both read the
limits from `app.sync.wire`.

What the schema refuses, and why:
- a field the kind does not have, and a kind the schema does not know. The server stores only what it has
  checked, so a newer window's new field or kind needs the newer server first (the region's one server is
  upgraded before its windows); until then such an event waits in the dead letters;
- a value of another type, a text too long or with characters a database cannot keep (NUL, an unpaired
  surrogate) or control characters, a value outside the allowed ones (a decision, a status, a form ...),
  a date that is not YYYY-MM-DD, a time that is not UTC;
- numbers that JSON readers disagree on: no payload field is a fraction, so every float is refused, and
  said so when it is 1e400, NaN or Infinity; integers stay within their field's range, all within
  ±2^53. A schema descends only into what it declares, so its depth bounds the payload's depth;
- an event larger than `wire.MAX_EVENT_BYTES` as JSON, after its content passed (`too_large`).

Older shapes found in the wild stay valid: an agent without `id_type` (a resident ID, before 证件类型), a
`certificate.issued` with only the first five fields (before the whole certificate travelled).
"""

from __future__ import annotations

import json
import math
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from app.case_number import CaseNumberError, is_valid_window_code, parse_case_number
from app.catalog import ApplicantKind, Form
from app.completeness import STATUS_BY_OUTCOME, Outcome, Rule, Verdict
from app.documents.content import DocumentKind
from app.documents.layout import Layout
from app.identity_documents import IdKind
from app.sync.wire import (
    EARLIEST_DEVICE_TIME,
    LOGIN_PATTERN,
    MAX_CLERK_TEXT_CHARS,
    MAX_CLOCK_AHEAD_SECONDS,
    MAX_COPIES,
    MAX_EVENT_BYTES,
    MAX_LIST_ITEMS,
    MAX_MESSAGE_CHARS,
    MAX_NAME_CHARS,
    MAX_PAGES,
    MAX_PAYLOAD_DEPTH,
    MAX_SAFE_INTEGER,
    WireEvent,
)

DECIDED = "case.decided"
PRINTED = "document.printed"
REPRINTED = "document.reprinted"
ISSUED = "certificate.issued"
HANDED_OVER = "certificate.handed_over"

MAX_PROBLEMS_SHOWN = 5
_SHOWN_CHARS = 40
_LOGIN = re.compile(LOGIN_PATTERN)
_SHA256 = re.compile(r"[0-9a-f]{64}")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
# NUL and unpaired surrogates no database keeps; other control characters (but tab and line breaks)
# have no business in what a clerk or the program writes.
_BAD_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_EARLIEST = datetime.fromisoformat(EARLIEST_DEVICE_TIME)
_CLOCK_AHEAD = timedelta(seconds=MAX_CLOCK_AHEAD_SECONDS)
_NOT_FINITE = "不是有限数值（如 1e400、NaN、Infinity），无法保存"
_TOO_BIG = f"整数超出范围（绝对值须不超过 {MAX_SAFE_INTEGER}）"


@dataclass(frozen=True)
class Problem:
    path: str  # "payload.applicant.id_override_reason", "device_time", "event"
    message: str  # Chinese, says what is wrong

    def __str__(self) -> str:
        return f"{self.path}：{self.message}"


@dataclass(frozen=True)
class Refusal:
    """Why an event cannot be stored: `code` as in `wire.Rejection` ("invalid" or "too_large")."""

    code: str
    problems: tuple[Problem, ...]

    @property
    def message(self) -> str:
        shown = "；".join(str(p) for p in self.problems[:MAX_PROBLEMS_SHOWN])
        rest = len(self.problems) - MAX_PROBLEMS_SHOWN
        return f"{shown}；另有 {rest} 处问题" if rest > 0 else shown


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


def _wrong_type(path: str, value: Any, expected: str, problems: list[Problem]) -> None:
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
            _wrong_type(path, value, "文本", problems)
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
            _wrong_type(path, value, "整数", problems)
        elif not self.low <= value <= self.high:
            problems.append(Problem(path, f"数值 {value} 超出范围（应在 {self.low}–{self.high} 之间）"))

    def depth(self) -> int:
        return 0


@dataclass(frozen=True)
class Flag:
    def check(self, value: Any, path: str, problems: list[Problem]) -> None:
        if not isinstance(value, bool):
            _wrong_type(path, value, "真假值（true 或 false）", problems)

    def depth(self) -> int:
        return 0


@dataclass(frozen=True)
class Day:
    """A calendar day written YYYY-MM-DD."""

    def check(self, value: Any, path: str, problems: list[Problem]) -> None:
        if not isinstance(value, str):
            _wrong_type(path, value, "日期（YYYY-MM-DD）", problems)
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
            _wrong_type(path, value, "UTC 时间（ISO 8601）", problems)
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


@dataclass(frozen=True)
class Record:
    """A JSON object with exactly these fields (closed: any other field is refused)."""

    fields: Mapping[str, Field]

    def check(self, value: Any, path: str, problems: list[Problem]) -> None:
        if not isinstance(value, dict):
            _wrong_type(path, value, "对象", problems)
            return
        for name, declared in self.fields.items():
            if name not in value:
                if declared.required:
                    problems.append(Problem(f"{path}.{name}", "缺少字段"))
                continue
            item = value[name]
            if item is None:
                if not declared.nullable:
                    problems.append(Problem(f"{path}.{name}", "不能为 null"))
                continue
            declared.spec.check(item, f"{path}.{name}", problems)
        if len(value) > len(self.fields) or any(name not in self.fields for name in value):
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
            _wrong_type(path, value, "列表", problems)
            return
        if len(value) > self.max_items:
            problems.append(Problem(path, f"过长：共 {len(value)} 项，最多 {self.max_items} 项"))
            return
        for index, item in enumerate(value):
            self.item.check(item, f"{path}[{index}]", problems)

    def depth(self) -> int:
        return 1 + self.item.depth()


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


# -- the schemas ----------------------------------------------------------------------------------------
LOGIN = Text(40, rule=_LOGIN.fullmatch, form="账号（2–40 位小写字母、数字或 . _ -，以字母开头）")
WINDOW_CODE = Text(12, rule=is_valid_window_code, form="窗口编码（4–12 位大写字母或数字，以字母开头）")
SHA256 = Text(64, rule=_SHA256.fullmatch, form="64 位小写十六进制 SHA-256")
CODE = Text(80)  # a code from the catalog or made by the program: item, material, certificate, key
NAME = Text(MAX_NAME_CHARS)
CATALOG_TEXT = Text(200)  # a name from the catalog: item, material, office, certificate type
ID_NUMBER = Text(40, min_chars=0)  # empty when a 不予受理 notice was decided before it was entered
PHONE = Text(40, min_chars=0)
CLERK_TEXT = Text(MAX_CLERK_TEXT_CHARS)
MESSAGE = Text(MAX_MESSAGE_CHARS)

APPLICANT = Record(
    {
        "kind": required(choice(ApplicantKind)),
        "name": required(NAME),
        "id_type": required(choice(IdKind)),
        "id_number": required(ID_NUMBER),
        "phone": required(PHONE),
        "id_override_reason": nullable(CLERK_TEXT),
    }
)
AGENT = Record(
    {
        "name": required(NAME),
        "id_type": optional(choice(IdKind)),  # an agent without it (older windows) has a resident ID
        "id_number": required(ID_NUMBER),
        "phone": required(PHONE),
    }
)
MATERIAL = Record(
    {
        "material": required(CODE),
        "name": required(CATALOG_TEXT),
        "form": required(choice(Form)),
        "copies": required(Integer(0, MAX_COPIES)),
        "pages": required(Integer(1, MAX_PAGES)),
        "defect": nullable(CLERK_TEXT),
    }
)
FINDING = Record(
    {
        "rule": required(choice(Rule)),
        "outcome": required(choice(Verdict)),
        "material": nullable(CODE),
        "message": required(MESSAGE),
    }
)
# `app.acceptance.case_snapshot`: the whole case as decided at the counter.
CASE_DECIDED = Record(
    {
        "number": required(Text(40)),
        "item_code": required(CODE),
        "item_name": required(CATALOG_TEXT),
        "catalog_version": required(Text(64)),
        "checklist_sha256": required(SHA256),
        "applicant": required(APPLICANT),
        "agent": nullable(AGENT),
        "decision": required(choice(Outcome)),
        "status": required(choice(STATUS_BY_OUTCOME.values())),
        "referral_office": nullable(CATALOG_TEXT),
        "received_on": required(Day()),
        "promised_date": nullable(Day()),
        "promised_date_uncertain": required(Flag()),
        "supplement_deadline": nullable(Day()),
        "hall_code": required(Text(32)),
        "window_code": required(WINDOW_CODE),
        "clerk_login": required(LOGIN),
        "clerk_name": required(NAME),
        "created_at": required(Moment()),
        "materials": required(ListOf(MATERIAL)),
        "findings": required(ListOf(FINDING)),
    }
)
# `app.documents.service.DocumentService.record_print`.
DOCUMENT_PRINTED = Record(
    {
        "kind": required(choice(DocumentKind)),
        "number": required(CODE),
        "copies": required(Integer(1, MAX_COPIES)),
        "reason": nullable(CLERK_TEXT),
        "destination": required(Text(4200)),  # a printer's name, or "file:" and a path
        "sha256": required(SHA256),
        "layout": required(choice(Layout)),
    }
)
# `app.certificates.CertificateService.approve`; the first five fields are all an older window sends.
CERTIFICATE_ISSUED = Record(
    {
        "certificate_id": required(CODE),
        "type_name": required(CATALOG_TEXT),
        "valid_until": nullable(Day()),
        "key_id": required(CODE),
        "qr_text": required(Text(MAX_MESSAGE_CHARS)),
        "type_code": optional(CODE),
        "holder_name": optional(NAME),
        "holder_id_masked": optional(ID_NUMBER),
        "issuer_name": optional(CATALOG_TEXT),
        "issuer_code": optional(CODE),
        "content": optional(MESSAGE),
        "issued_on": optional(Day()),
        "approver_login": optional(LOGIN),
    }
)
# `app.certificates.CertificateService.hand_over`.
CERTIFICATE_HANDED_OVER = Record(
    {
        "certificate_id": required(CODE),
        "recipient_name": required(NAME),
        "recipient_id_number": required(Text(40)),
    }
)

PAYLOAD_SCHEMA: dict[str, Record] = {
    DECIDED: CASE_DECIDED,
    PRINTED: DOCUMENT_PRINTED,
    REPRINTED: DOCUMENT_PRINTED,
    ISSUED: CERTIFICATE_ISSUED,
    HANDED_OVER: CERTIFICATE_HANDED_OVER,
}


def _decided_status(payload: dict[str, Any], problems: list[Problem]) -> None:
    """The status a decision leaves (a 不予受理 never leaves a case open)."""
    expected = STATUS_BY_OUTCOME[Outcome(payload["decision"])]
    if payload["status"] != expected:
        problems.append(
            Problem(
                "payload.status",
                f"决定为 {payload['decision']} 的办件状态应为 {expected}，实为 {payload['status']}",
            )
        )


# Rules between fields of a payload, run once its fields passed.
CROSS_CHECKS: dict[str, Callable[[dict[str, Any], list[Problem]], None]] = {DECIDED: _decided_status}


# -- checking an event ------------------------------------------------------------------------------------
def _device_time(text: str, now: datetime, problems: list[Problem]) -> None:
    moment = parse_utc(text)
    if moment is None:
        problems.append(
            Problem("device_time", f"应为 UTC 时间（ISO 8601，如 2026-11-20T02:00:00Z），实为“{shown(text)}”")
        )
    elif moment < _EARLIEST:
        problems.append(
            Problem("device_time", f"{shown(text)} 早于 2000 年，不是可信的时间：请检查本机电脑的时钟")
        )
    elif moment > now + _CLOCK_AHEAD:
        hours = (moment - now).total_seconds() / 3600
        problems.append(
            Problem(
                "device_time",
                f"{shown(text)} 比服务器时间快约 {hours:.0f} 小时"
                f"（最多允许 {MAX_CLOCK_AHEAD_SECONDS // 3600} 小时）：请检查本机电脑的时钟、日期和时区",
            )
        )


def _is_canonical_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False


def check_content(event: WireEvent, *, now: datetime) -> Refusal | None:
    """Everything about one event but its size: its envelope, then its payload against its kind's schema.

    `now` is the checking side's clock (aware, or naive UTC): a device time more than a day ahead of it
    is refused."""
    problems: list[Problem] = []
    if not isinstance(event.event_id, str) or not _is_canonical_uuid(event.event_id):
        problems.append(Problem("event_id", "应为小写标准格式的 UUID"))
    schema = PAYLOAD_SCHEMA.get(event.kind) if isinstance(event.kind, str) else None
    if schema is None:
        known = "、".join(PAYLOAD_SCHEMA)
        problems.append(
            Problem(
                "kind",
                f"未知的事件类型“{shown(str(event.kind))}”（本服务器认识：{known}）；"
                "若为新版本窗口所发，请先升级服务器",
            )
        )
    before = len(problems)
    Text(40).check(event.case_number, "case_number", problems)
    if len(problems) == before:
        try:
            number = parse_case_number(event.case_number)
        except CaseNumberError as error:
            problems.append(Problem("case_number", error.reason))
        else:
            if str(number) != event.case_number:
                problems.append(
                    Problem("case_number", f"办件编号应写作规范形式 {number}，实为 {event.case_number}")
                )
    LOGIN.check(event.clerk_login, "clerk_login", problems)
    WINDOW_CODE.check(event.window_code, "window_code", problems)
    if isinstance(event.device_time, str):
        _device_time(
            event.device_time, now.astimezone(UTC) if now.tzinfo else now.replace(tzinfo=UTC), problems
        )
    else:
        _wrong_type("device_time", event.device_time, "文本", problems)
    if type(event.local_seq) is not int or not 0 <= event.local_seq < 2**63:
        problems.append(Problem("local_seq", "应为 0 到 2^63−1 之间的整数"))
    if schema is not None:
        before = len(problems)
        schema.check(event.payload, "payload", problems)
        cross = CROSS_CHECKS.get(event.kind)
        if cross is not None and len(problems) == before:
            cross(event.payload, problems)
    return Refusal("invalid", tuple(problems)) if problems else None


def compact_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def event_bytes(event: WireEvent, payload_json: str | None = None) -> int:
    """The size of the event as JSON (compact, UTF-8); `payload_json` is its payload's JSON if known."""
    envelope = compact_json({k: v for k, v in event.to_json().items() if k != "payload"})
    payload = compact_json(event.payload) if payload_json is None else payload_json
    return len(envelope.encode("utf-8")) + len(',"payload":') + len(payload.encode("utf-8"))


def check_size(event: WireEvent, payload_json: str | None = None) -> Refusal | None:
    """An event whose content passed, refused if larger than `wire.MAX_EVENT_BYTES`."""
    size = event_bytes(event, payload_json)
    if size <= MAX_EVENT_BYTES:
        return None
    return Refusal(
        "too_large",
        (
            Problem(
                "event",
                f"整条记录共 {size / 1024:.0f} KB，超过单条 {MAX_EVENT_BYTES // 1024} KB 的上限："
                "请精简所填文字",
            ),
        ),
    )


def check_event(event: WireEvent, *, now: datetime) -> Refusal | None:
    """`check_content`, then `check_size`: what the window asks before it writes an event."""
    return check_content(event, now=now) or check_size(event)
