"""A fetched case's rows from its decision's snapshot: the inverse of `app.acceptance.case_snapshot` (the
snapshot is checked by the `case.decided` schema before it gets here).

The case's life after the decision is not in the snapshot: it is replayed onto these rows from the case's
events (app.sync.fetch). A snapshot without `time_limits` (a window before issue 13 decided the case) takes
the limits from the item as this window's catalog has it at the case's catalog version; its due days stay
unknown (they are the accepting window's, computed by its calendar at the decision).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from app.catalog import ServiceItem
from app.completeness import Verdict
from db.models import Case, CaseFinding, CaseMaterial

log = logging.getLogger("clerk.sync")


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else None


def _moment(text: str) -> datetime:
    """A snapshot's UTC time (ISO, ending in Z) as the window stores times: naive UTC."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)


def fill_case(case: Case, snapshot: Mapping[str, Any], *, item: ServiceItem | None) -> None:
    """`case` (new, or held here and emptied of its later life) becomes the case as decided: its columns,
    materials and findings from `snapshot`, its life after the decision reset (step 0). `item`: the item at
    the case's catalog version, for a snapshot without time limits."""
    applicant, agent = snapshot["applicant"], snapshot["agent"]
    case.number = snapshot["number"]
    case.item_code = snapshot["item_code"]
    case.item_name = snapshot["item_name"]
    case.catalog_version = snapshot["catalog_version"]
    case.checklist_sha256 = snapshot["checklist_sha256"]
    case.applicant_kind = applicant["kind"]
    case.applicant_name = applicant["name"]
    case.applicant_id_type = applicant["id_type"]
    case.applicant_id_number = applicant["id_number"]
    case.applicant_phone = applicant["phone"]
    case.applicant_id_override = applicant.get("id_override_reason")
    case.agent_name = agent["name"] if agent else None
    case.agent_id_type = agent.get("id_type") if agent else None
    case.agent_id_number = agent["id_number"] if agent else None
    case.agent_phone = agent["phone"] if agent else None
    case.decision = snapshot["decision"]
    case.status = snapshot["status"]
    case.referral_office = snapshot.get("referral_office")
    case.received_on = date.fromisoformat(snapshot["received_on"])
    case.promised_date = _day(snapshot.get("promised_date"))
    case.promised_date_uncertain = bool(snapshot.get("promised_date_uncertain"))
    case.supplement_deadline = _day(snapshot.get("supplement_deadline"))
    case.hall_code = snapshot["hall_code"]
    case.window_code = snapshot["window_code"]
    case.clerk_login = snapshot["clerk_login"]
    case.clerk_name = snapshot["clerk_name"]
    case.bundle_number = snapshot.get("bundle_number")
    case.created_at = _moment(snapshot["created_at"])
    names = {m["material"]: m["name"] for m in snapshot["materials"]}
    case.materials = [
        CaseMaterial(
            position=index,
            material_code=m["material"],
            material_name=m["name"],
            form=m["form"],
            copies=m["copies"],
            pages=m["pages"],
            defect=m.get("defect"),
            **_licence_columns(m.get("licence")),
        )
        for index, m in enumerate(snapshot["materials"])
    ]
    case.findings = [
        CaseFinding(
            position=index,
            rule=f["rule"],
            outcome=f["outcome"],
            material_code=f.get("material"),
            material_name=names.get(f.get("material") or ""),
            message=f["message"],
        )
        for index, f in enumerate(snapshot["findings"])
    ]
    _reset_life(case)
    limits = snapshot.get("time_limits")
    if isinstance(limits, Mapping):
        _limits_from_snapshot(case, limits)
    else:
        _limits_from_item(case, item)


def _reset_life(case: Case) -> None:
    case.step = 0
    case.suspended_since = None
    case.extension_days = 0
    case.extension = None
    case.ended_on = None
    case.ending = None
    case.refresh_needed = False


def _limits_from_snapshot(case: Case, limits: Mapping[str, Any]) -> None:
    case.department = limits["department"]
    case.accepted_on = _day(limits["accepted_on"])
    case.legal_limit_days = limits["legal_limit"]["days"]
    case.legal_limit_unit = limits["legal_limit"]["unit"]
    case.promised_limit_days = limits["promised_limit"]["days"]
    case.promised_limit_unit = limits["promised_limit"]["unit"]
    case.legal_due = _day(limits["legal_due"])
    case.legal_due_uncertain = bool(limits["legal_due_uncertain"])
    case.tolerated_outstanding = " ".join(limits["tolerated"])
    case.approve_before_supplied = bool(limits["approve_before_supplied"])


def _limits_from_item(case: Case, item: ServiceItem | None) -> None:
    """An older window's decision: the limits of the item at the case's version, the tolerated materials
    from the findings; due days unknown here."""
    case.accepted_on = case.received_on if case.promised_date is not None else None
    case.legal_due = None
    case.legal_due_uncertain = False
    case.tolerated_outstanding = " ".join(
        f.material_code for f in case.findings if f.outcome == Verdict.TOLERATED and f.material_code
    )
    if item is None:
        log.warning(
            "case %s: decided before time limits travelled, and item %s of catalog %s is not here; "
            "its limits stay unknown",
            case.number,
            case.item_code,
            case.catalog_version,
        )
        case.department = ""
        case.legal_limit_days = case.legal_limit_unit = None
        case.promised_limit_days = case.promised_limit_unit = None
        case.approve_before_supplied = False
        return
    case.department = item.department[:100]
    case.legal_limit_days, case.legal_limit_unit = item.legal_limit.days, item.legal_limit.unit
    case.promised_limit_days, case.promised_limit_unit = item.promised_limit.days, item.promised_limit.unit
    case.approve_before_supplied = item.decide_before_tolerated_supplied


def _licence_columns(licence: Any) -> dict[str, Any]:
    """The licence a material of the snapshot was satisfied by (checked by the `case.decided` schema)."""
    if not isinstance(licence, dict):
        return {}
    return {
        "licence_id": licence["licence_id"],
        "licence_type": licence["licence_type"],
        "licence_source": licence["source"],
        "licence_verified_by": licence["verified_by"],
        "licence_qr_text": licence["qr_text"],
        "licence_issuer_key": licence.get("issuer_key"),
    }
