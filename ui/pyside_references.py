"""A guard against a defect of PySide6 6.12 on Python 3.11: None, True and False must never run out of
references.

The PySide6 6.12 wheels (abi3, for Python ≥ 3.10) return None from every void Qt call, and True from every
signal's emit, without taking a reference to it. From Python 3.12 these objects are immortal and nothing
happens; on 3.11 each such call takes away a reference nobody gave, and once a few tens of thousands are
gone the interpreter frees None itself and aborts ("Fatal Python error: none_dealloc") — in the window
after a couple of thousand keystrokes in the intake form, or at exit. So on CPython before 3.12 each of
the three gets more spare references than any session can use up, which is what 3.12 does by design;
harmless with a PySide6 that counts right. Done when `ui` is imported, before any widget exists, without
importing Qt (`window-clerk --version` stays quick). Remove with the pin to a fixed PySide6 or Python 3.12.
"""

from __future__ import annotations

import ctypes
import sys

SPARE_REFERENCES = 1 << 48  # ~2.8e14: a billion Qt calls a day for hundreds of years


def keep_singletons_alive() -> bool:
    """Give None, True and False their spare references, once (CPython before 3.12 only; a debug build
    with extra object header fields is left alone). True when they have them."""
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12) or hasattr(sys, "getobjects"):
        return False
    for singleton in (None, True, False):
        # CPython's object header starts with the reference count (Py_ssize_t).
        count = ctypes.c_ssize_t.from_address(id(singleton))
        if count.value < SPARE_REFERENCES:
            count.value += SPARE_REFERENCES
    return True
