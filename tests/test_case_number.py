"""Case numbers and the check-character schemes behind them."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.case_number import (
    CaseNumber,
    CaseNumberError,
    format_case_number,
    is_valid_window_code,
    parse_case_number,
)
from app.checksum import (
    ALPHANUMERIC,
    damm36_check_char,
    damm36_is_valid,
    mod37_36_check_char,
    mod37_36_is_valid,
)

SUBSTITUTION_ALPHABET = ALPHANUMERIC + "-"
GBT36904_BODY = "11100000000013338W01111430000006122244L20230000403001"


# --- checksum primitives --------------------------------------------------------------------


def test_gbt36904_certificate_id_check_char() -> None:
    cert_id = "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U"
    body = cert_id.removeprefix("1.2.156.3005.2.")[:-2].replace(".", "")
    assert body == GBT36904_BODY
    assert mod37_36_check_char(body) == "U"
    assert mod37_36_is_valid(body + "U")
    assert not mod37_36_is_valid(body + "V")


def test_mod37_36_rejects_characters_outside_alphabet() -> None:
    with pytest.raises(ValueError, match="position 3"):
        mod37_36_check_char("AB.C")
    with pytest.raises(ValueError):
        mod37_36_check_char("ab")
    assert not mod37_36_is_valid("AB.C")
    assert not mod37_36_is_valid("")
    with pytest.raises(ValueError):
        damm36_check_char("A-B")
    assert not damm36_is_valid("A-B")
    assert not damm36_is_valid("7")


def test_mod37_36_check_is_consistent_with_validation() -> None:
    for a in ALPHANUMERIC:
        for b in ALPHANUMERIC:
            body = "X" + a + b
            check = mod37_36_check_char(body)
            assert mod37_36_is_valid(body + check)
            assert [c for c in ALPHANUMERIC if mod37_36_is_valid(body + c)] == [check]


def test_hybrid_mod37_36_misses_some_adjacent_transpositions() -> None:
    """Why case numbers do not use MOD 37,36 (documented in app/case_number.py)."""
    assert mod37_36_check_char("SZX0103202611210489") == mod37_36_check_char("SZX0103202611210498") == "J"
    assert mod37_36_is_valid("SZX01032026112100701") and mod37_36_is_valid("SZX01032026112100710")
    # Over every running state (one-character prefix) and every ordered pair a != b:
    missed = [
        (p, a, b)
        for p in ALPHANUMERIC
        for a in ALPHANUMERIC
        for b in ALPHANUMERIC
        if a != b and mod37_36_check_char(p + a + b) == mod37_36_check_char(p + b + a)
    ]
    assert len(missed) == 72
    values = [(ALPHANUMERIC.index(a), ALPHANUMERIC.index(b)) for _, a, b in missed]
    assert all((va - vb) % 36 in (1, 35) for va, vb in values)


def test_damm36_detects_every_substitution_and_adjacent_transposition() -> None:
    # Every interim state is reached after one character, so this covers the whole quasigroup.
    for p in ALPHANUMERIC:
        for a in ALPHANUMERIC:
            check = damm36_check_char(p + a)
            assert damm36_is_valid(p + a + check)
            assert [c for c in ALPHANUMERIC if damm36_is_valid(p + a + c)] == [check]
            assert [c for c in ALPHANUMERIC if damm36_is_valid(p + c + check)] == [a]
            if check != a:  # last data character swapped with the check character
                assert not damm36_is_valid(p + check + a)
            for b in ALPHANUMERIC:
                if a != b:
                    assert damm36_check_char(p + a + b) != damm36_check_char(p + b + a)


# --- format / parse -------------------------------------------------------------------------


def test_format_example_and_str() -> None:
    text = format_case_number(window_code="SZX0103", day=date(2026, 11, 21), serial=7)
    assert text == "SZX0103-20261121-00072"
    number = parse_case_number(text)
    assert number == CaseNumber(window_code="SZX0103", day=date(2026, 11, 21), serial=7, check="2")
    assert str(number) == text


@pytest.mark.parametrize(
    ("window_code", "serial"),
    [
        ("SZ01", 0),
        ("SZ01", 10000),
        ("SZ01", -1),
        ("SZ01", True),
        ("1SZ0", 1),
        ("SZX", 1),
        ("ABCDEFGHIJKLM", 1),
        ("sz01", 1),
        ("SZ-01", 1),
        ("ＳＺ01", 1),
    ],
)
def test_format_rejects_bad_input(window_code: str, serial: int) -> None:
    with pytest.raises(ValueError, match=r"window code|serial"):
        format_case_number(window_code=window_code, day=date(2026, 1, 1), serial=serial)


def test_case_number_dataclass_refuses_wrong_check() -> None:
    with pytest.raises(ValueError, match="check character"):
        CaseNumber(window_code="SZX0103", day=date(2026, 11, 21), serial=7, check="3")


def test_window_code_rules() -> None:
    assert is_valid_window_code("SZX0103")
    assert is_valid_window_code("A123")
    assert is_valid_window_code("ABCDEFGHIJKL")
    assert not is_valid_window_code("ABC")
    assert not is_valid_window_code("ABCDEFGHIJKLM")
    assert not is_valid_window_code("0ABC")
    assert not is_valid_window_code("abcd")
    assert not is_valid_window_code("AB-CD")


def test_lenient_input_is_folded() -> None:
    expected = parse_case_number("SZX0103-20261121-00072")
    for typed in [
        "szx0103-20261121-00072",
        "ＳＺＸ０１０３－２０２６１１２１－０００７２",
        " SZX0103 - 20261121 - 0007 2 ",
        "SZX0103\u201420261121\u201300072",
        "SZX0103-20261121-00072\n",
    ]:
        assert parse_case_number(typed) == expected


@pytest.mark.parametrize(
    ("text", "code", "fragment"),
    [
        ("", "empty", "请输入"),
        ("SZX010320261121-00072", "format", "三段"),
        ("SZX0103-2026-1121-00072", "format", "三段"),
        ("1ZX0103-20261121-00072", "window_code", "窗口代码“1ZX0103”"),
        ("SZX0103-2026112-00072", "date", "8 位"),
        ("SZX0103-2026112A-00072", "date", "8 位"),
        ("SZX0103-20261121-0072", "serial", "5 位"),
        ("SZX0103-20261121-000A2", "serial", "5 位"),
        ("SZX0103-20261131-00072", "date", "2026-11-31 不存在"),
        ("SZX0103-20261121-00002", "serial", "0000"),
        ("SZX0103-20261121-00073", "checksum", "校验位不符"),
    ],
)
def test_bad_numbers_name_the_problem(text: str, code: str, fragment: str) -> None:
    with pytest.raises(CaseNumberError) as info:
        parse_case_number(text)
    assert info.value.code == code
    assert fragment in info.value.reason
    assert str(info.value) == info.value.reason


# --- exhaustive single-error detection ------------------------------------------------------


def _single_errors(text: str) -> list[str]:
    """Every single-character substitution (37 symbols) and adjacent transposition of ``text``."""
    variants = [
        text[:i] + ch + text[i + 1 :]
        for i in range(len(text))
        for ch in SUBSTITUTION_ALPHABET
        if ch != text[i]
    ]
    variants += [
        text[:i] + text[i + 1] + text[i] + text[i + 2 :]
        for i in range(len(text) - 1)
        if text[i] != text[i + 1]
    ]
    return variants


def _accepted_variants(text: str) -> list[str]:
    accepted = []
    for variant in _single_errors(text):
        try:
            parse_case_number(variant)
        except CaseNumberError:
            continue
        accepted.append(variant)
    return accepted


def _expected_variant_count(text: str) -> int:
    swaps = sum(1 for i in range(len(text) - 1) if text[i] != text[i + 1])
    return len(text) * (len(SUBSTITUTION_ALPHABET) - 1) + swaps


window_codes = st.from_regex(r"[A-Z][A-Z0-9]{3,11}", fullmatch=True)
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2199, 12, 31))
serials = st.integers(min_value=1, max_value=9999)


@settings(max_examples=200, deadline=None)
@given(window_code=window_codes, day=days, serial=serials)
def test_every_single_error_is_rejected(window_code: str, day: date, serial: int) -> None:
    text = format_case_number(window_code=window_code, day=day, serial=serial)
    assert parse_case_number(text) == CaseNumber(
        window_code=window_code, day=day, serial=serial, check=text[-1]
    )
    assert len(_single_errors(text)) == _expected_variant_count(text)
    assert _accepted_variants(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "SZX0103-20261121-00072",
        format_case_number(window_code="SZX0103", day=date(2026, 11, 21), serial=489),
        format_case_number(window_code="SZX0103", day=date(2026, 11, 21), serial=70),
        format_case_number(window_code="A000", day=date(2000, 1, 1), serial=1),
        format_case_number(window_code="Z9Z9Z9Z9Z9Z9", day=date(2099, 12, 31), serial=9999),
        format_case_number(window_code="CD0101", day=date(2028, 2, 29), serial=1010),
    ],
)
def test_fixed_numbers_reject_every_single_error(text: str) -> None:
    assert str(parse_case_number(text)) == text
    assert _accepted_variants(text) == []


def test_every_serial_of_one_window_day_rejects_transpositions() -> None:
    """All 9999 serials of one window and day: no adjacent swap yields another valid number."""
    checked = 0
    for serial in range(1, 10000):
        text = format_case_number(window_code="SZX0103", day=date(2026, 11, 21), serial=serial)
        tail = text[-6:]  # "-SSSSC": the part that changes between serials
        for i in range(len(tail) - 1):
            if tail[i] != tail[i + 1]:
                variant = text[:-6] + tail[:i] + tail[i + 1] + tail[i] + tail[i + 2 :]
                with pytest.raises(CaseNumberError):
                    parse_case_number(variant)
                checked += 1
    assert checked > 40000
