"""Electronic licences in place of paper (电子证照免提交, issue 15): a licence issued by the app satisfies a
material of a later case, offline, from the QR of its printed certificate (rendered, decoded by zxing-cpp);
the same licence after revocation is refused, and so are one of the wrong type, of another holder, expired,
with an unknown issuer key or an altered payload. Third-party licences come in by a file of signed payloads
and their issuers' keys."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
from sqlalchemy import select

from app.accounts.demo import DEMO_PASSWORD
from app.catalog import CatalogError, Form, parse_catalog
from app.catalog_store import demo_catalog_bytes
from app.clock import CHINA, fixed_clock
from app.completeness import Outcome
from app.documents.kinds import DocumentKind
from app.intake import InputError, parse_request
from app.licence_library.evidence import LicenceSource, VerifiedBy
from app.licence_library.library import LicenceError, LicenceLibrary
from app.operations import lifecycle as ops
from app.scanning.image_codes import codes_in_image
from app.seal import (
    CertificateClaims,
    OfficeKey,
    base32_decode,
    base32_encode,
    certificate_identifier,
    public_entry_json,
    sign_certificate,
)
from app.workspace import Workspace
from db.models import CaseEvent, CaseMaterial, ImportedLicence
from tests.documents_helpers import needs_poppler, read_back
from tests.helpers import COMPANY, PERSON, complete_materials
from tests.test_licences import FOOD, FOOD_FIELDS, HYGIENE, HYGIENE_FIELDS

FOOD_CHANGE = (
    "511A0401000000-510100000000-000-11510100MB1D03950H-1-02"  # 食品经营许可（变更）: M03 食品经营许可证
)
OTHER_COMPANY = {**COMPANY, "name": "示例市锦江餐饮管理有限公司", "id_number": "91350100M000100Y43"}


def accepted(ws: Workspace, code: str, *, applicant: dict[str, Any] = COMPANY) -> str:
    item = ws.catalog.item(code)
    assert item is not None
    data = {
        "item": code,
        "applicant": dict(applicant),
        "agent": None,
        "materials": complete_materials(item, kind=applicant["kind"], agent=False),
    }
    return ws.acceptance.accept(parse_request(data), counter=ws.counter("demo"))


def certificate_qr(ws: Workspace, number: str) -> str:
    """The QR of the certificate as printed: its PDF rendered and the QR decoded (zxing-cpp)."""
    document = ws.documents.prepare(DocumentKind.CERTIFICATE, number, counter=ws.counter("demo"))
    pdf = pypdfium2.PdfDocument(document.pdf)
    try:
        page = pdf[0]
        picture = page.render(scale=200 / 72).to_pil().convert("RGB")
        page.close()
    finally:
        pdf.close()
    [code] = [c for c in codes_in_image(picture) if c.format == "QR Code"]
    return code.text


def change_request(qr_text: str, *, applicant: dict[str, Any] = COMPANY) -> dict[str, Any]:
    """A 食品经营许可（变更） whose 食品经营许可证 (M03) is the licence of `qr_text`."""
    item = parse_catalog(demo_catalog_bytes()).items
    [change] = [i for i in item if i.code == FOOD_CHANGE]
    materials = complete_materials(change, kind=applicant["kind"], agent=False, skip=("M03",))
    materials.append({"material": "M03", "form": "licence", "licence": {"qr_text": qr_text}})
    return {"item": FOOD_CHANGE, "applicant": dict(applicant), "agent": None, "materials": materials}


@pytest.fixture
def food_licence(workspace: Workspace) -> tuple[str, str]:
    """A 食品经营许可证 the app issued to COMPANY: (case number, the QR read from its printed PDF)."""
    number = accepted(workspace, FOOD)
    workspace.certificates.approve(number, approver=workspace.counter("shenpi"), fields=FOOD_FIELDS)
    return number, certificate_qr(workspace, number)


def refusal_of(ws: Workspace, data: dict[str, Any]) -> str:
    with pytest.raises(InputError) as refused:
        ws.acceptance.accept(parse_request(data), counter=ws.counter("demo"))
    return str(refused.value)


def test_catalog_marks_the_materials_licences_satisfy() -> None:
    catalog = parse_catalog(demo_catalog_bytes())
    [change] = [i for i in catalog.items if i.code == FOOD_CHANGE]
    assert change.material("M03") is not None and change.material("M03").licence_types == ("food_business",)  # type: ignore[union-attr]
    marked = {t for i in catalog.items for m in i.materials for t in m.licence_types}
    assert {"business_licence", "food_business", "land_use_planning_permit", "planning_permit"} <= marked
    data = json.loads(demo_catalog_bytes())
    data["items"][0]["materials"][1]["licence_types"] = ["fishing_licence"]
    with pytest.raises(CatalogError, match="不认识的证照类型 fishing_licence"):
        parse_catalog(json.dumps(data, ensure_ascii=False).encode())


@needs_poppler
def test_a_licence_issued_here_satisfies_a_later_case_offline_and_not_after_revocation(
    workspace: Workspace, food_licence: tuple[str, str], tmp_path: Path
) -> None:
    issued_case, qr_text = food_licence
    view = workspace.cases.find(issued_case)
    assert view is not None and view.certificate is not None and qr_text == view.certificate.qr_text
    # No server here (the workspace has none): the QR verifies with the keys the window holds.
    number = workspace.acceptance.accept(
        parse_request(change_request(qr_text)), counter=workspace.counter("demo")
    )
    case = workspace.cases.find(number)
    assert case is not None and case.outcome is Outcome.ACCEPTED
    [m03] = [m for m in case.materials if m.material == "M03"]
    assert m03.form == "licence" and m03.copies == 0 and m03.pages == 0
    assert m03.licence is not None and m03.licence["licence_id"] == view.certificate.certificate_id
    assert m03.licence["licence_type"] == "food_business" and m03.licence["verified_by"] == "qr_offline"
    assert any(f.rule == "licence" and "免交纸质" in f.message for f in case.findings)
    with workspace.store.read() as session:
        row = session.scalars(select(CaseMaterial).where(CaseMaterial.licence_id.is_not(None))).one()
        assert (row.licence_type, row.licence_source) == ("food_business", "issued")
        event = session.scalars(
            select(CaseEvent).where(CaseEvent.case_number == number, CaseEvent.kind == "case.decided")
        ).one()
        [sent] = [m for m in event.payload["materials"] if m["material"] == "M03"]
        assert sent["licence"]["licence_id"] == view.certificate.certificate_id
        assert all("licence" not in m for m in event.payload["materials"] if m["material"] != "M03")
    # The receipt names the licence that stood in for the paper, by its identifier, with no copies.
    receipt = workspace.documents.prepare(DocumentKind.RECEIPT, number, counter=workspace.counter("demo"))
    text = "".join(read_back(receipt.pdf, tmp_path / "receipt").text.split())  # the id wraps in its cell
    assert "电子证照免提交" in text and f"证照标识{view.certificate.certificate_id}" in text
    assert "食品经营许可证" in text

    ops.revoke(
        workspace,
        person=workspace.counter("shenpi"),
        number=issued_case,
        reason="申请人以欺骗手段取得许可",
        basis="《中华人民共和国行政许可法》第六十九条第二款",
        password=DEMO_PASSWORD,
    )
    message = refusal_of(workspace, change_request(qr_text))
    assert "食品经营许可证" in message and "已撤销" in message and "申请人以欺骗手段取得许可" in message
    assert len(workspace.cases.for_day(date(2026, 11, 20))) == 2  # nothing stored for the refused one


def test_a_licence_of_the_wrong_type_or_another_holder_does_not_satisfy(
    workspace: Workspace, food_licence: tuple[str, str]
) -> None:
    hygiene = accepted(workspace, HYGIENE)
    workspace.certificates.approve(hygiene, approver=workspace.counter("shenpi"), fields=HYGIENE_FIELDS)
    hygiene_qr = certificate_qr(workspace, hygiene)
    message = refusal_of(workspace, change_request(hygiene_qr))
    assert "公共场所卫生许可证" in message and "证照类型不符" in message and "食品经营许可证" in message
    _, qr_text = food_licence
    message = refusal_of(workspace, change_request(qr_text, applicant=OTHER_COMPANY))
    assert "持证人不是申请人" in message and COMPANY["name"] in message and OTHER_COMPANY["name"] in message


def test_an_expired_licence_does_not_satisfy(
    home: Path, food_licence: tuple[str, str], workspace: Workspace
) -> None:
    _, qr_text = food_licence
    workspace.close()
    from tests.helpers import open_demo_workspace

    later = open_demo_workspace(home, clock=fixed_clock(datetime(2031, 11, 21, 10, tzinfo=CHINA)))
    try:
        message = refusal_of(later, change_request(qr_text))
    finally:
        later.close()
    assert "已过期" in message and "2031-11-19" in message


def test_an_altered_or_unknown_seal_is_refused(workspace: Workspace, food_licence: tuple[str, str]) -> None:
    _, qr_text = food_licence
    base, payload = qr_text.rsplit("/", 1)
    raw = bytearray(base32_decode(payload))
    raw[-70] ^= 0x01  # a byte of the signed body
    altered = f"{base}/{base32_encode(bytes(raw))}"
    assert "签名不符" in refusal_of(workspace, change_request(altered))
    stranger = OfficeKey.generate(key_id="STRANGER-1", office_code="11510100MB1D03950H")
    claims = _claims(holder=COMPANY, type_name="食品经营许可证", issuer="11510100MB1D03950H")
    unknown = sign_certificate(claims, key=stranger, verify_base="https://zwfw.example.gov.cn/V/")
    assert "未知的签发密钥 STRANGER-1" in refusal_of(workspace, change_request(unknown))
    assert len(workspace.cases.for_day(date(2026, 11, 20))) == 1  # the food licence's case alone


# -- third-party licences ----------------------------------------------------------------------------
ISSUER = "11100000000013338W"  # a national body's credit code (DOMAIN.md)


def _claims(
    *, holder: dict[str, Any], type_name: str, issuer: str = ISSUER, serial: str = "20260000001"
) -> CertificateClaims:
    from app.identifiers import mask_resident_id

    return CertificateClaims(
        certificate_id=certificate_identifier(type_code=f"{issuer}011", issuer_code=issuer, serial=serial),
        type_name=type_name,
        holder_name=holder["name"],
        holder_id_masked=mask_resident_id(holder["id_number"]),
        issuer_name="示例省市场监督管理局",
        issuer_code=issuer,
        issued_on=date(2024, 3, 1),
        valid_until=None,
        case_number="",
    )


def licence_file(key: OfficeKey, licences: list[tuple[str, str]]) -> bytes:
    entry = key.public_entry(
        office_name="示例省市场监督管理局", valid_from=date(2024, 1, 1), valid_until=None
    )
    return json.dumps(
        {
            "format": "window-clerk-licences/1",
            "keys": [public_entry_json(entry)],
            "licences": [{"licence_type": t, "qr_text": q} for t, q in licences],
        },
        ensure_ascii=False,
    ).encode()


def test_third_party_licences_are_imported_and_satisfy_a_material(workspace: Workspace) -> None:
    key = OfficeKey.generate(key_id="SAMR-SC-2024", office_code=ISSUER)
    business = sign_certificate(
        _claims(holder=COMPANY, type_name="营业执照"), key=key, verify_base="https://gsxt.example.gov.cn/V/"
    )
    library = LicenceLibrary(store=workspace.store, clock=workspace.clock)
    imported = library.import_file(licence_file(key, [("business_licence", business)]), by="xinxi")
    assert (imported.licences, imported.keys) == (1, 1)
    assert library.import_file(licence_file(key, [("business_licence", business)]), by="xinxi").already == 1
    [found] = library.by_holder(COMPANY["id_number"])
    assert found.source is LicenceSource.IMPORTED and found.licence_type == "business_licence"
    assert found.issuer_key is not None and found.issuer_key.key_id == "SAMR-SC-2024"
    data = change_request("unused")
    data["materials"] = [m for m in data["materials"] if m["material"] not in ("M02", "M03")]
    data["materials"].append({"material": "M02", "form": "licence", "licence": {"qr_text": business}})
    data["materials"].append({"material": "M03", "form": "original", "copies": 1, "pages": 2})
    number = workspace.acceptance.accept(parse_request(data), counter=workspace.counter("demo"))
    case = workspace.cases.find(number)
    assert case is not None and case.outcome is Outcome.ACCEPTED
    [m02] = [m for m in case.materials if m.material == "M02"]
    assert m02.licence is not None and m02.licence["source"] == "imported"
    assert m02.licence["issuer_key"]["key_id"] == "SAMR-SC-2024"


def test_a_bad_licence_file_is_refused_whole(workspace: Workspace) -> None:
    key = OfficeKey.generate(key_id="SAMR-SC-2024", office_code=ISSUER)
    other = OfficeKey.generate(key_id="SAMR-SC-2024", office_code=ISSUER)  # same id, another key
    good = sign_certificate(
        _claims(holder=COMPANY, type_name="营业执照"), key=key, verify_base="https://g.example.cn/V/"
    )
    forged = sign_certificate(
        _claims(holder=PERSON, type_name="营业执照", serial="20260000002"),
        key=other,
        verify_base="https://g.example.cn/V/",
    )
    library = LicenceLibrary(store=workspace.store, clock=workspace.clock)
    with pytest.raises(LicenceError, match="第 2 个证照核验未通过：签名不符"):
        library.import_file(
            licence_file(key, [("business_licence", good), ("business_licence", forged)]), by="xinxi"
        )
    with pytest.raises(LicenceError, match="证照类型 food_business 与签名中的证照名称不符"):
        library.import_file(licence_file(key, [("food_business", good)]), by="xinxi")
    for broken, expected in (
        (b"{not json", "电子证照文件"),
        (b'{"format": "window-clerk-licences/9"}', "format 应为 window-clerk-licences/1"),
        (json.dumps({"format": "window-clerk-licences/1", "keys": [], "licences": []}).encode(), "keys"),
    ):
        with pytest.raises(LicenceError, match=expected):
            library.import_file(broken, by="xinxi")
    with workspace.store.read() as session:
        assert session.scalars(select(ImportedLicence)).all() == []
    assert library.by_holder(COMPANY["id_number"]) == []


def test_a_request_names_a_licence_by_its_qr_only() -> None:
    data = change_request("HTTPS://ZWFW.EXAMPLE.GOV.CN/V/AAAA")
    request = parse_request(data)
    [licensed] = [m for m in request.materials if m.form is Form.LICENCE]
    assert licensed.licence is not None and licensed.licence.verified_by is VerifiedBy.QR_OFFLINE
    data["materials"][-1] = {"material": "M03", "form": "licence"}
    with pytest.raises(InputError, match="qr_text"):
        parse_request(data)
    data["materials"][-1] = {
        "material": "M03",
        "form": "copy",
        "copies": 1,
        "pages": 1,
        "licence": {"qr_text": "X"},
    }
    with pytest.raises(InputError, match="只有 form 为 licence"):
        parse_request(data)
