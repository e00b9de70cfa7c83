"""A case's captured pages as one PDF for the back office: a contents page, then every material's pages in
the case's material order, each material a bookmark (and each visit under it when there were several).

Each page keeps its own size: a 300 dpi A4 scan is an A4 PDF page, a camera photo (no dpi) is fitted to
A4. The image file is embedded as it was stored (a JPEG stays the JPEG, not decoded and re-encoded), turned
by the page's recorded rotation. The PDF is written atomically: an export cut short leaves no half file.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from app.atomic import write_atomic
from app.documents.fonts import font_chain
from app.scanning.attach import PageSetView
from app.scanning.events import AttachedPage
from app.scanning.page_store import PageStore

POINTS_PER_INCH = 72
MARGIN = 36  # around a photo fitted to A4


def _visit_label(visit: int) -> str:
    return "受理时" if visit == 0 else f"第 {visit} 次补正"


def material_title(page_set: PageSetView, pages: int | None = None) -> str:
    count = len(page_set.pages) if pages is None else pages
    return f"{page_set.material_code} {page_set.material_name}（{count} 页）"


def _page_size(page: AttachedPage) -> tuple[float, float, float, float]:
    """The PDF page's size and the image's drawn size (points), the rotation applied."""
    turned = page.rotation in (90, 270)
    width, height = (page.height, page.width) if turned else (page.width, page.height)
    if page.dpi:
        drawn_w, drawn_h = width * POINTS_PER_INCH / page.dpi, height * POINTS_PER_INCH / page.dpi
        return drawn_w, drawn_h, drawn_w, drawn_h
    scale = min((A4[0] - 2 * MARGIN) / width, (A4[1] - 2 * MARGIN) / height)
    return A4[0], A4[1], width * scale, height * scale


def _draw_page(canvas: Canvas, page: AttachedPage, data: bytes) -> None:
    page_w, page_h, drawn_w, drawn_h = _page_size(page)
    canvas.setPageSize((page_w, page_h))
    canvas.saveState()
    canvas.translate(page_w / 2, page_h / 2)
    canvas.rotate(-page.rotation)  # clockwise, as the clerk turned it on the screen
    image_w, image_h = (drawn_h, drawn_w) if page.rotation in (90, 270) else (drawn_w, drawn_h)
    canvas.drawImage(ImageReader(io.BytesIO(data)), -image_w / 2, -image_h / 2, image_w, image_h)
    canvas.restoreState()


def export_pages_pdf(
    target: Path, *, number: str, item_name: str, page_sets: Sequence[PageSetView], store: PageStore
) -> int:
    """Write the case's pages to `target`; returns the number of material pages. A page whose file is
    missing or damaged stops the export with its message (PageMissing, PageDamaged): the back office
    never gets a file that silently lacks a page."""
    chain = font_chain()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    canvas.setTitle(f"{number} 申请材料")
    canvas.setSubject(item_name)
    canvas.setCreator("Window Clerk")
    canvas.showOutline()
    y = A4[1] - 72
    chain.draw_string(canvas, 72, y, f"办件 {number} 申请材料", size=16)
    y -= 24
    chain.draw_string(canvas, 72, y, item_name, size=11)
    y -= 30
    total = sum(len(s.pages) for s in page_sets)
    for page_set in page_sets:
        if y < 72:
            break
        line = f"{material_title(page_set)}　{_visit_label(page_set.visit)}"
        chain.draw_string(canvas, 72, y, line, size=10)
        y -= 16
    chain.draw_string(canvas, 72, 48, f"共 {len(page_sets)} 组材料，{total} 页", size=9)
    canvas.bookmarkPage("contents")
    canvas.addOutlineEntry("目录", "contents", level=0)
    canvas.showPage()
    visits_of: dict[str, int] = {}
    pages_of: dict[str, int] = {}
    for page_set in page_sets:
        visits_of[page_set.material_code] = visits_of.get(page_set.material_code, 0) + 1
        pages_of[page_set.material_code] = pages_of.get(page_set.material_code, 0) + len(page_set.pages)
    seen: set[str] = set()
    for page_set in page_sets:
        code = page_set.material_code
        for index, page in enumerate(page_set.pages):
            data = store.read(page.sha256)
            if index == 0:
                key = f"m-{code}-{page_set.visit}"
                canvas.bookmarkPage(key)
                if code not in seen:
                    canvas.addOutlineEntry(
                        material_title(page_set, pages_of[code]), key, level=0, closed=False
                    )
                    seen.add(code)
                if visits_of[code] > 1:
                    canvas.addOutlineEntry(_visit_label(page_set.visit), key, level=1)
            _draw_page(canvas, page, data)
            canvas.showPage()
    canvas.save()
    write_atomic(target, out.getvalue())
    return total
