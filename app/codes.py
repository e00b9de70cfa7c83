"""QR codes and Code 128 barcodes as data.

Nothing here draws: the PDF writer paints the modules with reportlab, the window paints them with
Qt.  Both add the quiet zone themselves (``QUIET_ZONE_QR`` / ``QUIET_ZONE_CODE128`` modules).

QR: the ``qrcode`` package builds the matrix at the smallest version that fits.  The segment mode
is chosen here, not by qrcode's chunk optimiser: text made only of digits is one numeric segment,
text made only of QR-alphanumeric characters (0-9 A-Z space $ % * + - . / :) is one alphanumeric
segment (so a long upper-case verification URL stays compact), anything else is one byte segment
holding the UTF-8 encoding (no ECI; scanners detect UTF-8).

Code 128: own encoder over code sets B and C.  python-barcode's ``Code128`` was the first choice
but it drops a leading "99" (``Code128("99A").build()`` encodes "A": the digit pair 99 in code
set C is taken for the "Code C" switch and folded into the start symbol), so the symbol values
are chosen here by a shortest-path search (fewest symbols, then fewest code-set switches) and
python-barcode is not used.  Only printable ASCII (U+0020-U+007E) is accepted: it is all in code
set B, and digit pairs use code set C where that is shorter.
"""

from __future__ import annotations

from dataclasses import dataclass

import qrcode
import qrcode.constants
import qrcode.exceptions
import qrcode.util

QUIET_ZONE_QR = 4
QUIET_ZONE_CODE128 = 10

_ERROR_CORRECTION = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}

QR_ALPHANUMERIC = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


@dataclass(frozen=True)
class QrMatrix:
    """A QR symbol without quiet zone: ``modules[row][column]``, True = dark."""

    size: int
    modules: tuple[tuple[bool, ...], ...]


def qr_segment(data: str) -> qrcode.util.QRData:
    """The single QR data segment ``data`` is encoded as (see the module docstring)."""
    if data and data.isascii() and data.isdigit():
        return qrcode.util.QRData(data.encode("ascii"), mode=qrcode.util.MODE_NUMBER)
    if data and all(ch in QR_ALPHANUMERIC for ch in data):
        return qrcode.util.QRData(data.encode("ascii"), mode=qrcode.util.MODE_ALPHA_NUM)
    return qrcode.util.QRData(data.encode("utf-8"), mode=qrcode.util.MODE_8BIT_BYTE)


def _segment_bits(segment: qrcode.util.QRData, *, version: int) -> int:
    """Bits the segment takes at ``version``: mode indicator, character count and data."""
    count_bits: int = qrcode.util.mode_sizes_for_version(version)[segment.mode]
    if len(segment) >= 1 << count_bits:
        return 1 << 30
    buffer = qrcode.util.BitBuffer()
    segment.write(buffer)
    return 4 + count_bits + len(buffer)


def qr_matrix(data: str, *, error_correction: str = "M") -> QrMatrix:
    """The QR matrix for ``data`` at the smallest version (1-40) that holds it."""
    if not data:
        raise ValueError("二维码内容为空")
    level = _ERROR_CORRECTION.get(error_correction)
    if level is None:
        raise ValueError(f"二维码纠错等级必须是 L、M、Q 或 H，而不是 {error_correction!r}")
    segment = qr_segment(data)
    too_long = ValueError(
        f"二维码内容过长：{len(data)} 个字符（{len(segment.data)} 字节），"
        f"超出二维码最大容量（版本 40，纠错等级 {error_correction}）"
    )
    # Checked here: for data far too long qrcode's best_fit raises a bare ValueError
    # ("Invalid version (was 41 ...)") instead of its DataOverflowError.
    if _segment_bits(segment, version=40) > qrcode.util.BIT_LIMIT_TABLE[level][40]:
        raise too_long
    qr = qrcode.QRCode(error_correction=level, border=0)
    qr.add_data(segment)
    try:
        qr.make(fit=True)
    except qrcode.exceptions.DataOverflowError:
        raise too_long from None
    modules = tuple(tuple(bool(cell) for cell in row) for row in qr.modules)
    return QrMatrix(size=len(modules), modules=modules)


# Code 128 symbols 0-105 as bar/space widths (bar first, 11 modules each); stop is separate.
_CODE128_WIDTH_TABLE = (
    "212222 222122 222221 121223 121322 131222 122213 122312 132212 221213 "
    "221312 231212 112232 122132 122231 113222 123122 123221 223211 221132 "
    "221231 213212 223112 312131 311222 321122 321221 312212 322112 322211 "
    "212123 212321 232121 111323 131123 131321 112313 132113 132311 211313 "
    "231113 231311 112133 112331 132131 113123 113321 133121 313121 211331 "
    "231131 213113 213311 213131 311123 311321 331121 312113 312311 332111 "
    "314111 221411 431111 111224 111422 121124 121421 141122 141221 112214 "
    "112412 122114 122411 142112 142211 241211 221114 413111 241112 134111 "
    "111242 121142 121241 114212 124112 124211 411212 421112 421211 212141 "
    "214121 412121 111143 111341 131141 114113 114311 411113 411311 113141 "
    "114131 311141 411131 211412 211214 211232 "
)
_CODE128_WIDTHS = tuple(_CODE128_WIDTH_TABLE[i : i + 6] for i in range(0, len(_CODE128_WIDTH_TABLE), 7))


def _widths_to_modules(widths: str) -> str:
    return "".join(("1" if i % 2 == 0 else "0") * int(w) for i, w in enumerate(widths))


CODE128_PATTERNS: tuple[str, ...] = tuple(_widths_to_modules(w) for w in _CODE128_WIDTHS)
CODE128_STOP = _widths_to_modules("2331112")  # stop symbol incl. the final 2-module bar (13 modules)

_START_B, _START_C = 104, 105
_CODE_B, _CODE_C = 100, 99  # switch symbols (Code B is valid in set C, Code C in set B)


# (symbols, code-set switches, symbol values) of an encoding of a suffix of the text.
_Path = tuple[int, int, list[int]]


def code128_values(text: str) -> list[int]:
    """Symbol values for ``text``: start, data and code-set switches; no check symbol or stop."""
    for ch in text:
        if not " " <= ch <= "~":
            raise ValueError(
                f"条形码（Code 128）只能包含可打印的 ASCII 字符，不能包含 {ch!r}（U+{ord(ch):04X}）"
            )
    if not text:
        raise ValueError("条形码内容为空")
    n = len(text)
    digit = [ch.isdigit() for ch in text]
    # best[i][s]: cheapest (symbols, switches, values) encoding text[i:] when in code set s (0 = B, 1 = C).
    inf: _Path = (1 << 30, 0, [])
    best: list[list[_Path]] = [[inf, inf] for _ in range(n + 1)]
    best[n] = [(0, 0, []), (0, 0, [])]
    for i in range(n - 1, -1, -1):
        # In set B: one character.
        cost, switches, values = best[i + 1][0]
        stay_b = (cost + 1, switches, [ord(text[i]) - 32, *values])
        # In set C: a digit pair.
        stay_c = inf
        if i + 1 < n and digit[i] and digit[i + 1]:
            cost, switches, values = best[i + 2][1]
            stay_c = (cost + 1, switches, [int(text[i : i + 2]), *values])
        # Switching costs one symbol; each set may switch to the other before encoding.
        to_c = (stay_c[0] + 1, stay_c[1] + 1, [_CODE_C, *stay_c[2]])
        to_b = (stay_b[0] + 1, stay_b[1] + 1, [_CODE_B, *stay_b[2]])
        best[i][0] = min(stay_b, to_c, key=lambda t: (t[0], t[1]))
        best[i][1] = min(stay_c, to_b, key=lambda t: (t[0], t[1]))
    start_b = best[0][0]
    start_c = best[0][1]
    # Starting in a set is free relative to switching: compare the plain encodings from each start.
    if (start_c[0], start_c[1]) < (start_b[0], start_b[1]):
        return [_START_C, *start_c[2]]
    return [_START_B, *start_b[2]]


def code128_modules(text: str) -> str:
    """Code 128 modules for ``text`` ('1' bar, '0' space), start to stop, without quiet zone."""
    values = code128_values(text)
    check = (values[0] + sum(i * v for i, v in enumerate(values[1:], start=1))) % 103
    return "".join(CODE128_PATTERNS[v] for v in (*values, check)) + CODE128_STOP
