"""Check characters over the 36 alphanumerics "0-9A-Z" (character value = index in ALPHANUMERIC).

Two schemes live here:

ISO/IEC 7064 hybrid MOD 37,36 (``mod37_36_*``)
    M = 36, p = M; for each character: s = (p + v) mod M, with 0 read as M; p = 2·s mod (M + 1).
    The check value is (M + 1 − p) mod M, which makes the last s equal to 1 when the check
    character is run through the same loop -- the standard hybrid validity condition.
    This is the check of GB/T 36904 identifiers (e.g. electronic certificate ids).  Convention,
    verified against ``1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U``:
    the check runs over the fields *after* the fixed root ``1.2.156.3005.2.`` with the dots
    removed, i.e. over ``11100000000013338W01111430000006122244L20230000403001`` → ``U``.
    (Including the root digits gives ``7``; the dots themselves are not in the alphabet.)

    Known blind spot (why case numbers do not use it): doubling mod 37 maps s = 18 to 36 ≡ 0
    (mod 36) but s = 19 to 1, so the loop is not a homomorphism and an adjacent transposition
    of two characters with values a and a + 1 (mod 36) goes undetected whenever the running
    p satisfies p + a ≡ 18 (mod 36): both orders end in the same p.  That is 36 of the
    36·630 (state, unordered pair) combinations; e.g. "...89..." ↔ "...98..." at p = 10.
    Swapping the last data character with the check character is missed once as well
    (p = 18, "01" ↔ "10").  All single substitutions are detected.

Damm algorithm over a totally anti-symmetric quasigroup of order 36 (``damm36_*``)
    x ∘ y on v = 4·j + i (i ∈ GF(4) as 2-bit vectors, j ∈ Z9) is the direct product of
    i_x ∘ i_y = ω·(i_x ⊕ i_y) on GF(4) and j_x ∘ j_y = j_y − j_x on Z9.  Both factors are
    quasigroups with zero diagonal and are totally anti-symmetric ((c∘x)∘y = (c∘y)∘x ⇒ x = y:
    the differences are (ω² + ω)(x ⊕ y) = x ⊕ y and 2(x − y), non-zero in GF(4) and Z9), and a
    direct product keeps both properties.  Interim = 0; interim = interim ∘ v for each
    character; the check character is the one that brings the interim back to 0 (because of
    the zero diagonal, simply the final interim).  It detects every single substitution and
    every adjacent transposition, including a swap of the last data character with the
    check character, and the check character stays in 0-9A-Z.

All functions are pure; callers fold/uppercase input first (lowercase letters are rejected).
"""

from __future__ import annotations

ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

_MOD = 36
_INDEX = {ch: i for i, ch in enumerate(ALPHANUMERIC)}


def _values(text: str) -> list[int]:
    """Character values of ``text``; ValueError naming the first character outside 0-9A-Z."""
    values: list[int] = []
    for position, ch in enumerate(text, start=1):
        value = _INDEX.get(ch)
        if value is None:
            raise ValueError(f"character {ch!r} at position {position} is not in 0-9A-Z")
        values.append(value)
    return values


# --- ISO/IEC 7064 hybrid MOD 37,36 -------------------------------------------------------


def _mod37_36_state(values: list[int]) -> int:
    p = _MOD
    for v in values:
        s = (p + v) % _MOD or _MOD
        p = (2 * s) % (_MOD + 1)
    return p


def mod37_36_check_char(text: str) -> str:
    """ISO/IEC 7064 hybrid MOD 37,36 check character over ``text`` (0-9A-Z only)."""
    p = _mod37_36_state(_values(text))
    return ALPHANUMERIC[(_MOD + 1 - p) % _MOD]


def mod37_36_is_valid(text_with_check: str) -> bool:
    """True if the last character is the hybrid MOD 37,36 check character of the rest."""
    if len(text_with_check) < 2:
        return False
    try:
        values = _values(text_with_check)
    except ValueError:
        return False
    p = _mod37_36_state(values[:-1])
    return ((p + values[-1]) % _MOD or _MOD) == 1


# --- Damm algorithm, order 36 ------------------------------------------------------------


def _gf4_times_omega(x: int) -> int:
    """Multiply by ω in GF(4) = {0, 1, ω, ω²}, element b1·ω + b0 stored as the bits (b1 b0)."""
    b1, b0 = (x >> 1) & 1, x & 1
    # ω·(b1·ω + b0) = b1·ω² + b0·ω = b1·(ω + 1) + b0·ω = (b1 ⊕ b0)·ω + b1
    return ((b1 ^ b0) << 1) | b1


def _damm36_op(x: int, y: int) -> int:
    ix, jx = x % 4, x // 4
    iy, jy = y % 4, y // 4
    return 4 * ((jy - jx) % 9) + _gf4_times_omega(ix ^ iy)


_DAMM36: tuple[tuple[int, ...], ...] = tuple(
    tuple(_damm36_op(x, y) for y in range(_MOD)) for x in range(_MOD)
)


def _damm36_interim(values: list[int]) -> int:
    interim = 0
    for v in values:
        interim = _DAMM36[interim][v]
    return interim


def damm36_check_char(text: str) -> str:
    """Damm check character (order-36 anti-symmetric quasigroup) over ``text`` (0-9A-Z only)."""
    interim = _damm36_interim(_values(text))
    # Zero diagonal: interim ∘ interim = 0, so the check value is the interim itself.
    return ALPHANUMERIC[interim]


def damm36_is_valid(text_with_check: str) -> bool:
    """True if the last character is the Damm-36 check character of the rest."""
    if len(text_with_check) < 2:
        return False
    try:
        values = _values(text_with_check)
    except ValueError:
        return False
    return _damm36_interim(values) == 0
