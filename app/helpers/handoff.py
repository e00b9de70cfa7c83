"""The hand-off code: a helper's draft as the QR of the 帮办预审单, signed by the helper's PC, read by a
window offline.

Text::

    WCH1: + BASE32(header || body || signature)

in the certificate seal's envelope style (app.seal: its string encoding, reader and base32; every
character is QR-alphanumeric, so the QR is encoded in alphanumeric mode, and ASCII case is folded when
read). `header` is ``u8 format`` (1), ``u8 algorithm`` (1 = Ed25519), ``str key id``. `body` is one of

- ``u8 1`` (full) + zlib(canonical JSON of the draft, app.helpers.drafts.canonical_bytes);
- ``u8 2`` (reference) + 16 bytes draft id (uuid) + 32 bytes SHA-256 of the canonical JSON: used when the
  full text would be longer than `MAX_HANDOFF_CHARS`; the draft itself follows by sync.

The signature is Ed25519 over ``SIGNING_PREFIX || header || body``. A certificate's seal signs header ||
body alone, and a certificate's header begins with the byte 1 where this prefix begins with "w": no
signature of one purpose verifies as the other.

**The key.** The helper's PC signs with its own window signing key for the item's implementing body
(app.signing_keys.SigningKeys.current, key id ``{org9}-{window}-{suffix}``): the key a PC of the hall already
has, in its keyring, whose public entry reaches every window of the hall through the key directory
(app.sync.pulled_keys). One key per PC and office to guard, one directory, one way to stop trusting a PC;
the signing prefix keeps the purposes apart. The window checks that the key's id names the PC the draft
says it was made on, that the key is of the item's implementing body, and that it is not revoked here
(app.helpers.revocations).

**The limit.** `MAX_HANDOFF_CHARS` (1,400 characters: QR version 25 at error correction M, 117 modules)
printed 60 mm wide (0.48 mm a module, fits the 80 mm receipt printer) was read by zxing-cpp from 200 dpi
renders blurred, rotated and noised; 1,800 characters (version 29) already failed one of three and 2,200
all of them. A draft with a few materials fits with room; one with many pages or long defect notes goes by
reference.
"""

from __future__ import annotations

import uuid
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select

from app.catalog import Hall, ServiceItem
from app.catalog_store import CatalogRepository
from app.competence import referral
from app.helpers.drafts import (
    ChecklistChanges,
    Draft,
    DraftError,
    canonical_bytes,
    checklist_changes,
    draft_from_bytes,
    draft_sha256,
    held_draft,
)
from app.helpers.revocations import revoked_keys
from app.seal import (
    ALGORITHM_IDS,
    ED25519,
    OfficeKey,
    PayloadMalformed,
    PayloadReader,
    PublicKeyEntry,
    base32_decode,
    base32_encode,
    encode_string,
    stored_entry,
)
from app.sync import wire
from app.sync.certificate_event import key_window
from db.models import OfficeKey as OfficeKeyRow
from db.store import Store

PREFIX = "WCH1:"
SIGNING_PREFIX = b"window-clerk-handoff/1\x00"
FORMAT_VERSION = 1
FULL, REFERENCE = 1, 2
SIGNATURE_BYTES = 64
MAX_HANDOFF_CHARS = 1400
MAX_DRAFT_BYTES = wire.MAX_DRAFT_BYTES  # a draft inflated beyond this is refused (a zlib bomb)


class HandoffStatus(StrEnum):
    LOADED = "loaded"
    MALFORMED = "malformed"  # not decodable: cut short, damaged, another format
    UNKNOWN_KEY = "unknown_key"  # the signing key is not in this window's key directory
    REVOKED = "revoked"  # the key is not trusted here any more
    ALTERED = "altered"  # the signature does not verify, or a signed detail contradicts the key
    NOT_HANDLED = "not_handled"  # the item is not in this hall's catalog or competence
    NOT_SYNCED = "not_synced"  # a reference whose draft has not reached this window


@dataclass(frozen=True)
class Handoff:
    """What a scanned hand-off code gave: `draft` only when LOADED."""

    status: HandoffStatus
    message: str
    draft: Draft | None = None
    item: ServiceItem | None = None
    key_id: str | None = None
    by_reference: bool = False
    changes: ChecklistChanges | None = None  # the draft was made under another catalog version
    draft_id: str | None = None  # NOT_SYNCED: the draft the reference names (app.helpers.online fetches it)


_MALFORMED = "帮办预审单二维码内容不完整或已损坏，未填入任何内容，请重新扫描"
_ALTERED = "帮办预审单二维码签名不符：内容被改动或已损坏，未填入任何内容"
NOT_SYNCED_MESSAGE = "该预审单的完整内容尚未同步到本窗口"


def is_handoff_text(text: str) -> bool:
    return text.strip()[: len(PREFIX)].upper() == PREFIX


# -- making ---------------------------------------------------------------------------------------------
def _header(key_id: str) -> bytes:
    return bytes((FORMAT_VERSION, ALGORITHM_IDS[ED25519])) + encode_string(key_id, "密钥编号")


def _signed_text(message: bytes, key: OfficeKey) -> str:
    signature = key.private_key.sign(SIGNING_PREFIX + message)
    return PREFIX + base32_encode(message + signature)


def handoff_code(draft: Draft, *, key: OfficeKey) -> str:
    """The QR text of `draft`, signed with the helper PC's `key`: the whole draft when it fits
    `MAX_HANDOFF_CHARS`, else its reference (id and hash)."""
    header = _header(key.key_id)
    full = _signed_text(header + bytes((FULL,)) + zlib.compress(canonical_bytes(draft), 9), key)
    if len(full) <= MAX_HANDOFF_CHARS:
        return full
    return reference_code(draft, key=key)


def reference_code(draft: Draft, *, key: OfficeKey) -> str:
    body = bytes((REFERENCE,)) + uuid.UUID(draft.draft_id).bytes + draft_sha256(draft)
    return _signed_text(_header(key.key_id) + body, key)


# -- reading --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Envelope:
    key_id: str
    algorithm_id: int
    message: bytes
    body: bytes
    signature: bytes


def _open(text: str) -> _Envelope:
    compact = "".join(text.split()).upper()
    if not compact.startswith(PREFIX) or not compact.isascii():
        raise PayloadMalformed("不是帮办预审单二维码")
    try:
        data = base32_decode(compact[len(PREFIX) :])
    except ValueError:
        raise PayloadMalformed("不是有效的 base32 文本") from None
    reader = PayloadReader(data)
    if reader.u8() != FORMAT_VERSION:
        raise PayloadMalformed("格式版本不受支持，请升级本程序")
    algorithm_id = reader.u8()
    key_id = reader.string()
    header_end = reader.position
    if len(data) < header_end + 1 + SIGNATURE_BYTES:
        raise PayloadMalformed("数据被截断")
    split = len(data) - SIGNATURE_BYTES
    return _Envelope(key_id, algorithm_id, data[:split], data[header_end:split], data[split:])


@dataclass(frozen=True)
class Reference:
    """A hand-off code in the reference form, decoded (its signature not checked yet: `signed_by`)."""

    key_id: str
    draft_id: str
    sha256: bytes
    envelope: _Envelope

    def signed_by(self, entry: PublicKeyEntry) -> bool:
        return entry.key_id == self.key_id and _signature_ok(entry, self.envelope)


def read_reference(text: str) -> Reference:
    """The reference form of a hand-off code (what a draft sent through the server carries); PayloadMalformed
    naming the problem for anything else."""
    if len(text) > wire.MAX_DRAFT_CODE_CHARS:
        raise PayloadMalformed(f"长度超过 {wire.MAX_DRAFT_CODE_CHARS} 个字符")
    envelope = _open(text)
    kind, rest = envelope.body[0], envelope.body[1:]
    if kind != REFERENCE or len(rest) != 48:
        raise PayloadMalformed("不是引用形式（预审单编号和摘要）的交接码")
    draft_id = str(uuid.UUID(bytes=rest[:16]))
    return Reference(envelope.key_id, draft_id, rest[16:], envelope)


def _signature_ok(entry: PublicKeyEntry, envelope: _Envelope) -> bool:
    if envelope.algorithm_id != ALGORITHM_IDS.get(entry.algorithm):
        return False
    try:
        Ed25519PublicKey.from_public_bytes(entry.public_key).verify(
            envelope.signature, SIGNING_PREFIX + envelope.message
        )
    except (InvalidSignature, ValueError):
        return False
    return True


def _inflate(data: bytes) -> bytes:
    inflater = zlib.decompressobj()
    try:
        content = inflater.decompress(data, MAX_DRAFT_BYTES)
    except zlib.error:
        raise PayloadMalformed("压缩数据无效") from None
    if inflater.unconsumed_tail or not inflater.eof or inflater.unused_data:
        raise PayloadMalformed("压缩数据过大或不完整")
    return content


@dataclass(frozen=True)
class Trust:
    """What a window trusts a hand-off with: its key directory and the keys revoked here."""

    keys: Mapping[str, PublicKeyEntry]
    revoked: Mapping[str, str]  # key id → reason


def read_handoff(
    text: str,
    *,
    trust: Trust,
    item_of: Callable[[str], ServiceItem | None],
    item_at: Callable[[str, str], ServiceItem | None],
    hall: Hall,
    held: Callable[[str], tuple[Draft, bytes] | None],
) -> Handoff:
    """Read a scanned hand-off code offline; never raises. Checks in order: decodable → the key known here →
    not revoked → the signature → the draft (inline, or held here for a reference) → made on the PC the
    key names → the item in this hall's catalog and competence → the key of the item's implementing body."""
    try:
        envelope = _open(text)
    except PayloadMalformed as error:
        return Handoff(HandoffStatus.MALFORMED, f"{_MALFORMED}（{error.detail}）")
    key_id = envelope.key_id
    entry = trust.keys.get(key_id)
    if entry is None:
        return Handoff(
            HandoffStatus.UNKNOWN_KEY,
            f"帮办预审单由未知设备签名（密钥 {key_id}）：本窗口没有该设备的公钥，无法确认由谁预审，"
            "未填入任何内容；请同步后重试，或请申请人到帮办处重新打印",
            key_id=key_id,
        )
    reason = trust.revoked.get(key_id)
    if reason is not None:
        return Handoff(
            HandoffStatus.REVOKED,
            f"该帮办设备已被停用（窗口 {key_window(key_id) or key_id}，原因：{reason}）：其签发的帮办预审单"
            "不予采信，未填入任何内容；请按原件受理，或请申请人到帮办处重新办理",
            key_id=key_id,
        )
    if not _signature_ok(entry, envelope):
        return Handoff(HandoffStatus.ALTERED, _ALTERED, key_id=key_id)
    kind, rest = envelope.body[0], envelope.body[1:]
    by_reference = kind == REFERENCE
    try:
        if kind == FULL:
            draft = draft_from_bytes(_inflate(rest))
        elif by_reference and len(rest) == 48:
            draft_id = str(uuid.UUID(bytes=rest[:16]))
            found = held(draft_id)
            if found is None:
                return Handoff(
                    HandoffStatus.NOT_SYNCED,
                    f"{NOT_SYNCED_MESSAGE}（预审单编号 {draft_id}）：请待同步完成后再扫，或按原件直接受理",
                    key_id=key_id,
                    by_reference=True,
                    draft_id=draft_id,
                )
            draft, digest = found
            if digest != rest[16:]:
                return Handoff(
                    HandoffStatus.ALTERED,
                    f"本窗口所存的预审单 {draft_id} 与二维码所签内容不一致，未填入任何内容",
                    key_id=key_id,
                    by_reference=True,
                )
        else:
            raise PayloadMalformed("内容类型未知")
    except PayloadMalformed as error:
        return Handoff(HandoffStatus.MALFORMED, f"{_MALFORMED}（{error.detail}）", key_id=key_id)
    except DraftError as error:
        return Handoff(HandoffStatus.MALFORMED, f"帮办预审单签名有效但内容无法读取：{error}", key_id=key_id)
    if key_window(key_id) != draft.device:
        return Handoff(
            HandoffStatus.ALTERED,
            f"{_ALTERED}：签名设备（密钥 {key_id}）不是预审单所记的设备 {draft.device}",
            key_id=key_id,
        )
    day = draft.created_at.date()
    if day < entry.valid_from or (entry.valid_until is not None and day > entry.valid_until):
        return Handoff(
            HandoffStatus.ALTERED,
            f"帮办预审单的制作日期 {day} 不在设备密钥 {key_id} 的有效期内，不予采信，未填入任何内容",
            key_id=key_id,
        )
    item = item_of(draft.item_code)
    if item is None:
        return Handoff(
            HandoffStatus.NOT_HANDLED,
            f"本大厅的事项目录中没有预审单所列事项（{draft.item_code}），本窗口不能受理，未填入任何内容",
            key_id=key_id,
        )
    outside = referral(item=item, hall=hall)
    if outside is not None:
        return Handoff(
            HandoffStatus.NOT_HANDLED,
            f"预审单所列事项「{item.name}」不由本大厅受理：{outside.message}；未填入任何内容",
            key_id=key_id,
        )
    if entry.office_code != item.body_code:
        return Handoff(
            HandoffStatus.ALTERED,
            f"{_ALTERED}：签名密钥属于 {entry.office_name}，不是事项「{item.name}」的实施机关",
            key_id=key_id,
        )
    changes = None
    if draft.checklist_sha256 != item.checklist_sha256:  # made under an older version: re-checked
        then = item_at(draft.item_code, draft.catalog_version)
        changes = checklist_changes(then=then, now=item, draft_version=draft.catalog_version)
    request = draft.request
    who = f"{draft.helper_name}（{draft.helper_login}）"
    message = (
        f"已载入帮办预审单：{item.name}，申请人 {request.applicant.name}，帮办员 {who}；请核对原件后决定"
    )
    return Handoff(
        HandoffStatus.LOADED,
        message,
        draft=draft,
        item=item,
        key_id=key_id,
        by_reference=by_reference,
        changes=changes,
    )


def window_trust(store: Store) -> Trust:
    with store.read() as session:
        keys = {row.key_id: stored_entry(row) for row in session.scalars(select(OfficeKeyRow))}
        revoked = {key_id: row.reason for key_id, row in revoked_keys(session).items()}
    return Trust(keys=keys, revoked=revoked)


def read_at_window(text: str, *, store: Store, catalog: CatalogRepository, hall: Hall) -> Handoff:
    """A hand-off code scanned at this window, read against its key directory, revocations, catalog and
    the drafts that reached it. Stores nothing."""
    return read_handoff(
        text,
        trust=window_trust(store),
        item_of=catalog.item,
        item_at=catalog.item_at,
        hall=hall,
        held=lambda draft_id: held_draft(store, draft_id),
    )
