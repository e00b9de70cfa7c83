"""The 证明事项告知承诺书: printed for a case where a material was replaced by a 告知承诺, for the
applicant to sign; what must be proved, the liability for a false commitment and the local rule; refused
for a case without a commitment. Printed and read back."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from app.cli import main
from app.documents.content import DocumentError, DocumentKind
from app.documents.kinds import DEFAULT_COPIES, NUMBER_WORD, TITLE, case_documents, main_document
from app.documents.layout import Layout
from app.intake import parse_request
from app.workspace import Workspace
from db.models import CaseEvent, Document
from tests.documents_helpers import needs_poppler, read_back
from tests.helpers import AGENT, COMPANY, PERSON, request_json

pytestmark = [needs_poppler, pytest.mark.usefixtures("clerk_env")]

WORKS = "511A0201000000-510100000000-000-11510100009024674G-1-00"  # 建筑工程施工许可证核发 (住建局)
BASIS = "《示例市证明事项告知承诺制实施办法》（示府办规〔2024〕7号）第五条、第十二条"


def squash(text: str) -> str:
    return "".join(text.split())


def accept(ws: Workspace, *, skip: tuple[str, ...], commitments: tuple[str, ...], **kwargs: object) -> str:
    item = ws.catalog.item(WORKS)
    assert item is not None
    data = request_json(item, skip=skip, **kwargs)  # type: ignore[arg-type]
    data["commitments"] = list(commitments)
    return ws.acceptance.accept(parse_request(data), counter=ws.counter("demo"))


@pytest.mark.parametrize("layout", [Layout.A4, Layout.RECEIPT80])
def test_the_letter_lists_what_is_committed_the_liability_and_the_signature_lines(
    workspace: Workspace, tmp_path: Path, layout: Layout
) -> None:
    number = accept(workspace, skip=("M06", "M07", "M08"), commitments=("M07", "M08"))
    item = workspace.catalog.item(WORKS)
    assert item is not None
    document = workspace.documents.prepare(
        DocumentKind.COMMITMENT_LETTER, number, counter=workspace.counter("demo"), layout=layout
    )
    assert document.warnings == () and document.default_copies == 2
    assert (
        document.number == "示政服承〔2026〕SZX0103-0001号" or NUMBER_WORD[document.kind] in document.number
    )
    text = squash(read_back(document.pdf, tmp_path).text)
    assert TITLE[DocumentKind.COMMITMENT_LETTER] in text and number in text
    assert "示例市政务服务中心（受示例市住房和城乡建设局委托受理）" in text
    assert "示例市住房和城乡建设局行政许可专用章" in text
    assert f"{COMPANY['name']}：" in text and "你单位申请办理" in text
    for code in ("M07", "M08"):
        material = item.material(code)
        assert material is not None
        assert squash(material.name)[:6] in text  # a cell wraps: its lines interleave with the next cell
        assert squash(material.standard)[:8] in text  # what the applicant commits to
    unrelated = item.material("M09")
    assert unrelated is not None and squash(unrelated.name) not in text
    assert squash(BASIS) in text  # the local rule
    assert "作出不实承诺的" in text and "终止办理" in text and "第六十九条的规定依法予以撤销" in text
    assert "依法追究相应的法律责任" in text
    assert text.index("申请人承诺：本单位已知悉") < text.index("申请人（签字/盖章）：")
    assert "代理人（签字）：" in text and "日期：" in text and "一式两份" in text
    assert "本机关" not in text and "「" not in text


def test_a_person_without_agent_signs_alone(workspace: Workspace, tmp_path: Path) -> None:
    number = accept(workspace, skip=("M06", "M07"), commitments=("M07",), applicant=PERSON, agent=None)
    document = workspace.documents.prepare(
        DocumentKind.COMMITMENT_LETTER, number, counter=workspace.counter("demo")
    )
    text = squash(read_back(document.pdf, tmp_path).text)
    assert "你申请办理" in text and "你单位" not in text and "本人已知悉" in text
    assert f"{PERSON['name']}：" in text and "代理人（签字）" not in text and AGENT["name"] not in text


def test_offered_with_the_decision_only_where_a_material_was_committed(
    workspace: Workspace, tmp_path: Path
) -> None:
    committed = accept(workspace, skip=("M06", "M07"), commitments=("M07",))
    tolerated = accept(workspace, skip=("M06", "M07", "M10"), commitments=("M07",))
    plain = accept(workspace, skip=("M06",), commitments=())
    kinds = {number: workspace.documents.available(number) for number in (committed, tolerated, plain)}
    assert kinds[committed] == [DocumentKind.RECEIPT, DocumentKind.COMMITMENT_LETTER]
    assert kinds[tolerated] == [DocumentKind.TOLERANCE_NOTICE, DocumentKind.COMMITMENT_LETTER]
    assert kinds[plain] == [DocumentKind.RECEIPT]
    letter = workspace.documents.prepare(
        DocumentKind.COMMITMENT_LETTER, tolerated, counter=workspace.counter("demo")
    )
    assert "建设资金已经落实的证明" in squash(read_back(letter.pdf, tmp_path).text)
    for number in kinds:
        case = workspace.cases.find(number)
        assert case is not None and main_document(case.decision) == case_documents(case)[0]
    assert DEFAULT_COPIES[DocumentKind.COMMITMENT_LETTER] == 2


def test_refused_without_a_commitment_before_a_number_is_spent(
    workspace: Workspace, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    plain = accept(workspace, skip=("M06",), commitments=())
    supplement = accept(workspace, skip=("M01", "M06", "M07"), commitments=("M07",))
    with pytest.raises(DocumentError, match="没有以告知承诺替代的材料，不能出具告知承诺书"):
        workspace.documents.prepare(DocumentKind.COMMITMENT_LETTER, plain, counter=workspace.counter("demo"))
    with pytest.raises(DocumentError, match=r"未受理（supplement_required），不能出具告知承诺书"):
        workspace.documents.prepare(
            DocumentKind.COMMITMENT_LETTER, supplement, counter=workspace.counter("demo")
        )
    out = tmp_path / "letter.pdf"
    assert main(["--home", str(workspace.home), "print", "commitment-letter", plain, "-o", str(out)]) == 1
    assert "没有以告知承诺替代的材料" in capsys.readouterr().err and not out.exists()
    with workspace.store.read() as session:
        assert session.scalars(select(Document.kind)).all() == []


def test_printing_it_records_an_event_the_wire_accepts(
    workspace: Workspace, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    number = accept(workspace, skip=("M06", "M07"), commitments=("M07",))
    out = tmp_path / "letter.pdf"
    assert main(["--home", str(workspace.home), "print", "commitment-letter", number, "-o", str(out)]) == 0
    assert "证明事项告知承诺书" in capsys.readouterr().out
    assert "建设资金已经落实的证明" in squash(read_back(out.read_bytes(), tmp_path / "read").text)
    (printed,) = workspace.documents.prints(number)
    assert printed["kind"] == "commitment-letter" and printed["number"].startswith("示政服承〔2026〕")
    with workspace.store.read() as session:
        kinds = session.scalars(select(CaseEvent.kind).where(CaseEvent.case_number == number)).all()
    assert "document.printed" in kinds
