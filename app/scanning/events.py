"""What `case.pages_attached` holds: the captured pages of one material at one visit, the whole list each
time (a page turned, moved or deleted sends the list again; the last one recorded is the material's).

Each page is named by the SHA-256 of its file; the file travels apart (app.sync.blobs), so the event stays
small and the server can tell a page it has from one still on its way. What the page check warned of is
kept beside each page, and whether the clerk kept the page all the same: the override is the recorded
event's own clerk and time (its envelope). The same for a material with fewer pages than its standard.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.scanning.pages import PageFormat, PageSource
from app.sync.event_parts import CODE, SHA256
from app.sync.schema import Flag, Integer, ListOf, Record, Text, choice, nullable, required
from app.sync.wire import EventKind

MAX_PAGES_PER_MATERIAL = 500  # one material's pages in one event (each about 250 bytes of JSON)
MAX_VISITS = 100
MAX_PIXELS_SIDE = 60_000
MAX_WARNINGS = 8
ROTATIONS = (0, 90, 180, 270)
WARNING_CODE = Text(20, rule=lambda v: v.replace("_", "").isalnum() and v.isascii(), form="页面检查代码")

PAGE = Record(
    {
        "sha256": required(SHA256),
        "bytes": required(Integer(1, 50 * 1024 * 1024)),
        "format": required(choice(PageFormat)),
        "width": required(Integer(1, MAX_PIXELS_SIDE)),
        "height": required(Integer(1, MAX_PIXELS_SIDE)),
        "dpi": nullable(Integer(1, 10_000)),
        "rotation": required(Integer(0, 270)),
        "source": required(choice(PageSource)),
        "warnings": required(ListOf(WARNING_CODE, max_items=MAX_WARNINGS)),
        "kept_despite_warnings": required(Flag()),
    }
)
PAGES_ATTACHED = Record(
    {
        "material_code": required(CODE),
        "visit": required(Integer(0, MAX_VISITS)),
        "pages": required(ListOf(PAGE, max_items=MAX_PAGES_PER_MATERIAL)),
        "standard_pages": nullable(Integer(1, MAX_PAGES_PER_MATERIAL)),
        "kept_short": required(Flag()),  # fewer pages than the standard, kept by the clerk
    }
)


@dataclass(frozen=True)
class AttachedPage:
    """A stored page as it belongs to a material: its file, how it is turned, what its check said."""

    sha256: str
    byte_size: int
    format: PageFormat
    width: int
    height: int
    dpi: int | None
    rotation: int
    source: PageSource
    warnings: tuple[str, ...] = ()
    kept_despite_warnings: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "sha256": self.sha256,
            "bytes": self.byte_size,
            "format": str(self.format),
            "width": self.width,
            "height": self.height,
            "dpi": self.dpi,
            "rotation": self.rotation,
            "source": str(self.source),
            "warnings": list(self.warnings),
            "kept_despite_warnings": self.kept_despite_warnings,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AttachedPage:
        return cls(
            sha256=data["sha256"],
            byte_size=data["bytes"],
            format=PageFormat(data["format"]),
            width=data["width"],
            height=data["height"],
            dpi=data.get("dpi"),
            rotation=data["rotation"],
            source=PageSource(data["source"]),
            warnings=tuple(data.get("warnings", ())),
            kept_despite_warnings=bool(data.get("kept_despite_warnings", False)),
        )


@dataclass(frozen=True)
class PagesAttached:
    KIND = EventKind.PAGES_ATTACHED
    material_code: str
    visit: int
    pages: Sequence[AttachedPage]
    standard_pages: int | None = None
    kept_short: bool = False

    def payload(self) -> dict[str, Any]:
        return {
            "material_code": self.material_code,
            "visit": self.visit,
            "pages": [page.as_json() for page in self.pages],
            "standard_pages": self.standard_pages,
            "kept_short": self.kept_short,
        }


def rotation_problem(payload: dict[str, Any]) -> str | None:
    """The one rule between fields the schema cannot say: a page is turned by quarter turns only."""
    for index, page in enumerate(payload["pages"]):
        if page["rotation"] not in ROTATIONS:
            return f"第 {index + 1} 页的旋转角度 {page['rotation']} 不是 0、90、180 或 270"
    return None
