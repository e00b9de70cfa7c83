"""一件事 with shared materials satisfied once (issue 15): a 营业执照 the app issued, verified offline from
its QR, stands in for the paper of the shared S01 for every item of 开办餐饮店; a 告知承诺 for the shared
经营场所使用证明 (S03) counts for the food business permit, which allows it, and not for the hygiene permit,
which (in this catalog version) does not: split decisions, the combined receipt and notice rendered to PNG
(pdftoppm) and read back. Bad input — a commitment no item allows, a licence of another holder, of the wrong
type, revoked — is refused naming the material and why, nothing stored."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
from sqlalchemy import func, select

from app.bundles.documents import bundle_receipt
from app.bundles.intake import HandedOver, parse_bundle_request, split
from app.catalog import Form
from app.clock import fixed_clock
from app.completeness import Outcome, Rule, Submission, Verdict, check_completeness
from app.documents.content import Table
from app.documents.kinds import DocumentKind
from app.intake import InputError, licence_received
from app.licence_library.evidence import LicenceEvidence, LicenceSource, VerifiedBy
from app.workspace import Workspace
from db.models import Case, CaseBundle
from tests.bundle_helpers import (
    DRAIN,
    FOOD,
    HYGIENE,
    RESTAURANT,
    SIGN,
    bundle_json,
    bundle_of,
    business_licence,
    load_hygiene_without_commitment,
)
from tests.conftest import DEFAULT_NOW
from tests.documents_helpers import ReadBack, needs_poppler, read_back
from tests.helpers import COMPANY, open_demo_workspace

OTHER_COMPANY = {**COMPANY, "name": "示例市锦江餐饮管理有限公司", "id_number": "91350100M000100Y43"}


@dataclass(frozen=True)
class Taken:
    ws: Workspace
    licence_case: str
    qr_text: str
    number: str  # the bundle's
    cases: dict[str, str]  # item code → case number


def request_with(
    ws: Workspace, qr_text: str, *, commit: str = "S03", applicant: dict[str, Any] = COMPANY
) -> dict[str, Any]:
    """开办餐饮店 handed over in full on paper, but S01 as the licence of `qr_text` and `commit` committed."""
    data = bundle_json(ws, RESTAURANT, applicant=applicant, skip=("S01", commit))
    data["materials"].append({"shared": "S01", "form": "licence", "licence": {"qr_text": qr_text}})
    data["commitments"] = [{"shared": commit}]
    return data


def stored(ws: Workspace) -> tuple[int, int]:
    with ws.store.read() as session:
        return (
            session.scalar(select(func.count()).select_from(CaseBundle)) or 0,
            session.scalar(select(func.count()).select_from(Case)) or 0,
        )


@pytest.fixture(scope="module")
def taken(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Taken]:
    ws = open_demo_workspace(tmp_path_factory.mktemp("home"), clock=fixed_clock(DEFAULT_NOW))
    licence_case, qr_text = business_licence(ws)
    load_hygiene_without_commitment(ws)
    result = ws.bundles.accept(parse_bundle_request(request_with(ws, qr_text)), counter=ws.counter("demo"))
    codes = bundle_of(ws, RESTAURANT).item_codes
    yield Taken(ws, licence_case, qr_text, result.number, dict(zip(codes, result.case_numbers, strict=True)))
    ws.close()


@pytest.fixture(scope="module")
def documents(taken: Taken, tmp_path_factory: pytest.TempPathFactory) -> dict[DocumentKind, ReadBack]:
    view = taken.ws.bundles.find(taken.number)
    assert view is not None
    folder = tmp_path_factory.mktemp("documents")
    read: dict[DocumentKind, ReadBack] = {}
    for kind in (DocumentKind.BUNDLE_RECEIPT, DocumentKind.BUNDLE_NOTICE):
        rendered = taken.ws.bundles.documents.prepare(kind, view, counter=taken.ws.counter("demo"))
        read[kind] = read_back(rendered.pdf, folder / str(kind), dpi=110)
    return read


def test_one_licence_and_one_commitment_count_for_each_item_that_accepts_them(taken: Taken) -> None:
    ws = taken.ws
    outcomes = {code: ws.cases.find(number) for code, number in taken.cases.items()}
    assert {code: case.outcome for code, case in outcomes.items() if case} == {
        FOOD: Outcome.ACCEPTED,
        HYGIENE: Outcome.SUPPLEMENT_REQUIRED,  # its 经营场所使用证明 may not be replaced by a commitment
        SIGN: Outcome.ACCEPTED,
        DRAIN: Outcome.ACCEPTED,
    }
    certificate = ws.cases.find(taken.licence_case)
    assert certificate is not None and certificate.certificate is not None
    for code, case in outcomes.items():
        assert case is not None
        [licence] = [m for m in case.materials if m.form == Form.LICENCE]  # the one licence, in every case
        assert licence.licence is not None and licence.copies == 0 and licence.pages == 0
        assert licence.licence["licence_id"] == certificate.certificate.certificate_id
        assert licence.licence["verified_by"] == "qr_offline"
        assert any(f.rule == Rule.LICENCE and "免交纸质" in f.message for f in case.findings), code
    food, hygiene = outcomes[FOOD], outcomes[HYGIENE]
    assert food is not None and hygiene is not None
    assert any(f.rule == Rule.COMMITMENT and "经营场所使用证明" in f.message for f in food.findings)
    why = [f.message for f in hygiene.findings if f.rule == Rule.COMMITMENT_NOT_ALLOWED]
    assert why == ["「经营场所使用证明」不适用告知承诺制，须提交材料"]
    assert [f.message for f in hygiene.findings if f.outcome == Verdict.MISSING] == [
        "缺少「经营场所使用证明」"
    ]


@needs_poppler
def test_the_receipt_names_the_licence_with_its_id_and_the_commitment_for_the_items_it_counts_for(
    taken: Taken, documents: dict[DocumentKind, ReadBack]
) -> None:
    receipt = documents[DocumentKind.BUNDLE_RECEIPT]
    assert receipt.pages and all(page.stat().st_size > 10_000 for page in receipt.pages)
    text = "".join(receipt.text.split())
    certificate = taken.ws.cases.find(taken.licence_case)
    assert certificate is not None and certificate.certificate is not None
    identifier = certificate.certificate.certificate_id
    # Read back: a cell's lines come out beside its neighbours', so the phrases one by one.
    for said in ("电子证照免提交", "证照标识", identifier[:15], "以告知承诺替代", "经营场所使用证明（共享）"):
        assert said in text, said
    # The rows as printed: the licence for all four items, the commitment for the food business permit alone.
    view = taken.ws.bundles.find(taken.number)
    assert view is not None
    content = bundle_receipt(view, taken.ws.documents.office(taken.ws.counter("demo")), "—")
    [received] = [s for s in content.sections if isinstance(s, Table) and s.title.startswith("收到材料")]
    by_name = {row[1].split("\n")[0]: row[2:] for row in received.rows}
    four = "食品经营许可（新办）、公共场所卫生许可、户外广告设置许可、城镇污水排入排水管网许可"
    assert by_name["营业执照（或其他主体资格证明）（共享）"] == (four, "电子证照免提交", "—", "—")
    [licence_row] = [row for row in received.rows if row[3] == "电子证照免提交"]
    assert licence_row[1].endswith(f"营业执照 证照标识 {identifier}")
    assert by_name["经营场所使用证明（共享）"] == ("食品经营许可（新办）", "以告知承诺替代", "—", "—")
    for number in taken.cases.values():
        assert number in text
    assert f"HTTPS://ZWFW.EXAMPLE.GOV.CN/BUNDLE/{taken.number}" in receipt.decoded("QR")


@needs_poppler
def test_the_notice_asks_the_hygiene_permit_alone_for_the_premises_proof_and_says_why(
    taken: Taken, documents: dict[DocumentKind, ReadBack]
) -> None:
    notice = documents[DocumentKind.BUNDLE_NOTICE]
    text = "".join(notice.text.split())
    assert "一件事一次性告知书" in text
    # Read back: a cell's lines come out beside its neighbours', so the phrases one by one.
    for said in ("经营场所使用证明", "缺少：不适用告知", "公共场所卫生许可（办件编号", taken.cases[HYGIENE]):
        assert said in text, said
    assert "营业执照" not in text  # the licence satisfied every item: nothing to bring
    assert f"“食品经营许可（新办）”（{taken.cases[FOOD]}）予以受理" in text
    assert f"HTTPS://ZWFW.EXAMPLE.GOV.CN/BUNDLE/{taken.number}" in notice.decoded("QR")


def refused(ws: Workspace, data: dict[str, Any]) -> str:
    before = stored(ws)
    with pytest.raises(InputError) as error:
        ws.bundles.accept(parse_bundle_request(data), counter=ws.counter("demo"))
    assert stored(ws) == before  # nothing stored
    return str(error.value)


def test_bad_input_is_refused_naming_the_material_and_why(taken: Taken) -> None:
    ws = taken.ws
    message = refused(ws, request_with(ws, taken.qr_text, commit="S02"))  # 法定代表人身份证件: no item allows
    assert "「法定代表人（负责人）身份证件复印件」不适用告知承诺制" in message
    assert "“食品经营许可（新办）”、“公共场所卫生许可”均须提交材料" in message

    message = refused(ws, request_with(ws, taken.qr_text, applicant=OTHER_COMPANY))
    assert "「营业执照（或其他主体资格证明）」" in message and "持证人不是申请人" in message
    assert OTHER_COMPANY["name"] in message

    from tests.test_licence_window import issued
    from tests.test_licences import FOOD_FIELDS

    _, food_qr = issued(ws, FOOD, FOOD_FIELDS)  # a 食品经营许可证: no item takes it for the business licence
    message = refused(ws, request_with(ws, food_qr))
    assert "电子证照「食品经营许可证」" in message and "证照类型不符" in message and "须为营业执照" in message

    from app.accounts.demo import DEMO_PASSWORD
    from app.operations import lifecycle as ops

    ops.revoke(
        ws,
        person=ws.counter("shenpi"),
        number=taken.licence_case,
        reason="申请人以欺骗手段取得登记",
        basis="《中华人民共和国市场主体登记管理条例》第四十条",
        password=DEMO_PASSWORD,
    )
    message = refused(ws, request_with(ws, taken.qr_text))
    assert "「营业执照（或其他主体资格证明）」" in message and "已撤销" in message


def test_a_licence_one_item_does_not_accept_leaves_that_item_alone_to_bring_paper(taken: Taken) -> None:
    """An item whose catalog entry takes no licence for the shared material is not satisfied by it: its
    request carries no licence (the server would refuse one) and its finding says why."""
    ws = taken.ws
    bundle = bundle_of(ws, RESTAURANT)
    items = {code: ws.catalog.item(code) for code in bundle.item_codes}
    drain = items[DRAIN]
    assert drain is not None
    items[DRAIN] = replace(
        drain,
        materials=tuple(replace(m, licence_types=()) if m.code == "M02" else m for m in drain.materials),
    )
    request = parse_bundle_request(bundle_json(ws, RESTAURANT, skip=("S01",)))
    evidence = LicenceEvidence("ID-1", "business_licence", LicenceSource.ISSUED, VerifiedBy.QR_OFFLINE, "QR")
    licence = HandedOver(licence_received(material_code="S01", evidence=evidence), shared="S01")
    request = replace(request, materials=(*request.materials, licence))
    by_item = {r.item_code: r for r in split(bundle, request, items)}  # type: ignore[arg-type]
    assert [m.form for m in by_item[FOOD].materials if m.material_code == "M02"] == [Form.LICENCE]
    assert not [m for m in by_item[DRAIN].materials if m.material_code == "M02"]
    assert by_item[DRAIN].unaccepted_licences == (("M02", "business_licence"),)

    submission = Submission(
        applicant_kind=request.applicant.kind,
        has_agent=True,
        materials=by_item[DRAIN].materials,
        unaccepted_licences=by_item[DRAIN].unaccepted_licences,
    )
    result = check_completeness(item=items[DRAIN], hall=ws.counter("demo").hall, submission=submission)  # type: ignore[arg-type]
    assert result.outcome is Outcome.SUPPLEMENT_REQUIRED
    said = [f.message for f in result.findings if f.material is not None and f.material.code == "M02"]
    assert said == [
        "「营业执照（或其他主体资格证明）」所附电子证照（营业执照）不适用：本事项此材料不接受电子证照，须提交纸质材料",
        "缺少「营业执照（或其他主体资格证明）」",
    ]


def test_the_checklist_offers_what_any_item_allows_and_names_the_items(taken: Taken) -> None:
    from app.bundles.checklist import combined_checklist
    from app.catalog import ApplicantKind

    ws = taken.ws
    bundle = bundle_of(ws, RESTAURANT)
    items = {code: ws.catalog.item(code) for code in bundle.item_codes}
    rows = {
        r.key: r
        for r in combined_checklist(
            bundle,
            items,  # type: ignore[arg-type]
            applicant_kind=ApplicantKind.ORGANIZATION,
            has_agent=True,
        )
    }
    premises, licence, identity = rows["S03"], rows["S01"], rows["S02"]
    assert premises.offered.commitment_allowed and not identity.offered.commitment_allowed
    assert premises.items_allowing_commitment() == ("食品经营许可（新办）",)
    assert licence.offered.licence_types == ("business_licence",)
    assert len(licence.items_accepting("business_licence")) == 4
