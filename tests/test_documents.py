"""Every document rendered, then read back as a person would: text, barcode and QR (zxing-cpp)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.acceptance import Counter
from app.catalog import Form
from app.certificates import CertificateError
from app.completeness import ReceivedMaterial
from app.documents.content import DocumentError, DocumentKind
from app.documents.layout import Layout
from app.documents.service import ReprintReasonRequired
from app.intake import parse_request
from app.seal import VerificationStatus, base32_decode, base32_encode
from app.workspace import Workspace
from db.models import Document, PrintRecord
from tests.documents_helpers import needs_poppler, read_back
from tests.helpers import AGENT, COMPANY, MARRIAGE, PASSPORT, PERSON, PLANNING, PLANNING_FIELDS, request_json

pytestmark = needs_poppler

RARE_COMPANY = {**COMPANY, "name": "示例市𠮷䶮建设发展有限公司"}
RARE_PERSON = {**PERSON, "name": "李𠮷䶮"}


def squash(text: str) -> str:
    return "".join(text.split())


@dataclass
class Cases:
    accepted: str
    tolerance: str
    supplement: str
    rejected: str
    counter: Counter


@pytest.fixture
def cases(workspace: Workspace) -> Cases:
    counter = workspace.counter("demo")
    planning = workspace.catalog.item(PLANNING)
    assert planning is not None

    def accept(data: dict) -> str:  # type: ignore[type-arg]
        return workspace.acceptance.accept(parse_request(data), counter=counter)

    supplement = request_json(planning, applicant=RARE_COMPANY, skip=("M05", "M08", "M11"))
    supplement["materials"][0]["defect"] = "申请表未加盖单位公章"
    made = Cases(
        accepted=accept(request_json(planning, applicant=RARE_COMPANY)),
        tolerance=accept(request_json(planning, applicant=RARE_COMPANY, skip=("M08",))),
        supplement=accept(supplement),
        rejected=accept(request_json(workspace.catalog.item(PASSPORT), applicant=RARE_PERSON, agent=None)),
        counter=counter,
    )
    workspace.certificates.approve(made.accepted, approver=counter, fields=PLANNING_FIELDS)
    workspace.certificates.hand_over(
        made.accepted, clerk=counter, recipient_name=AGENT["name"], recipient_id_number=AGENT["id_number"]
    )
    return made


KIND_CASE = [
    (DocumentKind.RECEIPT, "accepted"),
    (DocumentKind.TOLERANCE_NOTICE, "tolerance"),
    (DocumentKind.SUPPLEMENT_NOTICE, "supplement"),
    (DocumentKind.REJECTION_NOTICE, "rejected"),
    (DocumentKind.CERTIFICATE, "accepted"),
    (DocumentKind.PICKUP_RECEIPT, "accepted"),
]


@pytest.mark.parametrize("layout", [Layout.A4, Layout.RECEIPT80])
@pytest.mark.parametrize(("kind", "which"), KIND_CASE)
def test_document_reads_back(
    workspace: Workspace, cases: Cases, tmp_path: Path, kind: DocumentKind, which: str, layout: Layout
) -> None:
    number = getattr(cases, which)
    document = workspace.documents.prepare(kind, number, counter=cases.counter, layout=layout)
    assert document.warnings == ()
    seen = read_back(document.pdf, tmp_path)
    text = squash(seen.text)
    assert number in text
    assert document.number in text or kind is DocumentKind.CERTIFICATE
    applicant = RARE_PERSON["name"] if which == "rejected" else RARE_COMPANY["name"]
    assert applicant in text  # rare characters (Ext A 䶮, Plane 2 𠮷) print and extract
    assert seen.decoded("Code128") == [number]
    case = workspace.cases.find(number)
    assert case is not None
    expected_qr = (
        case.certificate.qr_text  # type: ignore[union-attr]
        if kind is DocumentKind.CERTIFICATE
        else (f"HTTPS://ZWFW.EXAMPLE.GOV.CN/CASE/{number}")
    )
    assert seen.decoded("QR") == [expected_qr]


def test_receipt_masks_resident_ids_and_lists_what_was_received(
    workspace: Workspace, cases: Cases, tmp_path: Path
) -> None:
    document = workspace.documents.prepare(DocumentKind.RECEIPT, cases.accepted, counter=cases.counter)
    text = squash(read_back(document.pdf, tmp_path).text)
    assert "440524********0014" in text and AGENT["id_number"] not in text
    assert COMPANY["id_number"] in text  # a credit code is public register data
    item = workspace.catalog.item(PLANNING)
    assert item is not None
    for material in item.materials:
        if material.condition != "person":
            assert squash(material.name) in text
    assert "2026年12月4日" in text  # promised completion date


def test_supplement_notice_lists_every_gap_once_with_requirement_and_basis(
    workspace: Workspace, cases: Cases, tmp_path: Path
) -> None:
    document = workspace.documents.prepare(
        DocumentKind.SUPPLEMENT_NOTICE, cases.supplement, counter=cases.counter
    )
    text = squash(read_back(document.pdf, tmp_path).text)
    item = workspace.catalog.item(PLANNING)
    assert item is not None
    for code in ("M01", "M05", "M08", "M11"):
        material = item.material(code)
        assert material is not None
        assert text.count(squash(material.name)) >= 1
        assert squash(material.standard)[:6] in text  # table cells interleave line by line in pdftotext
    assert "申请表未加盖单位公章" in text
    untouched = item.material("M10")
    assert untouched is not None and squash(untouched.name) not in text  # nothing unrelated is asked for
    case = workspace.cases.find(cases.supplement)
    assert case is not None
    assert case.catalog_version in text and case.checklist_sha256[:12] in text
    assert "第三十二条第一款第（四）项" in text and "签收时间" in text and "2026年11月27日" in text
    assert "一式两份" in text


def test_tolerance_and_rejection_notices_say_what_the_law_requires(
    workspace: Workspace, cases: Cases, tmp_path: Path
) -> None:
    tolerance = workspace.documents.prepare(
        DocumentKind.TOLERANCE_NOTICE, cases.tolerance, counter=cases.counter
    )
    text = squash(read_back(tolerance.pdf, tmp_path / "t").text)
    assert "电子报批数据" in text and "2026年11月27日" in text and "逾期未补齐" in text
    rejection = workspace.documents.prepare(
        DocumentKind.REJECTION_NOTICE, cases.rejected, counter=cases.counter
    )
    text = squash(read_back(rejection.pdf, tmp_path / "r").text)
    assert "出入境管理支队" in text and "行政复议" in text and "行政诉讼" in text
    assert "110105********002X" in text and PERSON["id_number"] not in text


def test_certificate_qr_verifies_and_a_one_bit_change_does_not(
    workspace: Workspace, cases: Cases, tmp_path: Path
) -> None:
    document = workspace.documents.prepare(DocumentKind.CERTIFICATE, cases.accepted, counter=cases.counter)
    (scanned,) = read_back(document.pdf, tmp_path).decoded("QR")
    result = workspace.certificates.verify(scanned)
    assert result.status is VerificationStatus.VALID
    assert result.claims is not None and result.claims.holder_name == RARE_COMPANY["name"]
    assert result.claims.case_number == cases.accepted and result.claims.valid_until is None  # 长期
    base, payload = scanned.rsplit("/", 1)
    raw = bytearray(base32_decode(payload))
    for bit in range(0, len(raw) * 8, 7):
        flipped = bytearray(raw)
        flipped[bit // 8] ^= 1 << (bit % 8)
        assert workspace.certificates.verify(f"{base}/{base32_encode(bytes(flipped))}").status is not (
            VerificationStatus.VALID
        )


def test_document_numbers_reprints_and_print_records(
    workspace: Workspace, cases: Cases, tmp_path: Path
) -> None:
    planning = workspace.catalog.item(PLANNING)
    assert planning is not None
    second = workspace.acceptance.accept(parse_request(request_json(planning)), counter=cases.counter)
    first = workspace.documents.prepare(DocumentKind.RECEIPT, cases.accepted, counter=cases.counter)
    other = workspace.documents.prepare(DocumentKind.RECEIPT, second, counter=cases.counter)
    assert first.number == "示政服受〔2026〕300001号" and other.number == "示政服受〔2026〕300002号"
    workspace.documents.export(first, tmp_path / "receipt.pdf", counter=cases.counter)
    with pytest.raises(ReprintReasonRequired):
        workspace.documents.prepare(DocumentKind.RECEIPT, cases.accepted, counter=cases.counter)
    again = workspace.documents.prepare(
        DocumentKind.RECEIPT, cases.accepted, counter=cases.counter, reprint_reason="申请人遗失"
    )
    assert again.number == first.number
    text = squash(read_back(again.pdf, tmp_path / "again").text)
    assert "补打" in text and "申请人遗失" in text
    workspace.documents.record_print(again, destination="counter-printer", copies=1, counter=cases.counter)
    prints = workspace.documents.prints(cases.accepted)
    assert [(p["reprint"], p["reason"]) for p in prints] == [(False, None), (True, "申请人遗失")]


def test_nothing_recorded_when_the_document_cannot_be_made_or_written(
    workspace: Workspace, cases: Cases, tmp_path: Path
) -> None:
    with pytest.raises(DocumentError, match="尚未审批发证"):
        workspace.documents.prepare(DocumentKind.CERTIFICATE, cases.tolerance, counter=cases.counter)
    with pytest.raises(DocumentError, match="不是容缺受理"):
        workspace.documents.prepare(DocumentKind.TOLERANCE_NOTICE, cases.accepted, counter=cases.counter)
    with pytest.raises(DocumentError, match="为容缺受理"):  # one decision, one document: its 容缺受理通知书
        workspace.documents.prepare(DocumentKind.RECEIPT, cases.tolerance, counter=cases.counter)
    document = workspace.documents.prepare(
        DocumentKind.TOLERANCE_NOTICE, cases.tolerance, counter=cases.counter
    )
    with pytest.raises(OSError):
        workspace.documents.export(document, tmp_path / "missing-folder" / "r.pdf", counter=cases.counter)
    with workspace.store.read() as session:
        assert session.scalar(select(func.count()).select_from(PrintRecord)) == 0
        kinds = set(
            session.scalars(select(Document.kind).where(Document.case_number == cases.tolerance)).all()
        )
    assert kinds == {"tolerance-notice"}  # no number spent on the refused documents


def test_missing_glyphs_are_named_before_printing(workspace: Workspace, tmp_path: Path) -> None:
    planning = workspace.catalog.item(PLANNING)
    assert planning is not None
    counter = workspace.counter("demo")
    number = workspace.acceptance.accept(
        parse_request(request_json(planning, applicant={**COMPANY, "name": "示例𰻝𰻝面馆有限公司"})),
        counter=counter,
    )
    document = workspace.documents.prepare(DocumentKind.RECEIPT, number, counter=counter)
    assert [(w.where, w.char) for w in document.warnings] == [("申请人", "𰻝")]
    assert "U+30EDD" in document.warnings[0].message


def test_approval_and_handover_refuse_what_does_not_fit(workspace: Workspace, cases: Cases) -> None:
    with pytest.raises(CertificateError, match="只有已受理"):
        workspace.certificates.approve(cases.supplement, approver=cases.counter, fields=PLANNING_FIELDS)
    with pytest.raises(CertificateError, match=r"不能重复发证|只有已受理"):
        workspace.certificates.approve(cases.accepted, approver=cases.counter, fields=PLANNING_FIELDS)
    with pytest.raises(CertificateError, match="尚未发证"):
        workspace.certificates.hand_over(
            cases.tolerance,
            clerk=cases.counter,
            recipient_name="张三",
            recipient_id_number=PERSON["id_number"],
        )
    # A 容缺 case is not approved before its tolerated material is supplied (issue 13).
    with pytest.raises(CertificateError, match="容缺材料未补齐"):
        workspace.certificates.approve(cases.tolerance, approver=cases.counter, fields=PLANNING_FIELDS)
    workspace.supplements.record(
        cases.tolerance, [ReceivedMaterial("M08", Form.ELECTRONIC, 0, 1)], by=cases.counter
    )
    workspace.certificates.approve(cases.tolerance, approver=cases.counter, fields=PLANNING_FIELDS)
    with pytest.raises(CertificateError, match="领取人信息有误"):
        workspace.certificates.hand_over(
            cases.tolerance,
            clerk=cases.counter,
            recipient_name="张三",
            recipient_id_number="110105194912310021",
        )


def test_each_fact_is_printed_once(workspace: Workspace, cases: Cases, tmp_path: Path) -> None:
    planning = workspace.catalog.item(PLANNING)
    assert planning is not None
    # The window records "原件和复印件" as two entries, each carrying the clerk's one defect note.
    data = request_json(planning, applicant=COMPANY, skip=("M05", "M08"))
    for entry in data["materials"]:
        if entry["material"] == "M12":
            entry["defect"] = "复印件不清晰"
    number = workspace.acceptance.accept(parse_request(data), counter=cases.counter)
    notice = workspace.documents.prepare(DocumentKind.SUPPLEMENT_NOTICE, number, counter=cases.counter)
    text = squash(read_back(notice.pdf, tmp_path / "s").text)
    assert text.count("复印件不清晰") == 1
    tolerable = planning.material("M08")
    assert tolerable is not None and text.count(squash(tolerable.name)) == 1
    assert "受理后限期补交" not in text  # a supplement notice asks for everything at once
    rejection = workspace.documents.prepare(
        DocumentKind.REJECTION_NOTICE, cases.rejected, counter=cases.counter
    )
    text = squash(read_back(rejection.pdf, tmp_path / "r").text)
    case = workspace.cases.find(cases.rejected)
    assert case is not None and text.count(squash(case.referral_office or "")) == 1


def test_a_refusal_recorded_with_the_name_alone_prints(workspace: Workspace, tmp_path: Path) -> None:
    counter = workspace.counter("demo")
    data = {
        "item": MARRIAGE,
        "applicant": {"kind": "person", "name": RARE_PERSON["name"], "id_number": "", "phone": ""},
        "agent": None,
        "materials": [],
    }
    number = workspace.acceptance.accept(parse_request(data), counter=counter)
    document = workspace.documents.prepare(DocumentKind.REJECTION_NOTICE, number, counter=counter)
    text = squash(read_back(document.pdf, tmp_path).text)
    assert RARE_PERSON["name"] in text and "示例市民政局婚姻登记处" in text
    assert "身份证号码" not in text and "联系电话" not in text  # no empty applicant fields
