from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.case_number import parse_case_number
from app.intake import InputError, parse_request
from app.workspace import Workspace
from db.models import Case, CaseEvent, CaseFinding, CaseMaterial, CaseSerial
from tests.helpers import AGENT, COMPANY, MARRIAGE, PASSPORT, PERSON, PLANNING, SEAL, request_json


def accept(ws: Workspace, data: dict) -> dict:  # type: ignore[type-arg]
    """The case as `clerk case show --json` prints it (made from its view)."""
    number = ws.acceptance.accept(parse_request(data), counter=ws.counter("demo"))
    case = ws.cases.find(number)
    assert case is not None
    return case.to_json()


def counts(ws: Workspace) -> tuple[int, int, int, int]:
    with ws.store.read() as s:
        return tuple(  # type: ignore[return-value]
            s.scalar(select(func.count()).select_from(t))
            for t in (Case, CaseMaterial, CaseFinding, CaseEvent)
        )


def item(ws: Workspace, code: str):  # type: ignore[no-untyped-def]
    found = ws.catalog.item(code)
    assert found is not None
    return found


def test_complete_case_is_accepted_and_stored_with_its_event(workspace: Workspace) -> None:
    data = request_json(item(workspace, PLANNING))
    case = accept(workspace, data)
    assert case["decision"] == "accepted"
    assert case["promised_date"] == "2026-12-04"  # Friday 11-20 + 10 working days
    assert case["catalog_version"] == workspace.catalog.version
    assert len(case["checklist_sha256"]) == 64
    assert case["applicant"]["name"] == COMPANY["name"]
    assert case["agent"]["name"] == "李𠮷䶮"
    assert len(case["materials"]) == len(data["materials"])
    assert case["clerk_login"] == "demo" and case["window_code"] == "SZX0103"
    parsed = parse_case_number(case["number"])
    assert parsed.window_code == "SZX0103" and parsed.day == date(2026, 11, 20) and parsed.serial == 1
    with workspace.store.read() as s:
        event = s.scalars(select(CaseEvent)).one()
    assert case.pop("certificate") is None and case.pop("format") == 1
    life = case.pop("lifecycle")
    payload = dict(event.payload)
    limits = payload.pop("time_limits")  # what a PC of the hall that fetches the case needs (issue 13)
    assert event.kind == "case.decided" and payload == case and event.acknowledged_at is None
    assert limits["legal_due"] == life["legal_due"] == "2026-12-18" and limits["accepted_on"] == "2026-11-20"
    assert limits["legal_limit"] == {"days": 20, "unit": "working"} and life["step"] == 0


def test_serials_increase_per_window_and_day(workspace: Workspace) -> None:
    data = request_json(item(workspace, SEAL))
    numbers = [accept(workspace, data)["number"] for _ in range(3)]
    assert [parse_case_number(n).serial for n in numbers] == [1, 2, 3]
    with workspace.store.read() as s:
        assert s.get(CaseSerial, ("SZX0103", date(2026, 11, 20))).last_serial == 3  # type: ignore[union-attr]


def test_immediate_item_is_due_today(workspace: Workspace) -> None:
    case = accept(workspace, request_json(item(workspace, SEAL)))
    assert case["decision"] == "accepted" and case["promised_date"] == "2026-11-20"


def test_tolerable_gap_gets_a_supplement_deadline(workspace: Workspace) -> None:
    planning = item(workspace, PLANNING)
    case = accept(workspace, request_json(planning, skip=("M08",)))
    assert case["decision"] == "accepted_with_tolerance"
    assert [f["material"] for f in case["findings"] if f["outcome"] == "tolerated"] == ["M08"]
    assert case["supplement_deadline"] == "2026-11-27"  # 5 working days, before the promised date


def test_supplement_lists_all_gaps(workspace: Workspace) -> None:
    planning = item(workspace, PLANNING)
    data = request_json(planning, skip=("M05", "M08", "M11"))
    data["materials"][0]["defect"] = "申请表未加盖公章"
    case = accept(workspace, data)
    assert case["decision"] == "supplement_required"
    assert case["status"] == "awaiting_supplement" and case["promised_date"] is None
    missing = [f["material"] for f in case["findings"] if f["outcome"] == "missing"]
    assert sorted(missing) == ["M05", "M08", "M11"]
    assert [f["material"] for f in case["findings"] if f["outcome"] == "defective"] == ["M01"]


def test_out_of_competence_is_refused_with_referral(workspace: Workspace) -> None:
    passport = item(workspace, PASSPORT)
    case = accept(workspace, request_json(passport, applicant=PERSON, agent=None))
    assert case["decision"] == "rejected" and case["status"] == "closed"
    assert "出入境" in case["referral_office"]


def test_invalid_input_stores_nothing_and_uses_no_serial(workspace: Workspace) -> None:
    planning = item(workspace, PLANNING)
    bad_id = request_json(planning, applicant={**PERSON, "id_number": "110105194912310021"})
    bad_material = request_json(planning)
    bad_material["materials"].append({"material": "M99", "form": "original", "copies": 1, "pages": 1})
    control_name = request_json(planning, applicant={**COMPANY, "name": "示例\x07公司"})
    for data in (bad_id, bad_material, control_name):
        with pytest.raises(InputError):
            accept(workspace, data)
    assert counts(workspace) == (0, 0, 0, 0)
    with workspace.store.read() as s:
        assert s.scalars(select(CaseSerial)).all() == []


def test_all_problems_reported_together(workspace: Workspace) -> None:
    data = request_json(item(workspace, PLANNING), agent={**AGENT, "id_number": "123", "phone": "12"})
    data["applicant"]["phone"] = "abc"
    with pytest.raises(InputError) as raised:
        accept(workspace, data)
    assert {p.field for p in raised.value.problems} == {"applicant.phone", "agent.id_number", "agent.phone"}


def test_pilot_credit_code_needs_a_recorded_reason(workspace: Workspace) -> None:
    pilot = {**COMPANY, "id_number": "91350211M00013FA1N"}
    data = request_json(item(workspace, SEAL), applicant=pilot)
    with pytest.raises(InputError) as raised:
        accept(workspace, data)
    assert raised.value.problems[0].overridable
    data["applicant"]["id_override_reason"] = "早期试点代码，已核对营业执照原件"
    case = accept(workspace, data)
    assert case["applicant"]["id_override_reason"] == "早期试点代码，已核对营业执照原件"
    assert case["findings"][0]["rule"] == "id_override"


def test_long_names_with_rare_characters_kept_exactly(workspace: Workspace) -> None:
    long_name = "𠮷" * 10 + "䶮" * 10 + "·" + "示例" * 20  # 61 code points, 71 UTF-16 units
    data = request_json(item(workspace, SEAL), applicant={**PERSON, "name": long_name}, agent=None)
    data["applicant"]["kind"] = "organization"
    data["applicant"]["id_number"] = COMPANY["id_number"]
    data["materials"] = request_json(item(workspace, SEAL), applicant=COMPANY, agent=None)["materials"]
    case = accept(workspace, data)
    assert case["applicant"]["name"] == long_name


def test_absurd_page_counts_rejected_at_parse() -> None:
    data = {
        "item": PLANNING,
        "applicant": COMPANY,
        "agent": None,
        "materials": [{"material": "M01", "form": "original", "copies": 1, "pages": 100000}],
    }
    with pytest.raises(InputError) as raised:
        parse_request(data)
    assert "materials[0].pages" in str(raised.value)


def test_catalog_versions_are_kept(workspace: Workspace, home: Path) -> None:
    from app.catalog_store import CatalogRepository, demo_catalog_bytes, load_catalog

    first = accept(workspace, request_json(item(workspace, SEAL)))
    newer = json.loads(demo_catalog_bytes())
    newer["version"], newer["published"] = "2026.12-demo.2", "2026-12-01"
    newer["items"][0]["materials"][0]["standard"] += "（2026年12月修订）"
    _, loaded = load_catalog(
        workspace.store, json.dumps(newer, ensure_ascii=False).encode(), now=workspace.clock.now()
    )
    assert loaded and CatalogRepository(workspace.store).version == "2026.12-demo.2"
    assert workspace.cases.find(first["number"]).catalog_version == "2026.11-demo.3"  # type: ignore[union-attr]
    changed = newer["items"][0]["code"]
    old, new = item(workspace, changed), CatalogRepository(workspace.store).item(changed)
    assert new is not None and old.checklist_sha256 != new.checklist_sha256
    # The same version number with other content is refused: a published version never changes.
    newer["items"][1]["name"] += "（改）"
    from app.catalog import CatalogError

    with pytest.raises(CatalogError):
        load_catalog(
            workspace.store, json.dumps(newer, ensure_ascii=False).encode(), now=workspace.clock.now()
        )


def test_a_refusal_is_decided_at_once_and_needs_only_the_name(workspace: Workspace) -> None:
    from dataclasses import replace

    from app.completeness import Outcome

    data = {
        "item": MARRIAGE,
        "applicant": {"kind": "person", "name": PERSON["name"], "id_number": "", "phone": ""},
        "agent": None,
        "materials": [],
    }
    request = parse_request(data)
    nobody = replace(request, applicant=replace(request.applicant, name=""))  # the window, nothing typed
    evaluation = workspace.acceptance.evaluate(nobody, counter=workspace.counter("demo"))
    assert evaluation.result.outcome is Outcome.REJECTED
    assert "示例市民政局婚姻登记处" in (evaluation.result.referral_office or "")
    assert [p.field for p in evaluation.problems] == ["applicant.name"]
    with pytest.raises(InputError) as error:
        workspace.acceptance.accept(nobody, counter=workspace.counter("demo"))
    assert [p.field for p in error.value.problems] == ["applicant.name"]
    assert counts(workspace) == (0, 0, 0, 0)
    case = accept(workspace, data)
    assert case["decision"] == "rejected" and case["applicant"]["id_number"] == ""
    # What is typed is still checked; an item of this hall still needs the whole applicant.
    data["applicant"]["id_number"] = "110105194912310021"
    with pytest.raises(InputError, match="校验"):
        accept(workspace, data)
    own = request_json(item(workspace, SEAL), applicant={**COMPANY, "id_number": "", "phone": ""})
    with pytest.raises(InputError) as error:
        accept(workspace, own)
    assert {p.field for p in error.value.problems} == {"applicant.id_number", "applicant.phone"}
