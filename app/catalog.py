"""The service-item catalog (事项目录): items, their materials, halls, and loading a published version."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from app import json_input


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


class ApplicantKind(StrEnum):
    PERSON = "person"
    ORGANIZATION = "organization"


NECESSITY_LABEL = {Necessity.REQUIRED: "必要", Necessity.TOLERABLE: "容缺", Necessity.OPTIONAL: "非必要"}
FORM_LABEL = {Form.ORIGINAL: "原件", Form.COPY: "复印件", Form.ELECTRONIC: "电子"}
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
        }


@dataclass(frozen=True)
class Hall:
    code: str
    name: str
    address: str
    phone: str
    bodies: frozenset[str]  # credit codes of the implementing bodies whose items this hall accepts


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
    catalog_version: str
    checklist_sha256: str
    raw: Mapping[str, Any]

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
    )


def _limit(data: Any, where: str) -> TimeLimit:
    if not isinstance(data, Mapping):
        raise CatalogError(f"{where}: 时限格式错误")
    days = _req(data, "days", int, where)
    unit = _req(data, "unit", str, where)
    if unit not in ("working", "natural") or days < 0:
        raise CatalogError(f"{where}: 时限取值错误 {days} {unit}")
    return TimeLimit(days, unit)


def parse_item(data: Mapping[str, Any], *, version: str) -> ServiceItem:
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
        promised_limit=_limit(data.get("promised_limit"), f"{where} 承诺时限"),
        immediate=kind == "immediate",
        fee=dict(data.get("fee") or {}),
        location=str(data.get("location") or ""),
        hours=str(data.get("hours") or ""),
        contact=str(data.get("contact") or ""),
        complaint=str(data.get("complaint") or ""),
        tolerance_days=int(data.get("tolerance_days") or 5),
        keywords=tuple(data.get("keywords") or ()),
        materials=materials,
        catalog_version=version,
        checklist_sha256=checklist_sha256(raw_materials),
        raw=data,
    )


def parse_hall(data: Mapping[str, Any]) -> Hall:
    code = _req(data, "code", str, "大厅")
    return Hall(
        code=code,
        name=_req(data, "name", str, f"大厅 {code}"),
        address=str(data.get("address") or ""),
        phone=str(data.get("phone") or ""),
        bodies=frozenset(_req(data, "bodies", list, f"大厅 {code}")),
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
    return CatalogDocument(
        version=version,
        published=published,
        region_code=str(region.get("code", "")),
        region_name=str(region.get("name", "")),
        halls=tuple(parse_hall(h) for h in raw_halls),
        items=items,
        sha256=hashlib.sha256(content).hexdigest(),
        raw_halls=raw_halls,
    )
