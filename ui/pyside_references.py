"""A guard against a defect of PySide6 (seen in 6.12) on Python 3.11: None, True and False must never run
out of references.

The PySide6 6.12 wheels (abi3, for Python ≥ 3.10) return None from every void Qt call, and True from every
signal's emit, without taking a reference to it. From Python 3.12 these objects are immortal and nothing
happens; on 3.11 each such call takes away a reference nobody gave, and once a few tens of thousands are
gone the interpreter frees None itself and aborts ("Fatal Python error: none_dealloc") — in the window
after a couple of thousand keystrokes in the intake form, or at exit. While the installed PySide6 does
this, each of the three gets more spare references than any session can use up (what 3.12 does by
design). Checked once when `ui` is imported, before any widget exists; a PySide6 without the defect, or
Python 3.12, is left alone.
"""

from __future__ import annotations

import ctypes
import logging
import sys

log = logging.getLogger("clerk.ui")

SPARE_REFERENCES = 1 << 48  # ~2.8e14: a billion Qt calls a day for hundreds of years
PROBE_CALLS = 100


def pyside_drops_references() -> bool:
    """Whether a void Qt call takes away a reference to None (the defect)."""
    from PySide6.QtCore import QObject

    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(PROBE_CALLS):
        probe.setObjectName("")
    return sys.getrefcount(None) <= before - PROBE_CALLS // 2


def keep_singletons_alive() -> bool:
    """Give None, True and False their spare references, once, if this PySide6 needs it (CPython before
    3.12 only; a build with extra object header fields is left alone). True when they have them."""
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12) or hasattr(sys, "getobjects"):
        return False
    if sys.getrefcount(None) < SPARE_REFERENCES and not pyside_drops_references():
        return False
    for singleton in (None, True, False):
        # CPython's object header starts with the reference count (Py_ssize_t).
        count = ctypes.c_ssize_t.from_address(id(singleton))
        if count.value < SPARE_REFERENCES:
            count.value += SPARE_REFERENCES
    log.debug("PySide6 drops references to None and True on this Python: spare references given")
    return True
