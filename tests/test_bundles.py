"""一件事 bundles at the window: the catalog's bundles and their checks, one intake deciding each item, shared
materials handed over once, all-or-nothing storage under one bundle number, and every bad input refused."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from app.acceptance import AcceptanceError
from app.bundles.intake import parse_bundle_request
from app.bundles.numbers import BundleNumberError, format_bundle_number, parse_bundle_number
from app.bundles.views import BundleState, overall_state
from app.catalog import CatalogError, parse_catalog
from app.catalog_store import demo_catalog_bytes, load_catalog
from app.intake import InputError
from app.scanning.routing import OpenBundle, OpenCase, Refused, route_scan
from app.workspace import Workspace
from db.models import Case, CaseBundle, CaseEvent, CaseSerial, CatalogVersion
from tests.bundle_helpers import (
    COMPANY_START,
    DRAIN,
    FOOD,
    HYGIENE,
    RESTAURANT,
    SIGN,
    bundle_json,
    bundle_of,
)
from tests.helpers import PERSON

DAY = date(2026, 11, 20)


def stored_counts(ws: Workspace) -> tuple[int, int, int]:
    with ws.store.read() as s:
        return tuple(  # type: ignore[return-value]
            s.scalar(select(func.count()).select_from(t)) for t in (Case, CaseBundle, CaseEvent)
        )


def accept(ws: Workspace, data: dict[str, Any], *, counter: Any = None) -> Any:
    return ws.bundles.accept(parse_bundle_request(data), counter=counter or ws.counter("demo"))


# -- the catalog ------------------------------------------------------------------------------------------
def test_the_demo_catalog_has_bundles_of_items_its_main_hall_handles() -> None:
    document = parse_catalog(demo_catalog_bytes())
    names = [b.name for b in document.bundles]
    assert names == ["开办餐饮店", "企业开办", "企业注销", "新建项目开工"]
    items = {i.code: i for i in document.items}
    hall = next(h for h in document.halls if h.code == "SZX01")
    for bundle in document.bundles:
        assert len(bundle.item_codes) >= 2 and bundle.shared
        for code in bundle.item_codes:
            assert items[code].body_code in hall.bodies
        for entry in bundle.shared:  # every mapped material exists in its item
            for target in entry.targets:
                assert items[target.item_code].material(target.material_code) is not None


def _catalog_with(bundle: dict[str, Any]) -> bytes:
    data = json.loads(demo_catalog_bytes())
    data["version"] = "2026.12-bundles.1"
    data["bundles"] = [bundle]
    return json.dumps(data, ensure_ascii=False).encode()


def _restaurant_raw() -> dict[str, Any]:
    data = json.loads(demo_catalog_bytes())
    return dict(next(b for b in data["bundles"] if b["code"] == RESTAURANT))


PERSON_ITEM = "511G0605000000-510100000000-000-11510100009025140U-1-00"  # 户口迁移: natural persons only


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda b: {**b, "items": [*b["items"], "511X9999999999-NOPE"]},
            "目录中没有事项 511X9999999999-NOPE",
        ),
        (lambda b: {**b, "items": [*b["items"], b["items"][0]]}, "重复列出"),
        (lambda b: {**b, "items": [*b["items"], PERSON_ITEM]}, "服务对象不同"),
        (
            lambda b: {
                **b,
                "shared": [
                    {
                        "key": "S01",
                        "name": "营业执照",
                        "materials": [
                            {"item": FOOD, "material": "M02"},
                            {"item": HYGIENE, "material": "M99"},
                        ],
                    }
                ],
            },
            "没有材料编码 M99",
        ),
        (
            lambda b: {
                **b,
                "shared": [
                    {
                        "key": "S01",
                        "name": "x",
                        "materials": [
                            {"item": FOOD, "material": "M01"},
                            {"item": HYGIENE, "material": "M03"},
                        ],
                    }
                ],
            },
            "提交形式不同",
        ),
        (lambda b: {**b, "items": b["items"][:1], "shared": []}, "至少应包含两个事项"),
    ],
    ids=[
        "unknown item",
        "item twice",
        "applicant kinds differ",
        "material missing",
        "forms differ",
        "one item",
    ],
)
def test_a_bad_bundle_refuses_the_catalog_naming_the_bundle(
    workspace: Workspace, change: Any, message: str
) -> None:
    content = _catalog_with(change(_restaurant_raw()))
    with pytest.raises(CatalogError) as refused:
        parse_catalog(content)
    assert "开办餐饮店" in str(refused.value) and message in str(refused.value)
    with workspace.store.read() as s:
        before = s.scalar(select(func.count()).select_from(CatalogVersion))
    with pytest.raises(CatalogError):
        load_catalog(workspace.store, content, now=workspace.clock.now())
    with workspace.store.read() as s:
        assert s.scalar(select(func.count()).select_from(CatalogVersion)) == before  # nothing stored


def test_a_catalog_without_bundles_still_loads_and_has_none() -> None:
    data = json.loads(demo_catalog_bytes())
    del data["bundles"]
    assert parse_catalog(json.dumps(data).encode()).bundles == ()


# -- one intake -------------------------------------------------------------------------------------------
def test_shared_materials_handed_once_count_for_every_item_that_needs_them(workspace: Workspace) -> None:
    data = bundle_json(workspace, RESTAURANT)
    shared_entries = [m for m in data["materials"] if "shared" in m]
    assert len([m for m in shared_entries if m["shared"] == "S01"]) == 1  # the licence: handed over once
    stored = accept(workspace, data)
    cases = [workspace.cases.find(n) for n in stored.case_numbers]
    assert [c.item_code for c in cases] == [FOOD, HYGIENE, SIGN, DRAIN]  # type: ignore[union-attr]
    assert {str(c.decision) for c in cases} == {"accepted"}  # type: ignore[union-attr]
    for case in cases:
        assert case is not None and case.bundle_number == stored.number
        licence = [m for m in case.materials if m.name == "营业执照（或其他主体资格证明）"]
        assert len(licence) == 1 and licence[0].material == "M02"  # under each item's own code
    hygiene = cases[1]
    assert hygiene is not None
    assert {m.material for m in hygiene.materials} >= {"M02", "M03", "M08"}  # S01, S02, S03 mapped here
    parsed = parse_bundle_number(stored.number)
    assert (parsed.window_code, parsed.day, parsed.serial) == ("SZX0103", DAY, 1)


def test_split_decisions_one_item_accepted_another_to_supplement(workspace: Workspace) -> None:
    data = bundle_json(workspace, RESTAURANT, skip=("S03", f"{HYGIENE}/M06"))
    stored = accept(workspace, data)
    view = workspace.bundles.find(stored.case_numbers[2])  # found from any of its cases
    assert view is not None and view.number == stored.number
    decisions = {c.item_code: str(c.decision) for c in view.cases}
    assert decisions == {
        FOOD: "supplement_required",  # only the shared 经营场所使用证明 missing
        HYGIENE: "supplement_required",  # the same shared gap and its own M06
        SIGN: "accepted",
        DRAIN: "accepted",
    }
    food = view.cases[0]
    missing_food = {f.material for f in food.findings if f.outcome == "missing"}
    missing_hygiene = {f.material for f in view.cases[1].findings if f.outcome == "missing"}
    assert missing_food == {"M08"} and missing_hygiene == {"M06", "M08"}
    assert view.state is BundleState.SUPPLEMENT and view.state_label == "有事项待补正"
    assert workspace.bundles.find(stored.number) == view


def test_an_item_outside_the_halls_competence_is_not_accepted_in_the_bundle(workspace: Workspace) -> None:
    other_hall = workspace.catalog.hall("SZX02")  # handles neither outdoor signs nor drainage
    assert other_hall is not None
    counter = replace(workspace.counter("demo"), hall=other_hall)
    stored = accept(workspace, bundle_json(workspace, RESTAURANT), counter=counter)
    view = workspace.bundles.find(stored.number)
    assert view is not None
    decisions = [str(c.decision) for c in view.cases]
    assert decisions == ["accepted", "accepted", "rejected", "rejected"]
    assert all(c.referral_office for c in view.cases[2:])


def test_the_decision_event_carries_the_bundle_number_and_a_case_alone_none(workspace: Workspace) -> None:
    from app.intake import parse_request
    from tests.helpers import request_json

    stored = accept(workspace, bundle_json(workspace, COMPANY_START))
    item = workspace.catalog.item(FOOD)
    assert item is not None
    alone = workspace.acceptance.accept(parse_request(request_json(item)), counter=workspace.counter("demo"))
    with workspace.store.read() as s:
        payloads = {e.case_number: e.payload for e in s.scalars(select(CaseEvent))}
    assert {payloads[n].get("bundle_number") for n in stored.case_numbers} == {stored.number}
    assert "bundle_number" not in payloads[alone]
    second = accept(workspace, bundle_json(workspace, COMPANY_START))
    assert parse_bundle_number(second.number).serial == 2  # unique per window and day


def test_all_cases_or_none_are_stored(workspace: Workspace) -> None:
    """The case numbers run out after the first item: nothing of the bundle is kept, not even that case."""
    with workspace.store.write() as s:
        s.add(CaseSerial(window_code="SZX0103", day=DAY, last_serial=9998))
    with pytest.raises(AcceptanceError, match="编号已用完"):
        accept(workspace, bundle_json(workspace, RESTAURANT))
    assert stored_counts(workspace) == (0, 0, 0)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (lambda d: {**d, "applicant": dict(PERSON), "agent": None}, "applicant.kind", "只能由法人申请"),
        (lambda d: {**d, "bundle": "YJS-510100-999"}, "request.bundle", "没有一件事 YJS-510100-999"),
        (lambda d: {**d, "bundle": ""}, "request.bundle", "必填"),
        (
            lambda d: {**d, "materials": [*d["materials"], {"shared": "S09", "form": "copy"}]},
            "materials[",
            "没有共享材料 S09",
        ),
        (
            lambda d: {
                **d,
                "materials": [*d["materials"], {"item": FOOD, "material": "M99", "form": "copy"}],
            },
            "materials[",
            "没有材料编码 M99",
        ),
        (
            lambda d: {
                **d,
                "materials": [*d["materials"], {"item": FOOD, "material": "M02", "form": "copy"}],
            },
            "materials[",
            "是共享材料 S01",
        ),
        (
            lambda d: {
                **d,
                "materials": [*d["materials"], {"item": PERSON_ITEM, "material": "M01", "form": "original"}],
            },
            "materials[",
            "不属于一件事",
        ),
        (
            lambda d: {**d, "materials": [*d["materials"], {"shared": "S01", "item": FOOD, "form": "copy"}]},
            "materials[",
            "二者取一",
        ),
    ],
    ids=[
        "applicant kind",
        "unknown bundle",
        "empty bundle",
        "unknown shared",
        "no such material",
        "shared twice",
        "foreign item",
        "both",
    ],
)
def test_bad_input_is_refused_with_its_field_and_nothing_is_stored(
    workspace: Workspace, change: Any, field: str, message: str
) -> None:
    data = change(bundle_json(workspace, RESTAURANT))
    with pytest.raises(InputError) as refused:
        accept(workspace, data)
    assert any(p.field.startswith(field) and message in p.message for p in refused.value.problems), (
        refused.value
    )
    assert stored_counts(workspace) == (0, 0, 0)


# -- the bundle number --------------------------------------------------------------------------------------
def test_bundle_numbers_carry_a_check_character_and_are_never_case_numbers() -> None:
    number = format_bundle_number(window_code="SZX0103", day=DAY, serial=7)
    assert parse_bundle_number(f" {number.lower()} ") == parse_bundle_number(number)
    head, check = number[:-1], number[-1]
    wrong = next(c for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c != check)
    with pytest.raises(BundleNumberError, match="校验位"):
        parse_bundle_number(head + wrong)
    swapped = number.replace("-007", "-070")  # two serial digits swapped, the check kept
    with pytest.raises(BundleNumberError, match="校验位"):
        parse_bundle_number(swapped)
    assert route_scan(number, today=DAY) == OpenBundle(number)
    assert route_scan(f"https://zwfw.example.gov.cn/BUNDLE/{number}", today=DAY) == OpenBundle(number)
    assert isinstance(route_scan(head + wrong, today=DAY), Refused)
    case_number = "SZX0103-20261120-0001Y"
    assert route_scan(f"https://zwfw.example.gov.cn/CASE/{case_number}", today=DAY) == OpenCase(case_number)


def test_the_overall_state_reads_the_cases_statuses() -> None:
    assert overall_state(["accepted", "awaiting_supplement"]) is BundleState.SUPPLEMENT
    assert overall_state(["accepted", "closed"]) is BundleState.IN_PROGRESS
    assert overall_state(["approved", "closed"]) is BundleState.TO_COLLECT
    assert overall_state(["delivered", "closed"]) is BundleState.DONE


def test_the_bundle_of_another_catalog_view_stays_as_decided(workspace: Workspace) -> None:
    stored = accept(workspace, bundle_json(workspace, RESTAURANT))
    with workspace.store.read() as s:
        row = s.scalars(select(CaseBundle)).one()
    assert row.definition["items"] == list(bundle_of(workspace, RESTAURANT).item_codes)
    assert row.definition["item_names"][FOOD] == "食品经营许可（新办）"
    assert row.number == stored.number
