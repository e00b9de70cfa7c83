"""Mailing a certificate (送达) instead of handing it over: the carriers a hall uses and what their tracking
numbers look like, one table; an address and a tracking number that cannot be right are refused.

The UPU S10 number (two letters, eight digits, a check digit, the country: EA123456785CN) is what EMS and
China Post give international and registered items; its check digit is verified. Domestic EMS numbers are
13 digits; SF Express numbers are "SF" and 12 or 13 digits.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

MAX_ADDRESS_CHARS = 300
MIN_ADDRESS_CHARS = 8  # a postal address in China: province/city, district, street and number


class Carrier(StrEnum):
    EMS = "ems"
    CHINA_POST = "china_post"
    SF = "sf"
    OTHER = "other"


_S10 = re.compile(r"[A-Z]{2}(\d{8})(\d)[A-Z]{2}")
_S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


def s10_valid(number: str) -> bool:
    """A UPU S10 item number with the right check digit."""
    match = _S10.fullmatch(number)
    if match is None:
        return False
    total = sum(int(d) * w for d, w in zip(match.group(1), _S10_WEIGHTS, strict=True))
    check = 11 - total % 11
    check = {10: 0, 11: 5}.get(check, check)
    return check == int(match.group(2))


def _ems(number: str) -> bool:
    return s10_valid(number) or re.fullmatch(r"\d{13}", number) is not None


@dataclass(frozen=True)
class CarrierRule:
    label: str
    valid: Callable[[str], bool]
    form: str  # what a valid number looks like, for the refusal


def _sf(number: str) -> bool:
    return re.fullmatch(r"SF\d{12,13}", number) is not None


def _other(number: str) -> bool:
    return re.fullmatch(r"[A-Z0-9]{8,30}", number) is not None


_S10_FORM = "2 个字母+9 位数字+CN（如 EA123456785CN）"
CARRIERS: dict[Carrier, CarrierRule] = {
    Carrier.EMS: CarrierRule("中国邮政速递物流（EMS）", _ems, f"13 位数字，或{_S10_FORM}"),
    Carrier.CHINA_POST: CarrierRule("中国邮政（挂号信）", s10_valid, _S10_FORM),
    Carrier.SF: CarrierRule("顺丰速运", _sf, "SF 加 12–13 位数字"),
    Carrier.OTHER: CarrierRule("其他快递", _other, "8–30 位大写字母或数字"),
}


def normalize_tracking(number: str) -> str:
    """As typed or scanned: spaces and dashes out, upper case."""
    return re.sub(r"[\s\-]", "", number).upper()


def tracking_problem(carrier: str, number: str) -> str | None:
    """Why `number` cannot be a tracking number of `carrier` (Chinese), or None when it can."""
    try:
        rule = CARRIERS[Carrier(carrier)]
    except ValueError:
        return f"未知的寄递企业“{carrier}”"
    if not number:
        return "缺少快递单号"
    if not rule.valid(number):
        return f"快递单号“{number[:40]}”不符合{rule.label}的单号格式（{rule.form}）"
    return None


def address_problem(address: str) -> str | None:
    text = address.strip()
    if not text:
        return "缺少邮寄地址"
    if len(text) < MIN_ADDRESS_CHARS:
        return f"邮寄地址“{text}”过短：请写明省市、区县、街道和门牌号"
    if len(text) > MAX_ADDRESS_CHARS:
        return f"邮寄地址过长（{len(text)} 字，上限 {MAX_ADDRESS_CHARS} 字）"
    return None
