"""The certificate as printed, read back as a person reads it (pdftotext, the QR decoded): each licence
type's statutory fields in order, 正本 and 副本 on a page each, the validity from the catalog (长期 only
where it says so, none on a 批文), no internal key line."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.documents.content import DocumentKind
from app.documents.layout import Layout
from app.workspace import Workspace
from tests.documents_helpers import needs_poppler, read_back
from tests.helpers import PERSON, PLANNING
from tests.test_licences import (
    FOOD,
    FOOD_FIELDS,
    GAS,
    GAS_FIELDS,
    HYGIENE,
    HYGIENE_FIELDS,
    PLANNING_FIELDS,
    accepted,
)

pytestmark = needs_poppler

ROAD = "511A0245000000-510100000000-000-11510100MB1F276049-1-00"  # 城市道路占用挖掘许可: a 批文


def squash(text: str) -> str:
    return "".join(text.split())


def printed(workspace: Workspace, number: str, folder: Path) -> tuple[str, list[str], int]:
    """The certificate's text (squashed), each page's text, and its page count."""
    document = workspace.documents.prepare(
        DocumentKind.CERTIFICATE, number, counter=workspace.counter("demo")
    )
    assert document.layout is Layout.A4  # a certificate is never a till slip
    back = read_back(document.pdf, folder)
    pages = [squash(page) for page in back.text.split("\f") if page.strip()]
    case = workspace.cases.find(number)
    assert case is not None and case.certificate is not None
    assert set(back.decoded("QR")) == {case.certificate.qr_text}  # the QR stays, on every page
    return squash(back.text), pages, document.pages


def in_order(text: str, labels: list[str]) -> bool:
    """Each label found after the one before it."""
    positions, start = [], 0
    for label in labels:
        start = text.find(label, start)
        positions.append(start)
    return -1 not in positions and positions == sorted(positions)


def test_food_business_licence_has_its_fields_and_a_duplicate_page(
    workspace: Workspace, tmp_path: Path
) -> None:
    number = accepted(workspace, FOOD)
    workspace.certificates.approve(number, approver=workspace.counter("shenpi"), fields=FOOD_FIELDS)
    text, pages, count = printed(workspace, number, tmp_path)
    assert count == 2 and len(pages) == 2
    assert "食品经营许可证（正本）" in pages[0] and "食品经营许可证（副本）" in pages[1]
    assert "骑缝章" not in text  # two whole certificates, each sealed, not one notice over two pages
    labels = [
        "经营者名称",
        "社会信用代码（身份证号码）",
        "法定代表人（负责人）",
        "住所",
        "经营场所",
        "主体业态",
        "经营项目",
        "许可证编号",
        "日常监督管理机构",
        "日常监督管理人员",
        "投诉举报电话",
        "签发人",
        "有效期至",
        "发证机关",
        "发证日期",
    ]
    for page in pages:
        assert in_order(page, labels)
        assert "热食类食品制售" in page and "餐饮服务经营者" in page and "12315" in page
        assert "有效期至2031年11月19日" in page.replace("年0", "年").replace("月0", "月")
        assert "JY2510100000001" in page and "示例市市场监督管理局" in page
        assert "签发密钥" not in page and "长期" not in page
    case = workspace.cases.find(number)
    assert case is not None and case.certificate is not None
    assert case.certificate.key_id not in text  # internal: not printed


def test_hygiene_permit_prints_its_period(workspace: Workspace, tmp_path: Path) -> None:
    number = accepted(workspace, HYGIENE, applicant=PERSON)
    workspace.certificates.approve(number, approver=workspace.counter("shenpi"), fields=HYGIENE_FIELDS)
    text, _, count = printed(workspace, number, tmp_path)
    assert count == 1 and "正本" not in text and "副本" not in text
    assert in_order(
        text, ["单位名称", "法定代表人（负责人）", "地址", "许可项目", "许可证号", "有效期限", "发证机关"]
    )
    assert "示卫公字〔2026〕第1号" in text
    plain = text.replace("年0", "年").replace("月0", "月")
    assert "自2026年11月20日至2030年11月19日" in plain


def test_planning_permit_has_no_validity_line_and_a_batch_has_none(
    workspace: Workspace, tmp_path: Path
) -> None:
    planning = accepted(workspace, PLANNING)
    workspace.certificates.approve(planning, approver=workspace.counter("shenpi"), fields=PLANNING_FIELDS)
    text, _, _ = printed(workspace, planning, tmp_path / "planning")
    assert in_order(text, ["编号", "建设单位（个人）", "建设项目名称", "建设位置", "建设规模", "发证机关"])
    assert "建字第510100202600001号" in text and "示例大厦" in text and "地上12层" in text
    assert "有效期" not in text and "长期" not in text
    assert "附图及附件名称" not in text  # optional, left empty

    road = accepted(workspace, ROAD)
    form = workspace.certificates.approval_form(road)
    assert not form.needs_date and form.entries == () and form.validity_label == ""
    workspace.certificates.approve(road, approver=workspace.counter("shenpi"))
    text, _, _ = printed(workspace, road, tmp_path / "road")
    assert "城市道路占用挖掘许可决定书" in text and "本审批结果依法核发" in text
    assert "有效期" not in text and "长期" not in text


def test_a_licence_prints_long_term_only_when_the_catalog_says(workspace: Workspace, tmp_path: Path) -> None:
    number = accepted(workspace, GAS)  # 燃气经营许可证: 3 years
    workspace.certificates.approve(number, approver=workspace.counter("shenpi"), fields=GAS_FIELDS)
    text, _, _ = printed(workspace, number, tmp_path)
    assert in_order(
        text, ["许可证编号", "示燃经字〔2026〕第1号", "企业名称", "经营类别管道燃气", "有效期", "发证机关"]
    )
    assert "至2029年11月19日" in text.replace("年0", "年").replace("月0", "月") and "长期" not in text


@pytest.mark.parametrize("layout", [Layout.A4, Layout.RECEIPT80])
def test_certificate_renders_in_every_layout_asked(
    workspace: Workspace, tmp_path: Path, layout: Layout
) -> None:
    """A certificate asked for on the receipt printer still comes out A4, both its pages."""
    number = accepted(workspace, FOOD)
    workspace.certificates.approve(number, approver=workspace.counter("shenpi"), fields=FOOD_FIELDS)
    document = workspace.documents.prepare(
        DocumentKind.CERTIFICATE, number, counter=workspace.counter("demo"), layout=layout
    )
    assert document.layout is Layout.A4 and document.pages == 2
