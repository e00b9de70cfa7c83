"""Documents as GB/T 9704 and 公文 practice want them, read back from the printed PDF: 文号 without window
code or leading zeros and unique across a hall's windows, dates without leading zeros, the heading centred,
the 主送 line, Chinese line breaking, the seal with the date under it, the 骑缝章 place, nothing clipped."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph as PlainParagraph
from sqlalchemy import func, select

from app.clock import Clock
from app.documents.content import DocumentContent, DocumentError, DocumentKind, Paragraph, cn_date, cn_time
from app.documents.fonts import font_chain
from app.documents.kinsoku import CANNOT_END, CANNOT_START, CjkParagraph
from app.documents.layout import Layout
from app.documents.numbering import NumberingError, block_range, counter_name, serial_block
from app.documents.pdf import render_pdf
from app.intake import parse_request
from app.settings import Settings
from app.workspace import SETTINGS_NAME, Workspace, open_workspace
from db.models import Counter as SerialCounter
from db.models import Document
from tests.documents_helpers import needs_poppler, read_back
from tests.helpers import COMPANY, PLANNING, open_demo_workspace, request_json
from tests.test_documents import Cases, cases  # noqa: F401 (the fixture)

pytestmark = needs_poppler

NUMBER = re.compile(r"^示政服(受|容受|补告|不受|领)〔2026〕[1-9]\d*号$")
A4_WIDTH = 595.2756
RECEIPT_WIDTH = 226.7717
LEFT_MARGIN = {Layout.A4: 51.0236, Layout.RECEIPT80: 8.5039}
CLOSING = "，。、；：！？）》」』】〕”’"


@dataclass(frozen=True)
class Word:
    page: int
    text: str
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def centre(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def height(self) -> float:
        return self.y1 - self.y0


def words_of(pdf: bytes, folder: Path) -> tuple[float, list[Word]]:
    """Page width and every word pdftotext finds, with its box (points, y downwards)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "bbox.pdf"
    path.write_bytes(pdf)
    html = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-bbox", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    width = float(re.search(r'<page width="([\d.]+)"', html)[1])  # type: ignore[index]
    words: list[Word] = []
    for page, body in enumerate(html.split("<page ")[1:], start=1):
        for m in re.finditer(
            r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<', body
        ):
            x0, y0, x1, y1 = (float(v) for v in m.groups()[:4])
            words.append(Word(page, m[5], x0, y0, x1, y1))
    return width, words


def lines_of(pdf: bytes, folder: Path) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "lines.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [line.strip() for line in text.splitlines() if line.strip()]


def squash(text: str) -> str:
    return "".join(text.split())


def accept(workspace: Workspace, *, skip: tuple[str, ...] = ()) -> str:
    planning = workspace.catalog.item(PLANNING)
    assert planning is not None
    request = parse_request(request_json(planning, applicant=COMPANY, skip=skip))
    return workspace.acceptance.accept(request, counter=workspace.counter("demo"))


def content_of(workspace: Workspace, kind: DocumentKind, number: str) -> DocumentContent:
    """What the service prints for the case (numbered as the service numbers it)."""
    case = workspace.cases.find(number)
    assert case is not None
    return workspace.documents._content(kind, case, workspace.counter("demo"))


# -- 文号 ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", [Layout.A4, Layout.RECEIPT80])
def test_document_numbers_have_no_window_code_and_no_leading_zeros(
    workspace: Workspace, tmp_path: Path, layout: Layout
) -> None:
    counter = workspace.counter("demo")
    printed = []
    for index in range(2):
        document = workspace.documents.prepare(
            DocumentKind.RECEIPT, accept(workspace), counter=counter, layout=layout
        )
        assert squash(document.number) in squash(read_back(document.pdf, tmp_path / str(index)).text)
        printed.append(document.number)
    # Window SZX0103 of hall SZX01 numbers from block 3.
    assert printed == ["示政服受〔2026〕300001号", "示政服受〔2026〕300002号"]
    assert all(NUMBER.match(number) for number in printed)


def test_two_windows_of_a_hall_never_give_the_same_number(tmp_path: Path, clock: Clock) -> None:
    first = open_demo_workspace(tmp_path / "a", clock=clock)
    second_home = tmp_path / "b"
    open_demo_workspace(second_home, clock=clock).close()
    Settings(second_home / SETTINGS_NAME).set("window_code", "SZX0104")
    second = open_workspace(second_home, clock=clock)
    try:
        numbers: dict[str, list[str]] = {}
        for workspace in (first, second):
            counter = workspace.counter("demo")
            numbers[counter.window_code] = [
                workspace.documents.prepare(
                    DocumentKind.RECEIPT, accept(workspace), counter=counter, layout=Layout.RECEIPT80
                ).number
                for _ in range(3)
            ]
        assert numbers["SZX0103"] == [f"示政服受〔2026〕30000{i}号" for i in (1, 2, 3)]
        assert numbers["SZX0104"] == [f"示政服受〔2026〕40000{i}号" for i in (1, 2, 3)]
        # A hall may give a window another block; block 0 numbers 1号, 2号 …
        second.settings.set("document_serial_block", 0)
        document = second.documents.prepare(
            DocumentKind.RECEIPT, accept(second), counter=second.counter("demo")
        )
        assert document.number == "示政服受〔2026〕1号"
        assert "示政服受〔2026〕1号" in squash(read_back(document.pdf, tmp_path / "block0").text)
    finally:
        first.close()
        second.close()


def test_a_used_up_block_is_refused_and_nothing_is_numbered(workspace: Workspace) -> None:
    name = counter_name(short_name="示政服", kind=str(DocumentKind.RECEIPT), year=2026, block=3)
    with workspace.store.write() as session:
        session.add(SerialCounter(name=name, last=99_999))
    number = accept(workspace)
    with pytest.raises(DocumentError, match=r"文号段（300001–399999号）已用完.*document_serial_block"):
        workspace.documents.prepare(DocumentKind.RECEIPT, number, counter=workspace.counter("demo"))
    with workspace.store.read() as session:
        assert session.scalar(select(func.count()).select_from(Document)) == 0
        assert session.get(SerialCounter, name).last == 99_999  # type: ignore[union-attr]


def test_a_document_numbered_before_keeps_its_number(workspace: Workspace, tmp_path: Path) -> None:
    number = accept(workspace)
    old = "示政服受〔2026〕SZX0103-0007号"
    with workspace.store.write() as session:
        session.add(
            Document(
                case_number=number,
                kind=str(DocumentKind.RECEIPT),
                number=old,
                created_at=datetime(2026, 11, 20, 2, 0),
                clerk_login="demo",
            )
        )
    document = workspace.documents.prepare(DocumentKind.RECEIPT, number, counter=workspace.counter("demo"))
    assert document.number == old
    assert old in squash(read_back(document.pdf, tmp_path).text)


def test_the_window_block_comes_from_the_window_number_in_the_hall() -> None:
    assert serial_block(setting=None, hall_code="SZX01", window_code="SZX0103") == 3
    assert serial_block(setting=None, hall_code="SZX01", window_code="SZX0127") == 27
    assert serial_block(setting=None, hall_code="XY", window_code="CD0101") == 101  # trailing number
    assert serial_block(setting=0, hall_code="SZX01", window_code="SZX0103") == 0
    assert block_range(3) == (300_001, 399_999)
    with pytest.raises(NumberingError, match="ABCD 末尾没有窗口序号"):
        serial_block(setting=None, hall_code="SZX01", window_code="ABCD")
    with pytest.raises(NumberingError, match="文号段 10000"):
        serial_block(setting=10_000, hall_code="SZX01", window_code="SZX0103")


# -- dates ------------------------------------------------------------------------------------------


def test_dates_on_paper_have_no_leading_zeros(workspace: Workspace, cases: Cases, tmp_path: Path) -> None:  # noqa: F811
    assert cn_date(date(2026, 12, 2)) == "2026年12月2日"
    assert cn_time(datetime(2026, 12, 1, 18, 5, tzinfo=UTC)) == "2026年12月2日 02:05"
    for kind, number in (
        (DocumentKind.RECEIPT, cases.accepted),
        (DocumentKind.SUPPLEMENT_NOTICE, cases.supplement),
        (DocumentKind.PICKUP_RECEIPT, cases.accepted),
    ):
        for layout in (Layout.A4, Layout.RECEIPT80):
            document = workspace.documents.prepare(kind, number, counter=cases.counter, layout=layout)
            text = squash(read_back(document.pdf, tmp_path / f"{kind}-{layout}").text)
            assert "2026年11月20日" in text
            assert not re.search(r"\d年0\d月|月0\d日", text), (kind, layout)
    receipt = workspace.documents.prepare(DocumentKind.RECEIPT, cases.accepted, counter=cases.counter)
    assert "2026年12月4日" in squash(read_back(receipt.pdf, tmp_path / "promised").text)


# -- layout -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", [Layout.A4, Layout.RECEIPT80])
@pytest.mark.parametrize(
    "kind", [DocumentKind.RECEIPT, DocumentKind.SUPPLEMENT_NOTICE, DocumentKind.CERTIFICATE]
)
def test_office_and_title_are_centred_on_the_page(
    workspace: Workspace,
    cases: Cases,  # noqa: F811
    tmp_path: Path,
    kind: DocumentKind,
    layout: Layout,
) -> None:
    number = cases.supplement if kind is DocumentKind.SUPPLEMENT_NOTICE else cases.accepted
    content = content_of(workspace, kind, number)
    document = workspace.documents.prepare(kind, number, counter=cases.counter, layout=layout)
    width, words = words_of(document.pdf, tmp_path)
    for text in (content.office_name, content.title):
        for line in heading_lines(words, text):  # on an 80 mm slip a long office name takes two lines
            assert abs(line.centre - width / 2) < 1.5, (text, line.text, line.centre, width / 2)


def heading_lines(words: list[Any], text: str) -> list[Any]:
    """The words of page 1, top first, that print `text` line after line (the first place it starts)."""
    top = sorted((w for w in words if w.page == 1), key=lambda w: (w.y0, w.x0))
    for start, word in enumerate(top):
        if not text.startswith(word.text):
            continue
        lines, printed = [word], word.text
        for following in top[start + 1 :]:
            if printed == text or not text[len(printed) :].startswith(following.text):
                break
            lines.append(following)
            printed += following.text
        if printed == text:
            return lines
    raise AssertionError(f"{text!r} not printed on page 1")


@pytest.mark.parametrize("layout", [Layout.A4, Layout.RECEIPT80])
def test_the_addressee_stands_on_its_own_line_before_the_text(
    workspace: Workspace, tmp_path: Path, layout: Layout
) -> None:
    content = content_of(workspace, DocumentKind.RECEIPT, accept(workspace))
    addressee = f"{COMPANY['name']}："
    pdf = render_pdf(replace(content, addressee=addressee), layout=layout).data
    lines = lines_of(pdf, tmp_path)
    assert addressee in lines
    first = next(section for section in content.sections if isinstance(section, Paragraph)).text
    assert lines[lines.index(addressee) + 1].startswith(first[:6])
    _, words = words_of(pdf, tmp_path)
    (word,) = [w for w in words if w.text == addressee]
    assert abs(word.x0 - LEFT_MARGIN[layout]) < 1


def _semicolon_paragraphs(first: int, last: int) -> tuple[Paragraph, ...]:
    """Paragraphs with "；" at every position a line could end at: one of them wraps before it naively."""
    return tuple(Paragraph("审" * n + "；" + "查" * 20 + "。") for n in range(first, last))


@pytest.mark.parametrize(("layout", "first", "last"), [(Layout.A4, 36, 52), (Layout.RECEIPT80, 14, 30)])
def test_no_line_starts_with_closing_punctuation(
    workspace: Workspace, tmp_path: Path, layout: Layout, first: int, last: int
) -> None:
    content = content_of(workspace, DocumentKind.RECEIPT, accept(workspace))
    sections = _semicolon_paragraphs(first, last)
    pdf = render_pdf(replace(content, sections=sections), layout=layout).data
    lines = lines_of(pdf, tmp_path)
    assert squash("".join(lines)).count("；") >= len(sections)  # every paragraph printed whole
    starting = [line for line in lines if line[0] in CLOSING]
    assert starting == []


def test_chinese_line_breaking_moves_the_character_before_a_closing_mark() -> None:
    chain = font_chain()
    style = ParagraphStyle("t", fontName=chain.primary, fontSize=10, leading=15, wordWrap="CJK")

    def lines(paragraph: PlainParagraph, width: float) -> list[str]:
        paragraph.wrap(width, 1000)
        return [
            "".join(line[1]) if isinstance(line, tuple) else "".join(w.text for w in line.words)
            for line in paragraph.blPara.lines
        ]

    text = "甲" * 19 + "乙；丙丁戊己庚辛"
    assert lines(PlainParagraph(text, style), 200)[1].startswith("；")  # reportlab alone
    assert lines(CjkParagraph(text, style), 200) == ["甲" * 19, "乙；丙丁戊己庚辛"]
    assert lines(CjkParagraph("甲" * 14 + "（乙）丙丁", style), 150) == ["甲" * 14, "（乙）丙丁"]
    assert lines(CjkParagraph("补打时间" + "甲" * 9 + " 10:00 王晓梅", style), 150)[1].startswith("10:00")
    assert set("；，：！？”》") <= CANNOT_START and set("（“《") <= CANNOT_END


def test_the_seal_is_named_with_the_date_under_it(workspace: Workspace, tmp_path: Path) -> None:
    content = content_of(workspace, DocumentKind.RECEIPT, accept(workspace))
    seal_name = "示例市市场监督管理局行政许可专用章"
    for layout in (Layout.A4, Layout.RECEIPT80):
        _, words = words_of(
            render_pdf(replace(content, seal_name=seal_name), layout=layout).data, tmp_path / layout
        )
        parts = sorted((w for w in words if len(w.text) > 2 and w.text in seal_name), key=lambda w: w.y0)
        assert "".join(w.text for w in parts) == seal_name  # on two or three lines in the circle
        assert parts[-1].text == "行政许可专用章"
        day = min(
            (w for w in words if w.text == cn_date(content.issued_on) and w.y0 > parts[0].y0),
            key=lambda w: w.y0,
        )
        assert parts[-1].y1 < day.y0 < parts[-1].y1 + 60  # directly under the seal (a 30–32 mm circle)
        assert all(abs(day.centre - part.centre) < 1 for part in parts)


def test_a_notice_of_several_pages_marks_the_cross_page_seal(
    workspace: Workspace,
    cases: Cases,  # noqa: F811
    tmp_path: Path,
) -> None:
    notice = workspace.documents.prepare(
        DocumentKind.SUPPLEMENT_NOTICE, cases.supplement, counter=cases.counter
    )
    assert notice.pages == 2
    width, words = words_of(notice.pdf, tmp_path / "notice")
    marks = [(w.page, w.y0) for w in words if w.text == "骑" and w.x0 > width - 10 * 2.835]
    assert [page for page, _ in marks] == [1, 2] and marks[0][1] == marks[1][1]  # same height on each page
    footers = ["".join(w.text for w in words if w.page == page and w.y0 > 800) for page in (1, 2)]
    assert footers == [
        f"一次性告知书（补正材料通知书）办件编号{cases.supplement}第{page}页共2页" for page in (1, 2)
    ]
    receipt = workspace.documents.prepare(DocumentKind.RECEIPT, cases.accepted, counter=cases.counter)
    assert receipt.pages == 1
    assert "骑缝章" not in squash(read_back(receipt.pdf, tmp_path / "receipt").text)


def test_a_note_is_printed_small(workspace: Workspace, tmp_path: Path) -> None:
    content = content_of(workspace, DocumentKind.RECEIPT, accept(workspace))
    sections = (Paragraph("正文段落说明事项"), Paragraph("材料清单版本说明", small=True))
    _, words = words_of(render_pdf(replace(content, sections=sections), layout=Layout.A4).data, tmp_path)
    (text,) = [w for w in words if w.text == "正文段落说明事项"]
    (note,) = [w for w in words if w.text == "材料清单版本说明"]
    assert note.height < text.height * 0.9


# -- nothing clipped --------------------------------------------------------------------------------


def test_the_reprint_line_at_80mm_is_printed_whole(workspace: Workspace, tmp_path: Path) -> None:
    counter = workspace.counter("demo")
    number = accept(workspace)
    first = workspace.documents.prepare(DocumentKind.RECEIPT, number, counter=counter)
    workspace.documents.export(first, tmp_path / "first.pdf", counter=counter)
    reason = "原件被申请人带走后遗失，申请人携本人身份证原件到窗口申请补打，经核对身份一致，同意补打"
    again = workspace.documents.prepare(
        DocumentKind.RECEIPT, number, counter=counter, layout=Layout.RECEIPT80, reprint_reason=reason
    )
    text = squash(read_back(again.pdf, tmp_path / "again").text)
    assert f"补打原因：{reason}补打：2026年11月20日10:00王晓梅" in text
    width, words = words_of(again.pdf, tmp_path / "bbox")
    assert max(w.x1 for w in words) <= width - LEFT_MARGIN[Layout.RECEIPT80] + 0.5


@pytest.mark.parametrize("layout", [Layout.A4, Layout.RECEIPT80])
def test_labels_are_never_broken_and_nothing_passes_the_margin(
    workspace: Workspace,
    cases: Cases,  # noqa: F811
    tmp_path: Path,
    layout: Layout,
) -> None:
    for kind, number in (
        (DocumentKind.RECEIPT, cases.accepted),
        (DocumentKind.TOLERANCE_NOTICE, cases.tolerance),
        (DocumentKind.SUPPLEMENT_NOTICE, cases.supplement),
        (DocumentKind.REJECTION_NOTICE, cases.rejected),
        (DocumentKind.CERTIFICATE, cases.accepted),
        (DocumentKind.PICKUP_RECEIPT, cases.accepted),
    ):
        content = content_of(workspace, kind, number)
        document = workspace.documents.prepare(kind, number, counter=cases.counter, layout=layout)
        width, words = words_of(document.pdf, tmp_path / f"{kind}")
        texts = {w.text for w in words}
        for field in content.fields:
            assert field.label in texts, (kind, field.label)  # one word: on one line
        inside = [w for w in words if w.text not in "骑缝章"]
        margin = LEFT_MARGIN[Layout.A4 if document.layout is Layout.A4 else Layout.RECEIPT80]
        assert min(w.x0 for w in inside) >= margin - 0.5, kind
        assert max(w.x1 for w in inside) <= width - margin + 0.5, kind
