"""Resident ID, USCC, phone and name validation."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.identifiers import (
    check_name,
    check_phone,
    check_resident_id,
    check_uscc,
    fold_id_text,
    mask_resident_id,
    resident_id_check_char,
    uscc_check_char,
)

TODAY = date(2026, 3, 15)
PROVINCE_RANGES = (range(11, 16), range(21, 24), range(31, 38), range(41, 47), range(50, 55), range(61, 66))
PROVINCES = [code for codes in PROVINCE_RANGES for code in codes] + [71, 81, 82]
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def with_check(first17: str) -> str:
    return first17 + resident_id_check_char(first17)


def test_fold_id_text() -> None:
    assert fold_id_text("１１０１　０５ １９４９\t1231 002ｘ") == "11010519491231002X"
    assert fold_id_text("\u200b91350100m000100y43\ufeff") == "91350100M000100Y43"
    assert fold_id_text("") == ""


# --- resident ID ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "birth", "sex"),
    [("11010519491231002X", date(1949, 12, 31), "female"), ("440524188001010014", date(1880, 1, 1), "male")],
)
def test_valid_resident_ids(value: str, birth: date, sex: str) -> None:
    result = check_resident_id(value, today=TODAY)
    assert result.ok and result.code is None and result.reason is None
    assert result.normalized == value
    assert result.birth_date == birth
    assert result.sex == sex


def test_resident_id_checksum_error_names_expected_and_actual() -> None:
    result = check_resident_id("110105194912310021", today=TODAY)
    assert not result.ok
    assert result.code == "checksum"
    assert result.reason == "身份证号码校验位错误：应为 X，实为 1"
    assert not result.overridable
    assert result.birth_date is None and result.sex is None


@pytest.mark.parametrize(
    "value",
    [
        "11010519491231002x",
        "１１０１０５１９４９１２３１００２Ｘ",
        " 110105 19491231 002x　",
        "１１０１０５１９４９１２３１００２ｘ",
    ],
)
def test_resident_id_folding(value: str) -> None:
    result = check_resident_id(value, today=TODAY)
    assert result.ok
    assert result.normalized == "11010519491231002X"


def test_resident_id_rejects_15_digit_legacy_number() -> None:
    result = check_resident_id("110105491231002", today=TODAY)
    assert not result.ok and result.code == "length"
    assert result.reason is not None and "18 位" in result.reason and "15 位" in result.reason


@pytest.mark.parametrize(
    ("value", "code", "fragment"),
    [
        ("", "empty", "请输入"),
        ("   ", "empty", "请输入"),
        ("11010519491231002", "length", "实际为 17 位"),
        ("11010519491231002X1", "length", "实际为 19 位"),
        ("1101051949123100AX", "charset", "第 17 位“A”"),
        ("11010519491231002Y", "charset", "第 18 位“Y”"),
        (with_check("91010519491231002"), "division", "“91”"),
        (with_check("19010519491231002"), "division", "“19”"),
        (with_check("00010519491231002"), "division", "“00”"),
        (with_check("11010519490230002"), "birth_date", "1949-02-30 不存在"),
        (with_check("11010519491301002"), "birth_date", "1949-13-01 不存在"),
        (with_check("11010520260316002"), "birth_date", "晚于今天"),
        (with_check("11010518491231002"), "birth_date", "早于 1850"),
    ],
)
def test_resident_id_failures(value: str, code: str, fragment: str) -> None:
    result = check_resident_id(value, today=TODAY)
    assert not result.ok
    assert result.code == code
    assert result.reason is not None and fragment in result.reason
    assert not result.overridable


def test_taiwan_residence_permit_prefix_83_is_accepted() -> None:
    assert check_resident_id(with_check("83000019900101001"), today=TODAY).ok


def test_resident_id_birth_date_bounds_are_inclusive() -> None:
    assert check_resident_id(with_check("11010520260315001"), today=TODAY).ok
    assert check_resident_id(with_check("11010518500101001"), today=TODAY).ok


def test_resident_id_check_char_rejects_bad_body() -> None:
    assert resident_id_check_char("11010519491231002") == "X"
    for bad in ["1101051949123100", "1101051949123100A", "１１０１０５１９４９１２３１００２"]:
        with pytest.raises(ValueError):
            resident_id_check_char(bad)


def test_mask_resident_id() -> None:
    assert mask_resident_id("11010519491231002X") == "110105********002X"
    assert mask_resident_id("11010519491231002x") == "110105********002X"
    assert mask_resident_id("1234567890") == "**********"


@st.composite
def resident_id_bodies(draw: st.DrawFn) -> str:
    province = draw(st.sampled_from(PROVINCES))
    rest_of_division = draw(st.integers(0, 9999))
    birth = draw(st.dates(min_value=date(1850, 1, 1), max_value=TODAY))
    sequence = draw(st.integers(0, 999))
    return f"{province:02d}{rest_of_division:04d}{birth:%Y%m%d}{sequence:03d}"


@given(body=resident_id_bodies())
def test_generated_resident_ids_validate(body: str) -> None:
    result = check_resident_id(with_check(body), today=TODAY)
    assert result.ok
    assert result.sex == ("male" if int(body[16]) % 2 else "female")


@given(body=resident_id_bodies(), position=st.integers(0, 17), data=st.data())
def test_any_single_digit_change_fails(body: str, position: int, data: st.DataObject) -> None:
    valid = with_check(body)
    choices = "0123456789X" if position == 17 else "0123456789"
    replacement = data.draw(st.sampled_from([c for c in choices if c != valid[position]]))
    changed = valid[:position] + replacement + valid[position + 1 :]
    result = check_resident_id(changed, today=TODAY)
    assert not result.ok
    assert result.code in ("division", "birth_date", "checksum")


# --- USCC -------------------------------------------------------------------------------------


VALID_USCC = ["91350100M000100Y43", "91310110666007217T", "11100000000013338W", "91350100m000100y43"]


@pytest.mark.parametrize("value", VALID_USCC)
def test_valid_uscc(value: str) -> None:
    result = check_uscc(value)
    assert result.ok and result.code is None
    assert result.normalized == value.upper()
    assert uscc_check_char(result.normalized[:17]) == result.normalized[17]


def test_pilot_uscc_checksum_failure_is_overridable() -> None:
    result = check_uscc("91350211M00013FA1N")
    assert not result.ok
    assert result.code == "checksum"
    assert result.overridable
    assert result.reason is not None and "应为 3，实为 N" in result.reason


@pytest.mark.parametrize(
    ("value", "code", "fragment"),
    [
        ("", "empty", "请输入"),
        ("91350100M000100Y4", "length", "实际为 17 位"),
        ("91350100M0001O0Y43", "charset", "第 14 位“O”"),
        ("9I350100M000100Y43", "charset", "第 2 位“I”"),
        ("91350100M000100S43", "charset", "第 16 位“S”"),
        ("E1350100M000100Y43", "format", "第 1 位“E”"),
        ("913501A0M000100Y43", "division", "第 3–8 位"),
    ],
)
def test_uscc_failures_are_not_overridable(value: str, code: str, fragment: str) -> None:
    result = check_uscc(value)
    assert not result.ok
    assert result.code == code
    assert result.reason is not None and fragment in result.reason
    assert not result.overridable


def test_uscc_check_char_rejects_bad_body() -> None:
    with pytest.raises(ValueError):
        uscc_check_char("91350100M000100I4")
    with pytest.raises(ValueError):
        uscc_check_char("91350100M000100")


uscc_bodies = st.tuples(
    st.sampled_from("123456789ABCDGNY"),
    st.sampled_from(USCC_ALPHABET),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9),
).map("".join)


@given(body=uscc_bodies)
def test_generated_uscc_validates_and_every_substitution_fails(body: str) -> None:
    valid = body + uscc_check_char(body)
    assert check_uscc(valid).ok
    for position in range(18):
        for replacement in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ":
            if replacement != valid[position]:
                changed = valid[:position] + replacement + valid[position + 1 :]
                assert not check_uscc(changed).ok, changed


# --- phone ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "normalized"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("0086-13812345678", "13812345678"),
        ("１９９１２３４５６７８", "19912345678"),
        ("028-12345678", "028-12345678"),
        ("02812345678", "028-12345678"),
        ("010-6512345", "010-6512345"),
        ("0755 8765 4321", "0755-87654321"),
        ("(0755)87654321", "0755-87654321"),
        ("（0755）87654321", "0755-87654321"),
        ("028-12345678-123", "028-12345678-123"),
        ("028-12345678转6", "028-12345678-6"),
        ("+86 28 1234 5678", "028-12345678"),
        ("12345", "12345"),
        ("95588", "95588"),
        ("961234", "961234"),
    ],
)
def test_valid_phones(value: str, normalized: str) -> None:
    result = check_phone(value)
    assert result.ok, result.reason
    assert result.normalized == normalized


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "empty"),
        ("1381234567", "length"),
        ("138123456789", "length"),
        ("12812345678", "format"),
        ("12315", "format"),
        ("9512", "format"),
        ("9712345", "format"),
        ("028-1234567890", "format"),
        ("028-12345678-1234567", "format"),
        ("0281-2345678", "format"),
        ("call me", "format"),
    ],
)
def test_invalid_phones(value: str, code: str) -> None:
    result = check_phone(value)
    assert not result.ok
    assert result.code == code
    assert result.reason


# --- names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "normalized"),
    [
        ("ZHANG SAN", "ZHANG SAN"),
        ("  ZHANG \u3000  SAN ", "ZHANG SAN"),
        ("阿卜杜热依木·艾合买提", "阿卜杜热依木·艾合买提"),
        ("䶮", "䶮"),
        ("𠮷野家", "𠮷野家"),
        ("王𪚥", "王𪚥"),
    ],
)
def test_valid_names(value: str, normalized: str) -> None:
    result = check_name(value)
    assert result.ok and result.code is None and result.reason is None
    assert result.normalized == normalized


@pytest.mark.parametrize("dot", list("\u2022\u30fb\uff65\u2027\u22c5\uff0e\u2219\u0387\u00b7"))
def test_middle_dot_lookalikes_are_folded(dot: str) -> None:
    result = check_name(f"阿卜杜热依木{dot}艾合买提")
    assert result.ok
    assert result.normalized == "阿卜杜热依木\u00b7艾合买提"


def test_long_names() -> None:
    minority = "阿卜杜热依木·艾合买提·" * 4 + "买买提明·阿不都热合曼·吐尔逊"  # 63 characters
    assert len(minority) > 50 and check_name(minority).ok
    company = "新疆维吾尔自治区乌鲁木齐市天山区" + "某某国际贸易与技术咨询服务" * 3 + "有限责任公司"
    assert len(company) >= 50 and check_name(company).ok
    assert check_name("张" * 100).ok
    too_long = check_name("张" * 101)
    assert not too_long.ok and too_long.code == "length"
    assert too_long.reason is not None and "101" in too_long.reason and "100" in too_long.reason
    assert check_name("张" * 21, max_length=20).code == "length"


def test_plane_2_character_counts_once() -> None:
    assert check_name("𠮷" * 100).ok
    result = check_name("𠮷" * 101)
    assert result.code == "length" and result.reason is not None and "101" in result.reason


@pytest.mark.parametrize(
    ("value", "position", "shown"),
    [
        ("张\u200b三", 2, "U+200B"),
        ("张三\x07", 3, "U+0007"),
        ("张\t三", 2, "U+0009"),
        ("王\u200d五", 2, "U+200D"),
        ("\ufeff李四", 1, "U+FEFF"),
        ("李\n四", 2, "U+000A"),
    ],
)
def test_control_characters_are_rejected(value: str, position: int, shown: str) -> None:
    result = check_name(value)
    assert not result.ok and result.code == "charset"
    assert result.reason is not None and f"第 {position} 个字符" in result.reason and shown in result.reason


@pytest.mark.parametrize("value", ["", "   ", "\u3000\t"])
def test_empty_names(value: str) -> None:
    result = check_name(value)
    assert not result.ok and result.code == "empty" and result.reason
