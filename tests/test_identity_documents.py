"""证件类型: each kind's rule, valid and invalid numbers, the plausibility warning, masking, the guess."""

from __future__ import annotations

from datetime import date

import pytest

from app.identifiers import check_resident_id
from app.identity_documents import (
    ID_KINDS,
    PERSON_ID_KINDS,
    IdKind,
    check_id,
    guess_id_kind,
    id_kind_label,
    mask_id_number,
)
from tests.id_numbers import FOREIGN_2023, HK_PERMIT, MACAO_PERMIT, TAIWAN_RESIDENCE, gb11643, wrong_check

TODAY = date(2026, 11, 20)


def test_the_table_has_every_kind_once_with_a_chinese_label() -> None:
    assert list(ID_KINDS) == list(IdKind)
    assert [ID_KINDS[k].label for k in PERSON_ID_KINDS] == [
        "居民身份证",
        "港澳台居民居住证",
        "外国人永久居留身份证",
        "港澳居民来往内地通行证",
        "台湾居民来往大陆通行证",
        "护照",
    ]
    assert ID_KINDS[IdKind.RESIDENT_ID].label == id_kind_label("resident_id")
    assert id_kind_label("uscc") == "统一社会信用代码" and id_kind_label("a_newer_kind") == "a_newer_kind"
    assert not ID_KINDS[IdKind.PASSPORT].has_rule and not ID_KINDS[IdKind.USCC].person


VALID = [
    (IdKind.RESIDENT_ID, "11010519491231002X", date(1949, 12, 31)),
    (IdKind.RESIDENT_ID, "440524188001010014", date(1880, 1, 1)),
    (IdKind.RESIDENCE_PERMIT_HMT, HK_PERMIT, date(1990, 1, 1)),
    (IdKind.RESIDENCE_PERMIT_HMT, MACAO_PERMIT, date(1990, 1, 1)),
    (IdKind.RESIDENCE_PERMIT_HMT, TAIWAN_RESIDENCE, date(1978, 12, 31)),
    (IdKind.FOREIGN_PERMANENT, FOREIGN_2023, date(1985, 3, 1)),
    (IdKind.FOREIGN_PERMANENT, "USA310690315001", None),  # the 2017 card
    (IdKind.FOREIGN_PERMANENT, "usa310690315001", None),
    (IdKind.HK_MACAO_PERMIT, "H12345678", None),
    (IdKind.HK_MACAO_PERMIT, "m12345678", None),
    (IdKind.HK_MACAO_PERMIT, "H1234567890", None),  # an older card
    (IdKind.TAIWAN_PERMIT, "12345678", None),
    (IdKind.PASSPORT, "E12345678", None),
    (IdKind.PASSPORT, "  x1234567 ", None),
    (IdKind.USCC, "91310110666007217T", None),
]


@pytest.mark.parametrize(("kind", "value", "birth"), VALID)
def test_valid_numbers_of_each_kind(kind: IdKind, value: str, birth: date | None) -> None:
    result = check_id(kind, value, today=TODAY)
    assert result.ok, result.reason
    assert result.birth_date == birth


def test_passport_numbers_are_kept_as_typed() -> None:
    assert check_id(IdKind.PASSPORT, "  x1234567 ", today=TODAY).normalized == "x1234567"
    assert check_id(IdKind.PASSPORT, "GA 123-456", today=TODAY).normalized == "GA 123-456"


INVALID = [
    (IdKind.RESIDENT_ID, "110105194912310021", "校验位错误"),
    (IdKind.RESIDENT_ID, HK_PERMIT, "港澳台居民居住证"),  # GB 11643-valid, but a residence permit
    (IdKind.RESIDENCE_PERMIT_HMT, wrong_check(HK_PERMIT), "校验位错误"),
    (IdKind.RESIDENCE_PERMIT_HMT, "11010519491231002X", "810000"),
    (IdKind.RESIDENCE_PERMIT_HMT, gb11643("81000119900101001"), "810000"),
    (IdKind.RESIDENCE_PERMIT_HMT, gb11643("81000019900231001"), "1990-02-31 不存在"),
    (IdKind.FOREIGN_PERMANENT, wrong_check(FOREIGN_2023), "校验位错误"),
    (IdKind.FOREIGN_PERMANENT, "11010519491231002X", "第 1 位应为 9"),
    (IdKind.FOREIGN_PERMANENT, gb11643("90084019850301001"), "第 2–3 位“00”"),
    (IdKind.FOREIGN_PERMANENT, gb11643("93184019851301001"), "1985-13-01 不存在"),
    (IdKind.FOREIGN_PERMANENT, gb11643("93184020261121001"), "晚于今天"),
    (IdKind.FOREIGN_PERMANENT, "US1310690315001", "3 位国籍字母"),
    (IdKind.FOREIGN_PERMANENT, "USA31069031500", "实际为 14 位"),
    (IdKind.HK_MACAO_PERMIT, "A12345678", "H（香港）或 M（澳门）"),
    (IdKind.HK_MACAO_PERMIT, "H1234567", "8 位数字"),
    (IdKind.HK_MACAO_PERMIT, "H123456789", "8 位数字"),
    (IdKind.TAIWAN_PERMIT, "1234567", "8 位数字"),
    (IdKind.TAIWAN_PERMIT, "1234567A", "8 位数字"),
    (IdKind.PASSPORT, "   ", "请输入"),
    (IdKind.PASSPORT, "E123\x00456", "控制字符"),
    (IdKind.PASSPORT, "E" * 41, "最多 40"),
]


@pytest.mark.parametrize(("kind", "value", "fragment"), INVALID)
def test_invalid_numbers_of_each_kind_say_why(kind: IdKind, value: str, fragment: str) -> None:
    result = check_id(kind, value, today=TODAY)
    assert not result.ok and not result.overridable
    assert result.reason is not None and fragment in result.reason, result.reason


def test_a_foreigners_number_is_not_forced_through_resident_id_rules() -> None:
    as_resident = check_id(IdKind.RESIDENT_ID, FOREIGN_2023, today=TODAY)
    assert not as_resident.ok and as_resident.reason is not None
    # The refusal says what the number is, so the clerk changes the kind instead of the number.
    assert "“外国人永久居留身份证”" in as_resident.reason
    assert check_id(IdKind.FOREIGN_PERMANENT, FOREIGN_2023, today=TODAY).ok
    as_resident = check_id(IdKind.RESIDENT_ID, HK_PERMIT, today=TODAY)
    assert as_resident.reason is not None and "“港澳台居民居住证”" in as_resident.reason


def test_a_birth_date_more_than_120_years_back_is_a_warning_not_a_refusal() -> None:
    old = check_resident_id("440524188001010014", today=TODAY)
    assert old.ok and old.warning is not None
    assert "1880-01-01" in old.warning and "146 岁" in old.warning and "120" in old.warning
    assert check_resident_id("11010519491231002X", today=TODAY).warning is None
    # 120 years to the day is still plausible; one day more is not.
    assert check_resident_id(gb11643("11010519061120001"), today=TODAY).warning is None
    assert check_resident_id(gb11643("11010519061119001"), today=TODAY).warning is not None
    # The same for the other kinds that carry a birth date.
    for kind, first17 in (
        (IdKind.FOREIGN_PERMANENT, "93184018800101001"),
        (IdKind.RESIDENCE_PERMIT_HMT, "81000018800101001"),
    ):
        result = check_id(kind, gb11643(first17), today=TODAY)
        assert result.ok and result.warning is not None and "1880-01-01" in result.warning


def test_a_birth_date_in_the_future_is_refused() -> None:
    result = check_resident_id(gb11643("11010520261121001"), today=TODAY)
    assert not result.ok and result.code == "birth_date" and "晚于今天" in (result.reason or "")
    assert check_resident_id(gb11643("11010520261120001"), today=TODAY).ok  # born today


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("11010519491231002X", IdKind.RESIDENT_ID),
        ("440524188001010014", IdKind.RESIDENT_ID),
        ("91350100M000100Y43", IdKind.USCC),
        ("91310110666007217T", IdKind.USCC),  # 17 leading digits, yet a credit code
        ("11100000000013338W", IdKind.USCC),
        (FOREIGN_2023, IdKind.FOREIGN_PERMANENT),
        ("USA310690315001", IdKind.FOREIGN_PERMANENT),
        (HK_PERMIT, IdKind.RESIDENCE_PERMIT_HMT),
        ("H12345678", IdKind.HK_MACAO_PERMIT),
        ("12345678", IdKind.TAIWAN_PERMIT),
    ],
)
def test_guess_finds_the_kind_a_number_passes(value: str, kind: IdKind) -> None:
    guess = guess_id_kind(value, today=TODAY)
    assert guess.ok and guess.kind is kind


def test_guess_of_a_number_that_fails_every_kind() -> None:
    guess = guess_id_kind("110105194912310021", today=TODAY)
    assert not guess.ok and guess.kind is IdKind.RESIDENT_ID
    assert guess.check is not None and not guess.check.overridable and guess.check.code == "checksum"
    assert [kind for kind, _ in guess.tried] == [
        IdKind.RESIDENT_ID,
        IdKind.RESIDENCE_PERMIT_HMT,
        IdKind.FOREIGN_PERMANENT,
        IdKind.USCC,
    ]
    assert all(not result.ok and result.reason for _, result in guess.tried)


def test_guess_of_a_pilot_credit_code_is_an_overridable_credit_code() -> None:
    guess = guess_id_kind("91350211M00013FA1N", today=TODAY)
    assert guess.kind is IdKind.USCC and guess.check is not None
    assert not guess.check.ok and guess.check.overridable


def test_guess_of_a_length_no_kind_has() -> None:
    guess = guess_id_kind("1234567", today=TODAY)
    assert guess.kind is None and guess.check is None and guess.tried == ()


def test_masking_by_kind() -> None:
    assert mask_id_number("resident_id", "11010519491231002x") == "110105********002X"
    assert (
        mask_id_number("foreign_permanent", FOREIGN_2023) == FOREIGN_2023[:6] + "********" + FOREIGN_2023[-4:]
    )
    assert mask_id_number("foreign_permanent", "USA310690315001") == "USA310*****5001"
    assert mask_id_number("hk_macao_permit", "H12345678") == "H1*****78"
    assert mask_id_number("taiwan_permit", "12345678") == "12****78"
    assert mask_id_number("passport", "E1234") == "*****"
    assert mask_id_number("uscc", "91310110666007217T") == "91310110666007217T"
