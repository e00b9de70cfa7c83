"""A case's pages exported as one PDF for the back office: read back with an independent PDF library, its
bookmarks, its pages' sizes and turns, and the pages themselves rendered to PNG and compared."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageChops

from app.intake import parse_request
from app.scanning.attach import MaterialPages
from app.scanning.export import export_pages_pdf
from app.scanning.page_store import PageMissing
from app.workspace import Workspace
from tests.helpers import PLANNING, request_json
from tests.page_fixtures import stored


def accepted(workspace: Workspace, pages: list[MaterialPages]) -> str:
    item = workspace.catalog.item(PLANNING)
    assert item is not None
    request = parse_request(request_json(item))
    return workspace.acceptance.accept(request, counter=workspace.counter("demo"), pages=pages)


def test_one_pdf_with_a_bookmark_per_material(workspace: Workspace, tmp_path: Path) -> None:
    form = (stored(workspace, "申请表 1"), stored(workspace, "申请表 2"))
    licence = (replace(stored(workspace, "营业执照"), rotation=90),)
    number = accepted(workspace, [MaterialPages("M01", form), MaterialPages("M02", licence)])
    target = tmp_path / "材料.pdf"
    total = export_pages_pdf(
        target,
        number=number,
        item_name="建设工程规划许可证核发",
        page_sets=workspace.pages.page_sets(number),
        store=workspace.pages.pages,
    )
    assert total == 3
    pdf = pdfium.PdfDocument(target)
    assert len(pdf) == 4  # the contents page, then the three pages
    toc = [(item.level, item.get_title(), item.get_dest().get_index()) for item in pdf.get_toc()]
    assert toc == [
        (0, "目录", 0),
        (0, "M01 建设工程规划许可证申请表（2 页）", 1),
        (0, "M02 营业执照（或其他主体资格证明）（1 页）", 3),
    ]
    contents = pdf[0].get_textpage().get_text_range()
    assert f"办件 {number} 申请材料" in contents and "共 2 组材料，3 页" in contents
    # 100 dpi pages: an A4 page each; the turned one is landscape.
    assert [tuple(round(v) for v in pdf[i].get_size()) for i in (1, 2, 3)] == [
        (595, 842),
        (595, 842),
        (842, 595),
    ]
    # The page as drawn is the stored image (turned for the last one), read back at its own resolution.
    for index, page, turn in ((1, form[0], 0), (3, licence[0], 90)):
        rendered = pdf[index].render(scale=100 / 72, grayscale=True).to_pil().convert("L")
        original = Image.open(workspace.pages.pages.path(page.sha256)).convert("L")
        if turn:
            original = original.rotate(-turn, expand=True)
        rendered = rendered.resize(original.size)
        difference = ImageChops.difference(rendered, original).point(lambda v: 255 if v > 96 else 0)
        assert difference.histogram()[255] < 0.01 * original.width * original.height
    pdf.close()


def test_an_export_missing_a_page_says_so_and_writes_nothing(workspace: Workspace, tmp_path: Path) -> None:
    page = stored(workspace, "将被删除")
    number = accepted(workspace, [MaterialPages("M02", (page,))])
    workspace.pages.pages.path(page.sha256).unlink()
    target = tmp_path / "材料.pdf"
    with pytest.raises(PageMissing, match="本机没有该页面的文件"):
        export_pages_pdf(
            target,
            number=number,
            item_name="x",
            page_sets=workspace.pages.page_sets(number),
            store=workspace.pages.pages,
        )
    assert not target.exists()
