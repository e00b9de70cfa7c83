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
  ±2^53. A schema descends only into what it declares, so its depth bounds the payload's depth
  (the parts schemas are made of are in `app.sync.schema`);
- an event larger than `wire.MAX_EVENT_BYTES` as JSON, after its content passed (`too_large`).

Older shapes found in the wild stay valid: an agent without `id_type` (a resident ID, before 证件类型), a
`certificate.issued` with only the first five fields (before the whole certificate travelled).

Each kind has one payload type here as well (`CaseDecided`, `DocumentPrinted` …, together `EventPayload`),
beside its schema: it knows its `wire.EventKind` and makes the payload a window writes
(`app.sync.outbox.record_event` is the one writer).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar

import orjson

from app.audit.chain import is_hash
from app.bundles.numbers import is_bundle_number
from app.case_number import CaseNumberError, parse_case_number
from app.cases.status import DECIDED_STATUS
from app.completeness import Outcome
from app.documents.content import DocumentKind
from app.documents.layout import Layout
from app.helpers.agency import authorisation_from_json, authorisation_problems
from app.helpers.prepared_by import DRAFT_ID
from app.identity_documents import IdKind
from app.licences import MAX_FIELDS, MAX_LABEL_CHARS, MAX_VALUE_CHARS, licence_fields_json
from app.lifecycle.events import (
    OPTIONAL_STEP_FIELDS,
    CaseChange,
    ServiceFollowedUp,
    ServiceRated,
    check_lifecycle,
)
from app.lifecycle.events import SCHEMAS as LIFECYCLE_SCHEMAS
from app.pickup import MAX_AUTHORIZATION_CHARS, Capacity
from app.scanning.events import PAGES_ATTACHED, PagesAttached, rotation_problem
from app.seal import CertificateClaims, PublicKeyEntry, public_entry_json
from app.sync.certificate_event import KEY_FIELD
from app.sync.event_parts import (
    AGENT,
    APPLICANT,
    CATALOG_TEXT,
    CLERK_TEXT,
    CODE,
    FINDING,
    ID_NUMBER,
    LOGIN,
    MATERIAL,
    MESSAGE,
    NAME,
    SHA256,
    WINDOW_CODE,
)
from app.sync.schema import (
    Day,
    Flag,
    Integer,
    ListOf,
    Moment,
    Problem,
    Record,
    Text,
    TextMap,
    choice,
    nullable,
    optional,
    parse_utc,
    required,
    shown,
    wrong_type,
)
from app.sync.wire import (
    AUDIT_KINDS,
    EARLIEST_DEVICE_TIME,
    LOGIN_PATTERN,
    MAX_AUTHORISATION_ID_CHARS,
    MAX_AUTHORISATION_REFERENCE_CHARS,
    MAX_CLOCK_AHEAD_SECONDS,
    MAX_COPIES,
    MAX_EVENT_BYTES,
    MAX_LOGIN_CHARS,
    MAX_MESSAGE_CHARS,
    MAX_SAFE_INTEGER,
    UNKNOWN_LOGIN,
    EventKind,
    WireEvent,
)

MAX_PROBLEMS_SHOWN = 5
_LOGIN = re.compile(LOGIN_PATTERN)
_SHA256 = re.compile(r"[0-9a-f]{64}")
_EARLIEST = datetime.fromisoformat(EARLIEST_DEVICE_TIME)
_CLOCK_AHEAD = timedelta(seconds=MAX_CLOCK_AHEAD_SECONDS)


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


# -- the schemas: the parts several kinds share are in app.sync.event_parts -------------------------------
_LIMIT = Record({"days": required(Integer(0, 3650)), "unit": required(choice(("working", "natural")))})
# `app.acceptance.case_snapshot`: the time limits as decided (issue 13).
TIME_LIMITS = Record(
    {
        "department": required(Text(100, min_chars=0)),
        "accepted_on": nullable(Day()),
        "legal_limit": required(_LIMIT),
        "promised_limit": required(_LIMIT),
        "legal_due": nullable(Day()),
        "legal_due_uncertain": required(Flag()),
        "tolerated": required(ListOf(CODE)),
        "approve_before_supplied": required(Flag()),
    }
)
# `app.helpers.agency.Authorisation`: the 代办委托书 under which a helper acted (issue 15); the rules between
# its fields (dates in order, the principal is the applicant) are app.helpers.agency.authorisation_problems,
# which the server applies to a decision carrying it.
AUTHORISATION = Record(
    {
        "principal": required(NAME),
        "principal_id": required(Text(MAX_AUTHORISATION_ID_CHARS)),
        "scope": required(CLERK_TEXT),
        "valid_from": required(Day()),
        "valid_until": required(Day()),
        "signed_on": required(Day()),
        "reference": optional(Text(MAX_AUTHORISATION_REFERENCE_CHARS)),
    }
)
# `app.helpers.prepared_by.PreparedBy`: the helper who prepared a case and their draft (issue 15).
PREPARED_BY = Record(
    {
        "login": required(LOGIN),
        "name": required(NAME),
        "draft_id": required(Text(36, rule=DRAFT_ID.fullmatch, form="预审单编号（UUID，小写）")),
        "authorisation": optional(AUTHORISATION),  # 代办: the principal's 代办委托书; absent for 帮办
    }
)
BUNDLE_NUMBER = Text(40, rule=is_bundle_number, form="一件事编号（YJS-窗口代码-年月日-序号校验位）")
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
        "status": required(choice(DECIDED_STATUS.values())),
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
        "time_limits": optional(TIME_LIMITS),  # absent in decisions of windows before issue 13
        "prepared_by": optional(PREPARED_BY),  # a helper's draft taken in (issue 15); absent otherwise
        # The 一件事 bundle the case was decided in (app.bundles.numbers); absent: decided alone, or a
        # window before issue 15. The server checks it names the case's own window and day.
        "bundle_number": optional(BUNDLE_NUMBER),
    }
)


@dataclass(frozen=True)
class CaseDecided:
    """The counter's decision on a new case: the whole case as decided (`app.acceptance.case_snapshot`)."""

    KIND: ClassVar[EventKind] = EventKind.CASE_DECIDED
    case: Mapping[str, Any]

    def payload(self) -> dict[str, Any]:
        return dict(self.case)


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


@dataclass(frozen=True)
class _DocumentOut:
    """A document the printer (or a file, `destination` "file:" and its path) took, as rendered."""

    document: DocumentKind
    number: str  # the document's number
    copies: int
    destination: str
    sha256: str  # of the PDF
    layout: Layout

    def _payload(self, reason: str | None) -> dict[str, Any]:
        return {
            "kind": str(self.document),
            "number": self.number,
            "copies": self.copies,
            "reason": reason,
            "destination": self.destination,
            "sha256": self.sha256,
            "layout": str(self.layout),
        }


@dataclass(frozen=True)
class DocumentPrinted(_DocumentOut):
    """A document printed for the first time."""

    KIND: ClassVar[EventKind] = EventKind.DOCUMENT_PRINTED

    def payload(self) -> dict[str, Any]:
        return self._payload(None)

    def reprint(self, *, reason: str) -> DocumentReprinted:
        """The same document printed again, for `reason`."""
        return DocumentReprinted(
            document=self.document,
            number=self.number,
            copies=self.copies,
            destination=self.destination,
            sha256=self.sha256,
            layout=self.layout,
            reason=reason,
        )


@dataclass(frozen=True)
class DocumentReprinted(_DocumentOut):
    """A document printed again (补打), with the clerk's reason."""

    KIND: ClassVar[EventKind] = EventKind.DOCUMENT_REPRINTED
    reason: str

    def payload(self) -> dict[str, Any]:
        return self._payload(self.reason)


# `app.seal.public_entry_json`: the sealing key's public entry, as the key directory holds it.
SIGNING_KEY = Record(
    {
        "key_id": required(Text(32)),
        "algorithm": required(Text(16)),
        "public_key": required(Text(64)),
        "office_name": required(CATALOG_TEXT),
        "office_code": required(Text(18)),
        "valid_from": required(Day()),
        "valid_until": nullable(Day()),
    }
)
# `CertificateIssued`; the first five fields are all an older window sends.
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
        KEY_FIELD: optional(SIGNING_KEY),  # absent in events of windows before keys were registered
        **OPTIONAL_STEP_FIELDS,  # absent in events of windows before steps (issue 13)
        # Absent in events of windows before licence templates (issue 11): printed with the general one.
        "licence_type": optional(Text(40)),
        "fields": optional(TextMap(Text(MAX_LABEL_CHARS), Text(MAX_VALUE_CHARS), MAX_FIELDS)),
    }
)


@dataclass(frozen=True)
class CertificateIssued:
    """A case approved and its certificate issued: the whole certificate, as the issuing window stores it
    and as a window holding the case stores it when it was issued on another PC, and the public entry of
    the key that sealed its QR. The one list of a certificate's fields (`columns`, `CERTIFICATE_FIELDS`)."""

    KIND: ClassVar[EventKind] = EventKind.CERTIFICATE_ISSUED
    certificate_id: str
    type_name: str
    type_code: str
    holder_name: str
    holder_id_masked: str
    issuer_name: str
    issuer_code: str
    content: str
    issued_on: date
    valid_until: date | None
    qr_text: str
    approver_login: str
    key: PublicKeyEntry  # travels as `key_id` and, whole, as KEY_FIELD
    licence_type: str = "general"  # its template (app.licences)
    fields: tuple[tuple[str, str], ...] = ()  # the approver's entries and the licence's own number, in order
    change: CaseChange | None = None  # the step it makes (None: as an older window sent it)

    @classmethod
    def sealed(
        cls,
        claims: CertificateClaims,
        *,
        type_code: str,
        content: str,
        key: PublicKeyEntry,
        qr_text: str,
        approver_login: str,
        licence_type: str = "general",
        licence_fields: tuple[tuple[str, str], ...] = (),
    ) -> CertificateIssued:
        """The certificate whose claims `key` sealed into `qr_text`."""
        return cls(
            certificate_id=claims.certificate_id,
            type_name=claims.type_name,
            type_code=type_code,
            holder_name=claims.holder_name,
            holder_id_masked=claims.holder_id_masked,
            issuer_name=claims.issuer_name,
            issuer_code=claims.issuer_code,
            content=content,
            issued_on=claims.issued_on,
            valid_until=claims.valid_until,
            qr_text=qr_text,
            approver_login=approver_login,
            key=key,
            licence_type=licence_type,
            fields=licence_fields,
        )

    def columns(self) -> dict[str, Any]:
        """The certificate as a window stores it (`db.models.Certificate` but its case and hand-over)."""
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in _NOT_COLUMNS}
        return {**values, "key_id": self.key.key_id, "licence_fields": licence_fields_json(self.fields)}

    def payload(self) -> dict[str, Any]:
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in _NOT_COLUMNS}
        return {
            **values,
            "key_id": self.key.key_id,
            "issued_on": self.issued_on.isoformat(),
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            KEY_FIELD: public_entry_json(self.key),
            "fields": dict(self.fields),
            **(self.change.payload() if self.change is not None else {}),
        }


_NOT_COLUMNS = ("key", "fields", "change")


# What a window stores of a certificate issued elsewhere, all text (dates ISO) and all required; the
# certificate's `valid_until` may be null and its key travels beside them (KEY_FIELD); its licence type
# and fields are optional (windows before issue 11 send none).
CERTIFICATE_FIELDS: tuple[str, ...] = (
    *(
        f.name
        for f in fields(CertificateIssued)
        if f.name not in ("valid_until", "key", "licence_type", "fields", "change")
    ),
    "key_id",
)
LICENCE_FIELDS_SPEC = CERTIFICATE_ISSUED.fields["fields"].spec

# `app.certificates.CertificateService.hand_over`.
CERTIFICATE_HANDED_OVER = Record(
    {
        "certificate_id": required(CODE),
        "recipient_name": required(NAME),
        "recipient_id_number": required(Text(40)),
        # Absent in events of windows before issue 11 (a resident ID, capacity not recorded).
        "recipient_id_type": optional(choice(IdKind)),
        "capacity": optional(choice(Capacity)),
        "authorization": optional(Text(MAX_AUTHORIZATION_CHARS), null=True),
        **OPTIONAL_STEP_FIELDS,  # absent in events of windows before steps (issue 13)
    }
)


@dataclass(frozen=True)
class CertificateHandedOver:
    """The certificate handed to the person who came for it (出件)."""

    KIND: ClassVar[EventKind] = EventKind.CERTIFICATE_HANDED_OVER
    certificate_id: str
    recipient_name: str
    recipient_id_number: str
    recipient_id_type: IdKind = IdKind.RESIDENT_ID
    capacity: Capacity | None = None  # None only in events made before capacities were recorded
    authorization: str | None = None  # a 受托人's authorisation (授权委托书 …)
    change: CaseChange | None = None  # the step it makes (None: as an older window sent it)

    def payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "certificate_id": self.certificate_id,
            "recipient_name": self.recipient_name,
            "recipient_id_number": self.recipient_id_number,
        }
        if self.capacity is not None:  # a hand-over since capacities are recorded (else the old shape)
            payload["recipient_id_type"] = str(self.recipient_id_type)
            payload["capacity"] = str(self.capacity)
            payload["authorization"] = self.authorization
        if self.change is not None:
            payload.update(self.change.payload())
        return payload


# -- events about no case (app.audit): small payloads, the person and the window are the envelope's ----
SIGNED_IN = Record({"shift_change": optional(Flag())})  # True: took over from another clerk, no restart
SIGNED_OUT = Record({"reason": optional(choice(("manual", "shift_change", "quit")))})
SIGN_IN_FAILED = Record(
    {
        "reason": required(
            choice(("wrong_password", "unknown_login", "disabled", "locked_out", "temporary_expired"))
        ),
        # What was typed as the login when it names no account here (truncated, control characters out);
        # the envelope's clerk_login is then `wire.UNKNOWN_LOGIN`.
        "typed_login": optional(Text(MAX_LOGIN_CHARS, min_chars=0), null=True),
        "failures": optional(Integer(0, 1_000_000)),  # failed attempts in a row at this window
    }
)
LOCKED = Record({"reason": optional(choice(("idle", "manual")))})
UNLOCKED = Record({"by_other_clerk": optional(Flag())})  # True: another clerk signed in over the lock
PASSWORD_CHANGED = Record({"reason": optional(choice(("temporary", "voluntary")))})
EXPORTED = Record(
    {
        "what": required(Text(80)),  # what was exported (e.g. "case_list", "statistics", "signing_key")
        "rows": optional(Integer(0, MAX_SAFE_INTEGER)),
        "destination": optional(Text(4200)),  # a path or a printer
        "sha256": optional(SHA256),  # of the file written
    }
)
AUDIT_SCHEMA: dict[str, Record] = {
    EventKind.SIGNED_IN: SIGNED_IN,
    EventKind.SIGNED_OUT: SIGNED_OUT,
    EventKind.SIGN_IN_FAILED: SIGN_IN_FAILED,
    EventKind.LOCKED: LOCKED,
    EventKind.UNLOCKED: UNLOCKED,
    EventKind.PASSWORD_CHANGED: PASSWORD_CHANGED,
    EventKind.EXPORTED: EXPORTED,
}


@dataclass(frozen=True)
class AuditRecord:
    """An event about no case (an `audit.*` kind): its details are its payload (app.audit.record_audit)."""

    KIND: EventKind
    details: Mapping[str, Any]

    def payload(self) -> dict[str, Any]:
        return dict(self.details)


# What a window records: one type per kind of a case, and the audit records.
EventPayload = (
    CaseDecided
    | DocumentPrinted
    | DocumentReprinted
    | CertificateIssued
    | CertificateHandedOver
    | CaseChange
    | ServiceRated
    | ServiceFollowedUp
    | PagesAttached
    | AuditRecord
)
PAYLOAD_TYPES: tuple[type[EventPayload], ...] = (
    CaseDecided,
    DocumentPrinted,
    DocumentReprinted,
    CertificateIssued,
    CertificateHandedOver,
    CaseChange,
    ServiceRated,
    ServiceFollowedUp,
    PagesAttached,
    AuditRecord,
)

PAYLOAD_SCHEMA: dict[str, Record] = {
    EventKind.CASE_DECIDED: CASE_DECIDED,
    EventKind.DOCUMENT_PRINTED: DOCUMENT_PRINTED,
    EventKind.DOCUMENT_REPRINTED: DOCUMENT_PRINTED,
    EventKind.CERTIFICATE_ISSUED: CERTIFICATE_ISSUED,
    EventKind.CERTIFICATE_HANDED_OVER: CERTIFICATE_HANDED_OVER,
    **LIFECYCLE_SCHEMAS,
    EventKind.PAGES_ATTACHED: PAGES_ATTACHED,
    **AUDIT_SCHEMA,
}


def _decided_status(payload: dict[str, Any], problems: list[Problem]) -> None:
    """The status a decision leaves (a 不予受理 never leaves a case open)."""
    expected = DECIDED_STATUS[Outcome(payload["decision"])]
    if payload["status"] != expected:
        problems.append(
            Problem(
                "payload.status",
                f"决定为 {payload['decision']} 的办件状态应为 {expected}，实为 {payload['status']}",
            )
        )


def _decided(payload: dict[str, Any], problems: list[Problem]) -> None:
    _decided_status(payload, problems)
    _authorisation(payload, problems)


def _authorisation(payload: dict[str, Any], problems: list[Problem]) -> None:
    """A 代办委托书 a decision carries (issue 15): its dates sane and in order, signed no later than the case
    was received, its principal the applicant (app.helpers.agency.authorisation_problems)."""
    prepared = payload.get("prepared_by")
    if not isinstance(prepared, dict) or prepared.get("authorisation") is None:
        return
    try:
        authorisation = authorisation_from_json(prepared["authorisation"])
    except ValueError as error:
        problems.append(Problem("payload.prepared_by.authorisation", str(error)))
        return
    received_on = date.fromisoformat(payload["received_on"])
    applicant_id = payload["applicant"]["id_number"]
    for problem in authorisation_problems(authorisation, on=received_on, applicant_id=applicant_id):
        problems.append(Problem(f"payload.prepared_by.{problem.path}", problem.message))


def _page_rotations(payload: dict[str, Any], problems: list[Problem]) -> None:
    why = rotation_problem(payload)
    if why is not None:
        problems.append(Problem("payload.pages", why))


# Rules between fields of a payload, run once its fields passed.
CROSS_CHECKS: dict[str, Callable[[dict[str, Any], list[Problem]], None]] = {
    EventKind.CASE_DECIDED: _decided,
    EventKind.PAGES_ATTACHED: _page_rotations,
}


# The kinds whose payload is checked against the status table and the case's day (app.lifecycle.events).
LIFECYCLE_CHECKED = frozenset(
    {*LIFECYCLE_SCHEMAS, EventKind.CERTIFICATE_ISSUED, EventKind.CERTIFICATE_HANDED_OVER}
)


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


def _chain_hashes(event: WireEvent, problems: list[Problem]) -> None:
    """Both of the chain's hashes (app.audit.chain) or neither (an older window), each 64 lower-case hex."""
    if event.prev_hash is None and event.event_hash is None:
        return
    for name in ("prev_hash", "event_hash"):
        value = getattr(event, name)
        if value is None:
            problems.append(Problem(name, "缺少字段（哈希链的两个哈希应同时出现）"))
        elif not is_hash(value):
            problems.append(Problem(name, f"应为 64 位小写十六进制 SHA-256，实为“{shown(value)}”"))


def is_event_id(value: str) -> bool:
    """An event id as windows make them: a UUID, lower case, in its canonical form."""
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False


def check_content(event: WireEvent, *, now: datetime) -> Refusal | None:
    """Everything about one event but its size: its envelope, then its payload against its kind's schema.

    `now` is the checking side's clock (aware, or naive UTC): a device time more than a day ahead of it
    is refused."""
    problems: list[Problem] = []
    if not isinstance(event.event_id, str) or not is_event_id(event.event_id):
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
    audit = event.kind in AUDIT_KINDS
    if audit:
        if event.case_number != "":
            problems.append(Problem("case_number", f"{event.kind} 不属于任何办件，办件编号应为空"))
    elif event.case_number == "" and isinstance(event.kind, str):
        problems.append(Problem("case_number", "缺少办件编号（只有登录、锁屏、导出等记录可以不属于办件）"))
    else:
        Text(40).check(event.case_number, "case_number", problems)
    if len(problems) == before and not audit:
        try:
            number = parse_case_number(event.case_number)
        except CaseNumberError as error:
            problems.append(Problem("case_number", error.reason))
        else:
            if str(number) != event.case_number:
                problems.append(
                    Problem("case_number", f"办件编号应写作规范形式 {number}，实为 {event.case_number}")
                )
    if not (event.kind == EventKind.SIGN_IN_FAILED and event.clerk_login == UNKNOWN_LOGIN):
        LOGIN.check(event.clerk_login, "clerk_login", problems)
    WINDOW_CODE.check(event.window_code, "window_code", problems)
    _chain_hashes(event, problems)
    if isinstance(event.device_time, str):
        _device_time(
            event.device_time, now.astimezone(UTC) if now.tzinfo else now.replace(tzinfo=UTC), problems
        )
    else:
        wrong_type("device_time", event.device_time, "文本", problems)
    if type(event.local_seq) is not int or not 0 <= event.local_seq < 2**63:
        problems.append(Problem("local_seq", "应为 0 到 2^63−1 之间的整数"))
    if schema is not None:
        check_payload(event.kind, event.payload, case_number=event.case_number, problems=problems)
    return Refusal("invalid", tuple(problems)) if problems else None


def check_payload(kind: str, payload: Any, *, case_number: str, problems: list[Problem]) -> None:
    """A payload against its kind's schema and cross checks (the part of `check_content` a payload alone
    needs; a kind without a schema is one problem): a fetched case's snapshot is checked by it too."""
    schema = PAYLOAD_SCHEMA.get(kind)
    if schema is None:
        problems.append(Problem("kind", f"未知的事件类型“{shown(str(kind))}”"))
        return
    before = len(problems)
    schema.check(payload, "payload", problems)
    cross = CROSS_CHECKS.get(kind)
    if cross is not None and len(problems) == before:
        cross(payload, problems)
    if kind in LIFECYCLE_CHECKED and len(problems) == before:
        try:
            case_day: date | None = parse_case_number(case_number).day
        except CaseNumberError:
            case_day = None
        check_lifecycle(kind, payload, case_day, problems)


def event_bytes(event: WireEvent, payload_json: str | None = None) -> int:
    """The size of the event as JSON (compact, UTF-8); `payload_json` is its payload's JSON if known.

    Measured with orjson: compact, non-ASCII as UTF-8, the same as `json.dumps(…, ensure_ascii=False,
    separators=(",", ":"))` for content that passed its schema (no floats, integers within ±2^53, no lone
    surrogates), and about ten times faster: the server measures every event it stores.
    TypeError for content that no schema passes."""
    envelope = orjson.dumps({k: v for k, v in event.to_json().items() if k != "payload"})
    payload = len(orjson.dumps(event.payload)) if payload_json is None else len(payload_json.encode("utf-8"))
    return len(envelope) + len(',"payload":') + payload


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
