"""Electronic seal: GB/T 36904 identifiers, signed QR payloads, offline verification, key directory,
and the worked example of docs/certificate-payload.md (checked here so the document cannot drift)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from app.checksum import ALPHANUMERIC
from app.identifiers import mask_resident_id
from app.seal import (
    CertificateClaims,
    CertificateIdentifier,
    KeyDirectory,
    KeyDirectoryError,
    OfficeKey,
    PublicKeyEntry,
    Verification,
    VerificationStatus,
    base32_decode,
    base32_encode,
    certificate_identifier,
    parse_certificate_identifier,
    sign_certificate,
    verify_payload,
)

DOC = Path(__file__).resolve().parent.parent / "docs" / "certificate-payload.md"

VECTOR = "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U"
# RFC 8032 section 7.1, TEST 1: a published key, so it can never protect anything real.
TEST_KEY_HEX = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
TEST_PUBLIC_HEX = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
OFFICE_CODE = "11510100MB1C5E420M"
OFFICE_NAME = "示例市自然资源和规划局"
BASE = "https://zwfw.example.gov.cn/v/"
TODAY = date(2026, 12, 1)
QR_ALPHANUMERIC = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")

KEY = OfficeKey.from_private_bytes(bytes.fromhex(TEST_KEY_HEX), key_id="K-2026-01", office_code=OFFICE_CODE)
ENTRY = KEY.public_entry(office_name=OFFICE_NAME, valid_from=date(2026, 1, 1), valid_until=None)
KEYS = KeyDirectory([ENTRY])
CLAIMS = CertificateClaims(
    certificate_id=certificate_identifier(
        type_code="11100000000013338W011", issuer_code=OFFICE_CODE, serial="20260000117"
    ),
    type_name="建设工程规划许可证",
    holder_name="示例市锦华建设发展有限公司",
    holder_id_masked=mask_resident_id("91310110666007217T"),
    issuer_name=OFFICE_NAME,
    issuer_code=OFFICE_CODE,
    issued_on=date(2026, 11, 20),
    valid_until=date(2027, 11, 19),
    case_number="SZX0103-20261120-0001Y",
)
QR = sign_certificate(CLAIMS, key=KEY, verify_base=BASE)
PAYLOAD = QR.rsplit("/", 1)[1]
HEADER = base32_decode(PAYLOAD)[:9]  # version, algorithm, key id "K-2026-01" (packed: 1 + 6 bytes)


def verify(text: str, *, keys: KeyDirectory = KEYS, today: date = TODAY) -> Verification:
    return verify_payload(text, keys=keys, today=today)


def resealed(data: bytes) -> str:
    return BASE.upper() + base32_encode(data)


# --- GB/T 36904 identifiers -------------------------------------------------------------------


def test_identifier_vector() -> None:
    parsed = parse_certificate_identifier(VECTOR)
    assert parsed == CertificateIdentifier(
        type_code="11100000000013338W011",
        issuer_code="11430000006122244L",
        serial="20230000403",
        version=1,
        check="U",
    )
    assert parsed.text == str(parsed) == VECTOR
    assert (
        certificate_identifier(
            type_code="11100000000013338W011", issuer_code="11430000006122244L", serial="20230000403"
        )
        == VECTOR
    )
    assert parse_certificate_identifier(f"  {VECTOR.lower()}\n") == parsed


def test_identifier_version_is_three_digits() -> None:
    text = certificate_identifier(type_code="T1", issuer_code=OFFICE_CODE, serial="7", version=12)
    assert ".012." in text
    assert parse_certificate_identifier(text).version == 12
    for bad in (0, 1000, -1):
        with pytest.raises(ValueError, match="版本号"):
            certificate_identifier(type_code="T1", issuer_code=OFFICE_CODE, serial="7", version=bad)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (VECTOR[:-1] + "V", "校验位错误：应为 U，实为 V"),
        (VECTOR.replace("1.2.156.3005.2.", "1.2.156.3005.1."), "开头"),
        (VECTOR.replace(".001.", "."), "5 段"),
        (VECTOR + ".X", "5 段"),
        (VECTOR.replace(".001.", ".000."), "版本号"),
        (VECTOR.replace(".001.", ".01."), "版本号"),
        (VECTOR.replace("11430000006122244L", "1143000000612224"), "颁发机构代码"),
        (VECTOR.replace("20230000403", "2023-0403"), "流水号"),
        ("", "开头"),
    ],
)
def test_identifier_errors_say_what_is_wrong(text: str, fragment: str) -> None:
    with pytest.raises(ValueError, match=re.escape(fragment)):
        parse_certificate_identifier(text)


def test_identifier_check_catches_every_single_substitution() -> None:
    prefix = len("1.2.156.3005.2.")
    for position in range(prefix, len(VECTOR)):
        if VECTOR[position] == ".":
            continue
        for ch in ALPHANUMERIC:
            if ch != VECTOR[position]:
                with pytest.raises(ValueError):
                    parse_certificate_identifier(VECTOR[:position] + ch + VECTOR[position + 1 :])


# --- signing and verification -----------------------------------------------------------------


def test_round_trip_is_valid_and_returns_the_claims() -> None:
    result = verify(QR)
    assert result.status is VerificationStatus.VALID
    assert result.key_id == "K-2026-01"
    assert result.claims == replace(CLAIMS, verify_url=QR)
    assert result.message == (
        "证照有效：建设工程规划许可证，持证人 示例市锦华建设发展有限公司，"
        "示例市自然资源和规划局 2026-11-20 签发，有效期至 2027-11-19"
    )


def test_qr_text_is_an_uppercase_url_in_qr_alphanumeric_characters() -> None:
    assert QR.startswith("HTTPS://ZWFW.EXAMPLE.GOV.CN/V/")
    assert set(QR) <= QR_ALPHANUMERIC - {" ", "%"}
    assert sign_certificate(CLAIMS, key=KEY, verify_base=BASE) == QR  # Ed25519 is deterministic
    assert sign_certificate(CLAIMS, key=KEY, verify_base=BASE.upper().rstrip("/")) == QR


def test_bare_payload_lowercase_and_whitespace_are_tolerated() -> None:
    for text in (PAYLOAD, QR.lower(), f"  {QR}\r\n", PAYLOAD.lower(), f"\t{PAYLOAD[:40]}\n{PAYLOAD[40:]} "):
        result = verify(text)
        assert result.status is VerificationStatus.VALID, text
        assert result.claims is not None
        assert result.claims.verify_url == QR  # rebuilt from the signed base for a bare payload


def test_sign_does_not_read_verify_url() -> None:
    assert sign_certificate(replace(CLAIMS, verify_url="https://elsewhere/"), key=KEY, verify_base=BASE) == QR


def test_another_key_with_the_same_key_id_is_forged() -> None:
    impostor = OfficeKey.generate(key_id="K-2026-01", office_code=OFFICE_CODE)
    forged = sign_certificate(CLAIMS, key=impostor, verify_base=BASE)
    result = verify(forged)
    assert result.status is VerificationStatus.FORGED
    assert result.message == "签名不符，证照可能被伪造或篡改"
    assert result.claims is None
    assert result.key_id == "K-2026-01"


def test_unknown_key_id() -> None:
    other = OfficeKey.generate(key_id="K-2030-07", office_code=OFFICE_CODE)
    result = verify(sign_certificate(CLAIMS, key=other, verify_base=BASE))
    assert result.status is VerificationStatus.UNKNOWN_KEY
    assert "K-2030-07" in result.message
    assert "无法离线核验" in result.message
    assert result.claims is None
    assert result.key_id == "K-2030-07"
    assert verify(QR, keys=KeyDirectory()).status is VerificationStatus.UNKNOWN_KEY


def test_expired_keeps_the_claims() -> None:
    assert verify(QR, today=date(2027, 11, 19)).status is VerificationStatus.VALID  # last valid day
    result = verify(QR, today=date(2027, 11, 20))
    assert result.status is VerificationStatus.EXPIRED
    assert result.message.startswith("证照已于 2027-11-20 过期（有效期至 2027-11-19）")
    assert result.claims == replace(CLAIMS, verify_url=QR)


def test_no_end_date_never_expires() -> None:
    text = sign_certificate(replace(CLAIMS, valid_until=None), key=KEY, verify_base=BASE)
    result = verify(text, today=date(2149, 1, 1))
    assert result.status is VerificationStatus.VALID
    assert result.claims is not None
    assert result.claims.valid_until is None
    assert result.message.endswith("长期有效")


@pytest.mark.parametrize(
    ("valid_from", "valid_until"),
    [(date(2026, 11, 21), None), (date(2025, 1, 1), date(2026, 11, 19))],
)
def test_issue_date_outside_the_key_validity(valid_from: date, valid_until: date | None) -> None:
    keys = KeyDirectory([replace(ENTRY, valid_from=valid_from, valid_until=valid_until)])
    result = verify(QR, keys=keys)
    assert result.status is VerificationStatus.KEY_NOT_VALID
    assert "2026-11-20" in result.message
    assert result.claims is not None  # the signature itself verified
    boundary = KeyDirectory([replace(ENTRY, valid_from=date(2026, 11, 20), valid_until=date(2026, 11, 20))])
    assert verify(QR, keys=boundary).status is VerificationStatus.VALID


def test_key_of_another_office_is_forged_even_with_a_good_signature() -> None:
    keys = KeyDirectory(
        [replace(ENTRY, office_code="11510100MB1D03950H", office_name="示例市住房和城乡建设局")]
    )
    result = verify(QR, keys=keys)
    assert result.status is VerificationStatus.FORGED
    assert "11510100MB1D03950H" in result.message
    assert result.claims is None


@pytest.mark.parametrize(
    "text",
    [
        QR.replace("ZWFW.EXAMPLE.GOV.CN", "ZWFW.EXAMPIE.GOV.CN"),
        QR.replace("HTTPS://", "HTTP://"),
        "HTTPS://EVIL.EXAMPLE.COM/V/" + PAYLOAD,
        "/" + PAYLOAD,
    ],
)
def test_altered_url_part_is_forged(text: str) -> None:
    result = verify(text)
    assert result.status is VerificationStatus.FORGED
    assert "网址" in result.message
    assert result.claims is None


@pytest.mark.parametrize(
    "text",
    ["", "   ", "/", "HTTPS://ZWFW.EXAMPLE.GOV.CN/V/", "HELLO", "12345", QR + "?X=1", QR + "=", "证照" + QR],
)
def test_garbage_is_malformed(text: str) -> None:
    result = verify(text)
    assert result.status is VerificationStatus.MALFORMED
    assert result.message.startswith("二维码内容不完整或已损坏")
    assert result.claims is None


def test_unknown_format_version_and_algorithm() -> None:
    data = bytearray(base32_decode(PAYLOAD))
    data[0] = 2
    result = verify(resealed(bytes(data)))
    assert result.status is VerificationStatus.MALFORMED
    assert "格式版本 2" in result.message
    data[0], data[1] = 1, 2  # 2 is reserved for SM2 with SM3
    result = verify(resealed(bytes(data)))
    assert result.status is VerificationStatus.UNKNOWN_KEY
    assert "签名算法" in result.message
    assert result.key_id == "K-2026-01"


def test_truncation_at_every_length_is_never_valid() -> None:
    for text in (QR, PAYLOAD):
        for length in range(len(text)):
            assert verify(text[:length]).status is not VerificationStatus.VALID, length
    data = base32_decode(PAYLOAD)
    for length in range(len(data)):
        assert verify(resealed(data[:length])).status is not VerificationStatus.VALID, length


def test_every_single_bit_flip_of_the_example_is_caught() -> None:
    data = base32_decode(PAYLOAD)
    for bit in range(8 * len(data)):
        flipped = bytearray(data)
        flipped[bit // 8] ^= 1 << (bit % 8)
        assert verify(resealed(bytes(flipped))).status is not VerificationStatus.VALID, bit


def test_every_single_base32_substitution_of_the_example_is_caught() -> None:
    start = len(QR) - len(PAYLOAD)
    for position in range(start, len(QR)):
        for ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567":
            if ch != QR[position]:
                text = QR[:position] + ch + QR[position + 1 :]
                assert verify(text).status is not VerificationStatus.VALID, (position, ch)


def test_unused_bits_of_the_last_character_must_be_zero() -> None:
    # 5 × len(PAYLOAD) − 8 × bytes leaves spare bits in the last character; a misread that only
    # changes those would decode to the same bytes, so the strict decoder refuses it.
    spare = 5 * len(PAYLOAD) - 8 * len(base32_decode(PAYLOAD))
    assert spare > 0
    last = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".index(PAYLOAD[-1])
    text = QR[:-1] + "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[last | 1]
    assert text != QR
    assert verify(text).status is VerificationStatus.MALFORMED


@settings(max_examples=300, deadline=None)
@given(position=st.integers(min_value=0), replacement=st.characters())
def test_single_character_substitution_in_the_payload_is_never_valid(position: int, replacement: str) -> None:
    index = len(QR) - len(PAYLOAD) + position % len(PAYLOAD)
    assume(replacement.upper() != QR[index] or not replacement.isascii())
    text = QR[:index] + replacement + QR[index + 1 :]
    assert verify(text).status is not VerificationStatus.VALID


names = st.text(st.characters(codec="utf-8"), min_size=1, max_size=40).filter(lambda s: bool(s.strip()))


@st.composite
def claims_strategy(draw: st.DrawFn) -> CertificateClaims:
    issued = draw(st.dates(min_value=date(1970, 1, 1), max_value=date(2149, 6, 5)))
    until = draw(st.none() | st.dates(min_value=issued, max_value=date(2149, 6, 5)))
    identifier = certificate_identifier(
        type_code=draw(st.text("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=32)),
        issuer_code=OFFICE_CODE,
        serial=draw(st.text("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=32)),
        version=draw(st.integers(1, 999)),
    )
    return CertificateClaims(
        certificate_id=identifier,
        type_name=draw(names),
        holder_name=draw(names),
        holder_id_masked=draw(st.text(max_size=20).map(lambda s: s + "*")),
        issuer_name=draw(names),
        issuer_code=OFFICE_CODE,
        issued_on=issued,
        valid_until=until,
        case_number=draw(st.text(max_size=40)),
    )


BASES = st.sampled_from(
    [BASE, "HTTPS://Z.GOV.CN/", "HTTPS://ZWFW.EXAMPLE.GOV.CN:8443/ZZ/V/", "https://a.cn/$*+-.:/"]
)

SLOW = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SLOW
@given(claims=claims_strategy(), base=BASES)
def test_any_claims_round_trip(claims: CertificateClaims, base: str) -> None:
    text = sign_certificate(claims, key=KEY, verify_base=base)
    assert set(text) <= QR_ALPHANUMERIC
    keys = KeyDirectory([replace(ENTRY, valid_from=date(1970, 1, 1))])
    result = verify(text, keys=keys, today=claims.issued_on)
    assert result.status is VerificationStatus.VALID, result.message
    assert result.claims == replace(claims, verify_url=text)


@SLOW
@given(claims=claims_strategy(), bit=st.integers(min_value=0))
def test_any_single_bit_flip_is_never_valid(claims: CertificateClaims, bit: int) -> None:
    keys = KeyDirectory([replace(ENTRY, valid_from=date(1970, 1, 1))])
    data = bytearray(base32_decode(sign_certificate(claims, key=KEY, verify_base=BASE).rsplit("/", 1)[1]))
    bit %= 8 * len(data)
    data[bit // 8] ^= 1 << (bit % 8)
    for text in (resealed(bytes(data)), base32_encode(bytes(data))):
        assert verify(text, keys=keys, today=claims.issued_on).status is not VerificationStatus.VALID


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=600))
def test_any_text_is_answered_without_raising(text: str) -> None:
    result = verify(text)
    assert result.status is not VerificationStatus.VALID
    assert result.claims is None


@settings(max_examples=300, deadline=None)
@given(tail=st.binary(max_size=400), header=st.sampled_from([b"", b"\x01", b"\x01\x01", HEADER]))
def test_any_bytes_are_answered_without_raising(tail: bytes, header: bytes) -> None:
    result = verify(resealed(header + tail))
    assert result.status is not VerificationStatus.VALID
    assert isinstance(result.message, str)
    assert result.message


def test_non_text_input_is_malformed() -> None:
    assert verify(None).status is VerificationStatus.MALFORMED  # type: ignore[arg-type]
    assert verify("A" * 100_000).status is VerificationStatus.MALFORMED


# --- size: scannable from paper -----------------------------------------------------------------


def test_qr_text_length_for_a_twenty_character_holder() -> None:
    person = replace(
        CLAIMS,
        holder_name="阿卜杜热依木·艾合买提·库尔班江买买提江",
        holder_id_masked=mask_resident_id("11010519491231002X"),
    )
    assert len(person.holder_name) == 20
    text = sign_certificate(person, key=KEY, verify_base=BASE)
    # Everything below the signature (64 bytes = 103 base32 characters) is data the brief requires;
    # see docs/certificate-payload.md "Size" for the budget.  This fits QR version 13 at level M.
    assert len(text) < 430, len(text)
    assert verify(text).status is VerificationStatus.VALID
    assert len(QR) < 410, len(QR)


def test_printed_qr_code_scans_back() -> None:
    qrcode = pytest.importorskip("qrcode")
    zxingcpp = pytest.importorskip("zxingcpp")
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=4, border=4)
    code.add_data(QR)
    code.make(fit=True)
    assert code.version <= 12
    assert [segment.mode for segment in code.data_list] == [qrcode.util.MODE_ALPHA_NUM]
    image = code.make_image().get_image().convert("L")
    scanned = zxingcpp.read_barcodes(image)
    assert [barcode.text for barcode in scanned] == [QR]
    assert verify(scanned[0].text).status is VerificationStatus.VALID


# --- signing refuses what it cannot seal ----------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"certificate_id": VECTOR[:-1] + "V"}, "校验位"),
        ({"issuer_code": "11510100MB1D03950H"}, "不一致"),
        ({"holder_id_masked": "11010519491231002X"}, "脱敏"),
        ({"holder_name": "  "}, "持证人名称不能为空"),
        ({"type_name": ""}, "证照名称不能为空"),
        ({"issuer_name": ""}, "签发机关名称不能为空"),
        ({"valid_until": date(2026, 11, 19)}, "早于签发日期"),
        ({"issued_on": date(1969, 12, 31)}, "超出可编码范围"),
        ({"valid_until": date(2149, 6, 6)}, "超出可编码范围"),
        ({"holder_name": "坏\ud800"}, "无法编码"),
    ],
)
def test_sign_refuses_bad_claims(changes: dict[str, object], fragment: str) -> None:
    with pytest.raises(ValueError, match=re.escape(fragment)):
        sign_certificate(replace(CLAIMS, **changes), key=KEY, verify_base=BASE)  # type: ignore[arg-type]


def test_sign_refuses_a_key_of_another_office() -> None:
    other = OfficeKey.generate(key_id="K-2026-02", office_code="11510100MB1D03950H")
    with pytest.raises(ValueError, match="不能为 11510100MB1C5E420M 签发"):
        sign_certificate(CLAIMS, key=other, verify_base=BASE)


@pytest.mark.parametrize(
    "base",
    [
        "http://zwfw.example.gov.cn/v/",
        "https:///v/",
        "https://zwfw example.gov.cn/v/",
        "https://a.cn/%41/",
        "ftp://a/",
    ],
)
def test_sign_refuses_a_verify_base_that_is_not_qr_alphanumeric_https(base: str) -> None:
    with pytest.raises(ValueError, match="核验网址前缀"):
        sign_certificate(CLAIMS, key=KEY, verify_base=base)


def test_sign_refuses_text_too_long_for_a_qr_code() -> None:
    with pytest.raises(ValueError, match="过长"):
        sign_certificate(replace(CLAIMS, holder_name="名" * 3000), key=KEY, verify_base=BASE)


# --- keys and the key directory -------------------------------------------------------------------


def test_office_key_bytes_round_trip() -> None:
    key = OfficeKey.generate(key_id="K-2026-03", office_code=OFFICE_CODE)
    assert len(key.private_bytes()) == 32
    again = OfficeKey.from_private_bytes(key.private_bytes(), key_id="K-2026-03", office_code=OFFICE_CODE)
    assert again.public_bytes() == key.public_bytes()
    assert KEY.public_bytes().hex() == TEST_PUBLIC_HEX
    assert repr(KEY) == "OfficeKey(key_id='K-2026-01', office_code='11510100MB1C5E420M')"
    entry = key.public_entry(
        office_name=OFFICE_NAME, valid_from=date(2026, 1, 1), valid_until=date(2027, 12, 31)
    )
    assert entry == PublicKeyEntry(
        key_id="K-2026-03",
        algorithm="Ed25519",
        public_key=key.public_bytes(),
        office_name=OFFICE_NAME,
        office_code=OFFICE_CODE,
        valid_from=date(2026, 1, 1),
        valid_until=date(2027, 12, 31),
    )


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"key_id": "k-2026"}, "密钥编号"),
        ({"key_id": ""}, "密钥编号"),
        ({"key_id": "K 1"}, "密钥编号"),
        ({"office_code": "1151"}, "机关代码"),
    ],
)
def test_office_key_refuses_bad_ids(kwargs: dict[str, str], fragment: str) -> None:
    args = {"key_id": "K-1", "office_code": OFFICE_CODE, **kwargs}
    with pytest.raises(ValueError, match=fragment):
        OfficeKey.generate(**args)
    with pytest.raises(ValueError, match="32 字节"):
        OfficeKey.from_private_bytes(b"\x00" * 31, key_id="K-1", office_code=OFFICE_CODE)


def test_public_key_entry_checks_itself() -> None:
    with pytest.raises(ValueError, match="SM2"):
        replace(ENTRY, algorithm="SM2")
    with pytest.raises(ValueError, match="32 字节"):
        replace(ENTRY, public_key=b"\x01" * 33)
    with pytest.raises(ValueError, match="早于"):
        replace(ENTRY, valid_until=date(2025, 12, 31))


def test_key_directory_json_round_trip() -> None:
    second = OfficeKey.generate(key_id="K-2027-01", office_code=OFFICE_CODE).public_entry(
        office_name=OFFICE_NAME, valid_from=date(2027, 1, 1), valid_until=date(2028, 12, 31)
    )
    directory = KeyDirectory([ENTRY, second])
    text = directory.to_json()
    assert OFFICE_NAME in text  # readable, not \u-escaped
    again = KeyDirectory.from_json(text)
    assert dict(again) == dict(directory) == {"K-2026-01": ENTRY, "K-2027-01": second}
    assert again.to_json() == text
    assert verify(QR, keys=again).status is VerificationStatus.VALID
    assert again.get("K-nope") is None
    assert "K-2027-01" in again
    assert len(again) == 2
    assert again.key_ids() == list(again) == ["K-2026-01", "K-2027-01"]
    with pytest.raises(ValueError, match="重复"):
        again.add(ENTRY)


def _directory_json(**changes: object) -> str:
    item: dict[str, object] = json.loads(KEYS.to_json())["keys"][0]
    item.update(changes)
    return json.dumps({"format": "window-clerk-certificate-keys/1", "keys": [item]}, ensure_ascii=False)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (
            '{"format": "window-clerk-certificate-keys/1", "keys": [\n  {"key_id": "K-1",',
            "不是有效的 JSON（第 2 行",
        ),
        ("[]", "顶层应为 JSON 对象"),
        ('{"format": "other/1", "keys": []}', "格式应为“window-clerk-certificate-keys/1”"),
        ('{"format": "window-clerk-certificate-keys/1", "keys": {}}', "keys 应为数组"),
        ('{"format": "window-clerk-certificate-keys/1"}', "keys"),
        ('{"format": "window-clerk-certificate-keys/1", "keys": [7]}', "第 1 项应为 JSON 对象"),
        (_directory_json(public_key="abcd"), "64 个十六进制字符"),
        (_directory_json(valid_from="2026/01/01"), "YYYY-MM-DD"),
        (_directory_json(valid_until=20261231), "valid_until 应为文本"),
        (_directory_json(algorithm="RSA"), "第 1 项：密钥 K-2026-01 的签名算法“RSA”不受支持"),
        (_directory_json(valid_untill=None), "未知字段：valid_untill"),
        (_directory_json(office_code="x"), "机关代码"),
    ],
)
def test_key_directory_reports_a_broken_file(text: str, fragment: str) -> None:
    with pytest.raises(KeyDirectoryError, match=re.escape(fragment)):
        KeyDirectory.from_json(text)


def test_key_directory_reports_missing_fields_and_duplicates() -> None:
    item = json.loads(KEYS.to_json())["keys"][0]
    del item["public_key"], item["office_name"]
    with pytest.raises(KeyDirectoryError, match="第 1 项缺少字段：public_key、office_name"):
        KeyDirectory.from_json(json.dumps({"format": "window-clerk-certificate-keys/1", "keys": [item]}))
    doubled = json.loads(KEYS.to_json())
    doubled["keys"] *= 2
    with pytest.raises(KeyDirectoryError, match="第 2 项：密钥编号 K-2026-01 重复"):
        KeyDirectory.from_json(json.dumps(doubled))


# --- the worked example of docs/certificate-payload.md ------------------------------------------


def doc_block(name: str) -> str:
    match = re.search(rf"<!-- example:{name} -->\s*```\w*\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert match, f"docs/certificate-payload.md has no example:{name} block"
    return match.group(1)


def test_docs_example_verifies_and_is_what_the_code_produces() -> None:
    assert doc_block("private-key").strip() == TEST_KEY_HEX
    assert doc_block("public-key").strip() == TEST_PUBLIC_HEX
    keys = KeyDirectory.from_json(doc_block("keys"))
    assert keys == KEYS
    qr = doc_block("qr").strip()
    assert qr == QR  # the code still produces exactly the documented text
    result = verify_payload(qr, keys=keys, today=TODAY)
    assert result.status is VerificationStatus.VALID
    documented = json.loads(doc_block("claims"))
    assert result.claims is not None
    assert documented == {
        "certificate_id": result.claims.certificate_id,
        "type_name": result.claims.type_name,
        "holder_name": result.claims.holder_name,
        "holder_id_masked": result.claims.holder_id_masked,
        "issuer_name": result.claims.issuer_name,
        "issuer_code": result.claims.issuer_code,
        "issued_on": result.claims.issued_on.isoformat(),
        "valid_until": result.claims.valid_until.isoformat() if result.claims.valid_until else None,
        "case_number": result.claims.case_number,
        "verify_url": result.claims.verify_url,
    }


def test_docs_example_byte_layout_is_the_payload() -> None:
    lines = doc_block("bytes").splitlines()
    hex_digits = "".join("".join(line.split("#", 1)[0].split()) for line in lines)
    assert bytes.fromhex(hex_digits) == base32_decode(PAYLOAD)
    signed = bytes.fromhex(doc_block("signed").replace("\n", "").replace(" ", ""))
    assert signed == base32_decode(PAYLOAD)[:-64]


def test_docs_example_length_is_stated() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert f"{len(QR)} characters" in text


def test_docs_name_every_status() -> None:
    text = DOC.read_text(encoding="utf-8")
    for status in VerificationStatus:
        assert f"`{status.value}`" in text
