"""Combined requests for the 一件事 tests: the whole combined checklist handed over, less what is left out."""

from __future__ import annotations

import json
from typing import Any

from app.bundles.checklist import combined_checklist
from app.bundles.definition import Bundle
from app.catalog import ApplicantKind, Form
from app.workspace import Workspace
from tests.helpers import AGENT, COMPANY, newer_catalog

RESTAURANT = "YJS-510100-001"  # 开办餐饮店: food, hygiene, outdoor sign, drainage
COMPANY_START = "YJS-510100-002"  # 企业开办
FOOD = "511A0401000000-510100000000-000-11510100MB1D03950H-1-01"
HYGIENE = "511A0241000000-510100000000-000-11510100MB1F276049-1-00"
SIGN = "511A0711000000-510100000000-000-11510100MB1J33071P-1-00"
DRAIN = "511A0721000000-510100000000-000-115101000090288192-1-00"


def bundle_of(ws: Workspace, code: str) -> Bundle:
    bundle = ws.catalog.bundle(code)
    assert bundle is not None
    return bundle


def bundle_json(
    ws: Workspace,
    code: str,
    *,
    applicant: dict[str, Any] = COMPANY,
    agent: dict[str, Any] | None = AGENT,
    skip: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Every row of the combined checklist in the forms it asks for; `skip`: row keys left out (a shared key,
    or "item code/material code")."""
    bundle = bundle_of(ws, code)
    items = {c: ws.catalog.item(c) for c in bundle.item_codes}
    assert all(items.values())
    rows = combined_checklist(
        bundle,
        items,  # type: ignore[arg-type]
        applicant_kind=ApplicantKind(applicant["kind"]),
        has_agent=agent is not None,
    )
    materials = []
    for row in rows:
        if row.key in skip:
            continue
        for form in row.material.forms:
            copies = 0 if form is Form.ELECTRONIC else max(row.material.copies, 1)
            materials.append({**row.request_entry(), "form": str(form), "copies": copies, "pages": 1})
    return {
        "bundle": code,
        "applicant": dict(applicant),
        "agent": dict(agent) if agent else None,
        "materials": materials,
        "commitments": [],
    }


# 企业设立登记: the business licence (营业执照) this hall issues, later standing in for its paper copy.
BUSINESS_REGISTRATION = "511A0301001000-510100000000-000-11510100MB1D03950H-1-00"


def business_licence(ws: Workspace) -> tuple[str, str]:
    """A 营业执照 the app issued to COMPANY: (its case number, the QR text its certificate carries)."""
    from tests.test_licence_library import accepted
    from tests.test_licences import sample_entries

    number = accepted(ws, BUSINESS_REGISTRATION)
    fields = sample_entries(BUSINESS_REGISTRATION, ws)
    ws.certificates.approve(number, approver=ws.counter("shenpi"), fields=fields)
    view = ws.cases.find(number)
    assert view is not None and view.certificate is not None
    assert view.certificate.licence_type == "business_licence"
    return number, view.certificate.qr_text


def load_hygiene_without_commitment(ws: Workspace) -> None:
    """A later catalog version in which the public-place hygiene permit no longer allows a 告知承诺 for its
    经营场所使用证明 (shared S03 of 开办餐饮店), while the food business permit still does."""
    from app.catalog_store import load_catalog

    data = json.loads(newer_catalog())
    [hygiene] = [i for i in data["items"] if i["code"] == HYGIENE]
    [premises] = [m for m in hygiene["materials"] if m["code"] == "M08"]
    premises["commitment_allowed"] = False
    load_catalog(ws.store, json.dumps(data, ensure_ascii=False).encode(), now=ws.clock.now())
    ws.refresh_reference_data()
