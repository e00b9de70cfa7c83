"""The paper a document is laid out for (apart from the PDF code: choosing one imports no reportlab)."""

from __future__ import annotations

from enum import StrEnum


class Layout(StrEnum):
    A4 = "a4"
    RECEIPT80 = "receipt80"
