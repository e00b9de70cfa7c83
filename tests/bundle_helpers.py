"""Combined requests for the 一件事 tests: the whole combined checklist handed over, less what is left out."""

from __future__ import annotations

from typing import Any

from app.bundles.checklist import combined_checklist
from app.bundles.definition import Bundle
from app.catalog import ApplicantKind, Form
from app.workspace import Workspace
from tests.helpers import AGENT, COMPANY

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
