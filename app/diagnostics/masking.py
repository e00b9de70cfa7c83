"""No whole identifier in a log or a crash report: resident-ID-like, credit-code-like and phone-number-like
sequences are masked wherever they appear (messages, arguments, tracebacks)."""

from __future__ import annotations

import logging
import re

from app.identifiers import mask_resident_id

_BEFORE, _AFTER = r"(?<![0-9A-Za-z])", r"(?![0-9A-Za-z])"  # Python's \b counts Chinese as a word character
_USCC_CHAR = "[0-9A-HJ-NPQRTUWXY]"  # GB 32100: no I, O, S, V, Z
_LONG_ID = re.compile(
    _BEFORE
    + r"(?:\d{17}[0-9X]"  # resident ID, foreigner's permanent residence ID (2023)
    + f"|{_USCC_CHAR}{{2}}\\d{{6}}{_USCC_CHAR}{{10}}"  # unified social credit code
    + r"|\d{15})"  # first-generation resident ID
    + _AFTER,
    re.IGNORECASE,
)
_MOBILE = re.compile(_BEFORE + r"(1[3-9]\d)(\d{4})(\d{4})" + _AFTER)
_LANDLINE = re.compile(_BEFORE + r"(0\d{2,3}-)(\d{3,4})(\d{4})" + _AFTER)


def mask_identifiers(text: str) -> str:
    """110105********002X, 913101********217T, 138****5678, 028-****1234."""
    text = _LONG_ID.sub(lambda m: mask_resident_id(m.group(0)), text)
    text = _MOBILE.sub(lambda m: m.group(1) + "****" + m.group(3), text)
    return _LANDLINE.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), text)


_TRACEBACKS = logging.Formatter()


class MaskingFilter(logging.Filter):
    """Masks a record in place (message with its arguments, traceback, stack), for every handler after it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # arguments that do not fit the format: keep both, masked
            message = f"{record.msg} {record.args!r}（日志参数与格式不符）"
        record.msg, record.args = mask_identifiers(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = _TRACEBACKS.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_identifiers(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_identifiers(record.stack_info)
        return True
