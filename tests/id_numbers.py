"""Identity numbers for tests, with GB 11643 check characters computed here, independently of the app."""

from __future__ import annotations

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def gb11643(first17: str) -> str:
    """The number with its GB 11643 check character: "10X98765432"[Σ digit·weight mod 11]."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


def wrong_check(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


# A 2023 外国人永久居留身份证: 9, issued in Shanghai (31), nationality 840, born 1985-03-01, sequence 001.
FOREIGN_2023 = gb11643("93184019850301001")
HK_PERMIT = gb11643("81000019900101001")  # 港澳台居民居住证 of a Hong Kong resident
MACAO_PERMIT = gb11643("82000019900101002")
TAIWAN_RESIDENCE = gb11643("83000019781231003")
