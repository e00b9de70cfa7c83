"""The documents of a case's later life, rendered from cases that took each step on a real workspace, then
read back as a person would (text, barcode, QR): what each says in law, numbers given once per case, kind
and visit, reprints, and refusals for a case that did not take the step."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.accounts.demo import DEMO_PASSWORD
from app.accounts.roles import PermissionDenied
from app.cli import main
from app.clock import CHINA
from app.documents.content import DocumentError, cn_date
from app.documents.kinds import NOT_TAKEN, TITLE, DocumentKind
from app.documents.layout import Layout
from app.documents.service import ReprintReasonRequired
from app.operations import lifecycle as ops
from app.operations.certificates import approve_case
from app.operations.printing import render_document
from app.workspace import Workspace
from db.models import Document
from tests.documents_helpers import needs_poppler, read_back
from tests.helpers import PLANNING_FIELDS, open_demo_workspace
from tests.test_lifecycle import MovingClock, accept, brought

pytestmark = needs_poppler

TRACKING = "HTTPS://ZWFW.EXAMPLE.GOV.CN/CASE/{}"


@pytest.fixture
def moving() -> MovingClock:
    return MovingClock(datetime(2026, 11, 20, 10, 0, tzinfo=CHINA))  # the day the cases are received


@pytest.fixture
def ws(home: Path, moving: MovingClock) -> Iterator[Workspace]:
    workspace = open_demo_workspace(home, clock=moving)
    yield workspace
    workspace.close()


def squash(text: str) -> str:
    return "".join(text.split())


def printed(ws: Workspace, kind: DocumentKind, number: str, folder: Path, *, by: str = "demo") -> str:
    """Render, read back and check the codes every document of a case carries; the text squashed."""
    document = ws.documents.prepare(kind, number, counter=ws.counter(by))
    assert document.warnings == ()
    seen = read_back(document.pdf, folder)
    text = squash(seen.text)
    assert squash(TITLE[kind]) in text and document.number in text and number in text
    assert seen.decoded("Code128") == [number]
    assert seen.decoded("QR") == [TRACKING.format(number)]
    return text


def export(ws: Workspace, kind: DocumentKind, number: str, path: Path, *, reason: str | None = None) -> str:
    counter = ws.counter("demo")
    document = ws.documents.prepare(kind, number, counter=counter, reprint_reason=reason)
    ws.documents.export(document, path, counter=counter)
    return document.number


def documents(ws: Workspace, number: str) -> list[tuple[str, int, str]]:
    with ws.store.read() as session:
        rows = session.execute(
            select(Document.kind, Document.visit, Document.number)
            .where(Document.case_number == number)
            .order_by(Document.id)
        )
        return [(kind, visit, doc) for kind, visit, doc in rows]


def test_the_supplement_round_trip_numbers_each_notice_and_receipt_of_its_visit(
    ws: Workspace, moving: MovingClock, tmp_path: Path
) -> None:
    clerk = ws.counter("demo")
    number = accept(ws, skip=("M02",))
    first_notice = export(ws, DocumentKind.SUPPLEMENT_NOTICE, number, tmp_path / "n0.pdf")

    moving.move_to(date(2026, 11, 23))
    ops.record_supplement(ws, person=clerk, number=number, brought=brought(ws, "M02", defect="复印件不清晰"))
    text = printed(ws, DocumentKind.SUPPLEMENT_RECEIPT, number, tmp_path / "r1")
    assert "2026年11月23日" in text and "第1次补交" in text
    assert "一次性告知书所列" in text and "仍需补正" in text and "复印件不清晰" in text
    assert "另行出具一次性告知书" in text and "补正期限至2026年11月30日（含当日）" in text
    first_receipt = export(ws, DocumentKind.SUPPLEMENT_RECEIPT, number, tmp_path / "r1.pdf")
    # A second notice after the supplement: its own number, not a reprint of the first.
    assert not ws.documents.printed_before(number, DocumentKind.SUPPLEMENT_NOTICE)
    text = printed(ws, DocumentKind.SUPPLEMENT_NOTICE, number, tmp_path / "n1")
    assert "于2026年11月23日补正的材料经审查仍不齐全" in text and "2026年11月30日（含当日）" in text
    second_notice = export(ws, DocumentKind.SUPPLEMENT_NOTICE, number, tmp_path / "n1.pdf")
    assert second_notice != first_notice
    with pytest.raises(ReprintReasonRequired):
        ws.documents.prepare(DocumentKind.SUPPLEMENT_NOTICE, number, counter=clerk)
    reprint = export(ws, DocumentKind.SUPPLEMENT_NOTICE, number, tmp_path / "n1b.pdf", reason="申请人遗失")
    assert reprint == second_notice  # a reprint keeps its number

    moving.move_to(date(2026, 11, 25))
    ops.record_supplement(ws, person=clerk, number=number, brought=brought(ws, "M02"))
    text = printed(ws, DocumentKind.SUPPLEMENT_RECEIPT, number, tmp_path / "r2")
    assert "第2次补交" in text and "符合要求" in text and "于2026年11月25日予以受理" in text
    second_receipt = export(ws, DocumentKind.SUPPLEMENT_RECEIPT, number, tmp_path / "r2.pdf")
    assert second_receipt != first_receipt
    # The 受理通知书: received on the first day, accepted the day the materials were complete, its limits
    # counted from then.
    case = ws.cases.find(number)
    assert case is not None and case.life.accepted_on == date(2026, 11, 25) and case.life.legal_due
    text = printed(ws, DocumentKind.RECEIPT, number, tmp_path / "receipt")
    assert "申请时间2026年11月20日" in text and "受理时间2026年11月25日" in text
    assert "（2026年11月25日补正材料）" in text
    assert f"至{cn_date(case.life.legal_due)}（含当日）届满" in text
    assert f"承诺于{cn_date(case.promised_date)}" in text  # type: ignore[arg-type]
    export(ws, DocumentKind.RECEIPT, number, tmp_path / "receipt.pdf")
    assert documents(ws, number) == [
        ("supplement-notice", 0, first_notice),
        ("supplement-receipt", 1, first_receipt),
        ("supplement-notice", 1, second_notice),
        ("supplement-receipt", 2, second_receipt),
        ("receipt", 2, documents(ws, number)[-1][2]),
    ]


def test_a_tolerated_material_supplied_gets_its_receipt(ws: Workspace, tmp_path: Path) -> None:
    number = accept(ws, skip=("M08",))  # tolerable: 容缺受理
    ops.record_supplement(ws, person=ws.counter("demo"), number=number, brought=brought(ws, "M08"))
    for layout in (Layout.A4, Layout.RECEIPT80):  # a receipt may go to the 80 mm printer
        document = ws.documents.prepare(
            DocumentKind.SUPPLEMENT_RECEIPT, number, counter=ws.counter("demo"), layout=layout
        )
        assert document.layout is layout
        text = squash(read_back(document.pdf, tmp_path / str(layout)).text)
        assert "容缺补交" in text and "容缺材料" in text and "容缺材料已全部补齐" in text


# -- a case in each state ------------------------------------------------------------------------------
def suspended(ws: Workspace) -> str:
    number = accept(ws)
    ops.start_review(ws, person=ws.counter("shenpi"), number=number)
    ops.suspend(
        ws,
        person=ws.counter("shenpi"),
        number=number,
        kind="testing",
        reason="委托检测机构对建筑材料抽样检测",
        start=ws.clock.today(),  # 20 November under the test's clock
        expected_end=ws.clock.today() + timedelta(days=6),
    )
    return number


def extended(ws: Workspace) -> str:
    number = accept(ws)
    ops.start_review(ws, person=ws.counter("shenpi"), number=number)
    ops.extend(
        ws,
        person=ws.counter("shenpi"),
        number=number,
        reason="涉及多个部门联合审查，情况复杂",
        approved_by="张建华（局长）",
        approved_on=ws.clock.today(),
    )
    return number


def refused(ws: Workspace) -> str:
    number = accept(ws)
    ops.start_review(ws, person=ws.counter("shenpi"), number=number)
    ops.refuse(
        ws,
        person=ws.counter("shenpi"),
        number=number,
        reasons="建设项目不符合控制性详细规划确定的容积率",
        basis="《中华人民共和国城乡规划法》第四十条",
        password=DEMO_PASSWORD,
    )
    return number


def withdrawn(ws: Workspace) -> str:
    number = accept(ws)
    ops.withdraw(
        ws,
        person=ws.counter("demo"),
        number=number,
        reason="申请人决定不再建设",
        request_day=ws.clock.today(),
    )
    return number


def approved(ws: Workspace) -> str:
    number = accept(ws)
    approve_case(
        ws, person=ws.counter("shenpi"), number=number, fields=PLANNING_FIELDS, password=DEMO_PASSWORD
    )
    return number


def mailed(ws: Workspace) -> str:
    number = approved(ws)
    ops.mail(
        ws,
        person=ws.counter("demo"),
        number=number,
        recipient="示例建设集团 王经理",
        phone="13800138000",
        address="四川省示例市锦华区锦城大道1号",
        carrier="ems",
        tracking_number="EA123456785CN",
    )
    return number


def revoked(ws: Workspace) -> str:
    number = approved(ws)
    ops.revoke(
        ws,
        person=ws.counter("shenpi"),
        number=number,
        reason="申请人以提供虚假材料的欺骗手段取得许可",
        basis="《中华人民共和国行政许可法》第六十九条第二款",
        password=DEMO_PASSWORD,
    )
    return number


REVIEW = "示例市人民政府（地址：示例市锦华区府青路一段1号（示例市司法局行政复议接待室））"
COURT = "示例市锦华区人民法院（地址：示例市锦华区锦官路99号）"
STEPS: list[tuple[DocumentKind, Callable[[Workspace], str], tuple[str, ...]]] = [
    (
        DocumentKind.SUSPENSION_NOTICE,
        suspended,
        (
            "委托检测机构对建筑材料抽样检测",
            "《中华人民共和国行政许可法》第四十五条",
            "检测所需时间不计算在行政许可期限内",
            "自2026年11月20日开始，预计于2026年11月26日结束，预计需要7日",
            "法定办结期限和承诺办结期限暂停计算",
        ),
    ),
    (
        DocumentKind.EXTENSION_NOTICE,
        extended,
        (
            "涉及多个部门联合审查，情况复杂",
            "张建华（局长）于2026年11月20日批准",
            "第四十二条第一款",
            "延长10个工作日",
            "至2027年1月1日（含当日）届满（节假日数据未覆盖，以实际工作日为准）",
        ),
    ),
    (
        DocumentKind.REFUSAL_DECISION,
        refused,
        (
            "建设项目不符合控制性详细规划确定的容积率",
            "根据《中华人民共和国城乡规划法》第四十条和《中华人民共和国行政许可法》第三十八条第二款",
            "决定：不予行政许可",
            f"自收到本决定书之日起六十日内，依照《中华人民共和国行政复议法》第二十条的规定向{REVIEW}申请行政复议",
            f"自收到本决定书之日起六个月内，依照《中华人民共和国行政诉讼法》第四十六条的规定向{COURT}提起行政诉讼",
        ),
    ),
    (
        DocumentKind.WITHDRAWAL_NOTICE,
        withdrawn,
        ("于2026年11月20日书面申请撤回该申请", "准予撤回", "本件办理终结", "申请材料已全部退还"),
    ),
    (
        DocumentKind.DELIVERY_RECEIPT,
        mailed,
        (
            "EA123456785CN",
            "中国邮政速递物流（EMS）",
            "四川省示例市锦华区锦城大道1号",
            "示例建设集团王经理",
            "收件人（签字）",
            "寄回",
        ),
    ),
    (
        DocumentKind.REVOCATION_DECISION,
        revoked,
        (
            "申请人以提供虚假材料的欺骗手段取得许可",
            "第六十九条",
            "决定：撤销上述行政许可",
            "六十日内",
            "行政诉讼",
        ),
    ),
]


@pytest.mark.parametrize(("kind", "make", "says"), STEPS, ids=[str(k) for k, _, _ in STEPS])
def test_each_step_document_says_what_the_law_requires(
    ws: Workspace, tmp_path: Path, kind: DocumentKind, make: Callable[[Workspace], str], says: tuple[str, ...]
) -> None:
    number = make(ws)
    text = printed(ws, kind, number, tmp_path, by="shenpi")
    for words in says:
        assert squash(words) in text, words
    if kind is DocumentKind.DELIVERY_RECEIPT:
        case = ws.cases.find(number)
        assert case is not None and case.certificate is not None
        assert case.certificate.certificate_id in text  # what was sent


def test_termination_after_a_missed_supplement_deadline(
    ws: Workspace, moving: MovingClock, tmp_path: Path
) -> None:
    number = accept(ws, skip=("M02",))
    deadline = ws.cases.find(number).supplement_deadline  # type: ignore[union-attr]
    assert deadline is not None
    moving.move_to(date(2026, 12, 10))
    ops.terminate(
        ws, person=ws.counter("demo"), number=number, reason="逾期未补正", basis="一次性告知书所述后果"
    )
    text = printed(ws, DocumentKind.TERMINATION_NOTICE, number, tmp_path)
    assert "因逾期未补正，根据一次性告知书所述后果的规定" in text and "决定终止办理" in text
    assert f"一次性告知书规定的期限（{cn_date(deadline)}（含当日））" in text
    assert "申请材料已全部退还" in text and "可以随时重新提出申请" in text


def test_decisions_and_notices_are_a4_only(ws: Workspace) -> None:
    number = refused(ws)
    document = ws.documents.prepare(
        DocumentKind.REFUSAL_DECISION, number, counter=ws.counter("shenpi"), layout=Layout.RECEIPT80
    )
    assert document.layout is Layout.A4


def test_no_step_document_for_a_case_that_did_not_take_the_step(ws: Workspace) -> None:
    number = accept(ws)
    approver = ws.counter("shenpi")
    with ws.store.read() as session:
        before = session.scalar(select(func.count()).select_from(Document))
    for kind in NOT_TAKEN:
        with pytest.raises(DocumentError, match=f"办件 {number} .*已受理.*不能出具"):
            ws.documents.prepare(kind, number, counter=approver)
    with ws.store.read() as session:
        assert session.scalar(select(func.count()).select_from(Document)) == before  # no number spent
    assert ws.documents.available(number) == [DocumentKind.RECEIPT]
    done = refused(ws)
    assert DocumentKind.REFUSAL_DECISION in ws.documents.available(done)
    with pytest.raises(DocumentError, match="未曾挂起"):
        ws.documents.prepare(DocumentKind.SUSPENSION_NOTICE, done, counter=approver)


def test_a_second_suspension_gets_its_own_notice(ws: Workspace, moving: MovingClock) -> None:
    number = suspended(ws)
    approver = ws.counter("shenpi")
    first = ws.documents.prepare(DocumentKind.SUSPENSION_NOTICE, number, counter=approver)
    moving.move_to(date(2026, 11, 27))
    ops.resume(ws, person=approver, number=number, actual_end=date(2026, 11, 26))
    ops.suspend(
        ws,
        person=approver,
        number=number,
        kind="expert_review",
        reason="组织专家评审",
        start=date(2026, 11, 27),
        expected_end=date(2026, 12, 4),
    )
    second = ws.documents.prepare(DocumentKind.SUSPENSION_NOTICE, number, counter=approver)
    assert second.number != first.number
    assert [v for k, v, _ in documents(ws, number)] == [1, 2]


def test_who_may_print_a_step_document(ws: Workspace) -> None:
    number = refused(ws)
    with pytest.raises(PermissionDenied):  # a decision under the office's seal: the approver's
        render_document(ws, person=ws.counter("bangban"), number=number, kind=DocumentKind.REFUSAL_DECISION)
    with pytest.raises(PermissionDenied):
        render_document(ws, person=ws.counter("demo"), number=number, kind=DocumentKind.REFUSAL_DECISION)
    document = render_document(
        ws, person=ws.counter("shenpi"), number=number, kind=DocumentKind.REFUSAL_DECISION
    )
    assert document.kind is DocumentKind.REFUSAL_DECISION


@pytest.mark.usefixtures("clerk_env")
def test_clerk_print_makes_every_step_document_for_whom_may_print_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    home = tmp_path / "window"
    home.mkdir()
    workspace = open_demo_workspace(home)  # the hall's real clock, as `clerk` has it
    numbers = {kind: make(workspace) for kind, make, _ in STEPS}
    workspace.close()
    for kind, number in numbers.items():
        out = tmp_path / f"{kind}.pdf"
        args = [
            "--home",
            str(home),
            "--json",
            "print",
            str(kind),
            number,
            "-o",
            str(out),
            "--clerk",
            "demo" if kind is DocumentKind.DELIVERY_RECEIPT else "shenpi",  # who mails, who decides
        ]
        assert main(args) == 0, capsys.readouterr().err
        result = json.loads(capsys.readouterr().out)
        assert result["kind"] == str(kind) and result["case_number"] == number
        assert squash(TITLE[kind]) in squash(read_back(out.read_bytes(), tmp_path / str(kind)).text)
    refused_number = numbers[DocumentKind.REFUSAL_DECISION]
    out = tmp_path / "by-clerk.pdf"
    # The accepting clerk may not print the approver's decision; nor is any number spent on a refusal.
    assert main(["--home", str(home), "print", "refusal-decision", refused_number, "-o", str(out)]) == 1
    assert "审批员" in capsys.readouterr().err and not out.exists()
    args = [
        "--home",
        str(home),
        "print",
        "suspension-notice",
        refused_number,
        "-o",
        str(out),
        "--clerk",
        "shenpi",
    ]
    assert main(args) == 1
    assert "未曾挂起（状态：不予许可），不能出具挂起告知书" in capsys.readouterr().err and not out.exists()
