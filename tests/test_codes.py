"""QR and Code 128 data from app.codes, rendered here and read back by an independent decoder (zxing-cpp)."""

from __future__ import annotations

import random

import pytest
import qrcode
import qrcode.util
import zxingcpp
from barcode.charsets import code128 as python_barcode_code128
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from app.codes import (
    CODE128_PATTERNS,
    CODE128_STOP,
    QUIET_ZONE_CODE128,
    QUIET_ZONE_QR,
    QrMatrix,
    code128_modules,
    code128_values,
    qr_matrix,
    qr_segment,
)

SCALE = 4  # pixels per module
CASE_NUMBERS = ["SZX0103-20261120-0001Y", "SZX0103-20261121-00072", "GZ0001-20270104-9999Z"]
BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
URL = "HTTPS://ZWFW.EXAMPLE.GOV.CN/V/" + "".join(random.Random(20261120).choices(BASE32, k=200))
CHINESE = "深圳市行政服务大厅 办件编号 SZX0103-20261120-0001Y 申请人：李𠮷䶮（法人）"


def code128_image(modules: str, *, height: int = 60) -> Image.Image:
    row = [255] * QUIET_ZONE_CODE128 + [0 if m == "1" else 255 for m in modules] + [255] * QUIET_ZONE_CODE128
    strip = Image.frombytes("L", (len(row), 1), bytes(row))
    return strip.resize((len(row) * SCALE, height), Image.Resampling.NEAREST)


def qr_image(matrix: QrMatrix) -> Image.Image:
    count = matrix.size + 2 * QUIET_ZONE_QR
    pixels = bytearray([255]) * (count * count)
    for y, row in enumerate(matrix.modules):
        for x, dark in enumerate(row):
            if dark:
                pixels[(y + QUIET_ZONE_QR) * count + x + QUIET_ZONE_QR] = 0
    image = Image.frombytes("L", (count, count), bytes(pixels))
    return image.resize((count * SCALE, count * SCALE), Image.Resampling.NEAREST)


def read_code128(modules: str) -> list[str]:
    # try_downscale=False: on downscaled copies zxing-cpp 3.1 occasionally misreads a perfect
    # symbol with a passing mod-103 check (seen with "_BM91YU}6c(2;87" at 4 px per module).
    results = zxingcpp.read_barcodes(
        code128_image(modules),
        formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.Code128),
        try_downscale=False,
        try_rotate=False,
    )
    return [result.text for result in results]


def read_qr(matrix: QrMatrix) -> list[str]:
    results = zxingcpp.read_barcodes(
        qr_image(matrix), formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    )
    return [result.text for result in results]


def qr_version(matrix: QrMatrix) -> int:
    return (matrix.size - 17) // 4


# --- Code 128 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", CASE_NUMBERS)
def test_case_number_as_code128_decodes(text: str) -> None:
    assert read_code128(code128_modules(text)) == [text]


def test_code128_structure() -> None:
    text = "SZX0103-20261120-0001Y"
    values = code128_values(text)
    modules = code128_modules(text)
    assert set(modules) == {"0", "1"}
    # start + data/switch symbols + check symbol, 11 modules each, then the 13-module stop.
    assert len(modules) == 11 * (len(values) + 1) + 13
    assert modules.startswith(CODE128_PATTERNS[values[0]])
    assert modules.endswith("1100011101011")
    check = (values[0] + sum(i * v for i, v in enumerate(values[1:], start=1))) % 103
    assert modules[-24:-13] == CODE128_PATTERNS[check]


def test_code128_table_matches_python_barcode() -> None:
    assert list(CODE128_PATTERNS) == list(python_barcode_code128.CODES)
    assert CODE128_STOP == python_barcode_code128.STOP + "11"
    assert all(len(p) == 11 and p.count("1") % 2 == 0 for p in CODE128_PATTERNS)


def test_code128_uses_code_set_c_for_digit_runs() -> None:
    start_b, start_c, code_b, code_c = 104, 105, 100, 99
    assert code128_values("20261120") == [start_c, 20, 26, 11, 20]
    # The date in a case number goes in set C (4 symbols instead of 8, plus two switches).
    values = code128_values("SZX0103-20261120-0001Y")
    assert values[0] == start_b
    assert [code_c, 20, 26, 11, 20, code_b] == values[9:15]
    assert len(values) == 21
    # Short digit runs stay in set B; an odd digit count keeps one digit in set B.
    assert code128_values("A12B") == [start_b, 33, 17, 18, 34]
    assert code128_values("12345") in ([start_c, 12, 34, code_b, 21], [start_b, 17, code_c, 23, 45])


@pytest.mark.parametrize("text", ["99", "99A", "99v5933D0W{24515b39&", "0", "1A", "123", "A12345B", " ", "~"])
def test_code128_edge_cases_decode(text: str) -> None:
    # "99..." is what python-barcode's Code128 gets wrong (it folds the pair 99 into the start symbol).
    assert read_code128(code128_modules(text)) == [text]


printable_ascii = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=40)
digit_heavy = st.text(st.sampled_from("0123456789" * 4 + "A-z "), min_size=1, max_size=40)


@settings(max_examples=300, deadline=None)
@given(st.one_of(printable_ascii, digit_heavy))
def test_code128_round_trip(text: str) -> None:
    assert read_code128(code128_modules(text)) == [text]


@pytest.mark.parametrize(
    ("text", "named"),
    [("申请人", "'申'"), ("AB\n", "'\\n'"), ("café", "'é'"), ("A\x7f", "'\\x7f'"), ("\t", "'\\t'")],
)
def test_code128_rejects_non_printable_ascii(text: str, named: str) -> None:
    with pytest.raises(ValueError, match="Code 128") as info:
        code128_modules(text)
    assert named in str(info.value)


def test_code128_rejects_empty_text() -> None:
    with pytest.raises(ValueError, match="为空"):
        code128_modules("")


# --- QR -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", CASE_NUMBERS)
def test_case_number_as_qr_decodes(text: str) -> None:
    matrix = qr_matrix(text)
    assert qr_segment(text).mode == qrcode.util.MODE_ALPHA_NUM
    assert read_qr(matrix) == [text]


def test_qr_matrix_shape() -> None:
    matrix = qr_matrix("SZX0103-20261120-0001Y")
    # 22 alphanumeric characters: version 1 at level M holds 20, version 2 (25 x 25) holds 38.
    assert matrix.size == len(matrix.modules) == 25
    assert all(len(row) == matrix.size for row in matrix.modules)
    assert all(isinstance(cell, bool) for row in matrix.modules for cell in row)
    # Finder pattern in the top-left corner, no quiet zone.
    assert matrix.modules[0][:7] == (True,) * 7
    assert matrix.modules[1][:7] == (True, False, False, False, False, False, True)


def byte_mode_version(text: str) -> int:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(qrcode.util.QRData(text.encode("utf-8"), mode=qrcode.util.MODE_8BIT_BYTE))
    qr.make(fit=True)
    return int(qr.version)


def test_long_uppercase_url_is_alphanumeric_mode() -> None:
    assert len(URL) == 230
    segment = qr_segment(URL)
    assert segment.mode == qrcode.util.MODE_ALPHA_NUM
    assert segment.data == URL.encode("ascii")
    matrix = qr_matrix(URL)
    # 230 alphanumeric characters need version 9 at level M; as bytes they would need version 11.
    assert qr_version(matrix) == 9
    assert byte_mode_version(URL) == 11
    assert read_qr(matrix) == [URL]


def test_mixed_case_url_is_byte_mode() -> None:
    url = "https://zwfw.example.gov.cn/v/AbC"
    assert qr_segment(url).mode == qrcode.util.MODE_8BIT_BYTE
    assert read_qr(qr_matrix(url)) == [url]


def test_digits_are_numeric_mode() -> None:
    assert qr_segment("20261120000123").mode == qrcode.util.MODE_NUMBER
    assert read_qr(qr_matrix("20261120000123")) == ["20261120000123"]


def test_chinese_text_as_utf8_qr_decodes() -> None:
    segment = qr_segment(CHINESE)
    assert segment.mode == qrcode.util.MODE_8BIT_BYTE
    assert segment.data == CHINESE.encode("utf-8")
    assert read_qr(qr_matrix(CHINESE)) == [CHINESE]


@pytest.mark.parametrize("level", ["L", "M", "Q", "H"])
def test_error_correction_levels(level: str) -> None:
    matrix = qr_matrix(URL, error_correction=level)
    assert read_qr(matrix) == [URL]


def test_higher_error_correction_needs_a_larger_version() -> None:
    assert qr_version(qr_matrix(URL, error_correction="L")) < qr_version(qr_matrix(URL, error_correction="H"))


def test_qr_capacity_limits() -> None:
    # Version 40 capacities: 4296 alphanumeric characters at level L, 2331 bytes at level M.
    assert qr_matrix("A" * 4296, error_correction="L").size == 177
    assert qr_matrix("a" * 2331).size == 177
    for text, level in [("A" * 4297, "L"), ("a" * 2332, "M"), ("申" * 1000, "M"), ("A" * 100_000, "L")]:
        with pytest.raises(ValueError, match="二维码内容过长"):
            qr_matrix(text, error_correction=level)


def test_qr_bad_arguments() -> None:
    with pytest.raises(ValueError, match="纠错等级"):
        qr_matrix("ABC", error_correction="X")
    with pytest.raises(ValueError, match="为空"):
        qr_matrix("")
