"""What the catalog must say for the documents to be right in law (issue 11): a licence's validity, the local
rules of 容缺 and 告知承诺, a 容缺 span shorter than the promise, shared materials, the hall's arrangement,
复议机关 and court. A catalog being loaded must say it all; one stored earlier is still read."""

from __future__ import annotations

import copy
import json
from datetime import date
from typing import Any

import pytest

from app.catalog import Arrangement, CatalogError, Party, Validity, parse_catalog, parse_hall, parse_item
from app.catalog_store import demo_catalog_bytes
from tests.helpers import PLANNING

DEMO = json.loads(demo_catalog_bytes())


def demo_raw(code: str) -> dict[str, Any]:
    return copy.deepcopy(next(i for i in DEMO["items"] if i["code"] == code))


def test_every_demo_licence_says_how_long_it_is_valid() -> None:
    document = parse_catalog(demo_catalog_bytes())
    licences = [i for i in document.items if i.result is not None and i.result.is_licence]
    assert len(licences) >= 30
    by_name = {i.result.name: i.result.validity for i in licences if i.result is not None}
    assert by_name["食品经营许可证"] == Validity(years=5)
    assert by_name["公共场所卫生许可证"] == Validity(years=4)
    assert by_name["营业执照"] == Validity(long_term=True)
    assert by_name["中华人民共和国普通护照"] is not None and by_name["中华人民共和国普通护照"].entered


@pytest.mark.parametrize(
    ("validity", "message"),
    [
        (None, "必须写明有效期"),
        ({}, "须且只能写一项"),
        ({"years": 5, "long_term": True}, "须且只能写一项"),
        ({"years": 0}, "1 至 100"),
        ({"years": "5"}, "类型错误"),
        ({"long_term": "yes"}, "应为 true"),
    ],
)
def test_a_licence_without_a_lawful_validity_is_refused(validity: Any, message: str) -> None:
    raw = demo_raw(PLANNING)
    if validity is None:
        raw["result"].pop("validity")
    else:
        raw["result"]["validity"] = validity
    with pytest.raises(CatalogError, match=message) as error:
        parse_item(raw, version="t")
    assert PLANNING in str(error.value) and "有效期" in str(error.value)


def test_only_a_licence_has_a_validity() -> None:
    raw = demo_raw(PLANNING)
    raw["result"] = {"type": "批文", "name": "批复", "validity": {"years": 1}}
    with pytest.raises(CatalogError, match="只有证照才有有效期"):
        parse_item(raw, version="t")


def test_an_item_stored_by_an_earlier_version_is_still_read() -> None:
    """Cases decided under an earlier catalog version are read against it: what that version did not have yet
    is missing, not an error (the approver is told when a validity is needed)."""
    raw = demo_raw(PLANNING)
    raw["result"].pop("validity")
    raw.pop("tolerance_basis")
    item = parse_item(raw, version="2026.11-demo.1", strict=False)
    assert item.result is not None and item.result.validity is None and item.tolerance_basis == ""


def test_tolerable_materials_need_the_local_rule_and_a_span_shorter_than_the_promise() -> None:
    raw = demo_raw(PLANNING)
    raw.pop("tolerance_basis")
    with pytest.raises(CatalogError, match="tolerance_basis"):
        parse_item(raw, version="t")
    raw = demo_raw(PLANNING)
    raw["tolerance_days"] = raw["promised_limit"]["days"]
    with pytest.raises(CatalogError, match="短于承诺时限"):
        parse_item(raw, version="t")
    raw = demo_raw(PLANNING)
    raw.pop("tolerance_days")
    with pytest.raises(CatalogError, match="tolerance_days"):
        parse_item(raw, version="t")


def test_commitments_need_the_local_rule() -> None:
    raw = next(copy.deepcopy(i) for i in DEMO["items"] if "commitment_basis" in i)
    raw.pop("commitment_basis")
    with pytest.raises(CatalogError, match="commitment_basis"):
        parse_item(raw, version="t")


def test_a_shared_material_names_its_source() -> None:
    document = parse_catalog(demo_catalog_bytes())
    shared = [(i.name, m.name, m.shared_by) for i in document.items for m in i.materials if m.shared_by]
    assert len(shared) >= 5 and all(source for _, _, source in shared)
    raw = demo_raw(PLANNING)
    raw["materials"][0]["shared_by"] = "  "
    with pytest.raises(CatalogError, match="shared_by"):
        parse_item(raw, version="t")


def test_validity_ends_the_day_before_the_anniversary() -> None:
    assert Validity(years=5).until(date(2026, 11, 20)) == date(2031, 11, 19)
    assert Validity(years=4).until(date(2028, 2, 29)) == date(2032, 2, 28)
    assert Validity(years=1).until(date(2028, 2, 29)) == date(2029, 2, 28)  # no 29 February in 2029
    assert Validity(long_term=True).until(date(2026, 11, 20)) is None
    with pytest.raises(ValueError):
        Validity(entered=True).until(date(2026, 11, 20))
    assert Validity(years=5).label == "5年" and Validity(long_term=True).label == "长期"


def test_the_halls_say_how_they_receive_and_where_remedies_go() -> None:
    document = parse_catalog(demo_catalog_bytes())
    for hall in document.halls:
        assert hall.arrangement is Arrangement.DELEGATED
        assert hall.review_body is not None and hall.review_body.name == "示例市人民政府"
        assert hall.court is not None and hall.court.name.endswith("人民法院") and hall.court.address
    raw = copy.deepcopy(DEMO["halls"][0])
    raw["arrangement"] = "own_name"
    assert parse_hall(raw).arrangement is Arrangement.OWN_NAME
    raw["arrangement"] = "by_email"
    with pytest.raises(CatalogError, match="by_email"):
        parse_hall(raw)
    raw = copy.deepcopy(DEMO["halls"][0])
    raw["court"] = {"name": "示例市锦华区人民法院"}
    with pytest.raises(CatalogError, match="address"):
        parse_hall(raw)
    raw.pop("court")
    assert parse_hall(raw).court is None  # a hall that has not set it: the notice says what it can
    assert Party("a", "b").name == "a"
