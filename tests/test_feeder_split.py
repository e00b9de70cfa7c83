"""One feeder run split by separator sheets (app.scanning.feeder): the sheets printed for a real case's
checklist (app.documents.separator_sheets) and the applicant's papers (the project's own printed documents)
rendered as a feeder scans them, at 300 dpi colour PNG and at 200 dpi gray JPEG, fed in one stack; every page
must land in its material in order and the sheets must be gone. Then the stacks the split must not guess at:
a page before the first sheet, a sheet whose codes are painted over, codes that disagree, a sheet of another
case or of a material not on the checklist, and pages that are not pictures at all."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field

import pypdfium2
import pytest
from PIL import Image, ImageDraw

from app.clock import fixed_clock
from app.documents.content import DocumentKind
from app.documents.layout import Layout
from app.documents.separator_sheets import separator_sheets_pdf
from app.intake import parse_request
from app.scanning.feeder import FeederSplit, Unplaced, split
from app.scanning.image_codes import codes_in_image
from app.scanning.pages import CapturedPage, CaptureError, PageFormat, PageSource
from tests.conftest import DEFAULT_NOW
from tests.helpers import COMPANY, PASSPORT, PERSON, PLANNING, open_demo_workspace, request_json

SLIP = Layout.RECEIPT80
SCANS = ("300dpi-colour-png", "200dpi-gray-jpeg", "300dpi-bilevel-png")
# The stacks that must not be guessed at are fed as gray JPEG and black and white: a colour PNG reads as the
# others do (the whole stack and the sheet whose codes disagree are fed in colour too), at twice the time.
PLAIN_SCANS = SCANS[1:]


@dataclass
class Stack:
    """The case's sheets and the applicant's papers as pictures, and the pages a scan of each makes."""

    number: str
    other_number: str  # another case of the same window
    checklist: list[str]  # material codes in checklist order
    pictures: dict[str, Image.Image] = field(default_factory=dict)  # at 300 dpi, by label
    _scans: dict[tuple[str, str, float], CapturedPage] = field(default_factory=dict)

    def run(self, labels: list[str], scan: str) -> list[CapturedPage]:
        """Pages in feeding order; a label ending in "@180" (or "@1.5") is fed turned by that many degrees."""
        pages = []
        for label in labels:
            name, _, turn = label.partition("@")
            key = (name, scan, float(turn or 0))
            if key not in self._scans:
                self._scans[key] = scanned(self.pictures[name], scan, turn=key[2], origin=name)
            pages.append(self._scans[key])
        return pages


def scanned(picture: Image.Image, scan: str, *, turn: float, origin: str) -> CapturedPage:
    """The page a feeder makes of a 300 dpi picture: 300 dpi colour PNG, 200 dpi gray JPEG, or 300 dpi
    black and white (a threshold, as a scanner's "text" mode makes)."""
    if turn:
        picture = picture.rotate(turn, resample=Image.Resampling.BILINEAR, fillcolor=(255, 255, 255))
    buffer = io.BytesIO()
    jpeg = scan == "200dpi-gray-jpeg"
    if jpeg:
        size = (round(picture.width * 2 / 3), round(picture.height * 2 / 3))
        picture = picture.convert("L").resize(size, Image.Resampling.LANCZOS)
        picture.save(buffer, format="JPEG", quality=80)
    elif scan == "300dpi-bilevel-png":
        picture = picture.convert("L").point(lambda level: 255 if level > 140 else 0).convert("1")
        picture.save(buffer, format="PNG", compress_level=1)
    else:
        picture.save(buffer, format="PNG", compress_level=1)
    return CapturedPage(
        data=buffer.getvalue(),
        format=PageFormat.JPEG if jpeg else PageFormat.PNG,
        width=picture.width,
        height=picture.height,
        dpi=200 if jpeg else 300,
        source=PageSource.FEEDER,
        origin=origin,
    )


def render(pdf: bytes) -> list[Image.Image]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        pictures = []
        for index in range(len(document)):
            page = document[index]
            pictures.append(page.render(scale=300 / 72).to_pil().convert("RGB"))
            page.close()
        return pictures
    finally:
        document.close()


def codes_painted_over(sheet: Image.Image) -> Image.Image:
    """The sheet with white paint over its barcode and QR code (a smudge, a sticker): its bands remain."""
    painted = sheet.copy()
    draw = ImageDraw.Draw(painted)
    for code in codes_in_image(sheet):
        xs = [p.x for p in code.position]
        ys = [p.y for p in code.position]
        draw.rectangle((min(xs) - 60, min(ys) - 60, max(xs) + 60, max(ys) + 60), fill="white")
    assert codes_in_image(painted) == []
    return painted


def qr_swapped(sheet: Image.Image, donor: Image.Image) -> Image.Image:
    """The sheet with another sheet's QR code pasted over its own (the sheets share their layout)."""
    (qr,) = [code for code in codes_in_image(donor) if code.format == "QR Code"]
    box = (
        min(p.x for p in qr.position) - 40,
        min(p.y for p in qr.position) - 40,
        max(p.x for p in qr.position) + 40,
        max(p.y for p in qr.position) + 40,
    )
    mixed = sheet.copy()
    mixed.paste(donor.crop(box), box[:2])
    return mixed


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A case taken in at the demo window, its separator sheets, and its papers: the window's own documents
    (a receipt, a notice, a certificate … carry QR codes and barcodes of their own, which are no sheets)."""
    home = tmp_path_factory.mktemp("feeder") / "home"
    home.mkdir()
    workspace = open_demo_workspace(home, clock=fixed_clock(DEFAULT_NOW), secrets_in_file=True)
    try:
        counter = workspace.counter("demo")
        planning = workspace.catalog.item(PLANNING)
        passport = workspace.catalog.item(PASSPORT)
        assert planning is not None and passport is not None
        number = workspace.acceptance.accept(parse_request(request_json(planning)), counter=counter)
        other = workspace.acceptance.accept(
            parse_request(request_json(planning, skip=("M05",))), counter=counter
        )
        refused = workspace.acceptance.accept(
            parse_request(request_json(passport, applicant=PERSON, agent=None)), counter=counter
        )
        case = workspace.cases.find(number)
        assert case is not None
        checklist = list(dict.fromkeys((m.material, m.name) for m in case.materials))
        sheets = render(
            separator_sheets_pdf(case_number=number, applicant_name=COMPANY["name"], checklist=checklist).data
        )
        other_sheets = render(
            separator_sheets_pdf(case_number=other, applicant_name=COMPANY["name"], checklist=checklist).data
        )
        (unknown_sheet,) = render(
            separator_sheets_pdf(
                case_number=number, applicant_name=COMPANY["name"], checklist=[("M99", "不在清单中的材料")]
            ).data
        )
        papers = [
            workspace.documents.prepare(DocumentKind.RECEIPT, number, counter=counter).pdf,
            workspace.documents.prepare(DocumentKind.SUPPLEMENT_NOTICE, other, counter=counter).pdf,
            workspace.documents.prepare(DocumentKind.REJECTION_NOTICE, refused, counter=counter).pdf,
            workspace.documents.prepare(
                DocumentKind.RECEIPT, number, counter=counter, layout=Layout.RECEIPT80
            ).pdf,
        ]
        made = Stack(number=number, other_number=other, checklist=[code for code, _ in checklist])
        pictures = made.pictures
        for place, sheet in enumerate(sheets, start=1):  # "sheet-1": the sheet of the first material
            pictures[f"sheet-{place}"] = sheet
        pictures["other-case-sheet-2"] = other_sheets[1]
        pictures["sheet-M99"] = unknown_sheet
        pictures["painted-sheet-2"] = codes_painted_over(sheets[1])
        pictures["mixed-sheet-2"] = qr_swapped(sheets[1], sheets[2])  # the QR code of the third
        paper_pages = [page for pdf in papers for page in render(pdf)]
        for index, paper in enumerate(paper_pages[:4]):
            pictures[f"paper-{'abcd'[index]}"] = paper
        # More papers: the same pages turned (a page fed the wrong way round) and a blank back side.
        pictures["paper-e"] = paper_pages[0].rotate(180)
        pictures["paper-f"] = paper_pages[1].rotate(180)
        pictures["paper-g"] = Image.new("RGB", paper_pages[0].size, "white")
        yield made
    finally:
        workspace.close()


def origins(pages: list[CapturedPage]) -> list[str]:
    return [page.origin for page in pages]


def placed(result: FeederSplit[CapturedPage]) -> dict[str, list[str]]:
    return {code: origins(pages) for code, pages in result.materials.items()}


def unplaced(result: FeederSplit[CapturedPage]) -> list[tuple[int, str, Unplaced]]:
    return [(item.place, item.page.origin, item.kind) for item in result.unplaced]


@pytest.mark.parametrize("scan", SCANS)
def test_a_whole_stack_splits_to_its_materials_in_order_and_the_sheets_are_dropped(
    stack: Stack, scan: str
) -> None:
    labels = [
        "sheet-1",
        "paper-a",
        "paper-b",
        "sheet-2",
        "paper-c",
        "sheet-3",  # the applicant had none of the third material: the next sheet follows at once
        "sheet-4@180",  # fed upside down
        "paper-d",
        "paper-e",
        "paper-f@1.5",  # fed a little askew
        "sheet-5@-1.5",
        "paper-g",
    ]
    result = split(stack.run(labels, scan), case_number=stack.number, material_codes=stack.checklist)
    m = stack.checklist
    expected: dict[str, list[str]] = {code: [] for code in m}
    expected |= {
        m[0]: ["paper-a", "paper-b"],
        m[1]: ["paper-c"],
        m[2]: [],
        m[3]: ["paper-d", "paper-e", "paper-f"],
        m[4]: ["paper-g"],
    }
    assert placed(result) == expected
    assert list(result.materials) == stack.checklist  # every material, in checklist order
    assert result.unplaced == [] and result.sheets_dropped == 5
    assert not any(page.origin.startswith("sheet") for pages in result.materials.values() for page in pages)


@pytest.mark.parametrize("scan", PLAIN_SCANS)
def test_a_page_before_the_first_sheet_is_left_to_the_clerk(stack: Stack, scan: str) -> None:
    result = split(
        stack.run(["paper-a", "paper-b", "sheet-1", "paper-c"], scan),
        case_number=stack.number,
        material_codes=stack.checklist,
    )
    assert placed(result)[stack.checklist[0]] == ["paper-c"]
    assert unplaced(result) == [
        (1, "paper-a", Unplaced.BEFORE_FIRST_SHEET),
        (2, "paper-b", Unplaced.BEFORE_FIRST_SHEET),
    ]
    assert {item.reason for item in result.unplaced} == {"位于第一张分隔页之前"}
    assert not any(item.is_sheet for item in result.unplaced)


@pytest.mark.parametrize("scan", PLAIN_SCANS)
def test_a_sheet_whose_codes_cannot_be_read_is_shown_with_the_pages_after_it(stack: Stack, scan: str) -> None:
    labels = ["sheet-1", "paper-a", "painted-sheet-2", "paper-b", "paper-c", "sheet-3", "paper-d"]
    result = split(stack.run(labels, scan), case_number=stack.number, material_codes=stack.checklist)
    m, got = stack.checklist, placed(result)
    assert got[m[0]] == ["paper-a"] and got[m[2]] == ["paper-d"]
    assert got[m[1]] == []  # never guessed from the order of the sheets
    assert unplaced(result) == [
        (3, "painted-sheet-2", Unplaced.UNREADABLE_SHEET),
        (4, "paper-b", Unplaced.AFTER_UNUSABLE_SHEET),
        (5, "paper-c", Unplaced.AFTER_UNUSABLE_SHEET),
    ]
    sheet, after = result.unplaced[0], result.unplaced[1]
    assert sheet.is_sheet and sheet.reason.startswith("分隔页无法识别")
    assert "第 3 页" in after.reason and not after.is_sheet
    assert result.sheets_dropped == 2


def test_a_sheet_whose_barcode_and_qr_disagree_is_not_trusted(stack: Stack) -> None:
    result = split(
        stack.run(["sheet-1", "paper-a", "mixed-sheet-2", "paper-b"], "300dpi-colour-png"),
        case_number=stack.number,
        material_codes=stack.checklist,
    )
    assert unplaced(result) == [
        (3, "mixed-sheet-2", Unplaced.UNREADABLE_SHEET),
        (4, "paper-b", Unplaced.AFTER_UNUSABLE_SHEET),
    ]
    assert "条码内容不一致" in result.unplaced[0].reason
    assert placed(result)[stack.checklist[1]] == [] == placed(result)[stack.checklist[2]]


@pytest.mark.parametrize("scan", PLAIN_SCANS)
def test_a_sheet_of_another_case_is_shown_never_followed(stack: Stack, scan: str) -> None:
    labels = ["sheet-1", "paper-a", "other-case-sheet-2", "paper-b", "sheet-3", "paper-c"]
    result = split(stack.run(labels, scan), case_number=stack.number, material_codes=stack.checklist)
    m, got = stack.checklist, placed(result)
    assert got[m[0]] == ["paper-a"] and got[m[2]] == ["paper-c"] and got[m[1]] == []
    assert unplaced(result) == [
        (3, "other-case-sheet-2", Unplaced.OTHER_CASE_SHEET),
        (4, "paper-b", Unplaced.AFTER_UNUSABLE_SHEET),
    ]
    reason = result.unplaced[0].reason
    assert reason.startswith("分隔页属于其他办件") and stack.other_number in reason and stack.number in reason


def test_a_sheet_of_a_material_not_on_the_checklist_is_shown(stack: Stack) -> None:
    result = split(
        stack.run(["sheet-1", "paper-a", "sheet-M99", "paper-b"], "200dpi-gray-jpeg"),
        case_number=stack.number,
        material_codes=stack.checklist,
    )
    assert "M99" not in result.materials
    assert unplaced(result) == [
        (3, "sheet-M99", Unplaced.UNKNOWN_MATERIAL_SHEET),
        (4, "paper-b", Unplaced.AFTER_UNUSABLE_SHEET),
    ]
    assert "M99" in result.unplaced[0].reason and "不在本办件的材料清单中" in result.unplaced[0].reason


def test_a_run_of_no_pages_splits_to_nothing(stack: Stack) -> None:
    result = split([], case_number=stack.number, material_codes=stack.checklist)
    assert placed(result) == {code: [] for code in stack.checklist}
    assert result.unplaced == [] and result.sheets_dropped == 0


@dataclass(frozen=True)
class CountedPage:
    """A page that counts how often its bytes are taken."""

    page: CapturedPage
    reads: list[int]

    @property
    def data(self) -> bytes:
        self.reads.append(1)
        return self.page.data


def test_each_pages_bytes_are_taken_once(stack: Stack) -> None:
    reads: list[int] = []
    labels = ["sheet-1", "paper-a", "painted-sheet-2", "paper-b", "sheet-3", "paper-c"]
    pages = [CountedPage(page, reads) for page in stack.run(labels, "200dpi-gray-jpeg")]
    result = split(pages, case_number=stack.number, material_codes=stack.checklist)
    assert len(reads) == len(pages)
    assert [p.page.origin for p in result.materials[stack.checklist[2]]] == ["paper-c"]


@pytest.mark.parametrize(
    ("broken", "said"),
    [
        (b"", "为空"),
        (b"GIF89a-not-really", "不是可识别的图片格式"),
        ("truncated", "已损坏或不完整"),
    ],
)
def test_a_page_that_is_no_picture_stops_the_split_naming_the_page(
    stack: Stack, broken: bytes | str, said: str
) -> None:
    good = stack.run(["sheet-1", "paper-a", "paper-b"], "300dpi-bilevel-png")
    data = good[2].data[: len(good[2].data) // 3] if broken == "truncated" else broken
    assert isinstance(data, bytes)
    pages = [*good[:2], CapturedPage(data, PageFormat.PNG, 1, 1, None, PageSource.FEEDER, "broken")]
    with pytest.raises(CaptureError, match=f"批量进纸第 3 页的图像.*{said}"):
        split(pages, case_number=stack.number, material_codes=stack.checklist)
