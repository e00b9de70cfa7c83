"""Electronic seal on printed certificates (证照): GB/T 36904 identifiers and a signed QR payload.

The QR code printed on a certificate is an uppercase URL::

    HTTPS://ZWFW.EXAMPLE.GOV.CN/V/ + BASE32(header || body || signature)

A phone camera opens the office's online status page; the app (or any third party holding the
office's public key directory) verifies the part after the last "/" offline.  The whole text uses
only QR alphanumeric characters (0-9, A-Z, ``$*+-./:``), so the QR code is encoded in alphanumeric
mode, and it survives a scanner that lowercases (verification folds ASCII case).

Payload format version 1 (the normative description, with a worked example checked by the tests,
is ``docs/certificate-payload.md``):

header
    ``u8 format version`` (1), ``u8 algorithm id`` (1 = Ed25519; 2 is reserved for SM2 with SM3),
    ``str key id``.
body
    ``str`` certificate identifier without the root ``1.2.156.3005.2.`` (its issuer field is the
    issuer's credit code), ``str`` type name, ``str`` holder name, ``str`` masked holder id,
    ``str`` issuer name, ``u16`` issue date, ``u16`` last valid day (0xFFFF = no end), ``str``
    case number, ``str`` verify base without ``HTTPS://``.
signature
    Ed25519 over the exact bytes header || body (64 bytes, always last).

``str`` is a LEB128 varint ``count * 4 + encoding`` followed by the text in the encoding the
signer found shortest: 0 = UTF-8 (count = bytes), 1 = UTF-16BE (count = 16-bit units; Chinese
text takes 2 bytes a character instead of 3), 2 = "packed" (count = characters from the 40
symbols ``0-9A-Z-./*``, three characters in two bytes).  ``u16`` dates are big-endian day
numbers since 1970-01-01.

The verify URL is not a separate claim of the signer's choosing: the certificate's ``verify_url``
*is* the QR text, ``verify_base + payload``.  The base (without the scheme) is signed in the body,
so a verifier can rebuild the URL from a bare payload and a QR code whose URL part was altered
is reported as forged.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app import json_input
from app.checksum import mod37_36_check_char

# --- GB/T 36904-2018 certificate identifiers ------------------------------------------------

IDENTIFIER_ROOT = "1.2.156.3005.2."
_ALNUM_FIELD = re.compile(r"[0-9A-Z]{1,32}")
_CREDIT_CODE = re.compile(r"[0-9A-Z]{18}")
_VERSION_FIELD = re.compile(r"[0-9]{3}")


@dataclass(frozen=True)
class CertificateIdentifier:
    """The parts of ``1.2.156.3005.2.{type}.{issuer}.{serial}.{version:03d}.{check}``."""

    type_code: str
    issuer_code: str
    serial: str
    version: int
    check: str

    @property
    def text(self) -> str:
        fields = (self.type_code, self.issuer_code, self.serial, f"{self.version:03d}", self.check)
        return IDENTIFIER_ROOT + ".".join(fields)

    def __str__(self) -> str:
        return self.text


def _check_identifier_fields(type_code: str, issuer_code: str, serial: str, version: int) -> None:
    if not _ALNUM_FIELD.fullmatch(type_code):
        raise ValueError(f"证照类型代码“{type_code}”无效：应为 1–32 位数字或大写字母")
    if not _CREDIT_CODE.fullmatch(issuer_code):
        raise ValueError(f"颁发机构代码“{issuer_code}”无效：应为 18 位统一社会信用代码")
    if not _ALNUM_FIELD.fullmatch(serial):
        raise ValueError(f"证照流水号“{serial}”无效：应为 1–32 位数字或大写字母")
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= 999:
        raise ValueError(f"证照版本号 {version!r} 无效：应为 1–999")


def certificate_identifier(*, type_code: str, issuer_code: str, serial: str, version: int = 1) -> str:
    """The GB/T 36904 identifier; the check character is ISO/IEC 7064 MOD 37,36 over the fields
    after the root with the dots removed.  Fields are stripped and uppercased; ValueError (Chinese)
    on a field that does not fit."""
    type_code, issuer_code, serial = (part.strip().upper() for part in (type_code, issuer_code, serial))
    _check_identifier_fields(type_code, issuer_code, serial, version)
    check = mod37_36_check_char(f"{type_code}{issuer_code}{serial}{version:03d}")
    return CertificateIdentifier(type_code, issuer_code, serial, version, check).text


def parse_certificate_identifier(text: str) -> CertificateIdentifier:
    """Split and check a GB/T 36904 identifier (surrounding whitespace and lowercase tolerated).

    ValueError with a Chinese message on a wrong root, structure, field or check character.
    """
    value = text.strip().upper()
    if not value.startswith(IDENTIFIER_ROOT):
        raise ValueError(f"证照标识“{text.strip()}”无效：应以 {IDENTIFIER_ROOT} 开头")
    parts = value[len(IDENTIFIER_ROOT) :].split(".")
    if len(parts) != 5:
        raise ValueError(
            f"证照标识“{value}”结构错误：根代码后应为“证照类型代码.颁发机构代码.流水号.版本号.校验位”5 段，"
            f"实为 {len(parts)} 段"
        )
    type_code, issuer_code, serial, version_text, check = parts
    if not _VERSION_FIELD.fullmatch(version_text) or version_text == "000":
        raise ValueError(f"证照标识“{value}”中的版本号“{version_text}”无效：应为 001–999")
    _check_identifier_fields(type_code, issuer_code, serial, int(version_text))
    expected = mod37_36_check_char(f"{type_code}{issuer_code}{serial}{version_text}")
    if check != expected:
        raise ValueError(f"证照标识“{value}”校验位错误：应为 {expected}，实为 {check or '（空）'}")
    return CertificateIdentifier(type_code, issuer_code, serial, int(version_text), check)


# --- Claims, keys and the key directory ------------------------------------------------------


@dataclass(frozen=True)
class CertificateClaims:
    """What the seal vouches for.

    ``verify_url`` is the certificate's online verification URL, which is the complete QR text
    (verify base + payload).  It cannot be an input of signing (it contains the signature):
    ``sign_certificate`` does not read it -- leave it empty -- and ``verify_payload`` fills it in.
    ``issuer_code`` must be the issuer field of ``certificate_id``.
    """

    certificate_id: str
    type_name: str
    holder_name: str
    holder_id_masked: str
    issuer_name: str
    issuer_code: str
    issued_on: date
    valid_until: date | None
    case_number: str
    verify_url: str = ""


ED25519 = "Ed25519"
# Algorithm ids in the payload header.  2 is reserved for "SM2" (SM2 signature with SM3, 64-byte
# r || s, GB/T 32918 / GB/T 35276); a verifier that does not know an id reports UNKNOWN_KEY.
ALGORITHM_IDS: dict[str, int] = {ED25519: 1}
_ALGORITHM_NAMES = {number: name for name, number in ALGORITHM_IDS.items()}
_SIGNATURE_LENGTHS = {1: 64}
_KEY_ID = re.compile(r"[0-9A-Z][0-9A-Z.\-]{0,31}")


def _check_key_id(key_id: str) -> None:
    if not isinstance(key_id, str) or not _KEY_ID.fullmatch(key_id):
        raise ValueError(f"密钥编号“{key_id}”无效：应为 1–32 位大写字母、数字、“-”或“.”，以字母或数字开头")


def _check_office_code(office_code: str) -> None:
    if not isinstance(office_code, str) or not _CREDIT_CODE.fullmatch(office_code):
        raise ValueError(f"机关代码“{office_code}”无效：应为 18 位统一社会信用代码（数字或大写字母）")


@dataclass(frozen=True)
class PublicKeyEntry:
    """One key of a key directory: what a third-party verifier needs to check a seal offline.

    ``valid_from`` / ``valid_until`` bound the *issue dates* of the certificates the key may sign
    (a retired key keeps verifying what it signed while it was in service); ``None`` = open-ended.
    """

    key_id: str
    algorithm: str
    public_key: bytes
    office_name: str
    office_code: str
    valid_from: date
    valid_until: date | None

    def __post_init__(self) -> None:
        _check_key_id(self.key_id)
        if self.algorithm not in ALGORITHM_IDS:
            supported = "、".join(ALGORITHM_IDS)
            raise ValueError(f"密钥 {self.key_id} 的签名算法“{self.algorithm}”不受支持（支持：{supported}）")
        if not isinstance(self.public_key, bytes) or len(self.public_key) != 32:
            raise ValueError(f"密钥 {self.key_id} 的公钥应为 32 字节")
        if not isinstance(self.office_name, str) or not self.office_name.strip():
            raise ValueError(f"密钥 {self.key_id} 缺少机关名称")
        _check_office_code(self.office_code)
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise ValueError(
                f"密钥 {self.key_id} 的有效期结束日 {self.valid_until} 早于开始日 {self.valid_from}"
            )


@dataclass(frozen=True)
class OfficeKey:
    """An office's signing key (Ed25519).  Keep ``private_bytes()`` secret; publish ``public_entry``."""

    key_id: str
    office_code: str
    private_key: Ed25519PrivateKey = field(repr=False)

    def __post_init__(self) -> None:
        _check_key_id(self.key_id)
        _check_office_code(self.office_code)

    @classmethod
    def generate(cls, *, key_id: str, office_code: str) -> OfficeKey:
        return cls(key_id=key_id, office_code=office_code, private_key=Ed25519PrivateKey.generate())

    @classmethod
    def from_private_bytes(cls, private_bytes: bytes, *, key_id: str, office_code: str) -> OfficeKey:
        """From the raw 32-byte Ed25519 private key (RFC 8032 seed)."""
        if len(private_bytes) != 32:
            raise ValueError(f"Ed25519 私钥应为 32 字节，实为 {len(private_bytes)} 字节")
        key = Ed25519PrivateKey.from_private_bytes(private_bytes)
        return cls(key_id=key_id, office_code=office_code, private_key=key)

    def private_bytes(self) -> bytes:
        """The raw 32-byte private key."""
        return self.private_key.private_bytes_raw()

    def public_bytes(self) -> bytes:
        """The raw 32-byte public key."""
        return self.private_key.public_key().public_bytes_raw()

    def public_entry(self, *, office_name: str, valid_from: date, valid_until: date | None) -> PublicKeyEntry:
        return PublicKeyEntry(
            key_id=self.key_id,
            algorithm=ED25519,
            public_key=self.public_bytes(),
            office_name=office_name,
            office_code=self.office_code,
            valid_from=valid_from,
            valid_until=valid_until,
        )


KEY_DIRECTORY_FORMAT = "window-clerk-certificate-keys/1"
_ENTRY_FIELDS = (
    "key_id",
    "algorithm",
    "public_key",
    "office_name",
    "office_code",
    "valid_from",
    "valid_until",
)
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")


class KeyDirectoryError(ValueError):
    """A key directory file that cannot be used; the message (Chinese) says where and why."""


class KeyDirectory(Mapping[str, PublicKeyEntry]):
    """Public keys by key id: the file a third-party verifier is given (see ``to_json``)."""

    def __init__(self, entries: Iterable[PublicKeyEntry] = ()) -> None:
        self._entries: dict[str, PublicKeyEntry] = {}
        for entry in entries:
            self.add(entry)

    def add(self, entry: PublicKeyEntry) -> None:
        """Add a key; ValueError if the key id is already taken."""
        if entry.key_id in self._entries:
            raise ValueError(f"密钥编号 {entry.key_id} 重复")
        self._entries[entry.key_id] = entry

    def __getitem__(self, key_id: str) -> PublicKeyEntry:
        return self._entries[key_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def key_ids(self) -> list[str]:
        """The key ids in the order they were added (same as ``list(directory)``)."""
        return list(self._entries)

    def __repr__(self) -> str:
        return f"KeyDirectory({list(self._entries.values())!r})"

    def to_json(self) -> str:
        keys = [public_entry_json(entry) for entry in self._entries.values()]
        return json.dumps({"format": KEY_DIRECTORY_FORMAT, "keys": keys}, ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str | bytes) -> KeyDirectory:
        """Read a key directory; KeyDirectoryError (a ValueError) naming the problem otherwise."""
        try:
            data = json_input.loads(text)
        except json_input.JsonInputError as exc:
            raise KeyDirectoryError(f"密钥目录文件{exc}") from None
        if not isinstance(data, dict):
            raise KeyDirectoryError("密钥目录文件格式错误：顶层应为 JSON 对象")
        if data.get("format") != KEY_DIRECTORY_FORMAT:
            raise KeyDirectoryError(
                f"密钥目录文件格式应为“{KEY_DIRECTORY_FORMAT}”，实为“{data.get('format')}”"
            )
        if set(data) != {"format", "keys"}:
            extra = "、".join(sorted(set(data) - {"format", "keys"})) or "keys"
            raise KeyDirectoryError(f"密钥目录文件格式错误：顶层字段应为 format 与 keys（问题字段：{extra}）")
        keys = data["keys"]
        if not isinstance(keys, list):
            raise KeyDirectoryError("密钥目录文件格式错误：keys 应为数组")
        directory = cls()
        for number, item in enumerate(keys, start=1):
            entry = public_entry_from_json(item, where=f"密钥目录第 {number} 项")
            if entry.key_id in directory:
                raise KeyDirectoryError(f"密钥目录第 {number} 项：密钥编号 {entry.key_id} 重复")
            directory.add(entry)
        return directory


def stored_entry(row: Any) -> PublicKeyEntry:
    """A key entry from a stored row that has the entry's fields, the public key as hex: the window's key
    directory (`db.models.OfficeKey`) and the server's registered keys (`server.models.signing_key`)."""
    return PublicKeyEntry(
        key_id=row.key_id,
        algorithm=row.algorithm,
        public_key=bytes.fromhex(row.public_key),
        office_name=row.office_name,
        office_code=row.office_code,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
    )


def public_entry_json(entry: PublicKeyEntry) -> dict[str, Any]:
    """One key as the key directory file holds it (and as a `certificate.issued` event carries it)."""
    return {
        "key_id": entry.key_id,
        "algorithm": entry.algorithm,
        "public_key": entry.public_key.hex(),
        "office_name": entry.office_name,
        "office_code": entry.office_code,
        "valid_from": entry.valid_from.isoformat(),
        "valid_until": entry.valid_until.isoformat() if entry.valid_until else None,
    }


def public_entry_from_json(item: Any, *, where: str = "密钥") -> PublicKeyEntry:
    """The inverse of `public_entry_json`, strict: KeyDirectoryError (a ValueError) naming `where` and the
    problem for a missing, unknown or malformed field."""
    if not isinstance(item, dict):
        raise KeyDirectoryError(f"{where}应为 JSON 对象")
    missing = [name for name in _ENTRY_FIELDS if name not in item]
    if missing:
        raise KeyDirectoryError(f"{where}缺少字段：{'、'.join(missing)}")
    unknown = sorted(set(item) - set(_ENTRY_FIELDS))
    if unknown:
        raise KeyDirectoryError(f"{where}有未知字段：{'、'.join(unknown)}（请检查拼写）")
    for name in _ENTRY_FIELDS:
        if not isinstance(item[name], str) and not (name == "valid_until" and item[name] is None):
            raise KeyDirectoryError(f"{where}的字段 {name} 应为文本")
    if not _HEX64.fullmatch(item["public_key"]):
        raise KeyDirectoryError(f"{where}的公钥应为 64 个十六进制字符（32 字节）")

    def day(name: str) -> date:
        try:
            return date.fromisoformat(item[name])
        except ValueError:
            raise KeyDirectoryError(f"{where}的 {name}“{item[name]}”不是 YYYY-MM-DD 格式的日期") from None

    try:
        return PublicKeyEntry(
            key_id=item["key_id"],
            algorithm=item["algorithm"],
            public_key=bytes.fromhex(item["public_key"]),
            office_name=item["office_name"],
            office_code=item["office_code"],
            valid_from=day("valid_from"),
            valid_until=None if item["valid_until"] is None else day("valid_until"),
        )
    except KeyDirectoryError:
        raise
    except ValueError as exc:
        raise KeyDirectoryError(f"{where}：{exc}") from None


# --- Payload encoding ------------------------------------------------------------------------

FORMAT_VERSION = 1
QR_MAX_CHARS = 4296  # alphanumeric capacity of the largest QR code (version 40-L)
_SCHEME = "HTTPS://"
_EPOCH = date(1970, 1, 1)
_NO_END = 0xFFFF
_LAST_DAY = _EPOCH + timedelta(days=_NO_END - 1)  # 2149-06-05

_UTF8, _UTF16, _PACKED = 0, 1, 2
_PACK_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-./*"
_PACK_INDEX = {ch: i for i, ch in enumerate(_PACK_ALPHABET)}
_MAX_COUNT = (1 << 14) // 4 - 1  # a string header is at most two varint bytes

_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_BASE32_INDEX = {ch: i for i, ch in enumerate(_BASE32)}
# QR alphanumeric characters that may appear in a URL (space and "%" may not, unescaped).
_VERIFY_BASE = re.compile(r"HTTPS://[0-9A-Z$*+\-.:]+/[0-9A-Z$*+\-./:]*")


class _Malformed(Exception):
    """Internal: the payload cannot be decoded; ``detail`` says why (Chinese)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def base32_encode(data: bytes) -> str:
    """RFC 4648 base32, no padding; the unused low bits of the last character are zero."""
    out: list[str] = []
    acc = bits = 0
    for byte in data:
        acc = (acc << 8) | byte
        bits += 8
        while bits >= 5:
            bits -= 5
            out.append(_BASE32[(acc >> bits) & 31])
    if bits:
        out.append(_BASE32[(acc << (5 - bits)) & 31])
    return "".join(out)


def base32_decode(text: str) -> bytes:
    """Strict inverse of ``base32_encode`` (uppercase only): ValueError on any other character,
    a length that no byte string encodes to, or non-zero unused bits."""
    out = bytearray()
    acc = bits = 0
    for ch in text:
        value = _BASE32_INDEX.get(ch)
        if value is None:
            raise ValueError(f"{ch!r} is not a base32 character")
        acc = ((acc << 5) | value) & 0xFFF
        bits += 5
        if bits >= 8:
            bits -= 8
            out.append((acc >> bits) & 0xFF)
    if bits >= 5 or acc & ((1 << bits) - 1):
        raise ValueError("not a canonical unpadded base32 text")
    return bytes(out)


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        if value:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def _pack(text: str) -> bytes:
    values = [_PACK_INDEX[ch] for ch in text]
    out = bytearray()
    full = len(values) - len(values) % 3
    for i in range(0, full, 3):
        out += (values[i] * 1600 + values[i + 1] * 40 + values[i + 2]).to_bytes(2, "big")
    rest = values[full:]
    if len(rest) == 1:
        out.append(rest[0])
    elif len(rest) == 2:
        out += (rest[0] * 40 + rest[1]).to_bytes(2, "big")
    return bytes(out)


def _encode_string(text: str, what: str) -> bytes:
    """The shortest of the three string encodings (ties: packed, UTF-8, UTF-16BE)."""
    try:
        utf8 = text.encode("utf-8")
        utf16 = text.encode("utf-16-be")
    except UnicodeEncodeError:
        raise ValueError(f"{what}含有无法编码的字符（孤立代理项）") from None
    candidates: list[tuple[int, int, bytes]] = []
    if all(ch in _PACK_INDEX for ch in text):
        candidates.append((_PACKED, len(text), _pack(text)))
    candidates.append((_UTF8, len(utf8), utf8))
    candidates.append((_UTF16, len(utf16) // 2, utf16))
    encoded = [_varint(count * 4 + enc) + data for enc, count, data in candidates if count <= _MAX_COUNT]
    if not encoded:
        raise ValueError(f"{what}过长")
    return min(encoded, key=len)  # min() keeps the first of equal lengths


def _day_number(day: date, what: str) -> int:
    if not _EPOCH <= day <= _LAST_DAY:
        raise ValueError(f"{what} {day} 超出可编码范围（{_EPOCH} 至 {_LAST_DAY}）")
    return (day - _EPOCH).days


class _Reader:
    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    @property
    def position(self) -> int:
        return self._pos

    def at_end(self) -> bool:
        return self._pos == len(self._data)

    def take(self, count: int) -> bytes:
        if count > len(self._data) - self._pos:
            raise _Malformed("数据被截断")
        chunk = self._data[self._pos : self._pos + count]
        self._pos += count
        return chunk

    def u8(self) -> int:
        return self.take(1)[0]

    def u16(self) -> int:
        return int.from_bytes(self.take(2), "big")

    def varint(self) -> int:
        first = self.u8()
        if first < 0x80:
            return first
        second = self.u8()
        if second == 0 or second >= 0x80:  # overlong, or longer than two bytes
            raise _Malformed("长度字段无效")
        return (first & 0x7F) | (second << 7)

    def string(self) -> str:
        header = self.varint()
        enc, count = header & 3, header >> 2
        try:
            if enc == _UTF8:
                return self.take(count).decode("utf-8")
            if enc == _UTF16:
                return self.take(2 * count).decode("utf-16-be")
        except UnicodeDecodeError:
            raise _Malformed("文字编码无效") from None
        if enc == _PACKED:
            return self._packed(count)
        raise _Malformed(f"未知的文字编码 {enc}")

    def _packed(self, count: int) -> str:
        out: list[str] = []
        for _ in range(count // 3):
            value = self.u16()
            if value >= 40**3:
                raise _Malformed("压缩文字无效")
            out += (
                _PACK_ALPHABET[value // 1600],
                _PACK_ALPHABET[value // 40 % 40],
                _PACK_ALPHABET[value % 40],
            )
        if count % 3 == 1:
            value = self.u8()
            if value >= 40:
                raise _Malformed("压缩文字无效")
            out.append(_PACK_ALPHABET[value])
        elif count % 3 == 2:
            value = self.u16()
            if value >= 40**2:
                raise _Malformed("压缩文字无效")
            out += (_PACK_ALPHABET[value // 40], _PACK_ALPHABET[value % 40])
        return "".join(out)


def normalize_verify_base(verify_base: str) -> str:
    """Uppercase, append a final "/" if missing, and check the base is an HTTPS URL made of QR
    alphanumeric characters (space and "%" excluded); ValueError (Chinese) otherwise."""
    base = verify_base.strip().upper()
    if not base.endswith("/"):
        base += "/"
    if not _VERIFY_BASE.fullmatch(base):
        raise ValueError(
            f"核验网址前缀“{verify_base}”无效：应以 https:// 开头，且只含字母、数字和 $*+-.:/ "
            "（二维码字母数字模式可编码的字符）"
        )
    return base


# --- Signing ---------------------------------------------------------------------------------


def _header(algorithm_id: int, key_id: str) -> bytes:
    return bytes((FORMAT_VERSION, algorithm_id)) + _encode_string(key_id, "密钥编号")


def sign_certificate(claims: CertificateClaims, *, key: OfficeKey, verify_base: str) -> str:
    """The complete QR text ``VERIFY_BASE + BASE32(header || body || signature)``.

    ``claims.verify_url`` is not read (the returned text is the certificate's verify URL).
    ValueError (Chinese) if the claims cannot be sealed: a bad certificate id, an issuer code that
    is not the id's issuer field or not the key's office, an unmasked holder id, an empty name,
    dates out of order or range, a bad verify base, or a text too long for any QR code.
    """
    identifier = parse_certificate_identifier(claims.certificate_id)
    if claims.issuer_code != identifier.issuer_code:
        raise ValueError(
            f"签发机关代码 {claims.issuer_code} 与证照标识中的颁发机构代码 {identifier.issuer_code} 不一致"
        )
    if key.office_code != identifier.issuer_code:
        raise ValueError(
            f"签发密钥 {key.key_id} 属于机关 {key.office_code}，不能为 {identifier.issuer_code} 签发证照"
        )
    for what, value in (("证照名称", claims.type_name), ("持证人名称", claims.holder_name)):
        if not value.strip():
            raise ValueError(f"{what}不能为空")
    if not claims.issuer_name.strip():
        raise ValueError("签发机关名称不能为空")
    if "*" not in claims.holder_id_masked:
        raise ValueError("持证人证件号码须脱敏后（如 110105********002X）才能写入二维码")
    if claims.valid_until is not None and claims.valid_until < claims.issued_on:
        raise ValueError(f"有效期截止日 {claims.valid_until} 早于签发日期 {claims.issued_on}")
    base = normalize_verify_base(verify_base)

    body = b"".join(
        (
            _encode_string(identifier.text[len(IDENTIFIER_ROOT) :], "证照标识"),
            _encode_string(claims.type_name, "证照名称"),
            _encode_string(claims.holder_name, "持证人名称"),
            _encode_string(claims.holder_id_masked, "持证人证件号码"),
            _encode_string(claims.issuer_name, "签发机关名称"),
            _day_number(claims.issued_on, "签发日期").to_bytes(2, "big"),
            (
                _NO_END if claims.valid_until is None else _day_number(claims.valid_until, "有效期截止日")
            ).to_bytes(2, "big"),
            _encode_string(claims.case_number, "办件编号"),
            _encode_string(base[len(_SCHEME) :], "核验网址前缀"),
        )
    )
    message = _header(ALGORITHM_IDS[ED25519], key.key_id) + body
    signature = key.private_key.sign(message)
    text = base + base32_encode(message + signature)
    if len(text) > QR_MAX_CHARS:
        raise ValueError(f"二维码内容过长（{len(text)} 个字符，最多 {QR_MAX_CHARS} 个），请缩短名称等字段")
    return text


# --- Verification ----------------------------------------------------------------------------


class VerificationStatus(StrEnum):
    VALID = "valid"
    FORGED = "forged"  # signature does not verify, or a signed detail contradicts the key/URL
    EXPIRED = "expired"  # genuine, but today is after the last valid day
    KEY_NOT_VALID = "key_not_valid"  # genuine signature, issue date outside the key's validity
    UNKNOWN_KEY = "unknown_key"  # key id (or algorithm) not in the verifier's directory
    MALFORMED = "malformed"  # not a payload of a known format version, damaged or truncated
    # Genuine, but revoked (撤销) by an approver of the hall: the verifier's local record of revocations
    # (app.certificates.CertificateService.verify; they reach every window by sync).
    REVOKED = "revoked"


VERIFICATION_LABEL = {
    VerificationStatus.VALID: "真实有效",
    VerificationStatus.FORGED: "签名不符：可能伪造或被篡改",
    VerificationStatus.EXPIRED: "已过期",
    VerificationStatus.KEY_NOT_VALID: "签发日期不在签发密钥的有效期内",
    VerificationStatus.UNKNOWN_KEY: "未知签发密钥",
    VerificationStatus.MALFORMED: "内容不完整或已损坏",
    VerificationStatus.REVOKED: "已撤销",
}


@dataclass(frozen=True)
class RevocationNote:
    """Why a genuine certificate no longer counts: revoked on `revoked_on`, for `reason`, on `basis`."""

    revoked_on: date
    reason: str
    basis: str

    def sentence(self) -> str:
        return f"已于 {self.revoked_on.isoformat()} 撤销；撤销原因：{self.reason}；依据：{self.basis}"


@dataclass(frozen=True)
class Verification:
    """Outcome of ``verify_payload``.  ``claims`` only when the signature verified with a key of
    the directory (VALID, EXPIRED, KEY_NOT_VALID); ``key_id`` whenever the header could be read."""

    status: VerificationStatus
    message: str
    claims: CertificateClaims | None
    key_id: str | None
    revocation: RevocationNote | None = None  # REVOKED: when, why, on what basis


_MALFORMED_MESSAGE = "二维码内容不完整或已损坏"
_FORGED_MESSAGE = "签名不符，证照可能被伪造或篡改"


@dataclass(frozen=True)
class _Envelope:
    version: int
    algorithm_id: int
    key_id: str
    message: bytes  # header || body, what the signature covers
    body: bytes
    signature: bytes


def _split_text(text: str) -> tuple[str | None, str]:
    """(base or None, payload) of a scanned text, whitespace removed and ASCII case folded."""
    if len(text) > 2 * QR_MAX_CHARS:
        raise _Malformed("内容过长")
    compact = "".join(text.split())
    if not compact.isascii():
        raise _Malformed("含有非 ASCII 字符")
    compact = compact.upper()
    slash = compact.rfind("/")
    if slash < 0:
        return None, compact
    return compact[: slash + 1], compact[slash + 1 :]


def _open_envelope(payload: str) -> _Envelope:
    if not payload:
        raise _Malformed("没有数据")
    try:
        data = base32_decode(payload)
    except ValueError:
        raise _Malformed("不是有效的 base32 文本") from None
    reader = _Reader(data)
    version = reader.u8()
    if version != FORMAT_VERSION:
        raise _Malformed(f"格式版本 {version} 不受支持，请升级核验软件或通过网址在线核验")
    algorithm_id = reader.u8()
    key_id = reader.string()
    header_length = reader.position
    signature_length = _SIGNATURE_LENGTHS.get(algorithm_id, 0)
    if len(data) < header_length + signature_length:
        raise _Malformed("数据被截断")
    split = len(data) - signature_length
    return _Envelope(
        version=version,
        algorithm_id=algorithm_id,
        key_id=key_id,
        message=data[:split],
        body=data[header_length:split],
        signature=data[split:],
    )


@dataclass(frozen=True)
class _Body:
    identifier_tail: str
    type_name: str
    holder_name: str
    holder_id_masked: str
    issuer_name: str
    issued_on: date
    valid_until: date | None
    case_number: str
    verify_base_rest: str


def _decode_body(body: bytes) -> _Body:
    reader = _Reader(body)
    identifier_tail = reader.string()
    type_name = reader.string()
    holder_name = reader.string()
    holder_id_masked = reader.string()
    issuer_name = reader.string()
    issued = reader.u16()
    until = reader.u16()
    case_number = reader.string()
    verify_base_rest = reader.string()
    if not reader.at_end():
        raise _Malformed("签名内容后有多余数据")
    if issued == _NO_END:
        raise _Malformed("签发日期无效")
    return _Body(
        identifier_tail=identifier_tail,
        type_name=type_name,
        holder_name=holder_name,
        holder_id_masked=holder_id_masked,
        issuer_name=issuer_name,
        issued_on=_EPOCH + timedelta(days=issued),
        valid_until=None if until == _NO_END else _EPOCH + timedelta(days=until),
        case_number=case_number,
        verify_base_rest=verify_base_rest,
    )


def _signature_ok(entry: PublicKeyEntry, envelope: _Envelope) -> bool:
    if entry.algorithm != _ALGORITHM_NAMES.get(envelope.algorithm_id):
        return False
    try:
        Ed25519PublicKey.from_public_bytes(entry.public_key).verify(envelope.signature, envelope.message)
    except (InvalidSignature, ValueError):
        return False
    return True


def _validity_text(claims: CertificateClaims) -> str:
    return "长期有效" if claims.valid_until is None else f"有效期至 {claims.valid_until}"


def verify_payload(text: str, *, keys: KeyDirectory, today: date) -> Verification:
    """Verify a scanned QR text (the complete URL, or the bare payload after the last "/") offline.

    Never raises.  Whitespace is ignored and ASCII case folded.  Order of the checks:
    MALFORMED (not decodable) → UNKNOWN_KEY (key id or algorithm not in ``keys``) → FORGED
    (signature; then the id's issuer code must be the key's office code and a scanned URL part must
    be the signed base) → MALFORMED (signed but unreadable body) → KEY_NOT_VALID (issue date outside
    the key's validity) → EXPIRED (``today`` after the last valid day) → VALID.
    """
    if not isinstance(text, str):  # defensive: callers from untyped code (a scanner driver)
        return Verification(VerificationStatus.MALFORMED, _MALFORMED_MESSAGE, None, None)
    try:
        scanned_base, payload = _split_text(text)
        envelope = _open_envelope(payload)
    except _Malformed as exc:
        return Verification(VerificationStatus.MALFORMED, f"{_MALFORMED_MESSAGE}（{exc.detail}）", None, None)
    key_id = envelope.key_id

    def outcome(
        status: VerificationStatus, message: str, claims: CertificateClaims | None = None
    ) -> Verification:
        return Verification(status, message, claims, key_id)

    entry = keys.get(key_id)
    if envelope.algorithm_id not in _ALGORITHM_NAMES:
        return outcome(
            VerificationStatus.UNKNOWN_KEY,
            f"不支持的签名算法（编号 {envelope.algorithm_id}），无法离线核验，请通过网址在线核验",
        )
    if entry is None:
        return outcome(
            VerificationStatus.UNKNOWN_KEY, f"未知的签发密钥 {key_id}，无法离线核验，请通过网址在线核验"
        )
    if not _signature_ok(entry, envelope):
        return outcome(VerificationStatus.FORGED, _FORGED_MESSAGE)
    try:
        body = _decode_body(envelope.body)
        identifier = parse_certificate_identifier(IDENTIFIER_ROOT + body.identifier_tail)
    except (_Malformed, ValueError) as exc:
        detail = exc.detail if isinstance(exc, _Malformed) else str(exc)
        return outcome(VerificationStatus.MALFORMED, f"二维码签名有效但内容无法解析（{detail}）")
    if identifier.issuer_code != entry.office_code:
        return outcome(
            VerificationStatus.FORGED,
            f"{_FORGED_MESSAGE}：证照标识中的颁发机构 {identifier.issuer_code} 不是签发密钥 {key_id} "
            f"所属机关（{entry.office_name}，{entry.office_code}）",
        )
    signed_base = _SCHEME + body.verify_base_rest
    if scanned_base is not None and scanned_base != signed_base:
        return outcome(
            VerificationStatus.FORGED,
            f"{_FORGED_MESSAGE}：二维码中的网址 {scanned_base} 与签发时的核验网址 {signed_base} 不符",
        )
    claims = CertificateClaims(
        certificate_id=identifier.text,
        type_name=body.type_name,
        holder_name=body.holder_name,
        holder_id_masked=body.holder_id_masked,
        issuer_name=body.issuer_name,
        issuer_code=identifier.issuer_code,
        issued_on=body.issued_on,
        valid_until=body.valid_until,
        case_number=body.case_number,
        verify_url=signed_base + payload,
    )
    if body.issued_on < entry.valid_from or (
        entry.valid_until is not None and body.issued_on > entry.valid_until
    ):
        window = f"{entry.valid_from} 至 {entry.valid_until or '长期'}"
        return outcome(
            VerificationStatus.KEY_NOT_VALID,
            f"签名密钥 {key_id} 只能签发 {window} 的证照，而本证照签发日期为 {body.issued_on}，证照不可信",
            claims,
        )
    if claims.valid_until is not None and today > claims.valid_until:
        expired_on = claims.valid_until + timedelta(days=1)
        return outcome(
            VerificationStatus.EXPIRED,
            f"证照已于 {expired_on} 过期（有效期至 {claims.valid_until}）："
            f"{claims.type_name}，持证人 {claims.holder_name}",
            claims,
        )
    return outcome(
        VerificationStatus.VALID,
        f"证照有效：{claims.type_name}，持证人 {claims.holder_name}，{claims.issuer_name} "
        f"{claims.issued_on} 签发，{_validity_text(claims)}",
        claims,
    )


# --- Shared with other signed payloads (app.helpers.handoff) ---------------------------------
# The same string encoding, reader and base32 text: one envelope style for every signed code the
# project prints. A payload of another purpose signs under its own prefix, so its signature is never
# one over a certificate's header || body (which starts with the format byte 1).
encode_string = _encode_string
PayloadReader = _Reader
PayloadMalformed = _Malformed
