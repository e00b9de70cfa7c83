"""The notices say what is true in law (issue 11): who decides and whose seal, one decision and one
document for a 容缺 case and the right consequence, time limits with the day they end, 告知承诺 and shared
materials said as such, what a 补正 deadline means, the remedies against a refusal. Each is printed and
read back."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from app.acceptance import AcceptanceService
from app.catalog import ApplicantKind, Form, Necessity, parse_item
from app.catalog_store import demo_catalog_bytes, load_catalog
from app.cli import main
from app.completeness import (
    Outcome,
    ReceivedMaterial,
    Rule,
    Submission,
    Verdict,
    check_completeness,
    materials_to_hand_over,
)
from app.documents.content import DocumentError, DocumentKind, cn_date
from app.documents.layout import Layout
from app.intake import parse_request
from app.operations.printing import render_document
from app.workdays import parse_calendar
from app.workspace import Workspace
from tests.catalog_fixtures import hall, material, synthetic_item
from tests.documents_helpers import needs_poppler, read_back
from tests.helpers import (
    AGENT,
    COMPANY,
    FIRST_REGISTRATION,
    PASSPORT,
    PERSON,
    PLANNING,
    SEAL,
    calendar_json,
    request_json,
)
from ui.case_lookup import case_on_file

pytestmark = [needs_poppler, pytest.mark.usefixtures("clerk_env")]

WORKS = "511A0201000000-510100000000-000-11510100009024674G-1-00"  # 建筑工程施工许可证核发 (住建局)
DELEGATED = "示例市政务服务中心（受示例市住房和城乡建设局委托受理）"
PERMIT_SEAL = "示例市住房和城乡建设局行政许可专用章"
HALL_ADDRESS = "示例市锦华区锦城大道366号"
LAYOUTS = [Layout.A4, Layout.RECEIPT80]


def squash(text: str) -> str:
    return "".join(text.split())


def accept(ws: Workspace, code: str, *, commitments: tuple[str, ...] = (), **kwargs: Any) -> str:
    item = ws.catalog.item(code)
    assert item is not None
    data = request_json(item, **kwargs)
    data["commitments"] = list(commitments)
    return ws.acceptance.accept(parse_request(data), counter=ws.counter("demo"))


def printed(ws: Workspace, kind: DocumentKind, number: str, folder: Path, layout: Layout = Layout.A4) -> str:
    document = ws.documents.prepare(kind, number, counter=ws.counter("demo"), layout=layout)
    assert document.warnings == ()
    return squash(read_back(document.pdf, folder / f"{kind}-{layout}").text)


def reload_catalog(ws: Workspace, **hall: Any) -> None:
    """The demo catalog as a new version whose first hall (the demo window's) has `hall` changed."""
    data = json.loads(demo_catalog_bytes())
    data["version"] = "2026.11-demo.9"
    data["halls"][0].update(hall)
    for key, value in list(data["halls"][0].items()):
        if value is None:
            del data["halls"][0][key]
    load_catalog(ws.store, json.dumps(data, ensure_ascii=False).encode(), now=ws.clock.now())
    ws.catalog.refresh()


# -- 1. who decides ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_notice_names_the_deciding_body_its_seal_and_the_applicant(
    workspace: Workspace, tmp_path: Path, layout: Layout
) -> None:
    accepted = accept(workspace, WORKS, skip=("M06", "M07"), commitments=("M07",))
    tolerance = accept(workspace, WORKS, skip=("M06", "M10"))
    supplement = accept(workspace, WORKS, skip=("M01", "M06"))
    for kind, number in (
        (DocumentKind.RECEIPT, accepted),
        (DocumentKind.COMMITMENT_LETTER, accepted),
        (DocumentKind.TOLERANCE_NOTICE, tolerance),
        (DocumentKind.SUPPLEMENT_NOTICE, supplement),
    ):
        text = printed(workspace, kind, number, tmp_path / number, layout)
        assert text.startswith(DELEGATED) or DELEGATED in text[:80], kind  # at the head
        assert text.count(DELEGATED) >= 2, kind  # and as 受理部门
        assert PERMIT_SEAL in text, kind
        assert f"{COMPANY['name']}：" in text, kind  # 主送
        assert "你单位" in text and "你（单位）" not in text, kind
        assert "本机关" not in text and "「" not in text and "」" not in text, kind
        assert "示例市住房和城乡建设局依法审查并作出决定" in text or kind in (
            DocumentKind.SUPPLEMENT_NOTICE,
            DocumentKind.COMMITMENT_LETTER,
        )


def test_a_body_deciding_in_its_own_name_and_a_non_permit_item(workspace: Workspace, tmp_path: Path) -> None:
    reload_catalog(workspace, arrangement="own_name")
    number = accept(workspace, WORKS, skip=("M06",))
    text = printed(workspace, DocumentKind.RECEIPT, number, tmp_path)
    assert "委托受理" not in text and text.count("示例市住房和城乡建设局") >= 3
    assert PERMIT_SEAL in text
    # A 行政确认 (不动产登记) is accepted under the 受理专用章 of its body, not the permit law.
    registration = accept(workspace, FIRST_REGISTRATION, applicant=PERSON, skip=("M09",))
    text = printed(workspace, DocumentKind.TOLERANCE_NOTICE, registration, tmp_path / "r")
    assert "示例市不动产登记中心受理专用章" in text and "行政许可专用章" not in text
    assert "行政许可法" not in text and "终止办理" in text and "依法予以撤销" in text
    assert "你于" in text and "你单位" not in text and "本人已知悉" in text
    assert f"{PERSON['name']}：" in text


# -- 2, 3, 6. the 容缺 case -----------------------------------------------------------------------------
def test_a_tolerance_case_gets_one_decision_and_one_document(
    workspace: Workspace, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    number = accept(workspace, PLANNING, skip=("M08",))
    case = workspace.cases.find(number)
    assert case is not None and case.decision == Outcome.ACCEPTED_WITH_TOLERANCE
    assert workspace.documents.available(case) == [DocumentKind.TOLERANCE_NOTICE]
    assert case_on_file(workspace, case).kinds == [DocumentKind.TOLERANCE_NOTICE]  # the window's dialog
    with pytest.raises(DocumentError, match=r"只出具容缺受理通知书.*不能出具受理通知书"):
        render_document(workspace, person=workspace.counter("demo"), number=number, kind=DocumentKind.RECEIPT)
    out = tmp_path / "receipt.pdf"
    assert main(["--home", str(workspace.home), "print", "receipt", number, "-o", str(out)]) == 1
    assert "不能出具受理通知书" in capsys.readouterr().err and not out.exists()
    assert workspace.documents.prints(number) == []


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_tolerance_notice_carries_what_the_receipt_did_and_the_commitment(
    workspace: Workspace, tmp_path: Path, layout: Layout
) -> None:
    number = accept(workspace, PLANNING, skip=("M08",))
    case = workspace.cases.find(number)
    item = workspace.catalog.item(PLANNING)
    assert case is not None and item is not None
    text = printed(workspace, DocumentKind.TOLERANCE_NOTICE, number, tmp_path, layout)
    assert "材料齐全" not in text  # a tolerated material is outstanding
    assert "收到材料" in text and squash(item.materials[0].name) in text
    assert AGENT["name"] in text and "代理人证件" in text
    assert squash(item.tolerance_basis) in text and "容缺受理制度" not in text
    deadline, promised = case.supplement_deadline, case.promised_date
    assert deadline is not None and promised is not None and deadline < promised
    assert f"请于{cn_date(deadline)}（含当日）前" in text
    assert f"承诺于{cn_date(promised)}（含当日）前办结" in text
    assert f"至{cn_date(date(2026, 12, 18))}（含当日）届满" in text  # 20 working days: the legal limit
    # The lawful consequences: 不予许可 before the decision (Art. 38), 撤销 after it (Art. 69); never 撤回.
    assert "第三十八条的规定作出不予行政许可的决定" in text and "第六十九条的规定依法予以撤销" in text
    assert "撤回" not in text and "容缺受理承诺书" not in text
    commitment = text.index("申请人承诺：本单位已知悉上述容缺材料")
    assert commitment < text.index("申请人（签字/盖章）")
    assert text.index("接受依法作出不予行政许可决定") > commitment


def test_every_tolerable_item_is_due_before_its_promised_date(workspace: Workspace) -> None:
    counter = workspace.counter("demo")
    checked = 0
    for code in workspace.catalog.codes():
        item = workspace.catalog.item(code)
        assert item is not None
        tolerable = tuple(m.code for m in item.materials if m.necessity is Necessity.TOLERABLE)
        if not tolerable or item.body_code not in counter.hall.bodies:
            continue
        applicant = COMPANY if "legal_person" in item.service_object else PERSON
        request = parse_request(request_json(item, applicant=applicant, skip=tolerable))
        evaluation = workspace.acceptance.evaluate(request, counter=counter)
        if evaluation.result.outcome is not Outcome.ACCEPTED_WITH_TOLERANCE:
            continue  # a tolerable material is also the only proof of something required here
        assert evaluation.promised is not None and evaluation.supplement_deadline is not None
        assert evaluation.received_on < evaluation.supplement_deadline < evaluation.promised.day, code
        checked += 1
    assert checked >= 5


def test_a_tolerance_span_as_long_as_the_promise_still_ends_before_it(workspace: Workspace) -> None:
    service = AcceptanceService(
        store=workspace.store, catalog=workspace.catalog, calendar=workspace.calendar, clock=workspace.clock
    )
    item = workspace.catalog.item(PLANNING)
    assert item is not None
    today = date(2026, 11, 20)  # a Friday
    promised = workspace.calendar.add_working_days(today, item.promised_limit.days).day  # 2026-12-04
    stretched = replace(item, tolerance_days=item.promised_limit.days)  # an item a calendar made meet
    assert service._tolerance_deadline(today, stretched, promised) == date(2026, 12, 3)
    assert service._tolerance_deadline(today, item, promised) == date(2026, 11, 27)


# -- 4. time limits ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_receipt_states_both_time_limits_and_how_to_ask_without_the_qr(
    workspace: Workspace, tmp_path: Path, layout: Layout
) -> None:
    number = accept(workspace, PLANNING)
    text = printed(workspace, DocumentKind.RECEIPT, number, tmp_path, layout)
    assert f"10个工作日，承诺于{cn_date(date(2026, 12, 4))}（含当日）前办结" in text
    assert f"20个工作日，至{cn_date(date(2026, 12, 18))}（含当日）届满" in text
    assert "节假日数据未覆盖" not in text
    assert HALL_ADDRESS in text and "028-61881201" in text and "12345" in text


def test_an_immediate_item_is_done_the_same_day(workspace: Workspace, tmp_path: Path) -> None:
    number = accept(workspace, SEAL)
    text = printed(workspace, DocumentKind.RECEIPT, number, tmp_path, Layout.RECEIPT80)
    assert f"即办件，于{cn_date(date(2026, 11, 20))}当日办结" in text
    assert f"1个工作日，至{cn_date(date(2026, 11, 23))}（含当日）届满" in text  # Friday: the next Monday
    assert "示例市公安局受理专用章" in text and "第四十五条" not in text  # a 备案: not the permit law


def test_a_legal_limit_past_the_known_calendar_is_marked_until_the_year_is_published(
    workspace: Workspace, tmp_path: Path
) -> None:
    number = accept(workspace, FIRST_REGISTRATION, applicant=PERSON)  # 30 working days: into 2027
    text = printed(workspace, DocumentKind.RECEIPT, number, tmp_path / "before")
    assert "30个工作日，至" in text and "届满（节假日数据未覆盖，以实际工作日为准）" in text
    workspace.calendar.set_years([parse_calendar(calendar_json(2027))])  # what sync brings
    again = workspace.documents.prepare(
        DocumentKind.RECEIPT, number, counter=workspace.counter("demo"), reprint_reason="核对"
    )
    text = squash(read_back(again.pdf, tmp_path / "after").text)
    assert "30个工作日，至" in text and "节假日数据未覆盖" not in text


# -- 5, 6. 告知承诺 and shared materials on the receipt --------------------------------------------------
def test_the_receipt_lists_committed_and_shared_materials_as_such(
    workspace: Workspace, tmp_path: Path
) -> None:
    number = accept(workspace, WORKS, skip=("M06", "M07", "M08"), commitments=("M07", "M08"))
    text = printed(workspace, DocumentKind.RECEIPT, number, tmp_path)
    assert text.count("以告知承诺替代") == 2
    assert "建设资金已经落实的证明以告知承诺替代" in text
    assert "施工图设计文件审查合格书" in text  # its row: 收取方式 as the catalog says where it comes from
    assert "由示例市施工图联合审查系统共享" in text and "无需提交" in text


# -- 7. the 补正 notice -----------------------------------------------------------------------------------
@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_supplement_notice_says_what_its_deadline_means_and_never_asks_for_shared_data(
    workspace: Workspace, tmp_path: Path, layout: Layout
) -> None:
    number = accept(workspace, WORKS, skip=("M01", "M06"))
    case = workspace.cases.find(number)
    assert case is not None and case.decision == Outcome.SUPPLEMENT_REQUIRED
    text = printed(workspace, DocumentKind.SUPPLEMENT_NOTICE, number, tmp_path, layout)
    table = text[text.index("需补正的材料") : text.index("下列材料由窗口通过数据共享获取")]
    assert "建筑工程施工许可证申请表" in table and "施工图设计文件审查合格书" not in table
    assert "施工图设计文件审查合格书”由示例市施工图联合审查系统共享，无需提交" in text
    assert "不因此丧失任何权利" in text and "申请材料予以退还" in text and "重新提出申请" in text
    assert "办理时限自申请材料齐全、予以受理之日起计算" in text
    assert f"材料清单版本：{case.catalog_version}（{case.checklist_sha256[:12]}）" in text
    assert "校验码" not in text and "审查依据" not in text


# -- 8. remedies -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_rejection_names_the_review_body_and_the_court_with_addresses(
    workspace: Workspace, tmp_path: Path, layout: Layout
) -> None:
    number = accept(workspace, PASSPORT, applicant=PERSON, agent=None)
    text = printed(workspace, DocumentKind.REJECTION_NOTICE, number, tmp_path, layout)
    assert text.startswith("示例市政务服务中心不予受理通知书")  # the hall refuses in its own name
    assert "示例市政务服务中心受理专用章" in text and "委托" not in text
    assert "六十日内" in text and "《中华人民共和国行政复议法》第二十条" in text
    assert "示例市人民政府（地址：示例市锦华区府青路一段1号" in text
    assert "六个月内" in text and "《中华人民共和国行政诉讼法》第四十六条" in text
    assert "示例市锦华区人民法院（地址：示例市锦华区锦官路99号）" in text
    assert "申请材料已全部退还" in text
    assert f"{PERSON['name']}：" in text and "你于" in text and "你单位" not in text
    assert "你（单位）" not in text and "本机关" not in text


def test_without_hall_settings_the_regional_government_and_a_competent_court(
    workspace: Workspace, tmp_path: Path
) -> None:
    reload_catalog(workspace, review_body=None, court=None)
    number = accept(workspace, PASSPORT, applicant=COMPANY, agent=None)
    text = printed(workspace, DocumentKind.REJECTION_NOTICE, number, tmp_path)
    assert "向示例市人民政府申请行政复议" in text and "地址" not in text
    assert "向有管辖权的人民法院提起行政诉讼" in text
    assert "你单位于" in text and "你单位如不服本决定" in text


# -- 7. shared materials in the completeness check -----------------------------------------------------------
def test_a_shared_material_is_never_demanded_and_said_where_it_comes_from() -> None:
    raw = json.loads(json.dumps(synthetic_item().raw))
    raw["materials"].append(material("M10", "完税证明", shared_by="税务部门信息共享平台"))
    item = parse_item(raw, version="test.2")
    shared = item.material("M10")
    assert shared is not None
    assert shared not in materials_to_hand_over(item.materials)  # the window's 全部收到 leaves it out
    everything = tuple(
        ReceivedMaterial(m.code, form, max(m.copies, 1), 1)
        for m in materials_to_hand_over(item.materials)
        if m.applies_to(applicant_kind=ApplicantKind.PERSON, has_agent=False)
        for form in m.forms
    )
    submission = Submission(ApplicantKind.PERSON, has_agent=False, materials=everything)
    result = check_completeness(item=item, hall=hall(), submission=submission)
    assert result.outcome is Outcome.ACCEPTED and shared not in result.missing
    (finding,) = [f for f in result.findings if f.material == shared]
    assert (finding.rule, finding.verdict) == (Rule.SHARED, Verdict.OK)
    assert finding.message == "「完税证明」由税务部门信息共享平台共享，无需提交"
    # Handed in all the same: still not examined, and the clerk may hand it back.
    handed = Submission(
        ApplicantKind.PERSON,
        has_agent=False,
        materials=(*everything, ReceivedMaterial("M10", Form.COPY, 1, 1)),
    )
    result = check_completeness(item=item, hall=hall(), submission=handed)
    assert result.outcome is Outcome.ACCEPTED
    assert [f.rule for f in result.findings if f.material == shared] == [Rule.NOT_APPLICABLE, Rule.SHARED]
    # Missing something else: the supplement never lists it.
    short = Submission(ApplicantKind.PERSON, has_agent=False, materials=everything[1:])
    result = check_completeness(item=item, hall=hall(), submission=short)
    assert result.outcome is Outcome.SUPPLEMENT_REQUIRED and shared not in result.missing
