"""The wire format between a window and the central server. Both sides import this module.

Registering a window takes two steps, so a failed registration never leaves a window without a working
device: enrolment (the one-time code) creates the new device as *pending* — the window's current device
keeps working and the pending one can do nothing but confirm; the window stores the new credential, then
confirms with it (`CONFIRM_PATH`); only then does the server revoke the old device and activate the new.

Every request but enrolment carries `Authorization: Bearer {device_id}.{secret}`. Bodies are JSON (UTF-8).
Errors come back with an HTTP status and an `ErrorBody`; a message is Chinese and names the problem.

Guarantees the format serves (shared/DESIGN.md §4):
- push is idempotent: an event is identified by the `event_id` the window made; sending it any number of
  times stores it once. The server acknowledges only what it has committed; the window deletes nothing.
- a permanent rejection (e.g. a case number already used by another window) comes back per event in
  `rejected` so it goes to the window's dead-letter list instead of blocking the queue.
- pull is by an opaque cursor over the server's change log, which is appended in commit order, so a
  reader never skips a change that another transaction committed later with a lower number. A window
  pulls with `exclude_own=true`: changes its own pushes caused are skipped (it knows them), and the
  cursor still moves past them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

PROTOCOL = "window-clerk-sync/1"
API = "/api/v1"
ENROLL_PATH = f"{API}/devices/enroll"
CONFIRM_PATH = f"{API}/devices/confirm"  # the enrolled device, with its new credential: switch to it
PUSH_PATH = f"{API}/sync/push"
PULL_PATH = f"{API}/sync/pull"
RECONCILE_PATH = f"{API}/sync/reconcile"
HEALTH_PATH = f"{API}/health"
CATALOG_PATH = f"{API}/catalog/{{version}}"  # the published catalog file, byte for byte
CONFLICT_RESOLVE_PATH = f"{API}/conflicts/{{conflict_id}}/resolve"
# Accounts (app.sync.account_wire): hall IT managing its hall's accounts, a person changing their password.
ACCOUNTS_LIST_PATH = f"{API}/accounts/list"
ACCOUNT_ADD_PATH = f"{API}/accounts/add"
ACCOUNT_ACTION_PATH = f"{API}/accounts/{{login}}/{{action}}"  # action: ACCOUNT_ACTIONS
PASSWORD_CHANGE_PATH = f"{API}/accounts/password"
PASSWORD_REHASH_PATH = f"{API}/accounts/rehash"
# The whole record of a case of the device's hall (its events, certificates, revocations): a PC of the hall
# that does not hold the case fetches it to act on it (the back office; a hand-over at another window).
# GET, device credential. 200:
#   {"number": the case number as the server holds it,
#    "status": the server's projected status, "step": its last step taken (0: the decision),
#    "snapshot": the `case.decided` payload (app.acceptance.case_snapshot),
#    "events": [every stored event of the case, `WireEvent.to_json()` + "received_at" (ISO 8601 UTC), in
#               the order the server received them (received_at, then event id); the decision included],
#    "certificates": [each `certificate.issued` as its change carries it: the payload, "case_number",
#                     "event_id", "window_code", and the key entry as registered under KEY_FIELD],
#    "revocations": [each `certificate.revoked` as its KIND_CERTIFICATE_REVOKED change carries it],
#    "page_sets": [the case's page sets as the server projects them (the last `case.pages_attached` of each
#                  material and visit to be stored): each that event as CASE_EVENT_FIELD carries it]}
#    (a server before page sets leaves "page_sets" out: the window takes them from "events").
# 400 invalid (a malformed number: the message names the problem, e.g. the check character), 401, 403
# forbidden (a case of another hall), 404 not_found (a number the server does not hold), 413 too_large
# (more than MAX_BATCH_EVENTS events, or more than MAX_BODY_BYTES of payloads).
CASE_FETCH_PATH = f"{API}/cases/{{number}}"
# GET BUNDLE_PATH (device credential): a 一件事 bundle of the device's hall as the server follows it
# (server.sync.bundles): {"number", "hall_code", "window_code", "cases": [{"number", "item_code",
# "decision", "status", "step"}, … by case number]}. 400 invalid (a malformed bundle number), 401, 403
# forbidden (another hall's), 404 not_found (no case of the server carries it).
BUNDLE_PATH = f"{API}/bundles/{{number}}"

# The cases a helper prepared (issue 15: 我的代办/帮办件), for the helper signed in on the asking device: the
# answer is {"login", "hall_code", "cases": [HELPER_CASE fields …], "truncated"}; at most MAX_HELPER_CASES,
# newest first (app.helpers.client_cases checks it; server.helper_cases makes it).
HELPER_CASES_PATH = f"{API}/helpers/{{login}}/cases"
MAX_HELPER_CASES = 2000

# Electronic licences by their holder's ID (issue 15, app.licence_library.lookup, server.sync.licence_lookup):
# the certificates issued in the device's hall (sealed by a key the server registered for one of its windows)
# to the applicant whose ID is `holder_id`, with their signed QR texts, so the window verifies each itself
# (the server is not trusted for the licence: only its seal is). POST (the ID stays out of URLs and access
# logs), device credential, body {"holder_id": a 证件号码 or 统一社会信用代码 with a check rule, at most
# MAX_HOLDER_ID_CHARS}. 200: {"licences": [{"certificate_id", "case_number", "licence_type", "qr_text",
# "revocation": null or {"day", "reason", "basis"}}, …]} newest first, at most MAX_LOOKUP_LICENCES.
# 400 invalid (the ID malformed, named), 401, 429 too_many_attempts (more than LOOKUPS_PER_DEVICE
# lookups by one device within LOOKUP_SECONDS: it is stopped as long).
LICENCE_LOOKUP_PATH = f"{API}/licences/lookup"
MAX_HOLDER_ID_CHARS = 32
MAX_LOOKUP_LICENCES = 50
LOOKUPS_PER_DEVICE = 120
LOOKUP_SECONDS = 600

# Page files (app.sync.blobs, server.blobs): the bytes of captured pages, named by their SHA-256, apart from
# the events that name them. Device credential on each; every limit here is enforced on both sides.
# - POST BLOB_UPLOAD_PATH {"size": bytes}: start or resume this hall's upload of the file; 200 BlobStatus.
#   The server answers how many bytes it holds *from this hall* (another hall's copy is never told of:
#   a hall uploads a file whole, however many halls hold it, and the server keeps one copy on its disk).
# - PUT BLOB_UPLOAD_PATH?offset=N, body: the next bytes (at most BLOB_CHUNK_BYTES, Content-Type
#   application/octet-stream); 200 BlobStatus. The chunk that completes the declared size completes the
#   upload: the server hashes the whole file and keeps it only if it is the SHA-256 named.
# - GET BLOB_PATH?offset=N: at most BLOB_DOWNLOAD_BYTES of the file from N, with its whole size in the
#   BLOB_SIZE_HEADER; only for a PC of a hall that uploaded the file (anything else: 404 not_found, the
#   same answer as for a file the server does not have).
BLOB_PATH = f"{API}/blobs/{{sha256}}"
BLOB_UPLOAD_PATH = f"{API}/blobs/{{sha256}}/upload"
BLOB_SIZE_HEADER = "X-Blob-Size"
BLOB_CHUNK_BYTES = 1024 * 1024  # one upload request's body at most
BLOB_DOWNLOAD_BYTES = 4 * 1024 * 1024  # one download answer at most
MAX_BLOB_BYTES = 50 * 1024 * 1024  # one page file (app.scanning.page_store.MAX_PAGE_BYTES)
# Refusals of an upload (`ErrorBody.error`), besides invalid, not_found and too_large (a size above
# MAX_BLOB_BYTES, a chunk above BLOB_CHUNK_BYTES or beyond the declared size):
BLOB_WRONG_OFFSET = "wrong_offset"  # 409: not at the server's offset, which the answer's `received` gives
BLOB_HASH_MISMATCH = "hash_mismatch"  # 409: the completed file is not the SHA-256 named; the partial dropped
BLOB_NOT_STARTED = "not_started"  # 409: a chunk before its upload was started (POST) by the hall
BLOB_QUOTA_EXCEEDED = "quota_exceeded"  # 409: the hall's page files would pass the server's quota
BLOB_DISK_FULL = "disk_full"  # 507: the server's disk is full; nothing of the chunk kept, retry later


class EventKind(StrEnum):
    """What a window records about a case (an outbox event); the server stores them and projects the case's
    status from them (app.cases.status). `app.sync.events` holds each kind's payload schema.

    The `audit.*` kinds are about no case (their case number is ""): who signed in and out at the window,
    failed sign-ins, locks, password changes and exports (app.audit). They travel in the same outbox so the
    window's hash chain (app.audit.chain) covers them too; the server stores them and projects nothing."""

    CASE_DECIDED = "case.decided"
    DOCUMENT_PRINTED = "document.printed"
    DOCUMENT_REPRINTED = "document.reprinted"
    CERTIFICATE_ISSUED = "certificate.issued"
    CERTIFICATE_HANDED_OVER = "certificate.handed_over"
    # The case's life after the counter's first decision (app.lifecycle; the table: app.cases.status).
    CASE_SUPPLEMENTED = "case.supplemented"
    TOLERATED_SUPPLIED = "case.tolerated_supplied"
    REVIEW_STARTED = "case.review_started"
    CASE_SUSPENDED = "case.suspended"
    CASE_RESUMED = "case.resumed"
    CASE_EXTENDED = "case.extended"
    CASE_REFUSED = "case.refused"
    CASE_MAILED = "case.mailed"
    CASE_WITHDRAWN = "case.withdrawn"
    CASE_TERMINATED = "case.terminated"
    CASE_CORRECTED = "case.corrected"
    CERTIFICATE_REVOKED = "certificate.revoked"
    SERVICE_RATED = "service.rated"  # 好差评: the applicant's rating of one service event
    SERVICE_FOLLOWED_UP = "service.followed_up"  # a supervisor's follow-up (回访) of an unfavourable rating
    # The captured pages of one material at one visit, the whole list each time (app.scanning.events); the
    # pages' files travel apart, by content hash (app.sync.blobs).
    PAGES_ATTACHED = "case.pages_attached"
    SIGNED_IN = "audit.signed_in"
    SIGNED_OUT = "audit.signed_out"
    SIGN_IN_FAILED = "audit.sign_in_failed"
    LOCKED = "audit.locked"
    UNLOCKED = "audit.unlocked"
    PASSWORD_CHANGED = "audit.password_changed"
    EXPORTED = "audit.exported"


# The kinds about no case: their case number is "" (and only theirs may be).
AUDIT_KINDS = frozenset(k for k in EventKind if k.startswith("audit."))
# The clerk_login of a failed sign-in for a login this window does not know (what was typed is in its
# payload): not a login any account can have (app.accounts: LOGIN_PATTERN), so it names no one.
UNKNOWN_LOGIN = "(unknown)"


# Change kinds a window applies (others are skipped and logged, so a newer server can add kinds).
KIND_CASE_UPDATED = "case.updated"
KIND_CERTIFICATE_ISSUED = "certificate.issued"
KIND_CATALOG_VERSION = "catalog.version"  # payload: version, published, sha256, bytes
KIND_CALENDAR = "calendar"  # payload: the published year (app.workdays format), key = the year
KIND_CONFLICT = "conflict"
KIND_CONFLICT_RESOLVED = "conflict.resolved"  # payload: conflict_id, resolution, resolved_by, resolved_at
KIND_ACCOUNTS = "accounts"  # payload: {"accounts": [...]}, the hall's whole list (app.sync.account_wire)
# A certificate signing key registered for a window of the hall (its public entry, and the window): every
# window of the hall verifies what it sealed offline. Key = the key id.
KIND_SIGNING_KEY = "signing_key"
# A certificate of the hall revoked (撤销): {certificate_id, case_number, reason, basis, revoked_on,
# revoked_by, event_id}; the verifier reports it as revoked, offline too. Key = the certificate id.
KIND_CERTIFICATE_REVOKED = "certificate.revoked"
# An unfavourable rating (差评) of a service event of the hall, as the server holds it now (followed up or
# not): {event_id, service_event_id, case_number, level, reason, window_code, clerk_login, rated_at,
# followed_up_at, follow_up_note, followed_up_by}; the supervisor's list at every window shows it.
# Key = the service event id (app.sync.pulled_ratings).
KIND_RATING = "rating"
# `case.updated` changes of an event that changes a case carry it whole under this field (event_id, kind,
# payload, clerk_login, window_code, device_time), so a PC holding a copy of the case applies it; so do
# those of a `case.pages_attached` (the material's page set: app.sync.pulled_pages).
CASE_EVENT_FIELD = "event"
# A conflict's `reason` (its kind). Where the records are: a number used twice keeps the first case; the
# second is refused (not stored as a case) and stays on the PC that sent it. A certificate issued or
# handed over twice keeps both events on the server.
CONFLICT_DUPLICATE_CASE_NUMBER = "duplicate_case_number"
CONFLICT_ISSUED_TWICE = "certificate_issued_twice"
CONFLICT_HANDED_OVER_TWICE = "certificate_handed_over_twice"
# An event id the server holds already, sent again with other content: the stored event is kept, the other
# refused (it stays on the PC that sent it, as a dead letter).
CONFLICT_EVENT_ID_REUSED = "event_id_reused"
# A window's hash chain broken at an event (app.audit.chain): the event is stored all the same, and the
# supervisor sees what broke (an edited event, one removed or reordered, a chain started again, or events
# of an older window without hashes).
CONFLICT_CHAIN_BREAK = "chain_break"
# Two PCs changed one case while apart (two events of the same step, or one that no longer follows the
# case's status: app.cases.status.replay): the first stored is the case's, the other kept and shown.
CONFLICT_LIFECYCLE = "lifecycle_conflict"
MAX_RESOLUTION_CHARS = 500
MAX_LOGIN_CHARS = 40  # an account's login (app.accounts.people)
MAX_PASSWORD_CHARS = 256  # a password anywhere: longer is refused before it is hashed
MAX_ACCOUNTS = 5000  # accounts of one hall in one `accounts` snapshot
MAX_TEMPORARY_DAYS = 90  # how long a temporary password set by hall IT may stay valid

# Rejection codes (`Rejection.code`) besides the conflict reasons above that are rejections too.
REJECTION_NOT_HOLDER = "not_holder"  # the case is held by another window (app.sync.authority)
# The account that recorded the event may not do it (its roles, 四分离), or the server does not know it.
REJECTION_NOT_PERMITTED = "not_permitted"
# 好差评: a second rating of one service event (一次一评), from this or another window.
REJECTION_RATED_TWICE = "rated_twice"
# A rating of an event that is no service event of its case, or a follow-up of no unfavourable rating (or
# of one followed up already).
REJECTION_RATING_REFUSED = "rating_refused"
REJECTION_BAD_SIGNATURE = (
    "bad_signature"  # a certificate its seal does not vouch for (app.sync.certificate_event)
)

# What people read for the codes above and below (human output of `clerk` and `clerk-server`); the codes
# themselves stay on the wire and in `--json`.
EVENT_KIND_LABEL: dict[str, str] = {
    EventKind.CASE_DECIDED: "受理决定",
    EventKind.DOCUMENT_PRINTED: "打印文书",
    EventKind.DOCUMENT_REPRINTED: "补打文书",
    EventKind.CERTIFICATE_ISSUED: "审批发证",
    EventKind.CERTIFICATE_HANDED_OVER: "证照交付",
    EventKind.CASE_SUPPLEMENTED: "接收补正材料",
    EventKind.TOLERATED_SUPPLIED: "容缺材料补交",
    EventKind.REVIEW_STARTED: "开始审查",
    EventKind.CASE_SUSPENDED: "挂起",
    EventKind.CASE_RESUMED: "恢复办理",
    EventKind.CASE_EXTENDED: "延长办理期限",
    EventKind.CASE_REFUSED: "不予许可",
    EventKind.CASE_MAILED: "邮寄送达",
    EventKind.CASE_WITHDRAWN: "撤回申请",
    EventKind.CASE_TERMINATED: "终止办理",
    EventKind.CASE_CORRECTED: "更正办件",
    EventKind.CERTIFICATE_REVOKED: "撤销许可",
    EventKind.SERVICE_RATED: "服务评价",
    EventKind.SERVICE_FOLLOWED_UP: "差评回访",
    EventKind.PAGES_ATTACHED: "材料页面",
    EventKind.SIGNED_IN: "登录",
    EventKind.SIGNED_OUT: "退出登录",
    EventKind.SIGN_IN_FAILED: "登录失败",
    EventKind.LOCKED: "锁屏",
    EventKind.UNLOCKED: "解锁",
    EventKind.PASSWORD_CHANGED: "修改密码",
    EventKind.EXPORTED: "导出",
}
REJECTION_LABEL = {
    "duplicate_case_number": "办件编号重复",
    "wrong_hall": "不属于本设备登记的大厅",
    "wrong_window": "不属于本设备登记的窗口",
    "invalid": "内容不合格式",
    "not_holder": "办件不属于本窗口",
    "not_permitted": "办理人员无此权限",
    "bad_signature": "证照签章无法核验",
    "event_id_reused": "事件编号已被另一条记录使用",
    "too_large": "单条记录过大",
    "rated_twice": "同一次服务重复评价",
    "rating_refused": "评价或回访对象不成立",
}
CONFLICT_REASON_LABEL = {
    "duplicate_case_number": "办件编号重复",
    "certificate_issued_twice": "同一办件重复发证",
    "certificate_handed_over_twice": "同一证照重复交付",
    "event_id_reused": "事件编号被重复使用",
    "chain_break": "哈希链断裂（记录可能被改动）",
    "lifecycle_conflict": "同一办件在两处被同时办理",
}

MAX_BATCH_EVENTS = 1000
MAX_BODY_BYTES = 16 * 1024 * 1024  # a push body; larger is refused whole (413 too_large)
MAX_EVENT_BYTES = 256 * 1024  # one event as JSON; larger is refused alone (rejected `too_large`)
MAX_BATCH_BYTES = 4 * 1024 * 1024  # what a window puts in one push body (well below MAX_BODY_BYTES)
MAX_PULL_CHANGES = 1000

# What one event may hold; `app.sync.events` builds the schema of each kind from these. The window checks
# them before it writes an event to its outbox (and tells the clerk which field), the server before it
# stores one (and refuses the event alone). An event's size is its JSON, compact, UTF-8, non-ASCII as is.
MAX_PAYLOAD_DEPTH = 8  # objects and lists nested in one payload
MAX_SAFE_INTEGER = 2**53 - 1  # beyond it an integer is not exact in every JSON reader
MAX_NAME_CHARS = 100  # the name of a person or an organisation
MAX_CLERK_TEXT_CHARS = 500  # what a clerk types as a reason or a defect
MAX_MESSAGE_CHARS = 2000  # text the program writes: a finding, a certificate's content
MAX_LIST_ITEMS = 500  # the materials, or the findings, of one case
MAX_COPIES = 50  # copies of one material handed in
MAX_PAGES = 2000  # pages of one material
MAX_AUTHORISATION_ID_CHARS = 40  # a 代办委托书's principal: their ID or credit code (app.helpers.agency)
MAX_AUTHORISATION_REFERENCE_CHARS = 60  # a 代办委托书's own number, if it has one
# Logins, as accounts make them: 2-40 lower-case letters, digits or . _ -, starting with a letter.
LOGIN_PATTERN = r"[a-z][a-z0-9._-]{1,39}"

# 帮办 (issue 15): a PC's signing keys and a helper's drafts, through the server (app.helpers.online on the
# window, server.helper_keys and server.helper_drafts on the server). Device credential on each.
# - POST KEYS_PUBLISH_PATH {"keys": [public key entries (app.seal.public_entry_json), at most
#   MAX_PUBLISHED_KEYS]}: the PC's own keys, registered for its window and hall (a `signing_key` change to
#   every window of the hall); 200 {"registered": [ids new to the server], "held": [ids held as they are],
#   "refused": [{"key_id", "reason": a HelperRefusal code, "message"}]}; 400 a body of another shape,
#   413 too_large.
# - POST DRAFTS_PATH {"draft": the draft's canonical JSON (app.helpers.drafts.canonical_bytes) as text,
#   "code": its hand-off code in the reference form, signed by the PC (app.helpers.handoff.reference_code)}:
#   the hall's copy; 200 {"draft_id", "stored": false when held already}; 400 with a HelperRefusal code
#   (names the problem), 409 conflict (another draft under its id), 413 too_large.
# - GET DRAFTS_PATH: the hall's open drafts (no case names them yet, made in the last OPEN_DRAFT_DAYS),
#   newest first, at most MAX_LISTED_DRAFTS: 200 {"drafts": [{"draft_id", "item_code", "catalog_version",
#   "applicant_name", "helper_login", "helper_name", "window_code", "created_at", "received_at"}]}.
# - GET DRAFT_PATH: one draft of the hall: 200 {"draft_id", "draft", "code", "window_code", "received_at",
#   "used_by": the number of the first case that named it, or null}; 404 not_found (also for another
#   hall's draft: it is not told of).
KEYS_PUBLISH_PATH = f"{API}/keys/publish"
DRAFTS_PATH = f"{API}/drafts"
DRAFT_PATH = f"{API}/drafts/{{draft_id}}"
MAX_PUBLISHED_KEYS = 50  # keys in one publication
MAX_OFFICE_NAME_CHARS = 200  # an office's name in a key entry
MAX_DRAFT_BYTES = 256 * 1024  # a draft's canonical JSON (a hand-off code inflating beyond it is refused too)
MAX_DRAFT_CODE_CHARS = 400  # a hand-off code in the reference form (about 180 characters)
MAX_DRAFT_BODY_BYTES = 2 * MAX_DRAFT_BYTES  # a draft upload: the draft as JSON text, escaped, and its code
MAX_LISTED_DRAFTS = 200
OPEN_DRAFT_DAYS = 30
# A signing key hall IT revoked with its PC (`clerk-server revoke`): {key_id, window_code, hall_code,
# revoked_at (ISO 8601 UTC), reason}; the windows of the hall refuse the hand-offs it signed from then on
# (app.helpers.revocations). What it sealed before (certificates) stays valid. Key = the key id.
KIND_SIGNING_KEY_REVOKED = "signing_key.revoked"
EARLIEST_DEVICE_TIME = "2000-01-01T00:00:00Z"  # an event dated before is from a PC with a wrong clock
MAX_CLOCK_AHEAD_SECONDS = 24 * 3600  # an event dated further ahead of the server's clock is refused


class HelperRefusal(StrEnum):
    """Why the server did not take a PC's key or a helper's draft: the `reason` of a refused key, the error
    code of a refused draft. A PC sends the key or draft again next round only when it may yet be taken
    (`HELPER_RETRY`); any other refusal is final (the PC records it once and stops sending it). A code a PC
    does not know (an older or newer server) is retried."""

    INVALID = "invalid"  # malformed, altered, not this PC's, out of the key's validity …: never taken
    CONFLICT = "conflict"  # another draft is held under its id
    TOO_LARGE = "too_large"
    KEY_CLASH = "key_clash"  # the key id is registered to another window or with another entry
    NOT_HALL_BODY = "not_hall_body"  # the key's office or the draft's item is not one the hall accepts for
    KEY_REVOKED = "key_revoked"  # the draft's key was revoked with its PC
    HELPER_DISABLED = "helper_disabled"  # the draft's helper is disabled or may not prepare drafts
    # Transient: the server may take it in a later round.
    KEY_NOT_REGISTERED = "key_not_registered"  # the draft's key is not on the server yet (published first)
    HELPER_NOT_SYNCED = "helper_not_synced"  # the draft's helper has no account on the server yet
    CATALOG_NOT_PUBLISHED = "catalog_not_published"  # the catalog version it needs is not published yet
    KEY_NOT_YET_VALID = "key_not_yet_valid"  # the key starts later than the server's tomorrow


HELPER_RETRY = frozenset(
    {
        HelperRefusal.KEY_NOT_REGISTERED,
        HelperRefusal.HELPER_NOT_SYNCED,
        HelperRefusal.CATALOG_NOT_PUBLISHED,
        HelperRefusal.KEY_NOT_YET_VALID,
    }
)


def helper_refusal_is_final(code: str | None) -> bool:
    """Whether a refusal with this code (the server's) ends the sending of a key or draft for good."""
    return code in set(HelperRefusal) - HELPER_RETRY


class WireError(ValueError):
    """A body that does not follow this format; the message names the field."""


def _require(data: Any, key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if not isinstance(data, dict) or key not in data:
        raise WireError(f"{where}: 缺少字段 {key}")
    value = data[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise WireError(f"{where}: 字段 {key} 类型错误")
    return value


# The same check, for the window's reading of other answers (app.sync.fetch).
require_field = _require


def _optional_text(data: dict[str, Any], key: str, where: str) -> str | None:
    """A text field an older peer leaves out (or sends as null)."""
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise WireError(f"{where}: 字段 {key} 类型错误")
    return value


@dataclass(frozen=True)
class WireEvent:
    """One outbox event: what happened to a case at a window, by whom, when (device clock, UTC).

    The payload of `case.decided` is `app.acceptance.case_snapshot`. Its applicant and agent carry
    `id_type`, the 证件类型 code of `app.identity_documents`; the agent's came later, and a payload without
    it (from an older window) means a resident ID. The server reads only the fields it needs
    (`server.sync`), so older payloads stay valid.
    """

    event_id: str  # UUID made by the window
    case_number: str
    kind: str  # an EventKind (a newer window may send one this side does not know: refused, `invalid`)
    payload: dict[str, Any]
    clerk_login: str
    window_code: str
    device_time: str  # ISO 8601 UTC, e.g. "2026-11-20T02:00:00Z"
    local_seq: int  # the window's own order of events
    # The window's hash chain (app.audit.chain): the hash of its previous event, and this one's. None
    # (absent on the wire) from a window older than the chain.
    prev_hash: str | None = None
    event_hash: str | None = None

    def to_json(self) -> dict[str, Any]:
        # Shallow on purpose: payloads are JSON-ready already, and dataclasses.asdict's deep copy of
        # every payload cost two thirds of a 10,000-case push.
        data = {
            "event_id": self.event_id,
            "case_number": self.case_number,
            "kind": self.kind,
            "payload": self.payload,
            "clerk_login": self.clerk_login,
            "window_code": self.window_code,
            "device_time": self.device_time,
            "local_seq": self.local_seq,
        }
        if self.prev_hash is not None or self.event_hash is not None:
            data["prev_hash"] = self.prev_hash
            data["event_hash"] = self.event_hash
        return data

    @classmethod
    def from_json(cls, data: Any, where: str = "event") -> WireEvent:
        return cls(
            event_id=_require(data, "event_id", str, where),
            case_number=_require(data, "case_number", str, where),
            kind=_require(data, "kind", str, where),
            payload=_require(data, "payload", dict, where),
            clerk_login=_require(data, "clerk_login", str, where),
            window_code=_require(data, "window_code", str, where),
            device_time=_require(data, "device_time", str, where),
            local_seq=_require(data, "local_seq", int, where),
            prev_hash=_optional_text(data, "prev_hash", where),
            event_hash=_optional_text(data, "event_hash", where),
        )


@dataclass(frozen=True)
class PushRequest:
    protocol: str
    window_code: str
    sent_at: str  # device clock, for skew reporting only
    events: list[WireEvent]

    def to_json(self) -> dict[str, Any]:
        return {
            "protocol": self.protocol,
            "window_code": self.window_code,
            "sent_at": self.sent_at,
            "events": [e.to_json() for e in self.events],
        }

    @classmethod
    def from_json(cls, data: Any) -> PushRequest:
        request, malformed = cls.read(data)
        if malformed:
            raise WireError(malformed[0].message)
        return request

    @classmethod
    def read(cls, data: Any) -> tuple[PushRequest, list[Rejection]]:
        """The request, and the events of another shape that can still be named by their event_id: the
        server refuses each of those alone (`rejected`, code invalid), so one broken event never holds up
        the batch it came in. WireError for a body, or an event, that cannot be read at all."""
        protocol = _require(data, "protocol", str, "push")
        if protocol != PROTOCOL:
            raise WireError(f"push: 不支持的协议 {protocol}（应为 {PROTOCOL}）")
        events = _require(data, "events", list, "push")
        if len(events) > MAX_BATCH_EVENTS:
            raise WireError(f"push: 一批最多 {MAX_BATCH_EVENTS} 条事件，收到 {len(events)} 条")
        window_code = _require(data, "window_code", str, "push")
        sent_at = _require(data, "sent_at", str, "push")
        parsed: list[WireEvent] = []
        malformed: list[Rejection] = []
        for i, raw in enumerate(events):
            try:
                parsed.append(WireEvent.from_json(raw, f"events[{i}]"))
            except WireError as error:
                event_id = raw.get("event_id") if isinstance(raw, dict) else None
                if not isinstance(event_id, str):
                    raise  # nothing to name it by: the batch is refused
                malformed.append(Rejection(event_id, "invalid", str(error)))
        return cls(protocol, window_code, sent_at, parsed), malformed


@dataclass(frozen=True)
class Rejection:
    event_id: str
    code: str  # a key of REJECTION_LABEL, e.g. "duplicate_case_number", "not_holder", "event_id_reused"
    message: str


@dataclass(frozen=True)
class PushResponse:
    acknowledged: list[str]  # committed on the server (including ones it already had)
    rejected: list[Rejection]
    server_time: str

    def to_json(self) -> dict[str, Any]:
        return {
            "acknowledged": self.acknowledged,
            "rejected": [asdict(r) for r in self.rejected],
            "server_time": self.server_time,
        }

    @classmethod
    def from_json(cls, data: Any) -> PushResponse:
        rejected = _require(data, "rejected", list, "push response")
        return cls(
            acknowledged=list(_require(data, "acknowledged", list, "push response")),
            rejected=[
                Rejection(
                    _require(r, "event_id", str, "rejected"),
                    _require(r, "code", str, "rejected"),
                    _require(r, "message", str, "rejected"),
                )
                for r in rejected
            ],
            server_time=_require(data, "server_time", str, "push response"),
        )


@dataclass(frozen=True)
class Change:
    """One entry of the server's change log, in commit order."""

    seq: int
    kind: str  # one of the KIND_* above
    key: str  # e.g. the case number, the catalog version
    payload: dict[str, Any]
    committed_at: str

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "kind": self.kind,
            "key": self.key,
            "payload": self.payload,
            "committed_at": self.committed_at,
        }

    @classmethod
    def from_json(cls, data: Any) -> Change:
        return cls(
            seq=_require(data, "seq", int, "change"),
            kind=_require(data, "kind", str, "change"),
            key=_require(data, "key", str, "change"),
            payload=_require(data, "payload", dict, "change"),
            committed_at=_require(data, "committed_at", str, "change"),
        )


@dataclass(frozen=True)
class PullResponse:
    changes: list[Change]
    cursor: str  # opaque; send it back as ?cursor=
    more: bool

    def to_json(self) -> dict[str, Any]:
        return {"changes": [c.to_json() for c in self.changes], "cursor": self.cursor, "more": self.more}

    @classmethod
    def from_json(cls, data: Any) -> PullResponse:
        return cls(
            changes=[Change.from_json(c) for c in _require(data, "changes", list, "pull response")],
            cursor=_require(data, "cursor", str, "pull response"),
            more=_require(data, "more", bool, "pull response"),
        )


@dataclass(frozen=True)
class EnrollRequest:
    code: str  # one-time enrolment code issued by hall IT on the server
    window_code: str  # the folder's window code; empty for a folder not yet a window (the code decides)
    device_name: str

    @classmethod
    def from_json(cls, data: Any) -> EnrollRequest:
        return cls(
            code=_require(data, "code", str, "enroll"),
            window_code=_require(data, "window_code", str, "enroll"),
            device_name=_require(data, "device_name", str, "enroll"),
        )


@dataclass(frozen=True)
class EnrollResponse:
    """A pending device: usable only to confirm (CONFIRM_PATH) until it has."""

    device_id: str
    secret: str  # shown once; the window keeps it in the OS keyring
    hall_code: str
    window_code: str  # assigned by the server (from the code), written into the window's settings
    window_name: str = ""  # as hall IT named the window when issuing the code; empty if not

    @classmethod
    def from_json(cls, data: Any) -> EnrollResponse:
        name = data.get("window_name", "") if isinstance(data, dict) else ""
        if not isinstance(name, str):
            raise WireError("enroll response: 字段 window_name 类型错误")
        return cls(
            device_id=_require(data, "device_id", str, "enroll response"),
            secret=_require(data, "secret", str, "enroll response"),
            hall_code=_require(data, "hall_code", str, "enroll response"),
            window_code=_require(data, "window_code", str, "enroll response"),
            window_name=name,
        )


@dataclass(frozen=True)
class ConfirmResponse:
    """The device is the window's active one now; `replaced` lists the devices it replaced (revoked)."""

    device_id: str
    hall_code: str
    window_code: str
    replaced: list[str] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: Any) -> ConfirmResponse:
        return cls(
            device_id=_require(data, "device_id", str, "confirm response"),
            hall_code=_require(data, "hall_code", str, "confirm response"),
            window_code=_require(data, "window_code", str, "confirm response"),
            replaced=list(_require(data, "replaced", list, "confirm response")),
        )


@dataclass(frozen=True)
class DayCount:
    day: str  # YYYY-MM-DD (China time, the case's received_on)
    cases: int
    events: int


@dataclass(frozen=True)
class ReconcileResponse:
    window_code: str
    days: list[DayCount] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"window_code": self.window_code, "days": [asdict(d) for d in self.days]}

    @classmethod
    def from_json(cls, data: Any) -> ReconcileResponse:
        return cls(
            window_code=_require(data, "window_code", str, "reconcile"),
            days=[
                DayCount(
                    _require(d, "day", str, "day"),
                    _require(d, "cases", int, "day"),
                    _require(d, "events", int, "day"),
                )
                for d in _require(data, "days", list, "reconcile")
            ],
        )


@dataclass(frozen=True)
class ResolveRequest:
    """A supervisor's resolution of a conflict, sent by a window of the conflict's hall.

    The supervisor proves who they are with their own login and password: the server checks them against
    the hall's accounts and records the resolver from the account, whatever the window claims. The
    password is never logged or stored (only the account's hash is)."""

    resolution: str  # what was found and done (1-500 characters)
    supervisor_login: str  # the supervisor's account of the hall
    supervisor_password: str
    device_time: str  # the window's clock, ISO 8601 UTC

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def __repr__(self) -> str:  # never the password, should a request end up in a log or a crash report
        return f"ResolveRequest(supervisor_login={self.supervisor_login!r}, device_time={self.device_time!r})"

    @classmethod
    def from_json(cls, data: Any) -> ResolveRequest:
        if isinstance(data, dict) and "resolved_by" in data and "supervisor_login" not in data:
            raise WireError(
                "resolve: 本窗口程序版本过旧（只发送处理人账号，没有负责人密码）；"
                "请升级窗口程序后由值班主任输入账号和密码处理"
            )
        password = _require(data, "supervisor_password", str, "resolve")
        if len(password) > MAX_PASSWORD_CHARS:
            raise WireError(f"resolve: 字段 supervisor_password 超过 {MAX_PASSWORD_CHARS} 个字符")
        login = _require(data, "supervisor_login", str, "resolve")
        if len(login) > MAX_LOGIN_CHARS:
            raise WireError(f"resolve: 字段 supervisor_login 超过 {MAX_LOGIN_CHARS} 个字符")
        return cls(
            resolution=_require(data, "resolution", str, "resolve"),
            supervisor_login=login,
            supervisor_password=password,
            device_time=_require(data, "device_time", str, "resolve"),
        )


@dataclass(frozen=True)
class ErrorBody:
    error: str  # machine code: "unauthorized" | "revoked" | "forbidden" | "invalid" | "too_large" | ...
    message: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class BlobStatus:
    """What the server holds of one file from the asking PC's hall."""

    sha256: str
    size: int  # as declared
    received: int  # bytes held from this hall, in order from the first
    complete: bool  # held whole and verified: nothing more to send

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> BlobStatus:
        status = cls(
            sha256=_require(data, "sha256", str, "blob"),
            size=_require(data, "size", int, "blob"),
            received=_require(data, "received", int, "blob"),
            complete=_require(data, "complete", bool, "blob"),
        )
        if not 0 <= status.received <= status.size:
            raise WireError(f"blob: received {status.received} 不在 0–{status.size} 之间")
        return status


@dataclass(frozen=True)
class LicenceLookupRequest:
    """The licences of a holder, asked by a window of the hall (LICENCE_LOOKUP_PATH). The ID is checked by
    the server as by the window (app.licence_library.lookup.holder_number)."""

    holder_id: str  # a 证件号码 or 统一社会信用代码 (at most MAX_HOLDER_ID_CHARS)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def __repr__(self) -> str:  # an applicant's ID never whole in a log or a crash report
        return f"LicenceLookupRequest(holder_id={self.holder_id[:4]!r}…)"

    @classmethod
    def from_json(cls, data: Any) -> LicenceLookupRequest:
        if not isinstance(data, dict) or set(data) != {"holder_id"}:
            raise WireError("licences: 请求应为只含 holder_id 的对象")
        holder_id = _require(data, "holder_id", str, "licences")
        if len(holder_id) > MAX_HOLDER_ID_CHARS:
            raise WireError(f"licences: 字段 holder_id 超过 {MAX_HOLDER_ID_CHARS} 个字符")
        return cls(holder_id)
