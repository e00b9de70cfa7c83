"""What a scanned text is and where it goes (app.scanning.routing): the project's own codes, identity
numbers, codes cut short or with a wrong check character, and texts of other symbologies."""

from __future__ import annotations

import time
from datetime import date

import pytest

from app.case_number import format_case_number
from app.identity_documents import IdKind
from app.scanning.routing import (
    FillApplicant,
    OpenCase,
    Refused,
    Unrecognised,
    VerifyCertificate,
    route_scan,
)
from app.scanning.separators import separator_text
from app.seal import CertificateClaims, OfficeKey, certificate_identifier, sign_certificate

TODAY = date(2026, 11, 20)
NUMBER = format_case_number(window_code="SZX0103", day=TODAY, serial=7)


def wrong_check(number: str) -> str:
    return number[:-1] + ("0" if number[-1] != "0" else "1")


def test_a_case_number_and_a_documents_qr_open_the_case() -> None:
    assert route_scan(NUMBER, today=TODAY) == OpenCase(NUMBER)
    assert route_scan(f" {NUMBER.lower()} ", today=TODAY) == OpenCase(NUMBER)
    assert route_scan(f"HTTPS://ZWFW.EXAMPLE.GOV.CN/CASE/{NUMBER}", today=TODAY) == OpenCase(NUMBER)
    assert route_scan(f"https://zwfw.example.gov.cn/CASE/{NUMBER}", today=TODAY) == OpenCase(NUMBER)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (wrong_check(NUMBER), "校验位不符"),
        (NUMBER[:-2], "第三段应为 4 位数字序号加 1 位校验位"),
        (NUMBER[:12], "三段"),
        (f"HTTPS://ZWFW.EXAMPLE.GOV.CN/CASE/{wrong_check(NUMBER)}", "校验位不符"),
        (f"HTTPS://ZWFW.EXAMPLE.GOV.CN/CASE/{NUMBER[:-3]}", "第三段"),
    ],
)
def test_a_case_number_wrong_or_cut_short_is_refused_never_matched(text: str, said: str) -> None:
    route = route_scan(text, today=TODAY)
    assert isinstance(route, Refused) and said in route.message


def sealed_qr() -> str:
    """A certificate's QR text sealed by an office's key (held by no window: routing needs no key)."""
    office = "11510100MB0N4432XD"
    claims = CertificateClaims(
        certificate_id=certificate_identifier(type_code=f"{office}001", issuer_code=office, serial="2026001"),
        type_name="建设工程规划许可证",
        holder_name="示例市锦华建设发展有限公司",
        holder_id_masked="913101********217T",
        issuer_name="示例市规划局",
        issuer_code=office,
        issued_on=TODAY,
        valid_until=None,
        case_number=NUMBER,
    )
    key = OfficeKey.generate(key_id="K-1", office_code=office)
    return sign_certificate(claims, key=key, verify_base="https://zwfw.example.gov.cn/V/")


def test_a_certificates_qr_goes_to_verification() -> None:
    qr = sealed_qr()
    assert route_scan(qr, today=TODAY) == VerifyCertificate(qr)
    bare = qr.rsplit("/", 1)[1]
    assert route_scan(bare, today=TODAY) == VerifyCertificate(bare)
    cut = qr[:-20]  # a URL of the verification path: the verification says it is damaged
    assert route_scan(cut, today=TODAY) == VerifyCertificate(cut)


def test_an_identity_number_fills_the_applicant() -> None:
    assert route_scan("110101199003074258", today=TODAY) == FillApplicant(
        IdKind.RESIDENT_ID, "110101199003074258"
    )
    assert route_scan("91350100m000100y43", today=TODAY) == FillApplicant(IdKind.USCC, "91350100M000100Y43")


def test_an_identity_number_with_a_wrong_check_is_refused_masked() -> None:
    route = route_scan("110101199003074259", today=TODAY)
    assert isinstance(route, Refused)
    assert "110101********4259" in route.message and "校验位" in route.message
    assert "19900307" not in route.message


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("6901234567892", "69*********92"),  # an EAN-13 of a product: digits, maybe a person's: masked
        ("hello world", "hello world"),
        ("WIFI:S:hall;T:WPA;P:secret;;", "WIFI:S:hall;T:WPA;P:secret;;"),
        ("   ", "（空）"),
    ],
)
def test_anything_else_is_unrecognised_with_what_was_read(text: str, shown: str) -> None:
    route = route_scan(text, today=TODAY)
    assert route == Unrecognised(shown)
    assert route.message.startswith("未能识别")


def test_ten_megabytes_are_refused_at_once() -> None:
    started = time.perf_counter()
    route = route_scan("9" * 10_000_000, today=TODAY)
    assert isinstance(route, Refused) and "扫描内容过长" in route.message
    assert time.perf_counter() - started < 5  # not read character by character through every rule


def test_a_separator_sheet_read_by_the_handheld_scanner_says_what_it_is_for() -> None:
    number = format_case_number(window_code="SZX0103", day=date(2026, 12, 1), serial=7)
    route = route_scan(separator_text(case_number=number, material_code="M02"), today=date(2026, 12, 1))
    assert isinstance(route, Refused) and f"办件 {number} 材料 M02 的分隔页" in route.message
    damaged = route_scan(f"SEP:{number[:-1]}", today=date(2026, 12, 1))
    assert isinstance(damaged, Refused) and "分隔页条码" in damaged.message
