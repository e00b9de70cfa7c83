"""The service-item catalog (事项目录): items, their materials, halls, and loading a published version."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from app import json_input

if TYPE_CHECKING:
    from app.bundles.definition import Bundle


class CatalogError(ValueError):
    """A catalog file that cannot be used; the message names the item and field."""


class Necessity(StrEnum):
    REQUIRED = "required"
    TOLERABLE = "tolerable"  # 容缺: may be supplied after acceptance
    OPTIONAL = "optional"


class Condition(StrEnum):
    AGENT = "agent"  # only when an agent (代理人) applies
    ORGANIZATION = "organization"  # only for organisations
    PERSON = "person"  # only for natural persons


class Form(StrEnum):
    ORIGINAL = "original"
    COPY = "copy"
    ELECTRONIC = "electronic"
    # 电子证照: a licence of the licence library stands in for the paper (app.licence_library); never a form
    # a checklist asks for, only one a material the catalog marks with `licence_types` is handed in as.
    LICENCE = "licence"


class ApplicantKind(StrEnum):
    PERSON = "person"
    ORGANIZATION = "organization"


NECESSITY_LABEL = {Necessity.REQUIRED: "必要", Necessity.TOLERABLE: "容缺", Necessity.OPTIONAL: "非必要"}
FORM_LABEL = {Form.ORIGINAL: "原件", Form.COPY: "复印件", Form.ELECTRONIC: "电子", Form.LICENCE: "电子证照"}
CONDITION_LABEL = {
    Condition.AGENT: "代理人申请时",
    Condition.ORGANIZATION: "法人申请时",
    Condition.PERSON: "自然人申请时",
}
ITEM_TYPES = (
    "行政许可",
    "行政确认",
    "行政裁决",
    "行政给付",
    "行政奖励",
    "行政备案",
    "其他行政权力",
    "公共服务",
)


@dataclass(frozen=True)
class TimeLimit:
    days: int
    unit: str  # "working" | "natural"

    @property
    def label(self) -> str:
        return f"{self.days}个{'工作日' if self.unit == 'working' else '自然日'}"


@dataclass(frozen=True)
class Validity:
    """How long a licence an item issues is valid, as its catalog entry says (the law of its type decides:
    食品经营许可证 5 years, 公共场所卫生许可证 4 …). Exactly one of: `years`; `long_term` (the law sets no
    limit: printed 长期); `entered` (it depends on the case, e.g. the holder's age: the approver enters the
    date, and `rule` says how it is found)."""

    years: int | None = None
    long_term: bool = False
    entered: bool = False
    rule: str = ""

    def until(self, issued_on: date) -> date | None:
        """The last day of validity of a licence issued on `issued_on` (None: 长期). Not for `entered`."""
        if self.entered:
            raise ValueError("validity is entered by the approver")
        if self.long_term or self.years is None:
            return None
        try:
            same_day = issued_on.replace(year=issued_on.year + self.years)
        except (
            ValueError
        ):  # issued on 29 February: no such day then, so the last day of that month (民法典 203)
            return issued_on.replace(year=issued_on.year + self.years, day=28)
        return date.fromordinal(same_day.toordinal() - 1)

    @property
    def label(self) -> str:
        if self.entered:
            return f"审批时确定（{self.rule}）" if self.rule else "审批时确定"
        return "长期" if self.long_term else f"{self.years}年"


@dataclass(frozen=True)
class ItemResult:
    """What a decision to grant gives the applicant (审批结果类型 + 名称); a licence (证照) has its
    validity and the template it is printed with (app.licences)."""

    type: str  # 证照 / 批文 / 其他 …
    name: str
    validity: Validity | None  # required for a 证照 (None only in an item an earlier catalog version stored)
    licence_type: str | None  # the template's key; None: the general licence template

    @property
    def is_licence(self) -> bool:
        return self.type == LICENCE_RESULT


LICENCE_RESULT = "证照"


@dataclass(frozen=True)
class Party:
    """A body named on documents with its address (行政复议机关, 人民法院)."""

    name: str
    address: str


@dataclass(frozen=True)
class Material:
    code: str
    name: str
    forms: tuple[Form, ...]  # every form listed must be presented (原件和复印件 = both)
    electronic_accepted: bool
    copies: int
    necessity: Necessity
    commitment_allowed: bool
    condition: Condition | None
    source: str
    standard: str
    basis: str
    notes: str | None
    shared_by: str | None = None  # obtained by data sharing from this system: shown, never demanded
    min_pages: int | None = None  # the standard's page count: fewer captured pages are warned of (采集)
    # The licence types (app.licences template keys) whose licence from the licence library satisfies this
    # material in place of its paper (电子证照免提交, app.licence_library); none: paper only.
    licence_types: tuple[str, ...] = ()

    def applies_to(self, *, applicant_kind: ApplicantKind, has_agent: bool) -> bool:
        if self.condition is None:
            return True
        if self.condition is Condition.AGENT:
            return has_agent
        if self.condition is Condition.ORGANIZATION:
            return applicant_kind is ApplicantKind.ORGANIZATION
        return applicant_kind is ApplicantKind.PERSON

    @property
    def forms_label(self) -> str:
        return "和".join(FORM_LABEL[f] for f in self.forms)

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "forms": [str(f) for f in self.forms],
            "electronic_accepted": self.electronic_accepted,
            "copies": self.copies,
            "necessity": str(self.necessity),
            "commitment_allowed": self.commitment_allowed,
            "condition": None if self.condition is None else str(self.condition),
            "source": self.source,
            "standard": self.standard,
            "basis": self.basis,
            "notes": self.notes,
            "shared_by": self.shared_by,
            "min_pages": self.min_pages,
            **({"licence_types": list(self.licence_types)} if self.licence_types else {}),
        }


class Arrangement(StrEnum):
    """How a hall's documents name who decides (a hall setting, in its catalog entry)."""

    DELEGATED = "delegated"  # 示例市政务服务中心（受示例市××局委托受理）, the body's seal
    OWN_NAME = "own_name"  # in the implementing body's own name (a 行政审批局 deciding itself, a 进驻窗口)


ARRANGEMENTS = tuple(str(a) for a in Arrangement)


@dataclass(frozen=True)
class Hall:
    code: str
    name: str
    address: str
    phone: str
    bodies: frozenset[str]  # credit codes of the implementing bodies whose items this hall accepts
    arrangement: Arrangement = Arrangement.DELEGATED
    review_body: Party | None = None  # 行政复议机关 of the bodies it accepts for (2023 行政复议法 Art. 24)
    court: Party | None = None  # where 行政诉讼 is brought (行政诉讼法 Arts. 14, 18, or a designated court)


@dataclass(frozen=True)
class ServiceItem:
    code: str
    base_code: str
    name: str
    item_type: str
    department: str
    body_name: str
    body_code: str
    basis: str
    business: str | None
    service_object: tuple[str, ...]
    conditions: str
    legal_limit: TimeLimit
    promised_limit: TimeLimit
    immediate: bool  # 即办件
    fee: Mapping[str, Any]
    location: str
    hours: str
    contact: str
    complaint: str
    tolerance_days: int
    keywords: tuple[str, ...]
    materials: tuple[Material, ...]
    result: ItemResult | None
    tolerance_basis: str  # the local rule that allows 容缺受理 (required when a material is tolerable)
    commitment_basis: str  # the local rule of 告知承诺 (required when a material allows a commitment)
    review_body: Party | None  # the body's own 复议机关 where it is not the hall's (垂直管理: 税务, 海关 …)
    catalog_version: str
    checklist_sha256: str
    raw: Mapping[str, Any]

    @property
    def decide_before_tolerated_supplied(self) -> bool:
        """The local rule lets a 容缺 case be decided before its tolerated materials are supplied
        (`decide_before_tolerated_supplied` in the catalog; by default it may not be)."""
        return self.raw.get("decide_before_tolerated_supplied") is True

    def material(self, code: str) -> Material | None:
        for material in self.materials:
            if material.code == code:
                return material
        return None

    def as_json(self) -> dict[str, Any]:
        data = dict(self.raw)
        data["materials"] = [m.as_json() for m in self.materials]
        data["catalog_version"] = self.catalog_version
        data["checklist_sha256"] = self.checklist_sha256
        return data


@dataclass(frozen=True)
class CatalogDocument:
    version: str
    published: date
    region_code: str
    region_name: str
    halls: tuple[Hall, ...]
    items: tuple[ServiceItem, ...]
    sha256: str
    raw_halls: Sequence[Mapping[str, Any]]
    # 一件事 bundles (app.bundles.definition), checked against the items; none in a catalog without them.
    bundles: tuple[Bundle, ...] = ()
    raw_bundles: Sequence[Mapping[str, Any]] = ()


def checklist_sha256(raw_materials: Sequence[Mapping[str, Any]]) -> str:
    """Hash of the material checklist, printed on notices so the list checked against can be proved."""
    canonical = json.dumps(list(raw_materials), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _req(data: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if key not in data:
        raise CatalogError(f"{where}: 缺少字段 {key}")
    value = data[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise CatalogError(f"{where}: 字段 {key} 类型错误")
    return value


def _enum(enum: type[StrEnum], value: Any, where: str) -> Any:
    try:
        return enum(value)
    except ValueError:
        raise CatalogError(f"{where}: 不认识的取值 {value!r}") from None


def parse_material(data: Mapping[str, Any], where: str) -> Material:
    code = _req(data, "code", str, where)
    where = f"{where} 材料 {code}"
    forms = tuple(_enum(Form, f, where) for f in _req(data, "forms", list, where))
    if not forms:
        raise CatalogError(f"{where}: forms 不能为空")
    if Form.LICENCE in forms:
        raise CatalogError(f"{where}: forms 不能含 licence（电子证照由 licence_types 标明）")
    copies = _req(data, "copies", int, where)
    if copies < 0:
        raise CatalogError(f"{where}: copies 不能为负数")
    condition = data.get("condition")
    return Material(
        code=code,
        name=_req(data, "name", str, where),
        forms=forms,
        electronic_accepted=bool(data.get("electronic_accepted", False)),
        copies=copies,
        necessity=_enum(Necessity, _req(data, "necessity", str, where), where),
        commitment_allowed=bool(data.get("commitment_allowed", False)),
        condition=None if condition is None else _enum(Condition, condition, where),
        source=str(data.get("source", "applicant")),
        standard=str(data.get("standard") or ""),
        basis=str(data.get("basis") or ""),
        notes=data.get("notes"),
        shared_by=_optional_text(data, "shared_by", where),
        min_pages=_min_pages(data, where),
        licence_types=_licence_types(data, where),
    )


def _licence_types(data: Mapping[str, Any], where: str) -> tuple[str, ...]:
    """The licence types that satisfy a material: keys of the licence templates this program knows."""
    from app.licences import TEMPLATES  # app.licences reads this module

    value = data.get("licence_types")
    if value is None:
        return ()
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise CatalogError(f"{where}: licence_types 应为证照类型的非空列表")
    unknown = [v for v in value if v not in TEMPLATES]
    if unknown:
        raise CatalogError(f"{where}: 不认识的证照类型 {'、'.join(unknown)}（licence_types）")
    if len(set(value)) != len(value):
        raise CatalogError(f"{where}: licence_types 有重复")
    return tuple(value)


def _min_pages(data: Mapping[str, Any], where: str) -> int | None:
    value = data.get("min_pages")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 500:
        raise CatalogError(f"{where}: min_pages 应为 1–500 的整数（规范要求的最少页数）")
    return value


def _optional_text(data: Mapping[str, Any], key: str, where: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise CatalogError(f"{where}: 字段 {key} 应为非空文字")
    return value.strip()


def _party(data: Any, where: str) -> Party | None:
    if data is None:
        return None
    if not isinstance(data, Mapping):
        raise CatalogError(f"{where}: 应为含 name 和 address 的对象")
    name, address = _req(data, "name", str, where).strip(), _req(data, "address", str, where).strip()
    if not name or not address:
        raise CatalogError(f"{where}: name 和 address 不能为空")
    return Party(name, address)


def _validity(data: Any, where: str) -> Validity:
    where = f"{where} 有效期（validity）"
    if not isinstance(data, Mapping):
        raise CatalogError(f"{where}: 发放证照的事项必须写明有效期（years、long_term 或 entered）")
    chosen = [
        key
        for key in ("years", "long_term", "entered")
        if data.get(key) is not None and data[key] is not False
    ]
    if len(chosen) != 1:
        raise CatalogError(f"{where}: years、long_term、entered 须且只能写一项")
    if chosen == ["years"]:
        years = _req(data, "years", int, where)
        if not 1 <= years <= 100:
            raise CatalogError(f"{where}: years 应在 1 至 100 之间")
        return Validity(years=years)
    if data[chosen[0]] is not True:
        raise CatalogError(f"{where}: {chosen[0]} 应为 true")
    if chosen == ["long_term"]:
        return Validity(long_term=True)
    return Validity(entered=True, rule=str(data.get("rule") or ""))


def _result(data: Any, where: str, *, strict: bool) -> ItemResult | None:
    if data is None:
        return None
    if not isinstance(data, Mapping):
        raise CatalogError(f"{where}: result 格式错误")
    kind = _req(data, "type", str, f"{where} 审批结果")
    name = _req(data, "name", str, f"{where} 审批结果")
    licence_type = _optional_text(data, "licence_type", f"{where} 审批结果")
    validity = None
    if kind == LICENCE_RESULT and (strict or data.get("validity") is not None):
        validity = _validity(data.get("validity"), f"{where} 审批结果")
    elif data.get("validity") is not None:
        raise CatalogError(f"{where} 审批结果: 只有证照才有有效期")
    return ItemResult(kind, name, validity, licence_type)


def _limit(data: Any, where: str) -> TimeLimit:
    if not isinstance(data, Mapping):
        raise CatalogError(f"{where}: 时限格式错误")
    days = _req(data, "days", int, where)
    unit = _req(data, "unit", str, where)
    if unit not in ("working", "natural") or days < 0:
        raise CatalogError(f"{where}: 时限取值错误 {days} {unit}")
    return TimeLimit(days, unit)


def parse_item(data: Mapping[str, Any], *, version: str, strict: bool = True) -> ServiceItem:
    """An item of a catalog. `strict` (a catalog being published or loaded): every rule of this version holds.
    Not strict (an item as an earlier version stored it, read for the cases decided under it): what that
    version did not require yet may be missing (a licence's validity is then None: the approver is told)."""
    code = _req(data, "code", str, "事项")
    where = f"事项 {code}"
    body = _req(data, "implementing_body", dict, where)
    raw_materials = _req(data, "materials", list, where)
    materials = tuple(parse_material(m, where) for m in raw_materials)
    codes = [m.code for m in materials]
    if len(set(codes)) != len(codes):
        raise CatalogError(f"{where}: 材料编码重复")
    item_type = _req(data, "type", str, where)
    if item_type not in ITEM_TYPES:
        raise CatalogError(f"{where}: 不认识的事项类型 {item_type}")
    kind = _req(data, "kind", str, where)
    if kind not in ("promised", "immediate"):
        raise CatalogError(f"{where}: 办件类型应为 promised 或 immediate")
    tolerance_basis = _optional_text(data, "tolerance_basis", where)
    if strict and tolerance_basis is None and any(m.necessity is Necessity.TOLERABLE for m in materials):
        raise CatalogError(f"{where}: 有容缺材料的事项须写明容缺受理的依据（tolerance_basis，本地规定）")
    commitment_basis = _optional_text(data, "commitment_basis", where)
    if strict and commitment_basis is None and any(m.commitment_allowed for m in materials):
        raise CatalogError(f"{where}: 有可告知承诺材料的事项须写明告知承诺的依据（commitment_basis）")
    if not isinstance(data.get("decide_before_tolerated_supplied", False), bool):
        raise CatalogError(f"{where}: decide_before_tolerated_supplied 应为 true 或 false")
    tolerance_days = data.get("tolerance_days", 5)  # also the span a 补正 notice gives (hall practice)
    if not isinstance(tolerance_days, int) or isinstance(tolerance_days, bool) or tolerance_days < 1:
        raise CatalogError(f"{where}: tolerance_days 应为正整数")
    promised_limit = _limit(data.get("promised_limit"), f"{where} 承诺时限")
    if (
        strict
        and any(m.necessity is Necessity.TOLERABLE for m in materials)
        and ("tolerance_days" not in data or tolerance_days >= promised_limit.days)
    ):
        raise CatalogError(
            f"{where}: 有容缺材料的事项须写明补交期限 tolerance_days（工作日），且短于承诺时限"
            f"（{promised_limit.label}）：容缺材料应在承诺办结前补齐"
        )
    return ServiceItem(
        code=code,
        base_code=str(data.get("base_code") or ""),
        name=_req(data, "name", str, where),
        item_type=item_type,
        department=str(data.get("department") or ""),
        body_name=_req(body, "name", str, where),
        body_code=_req(body, "code", str, where),
        basis=str(data.get("basis") or ""),
        business=data.get("business"),
        service_object=tuple(data.get("service_object") or ()),
        conditions=str(data.get("conditions") or ""),
        legal_limit=_limit(data.get("legal_limit"), f"{where} 法定时限"),
        promised_limit=promised_limit,
        immediate=kind == "immediate",
        fee=dict(data.get("fee") or {}),
        location=str(data.get("location") or ""),
        hours=str(data.get("hours") or ""),
        contact=str(data.get("contact") or ""),
        complaint=str(data.get("complaint") or ""),
        tolerance_days=tolerance_days,
        keywords=tuple(data.get("keywords") or ()),
        materials=materials,
        result=_result(data.get("result"), where, strict=strict),
        tolerance_basis=tolerance_basis or "",
        commitment_basis=commitment_basis or "",
        review_body=_party(body.get("review_body"), f"{where} 实施机关 review_body"),
        catalog_version=version,
        checklist_sha256=checklist_sha256(raw_materials),
        raw=data,
    )


def parse_hall(data: Mapping[str, Any]) -> Hall:
    code = _req(data, "code", str, "大厅")
    where = f"大厅 {code}"
    return Hall(
        code=code,
        name=_req(data, "name", str, where),
        address=str(data.get("address") or ""),
        phone=str(data.get("phone") or ""),
        bodies=frozenset(_req(data, "bodies", list, where)),
        arrangement=_enum(Arrangement, data.get("arrangement", Arrangement.DELEGATED), where),
        review_body=_party(data.get("review_body"), f"{where} review_body（行政复议机关）"),
        court=_party(data.get("court"), f"{where} court（行政诉讼管辖法院）"),
    )


def parse_catalog(content: bytes) -> CatalogDocument:
    """Parse and validate a published catalog file; raise CatalogError naming the first problem."""
    try:
        data = json_input.loads(content)
    except json_input.JsonInputError as error:
        raise CatalogError(f"事项目录文件{error}") from None
    if not isinstance(data, dict) or data.get("format") != "window-clerk-catalog/1":
        raise CatalogError("事项目录文件格式不对（format 应为 window-clerk-catalog/1）")
    version = _req(data, "version", str, "目录")
    try:
        published = date.fromisoformat(_req(data, "published", str, "目录"))
    except ValueError:
        raise CatalogError("目录: published 不是日期") from None
    region = _req(data, "region", dict, "目录")
    raw_halls = _req(data, "halls", list, "目录")
    items = tuple(parse_item(item, version=version) for item in _req(data, "items", list, "目录"))
    codes = [item.code for item in items]
    if len(set(codes)) != len(codes):
        raise CatalogError("目录: 事项编码重复")
    from app.bundles.definition import parse_bundles  # it reads this module's types

    raw_bundles = data.get("bundles")
    bundles = parse_bundles(raw_bundles, items)
    return CatalogDocument(
        version=version,
        published=published,
        region_code=str(region.get("code", "")),
        region_name=str(region.get("name", "")),
        halls=tuple(parse_hall(h) for h in raw_halls),
        items=items,
        sha256=hashlib.sha256(content).hexdigest(),
        raw_halls=raw_halls,
        bundles=bundles,
        raw_bundles=list(raw_bundles or ()),
    )
