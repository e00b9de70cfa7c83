"""Licence templates (app.licences) and the validity a certificate gets from the item's catalog entry: the
approver's entries, refused naming every field; the licence's own number per issuer, type and year; the
stored fields in `case show --json`, in the `certificate.issued` event, and in the certificate table."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from app.catalog import ItemResult, Validity
from app.certificates import CertificateError
from app.cli import main
from app.intake import parse_request
from app.licences import (
    GENERAL,
    RESULT_ONLY,
    TEMPLATES,
    CaseFacts,
    LicenceError,
    Source,
    Value,
    checked_entries,
    iso7064_mod_11_10,
    template_for,
)
from app.sync.events import CertificateIssued
from app.workspace import Workspace
from db.models import CaseEvent
from tests.documents_helpers import needs_poppler
from tests.helpers import COMPANY, PERSON, PLANNING, WASTE_FIELDS, request_json

pytestmark = pytest.mark.usefixtures("clerk_env")  # `clerk` acts as the demo clerk

FOOD = "511A0401000000-510100000000-000-11510100MB1D03950H-1-01"  # 食品经营许可（新办）, 5 years
HYGIENE = "511A0241000000-510100000000-000-11510100MB1F276049-1-00"  # 公共场所卫生许可, 4 years
DRUG = "511A0410000000-510100000000-000-11510100MB1D03950H-1-00"  # 药品经营许可证（零售）
CONSTRUCTION = "511A0201000000-510100000000-000-11510100009024674G-1-00"  # 建筑工程施工许可证, long term
WASTE = "511A0712000000-510100000000-000-11510100MB1J33071P-1-00"  # 建筑垃圾处置核准: validity entered
GAS = "511A0230000000-510100000000-000-11510100MB1F276049-1-00"  # 燃气经营许可证, 3 years

FOOD_FIELDS = {
    "法定代表人（负责人）": "张三",
    "住所": "示例市锦华区锦城大道1号",
    "经营场所": "示例市锦华区锦城大道1号附3号",
    "主体业态": "餐饮服务经营者",
    "经营项目": "热食类食品制售",
    "日常监督管理人员": "李四、王五",
    "签发人": "赵六",
}
HYGIENE_FIELDS = {"法定代表人（负责人）": "张三", "地址": "示例市锦华区锦城大道1号", "许可项目": "住宿"}
PLANNING_FIELDS = {"建设项目名称": "示例大厦", "建设位置": "示例市锦华区锦城大道1号", "建设规模": "地上12层"}
GAS_FIELDS = {
    "法定代表人": "张三",
    "经营类别": "管道燃气",
    "经营区域": "示例市锦华区",
    "注册地址": "示例市锦华区锦城大道3号",
}
DRUG_FIELDS = {
    "法定代表人": "张三",
    "主要负责人": "张三",
    "质量负责人": "王药师",
    "注册地址": "示例市锦华区锦城大道2号",
    "经营地址": "示例市锦华区锦城大道2号一楼",
    "经营方式": "单体药品零售企业",
    "经营范围": "中药饮片、中成药、化学药",
    "日常监督管理人员": "李四",
    "签发人": "赵六",
}


def accepted(workspace: Workspace, code: str, *, applicant: dict = COMPANY) -> str:  # type: ignore[type-arg]
    item = workspace.catalog.item(code)
    assert item is not None
    data = request_json(item, applicant=applicant, agent=None)
    return workspace.acceptance.accept(parse_request(data), counter=workspace.counter("demo"))


def test_every_type_prints_its_number_and_dates_from_the_certificate() -> None:
    for template in (*TEMPLATES.values(), GENERAL):
        labels = [f.label for f in template.fields]
        assert len(labels) == len(set(labels)), template.key
        assert any(f.value is Value.ISSUER for f in template.fields), template.key
        # the date of issue, on its own or opening the period (居民身份证, 驾驶证: 有效期限 自…至…)
        assert any(f.value in (Value.ISSUED_ON, Value.VALID_PERIOD) for f in template.fields), template.key
        # A type with a number format of its own prints it once; one without prints the certificate id.
        assert sum(f.value is Value.NUMBER for f in template.fields) == (template.number is not None), (
            template.key
        )
    assert all(f.value not in (Value.VALID_UNTIL, Value.VALID_PERIOD) for f in RESULT_ONLY.fields)
    assert template_for(ItemResult("批文", "决定书", None, None)) is RESULT_ONLY
    assert template_for(ItemResult("证照", "燃气经营许可证", Validity(years=3), None)) is GENERAL  # no type
    assert (
        template_for(ItemResult("证照", "燃气经营许可证", Validity(years=3), "gas_business")).key
        == "gas_business"
    )
    assert [f.label for f in TEMPLATES["food_business"].fields if f.source is Source.ENTRY] == [
        "法定代表人（负责人）",
        "住所",
        "经营场所",
        "主体业态",
        "经营项目",
        "日常监督管理机构",
        "日常监督管理人员",
        "投诉举报电话",
        "签发人",
    ]


def test_entries_are_refused_naming_every_field() -> None:
    food = TEMPLATES["food_business"]
    facts = CaseFacts(
        holder="示例市某某餐饮有限公司", applicant_kind="organization", issuer="示例市市场监督管理局"
    )
    with pytest.raises(LicenceError) as missing:
        checked_entries(food, {"住所": "示例市"}, facts)
    for label in ("法定代表人（负责人）", "经营场所", "主体业态", "经营项目", "日常监督管理人员", "签发人"):
        assert label in str(missing.value)
    assert "日常监督管理机构" not in str(missing.value)  # prefilled with the issuing body
    with pytest.raises(LicenceError) as wrong:
        checked_entries(food, {**FOOD_FIELDS, "主体业态": "网吧", "许可证编号": "JY1", "颜色": "红"}, facts)
    text = str(wrong.value)
    assert (
        "“主体业态”应为以下之一" in text
        and "“许可证编号”由发证时自动填写" in text
        and "没有“颜色”一项" in text
    )
    entries = checked_entries(food, FOOD_FIELDS, facts)
    assert entries["日常监督管理机构"] == "示例市市场监督管理局" and entries["投诉举报电话"] == "12315"
    assert list(entries) == [f.label for f in food.entry_fields()]  # print order
    person = CaseFacts(holder="王小明", applicant_kind="person", issuer="示例市卫生健康委员会")
    hygiene = checked_entries(
        TEMPLATES["public_place_hygiene"], {"地址": "示例市", "许可项目": "美容"}, person
    )
    assert hygiene["法定代表人（负责人）"] == "王小明"  # a natural person is their own 负责人


def test_check_digit_of_iso_7064_mod_11_10() -> None:
    assert iso7064_mod_11_10("0794") == "5"  # ISO 7064's example: 07945
    assert {iso7064_mod_11_10(f"251010000000{d}") for d in range(10)} == {str(d) for d in range(10)}


def test_validity_comes_from_the_catalog(workspace: Workspace) -> None:
    counter = workspace.counter("demo")
    food = accepted(workspace, FOOD)
    with pytest.raises(CertificateError, match=r"由法律规定为5年.*不能另行填写"):
        workspace.certificates.approve(
            food, approver=counter, fields=FOOD_FIELDS, valid_until=date(2040, 1, 1)
        )
    workspace.certificates.approve(food, approver=counter, fields=FOOD_FIELDS)
    view = workspace.cases.find(food)
    assert view is not None and view.certificate is not None
    assert view.certificate.valid_until == date(2031, 11, 19)  # issued 2026-11-20, 5 years

    planning = accepted(workspace, PLANNING)
    with pytest.raises(CertificateError, match="长期"):
        workspace.certificates.approve(
            planning, approver=counter, fields=PLANNING_FIELDS, valid_until=date(2031, 11, 19)
        )
    workspace.certificates.approve(planning, approver=counter, fields=PLANNING_FIELDS)
    view = workspace.cases.find(planning)
    assert view is not None and view.certificate is not None and view.certificate.valid_until is None

    waste = accepted(workspace, WASTE)
    form = workspace.certificates.approval_form(waste)
    assert form.needs_date and "最长不超过2年" in form.date_rule
    with pytest.raises(CertificateError, match="有效期须在审批时确定（按工程施工期限核定，最长不超过2年）"):
        workspace.certificates.approve(waste, approver=counter, fields=WASTE_FIELDS)
    with pytest.raises(CertificateError, match="不能早于或等于发证日期"):
        workspace.certificates.approve(
            waste, approver=counter, fields=WASTE_FIELDS, valid_until=date(2026, 11, 20)
        )
    workspace.certificates.approve(
        waste, approver=counter, fields=WASTE_FIELDS, valid_until=date(2028, 6, 30)
    )
    view = workspace.cases.find(waste)
    assert view is not None and view.certificate is not None
    assert view.certificate.valid_until == date(2028, 6, 30)
    assert not workspace.certificates.approval_form(food).needs_date


def test_licence_numbers_per_issuer_type_and_year(workspace: Workspace) -> None:
    counter = workspace.counter("demo")
    numbers = []
    for _ in range(2):
        number = accepted(workspace, FOOD)
        workspace.certificates.approve(number, approver=counter, fields=FOOD_FIELDS)
        view = workspace.cases.find(number)
        assert view is not None and view.certificate is not None
        numbers.append(dict(view.certificate.fields)["许可证编号"])
    # JY + 主体业态 2 (餐饮服务经营者) + 51 01 00 + six-digit serial + check digit
    assert [n[:15] for n in numbers] == ["JY2510100000001", "JY2510100000002"]
    assert all(len(n) == 16 and n[-1] == iso7064_mod_11_10(n[2:15]) for n in numbers)
    hygiene = accepted(workspace, HYGIENE)
    workspace.certificates.approve(hygiene, approver=counter, fields=HYGIENE_FIELDS)
    view = workspace.cases.find(hygiene)
    assert view is not None and view.certificate is not None
    assert dict(view.certificate.fields)["许可证号"] == "示卫公字〔2026〕第1号"
    drug = accepted(workspace, DRUG)
    workspace.certificates.approve(drug, approver=counter, fields=DRUG_FIELDS)
    view = workspace.cases.find(drug)
    assert view is not None and view.certificate is not None
    assert dict(view.certificate.fields)["许可证编号"] == "川DA510100001"


def test_missing_entries_refuse_and_spend_nothing(workspace: Workspace) -> None:
    counter = workspace.counter("demo")
    number = accepted(workspace, CONSTRUCTION)
    with pytest.raises(CertificateError) as refused:
        workspace.certificates.approve(number, approver=counter, fields={"工程名称": "示例大厦"})
    for label in ("建设地址", "合同价格", "施工单位", "总监理工程师", "合同工期"):
        assert label in str(refused.value)
    assert "备注" not in str(refused.value)  # optional
    view = workspace.cases.find(number)
    assert view is not None and view.certificate is None and view.status == "accepted"
    with workspace.store.read() as session:
        assert session.query(CaseEvent).filter(CaseEvent.kind == "certificate.issued").count() == 0


def test_fields_are_stored_shown_and_sent(
    workspace: Workspace, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    number = accepted(workspace, FOOD)
    args = ["--home", str(home), "--json", "case"]
    options = [f"--field={label}={value}" for label, value in FOOD_FIELDS.items()]
    workspace.close()
    assert main([*args, "approve", number, "--clerk", "shenpi", "--field", "住所"]) == 1
    assert "名称=内容" in capsys.readouterr().err
    assert main([*args, "approve", number, "--clerk", "shenpi", *options[:-1]]) == 1
    assert "签发人" in capsys.readouterr().err
    assert main([*args, "approve", number, "--clerk", "shenpi", *options]) == 0
    capsys.readouterr()
    assert main([*args, "show", number]) == 0
    shown = json.loads(capsys.readouterr().out)["certificate"]
    issued = date.fromisoformat(shown["issued_on"])  # the CLI runs on today's clock
    until = Validity(years=5).until(issued)
    assert shown["licence_type"] == "food_business" and until and shown["valid_until"] == until.isoformat()
    assert shown["fields"]["经营场所"] == FOOD_FIELDS["经营场所"]
    assert shown["fields"]["许可证编号"].startswith("JY2")
    assert list(shown["fields"])[:3] == ["法定代表人（负责人）", "住所", "经营场所"]
    for old in ("certificate_id", "content", "issued_on", "key_id", "qr_text", "recipient_id_number"):
        assert old in shown


def test_the_event_carries_the_fields(workspace: Workspace) -> None:
    number = accepted(workspace, HYGIENE, applicant=PERSON)
    workspace.certificates.approve(number, approver=workspace.counter("shenpi"), fields=HYGIENE_FIELDS)
    with workspace.store.read() as session:
        event = session.query(CaseEvent).filter(CaseEvent.kind == "certificate.issued").one()
        payload = event.payload
    assert payload["licence_type"] == "public_place_hygiene"
    assert payload["fields"]["许可项目"] == "住宿" and payload["fields"]["许可证号"].startswith("示卫公字")
    assert payload["valid_until"] == "2030-11-19"
    assert {f for f in CertificateIssued.__dataclass_fields__} >= {"licence_type", "fields"}


def test_every_licence_of_the_demo_catalog_has_a_template_of_its_own(workspace: Workspace) -> None:
    licences = {}
    for code in workspace.catalog.codes():
        item = workspace.catalog.item(code)
        assert item is not None
        if item.result is not None and item.result.is_licence:
            licences[item.result.name] = template_for(item.result)
    assert len(licences) >= 26
    assert [name for name, template in licences.items() if template is GENERAL] == []
    assert len({t.key for t in licences.values()}) == len(licences) - 1  # 更正登记 reissues the 不动产权证书


def sample_entries(code: str, workspace: Workspace) -> dict[str, str]:
    """An entry for every field the approver makes, optional ones too: its first choice, else a sample."""
    item = workspace.catalog.item(code)
    assert item is not None
    fields = template_for(item.result).entry_fields()
    return {f.label: f.choices[0] if f.choices else f"示例{f.label}{n}" for n, f in enumerate(fields)}


# (item, applicant): a handful across the domains of the demo catalog.
PRINTED = {
    "land_use_planning_permit": ("511A0138000000-510100000000-000-11510100MB1C5E420M-1-00", COMPANY),
    "real_estate_title": ("511G0512001000-510100000000-000-12510100MB0T72182L-1-00", COMPANY),
    "mortgage_proof": ("511G0515001000-510100000000-000-12510100MB0T72182L-1-00", COMPANY),
    "gas_business": (GAS, COMPANY),
    "construction_waste": (WASTE, COMPANY),
    "sewage_discharge": ("511A0721000000-510100000000-000-115101000090288192-1-00", COMPANY),
    "business_licence": ("511A0301001000-510100000000-000-11510100MB1D03950H-1-00", COMPANY),
    "residence_permit": ("511Q0608000000-510100000000-000-11510100009025140U-1-00", PERSON),
    "household_register": ("511G0605000000-510100000000-000-11510100009025140U-1-00", PERSON),
    "identity_card": ("511G0601000000-510100000000-000-11510100009025140U-1-00", PERSON),
}


@needs_poppler
@pytest.mark.parametrize("key", list(PRINTED))
def test_a_licence_prints_every_field_of_its_template_in_order(
    key: str, workspace: Workspace, tmp_path: Path
) -> None:
    from tests.test_certificate_documents import printed  # it imports this module's constants

    code, applicant = PRINTED[key]
    number = accepted(workspace, code, applicant=applicant)
    form = workspace.certificates.approval_form(number)
    entries = sample_entries(code, workspace)
    until = date(2028, 6, 30) if form.needs_date else None
    workspace.certificates.approve(
        number, approver=workspace.counter("shenpi"), fields=entries, valid_until=until
    )
    case = workspace.cases.find(number)
    assert case is not None and case.certificate is not None and case.certificate.licence_type == key
    text, _, _ = printed(workspace, number, tmp_path)
    start = 0
    for field in TEMPLATES[key].fields:  # each label, and an entry's value right after it, in print order
        found = text.find(field.label + entries.get(field.label, ""), start)
        assert found >= 0, (field.label, text[start:])
        start = found + len(field.label)
