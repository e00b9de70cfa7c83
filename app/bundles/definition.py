"""A bundle (一件事) as the catalog publishes it, and the checks it passes when a catalog is loaded.

A bundle names its items and declares which materials are shared, explicitly: each shared material has a
key (``S01`` …), the name the combined checklist shows, and for each item that needs it the item's own
material code. A material handed over once under that key counts for each of those items. Nothing is
guessed from names at the counter.

In the catalog file (top-level ``bundles``, beside ``items``; a catalog without it has no bundles, and a
window older than bundles ignores the key)::

    {"code": "YJS-510100-001", "name": "开办餐饮店", "keywords": ["餐馆"],
     "items": ["<item code>", "<item code>"],
     "shared": [{"key": "S01", "name": "营业执照（或其他主体资格证明）",
                 "materials": [{"item": "<item code>", "material": "M02"}, …]}]}

Refused with a message naming the bundle: an unknown item, an item twice, items that need different
applicant kinds (no kind every item serves), a shared material mapped to a material its item does not
have, mapped twice for one item, one material in two shared entries, a shared material whose items ask
for it in different forms, and fewer than two items.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.catalog import ApplicantKind, CatalogError, Material, ServiceItem

BUNDLE_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{2,39}")
SHARED_KEY = re.compile(r"S[0-9]{2}")
MAX_BUNDLE_ITEMS = 12
MAX_NAME_CHARS = 60

# 服务对象 in the catalog → the applicant kind an item serves.
SERVICE_OBJECT_KIND: dict[str, ApplicantKind] = {
    "natural_person": ApplicantKind.PERSON,
    "legal_person": ApplicantKind.ORGANIZATION,
}
KIND_LABEL: dict[ApplicantKind, str] = {ApplicantKind.PERSON: "自然人", ApplicantKind.ORGANIZATION: "法人"}


@dataclass(frozen=True)
class SharedTarget:
    item_code: str
    material_code: str


@dataclass(frozen=True)
class SharedMaterial:
    key: str
    name: str
    targets: tuple[SharedTarget, ...]

    def material_for(self, item_code: str) -> str | None:
        return next((t.material_code for t in self.targets if t.item_code == item_code), None)

    @property
    def item_codes(self) -> tuple[str, ...]:
        return tuple(t.item_code for t in self.targets)


@dataclass(frozen=True)
class Bundle:
    code: str
    name: str
    item_codes: tuple[str, ...]
    shared: tuple[SharedMaterial, ...]
    applicant_kinds: frozenset[ApplicantKind]  # the kinds every item of the bundle serves
    keywords: tuple[str, ...] = ()

    def shared_key_of(self, item_code: str, material_code: str) -> str | None:
        """The shared entry an item's material is handed over under (None: the item's own)."""
        for entry in self.shared:
            if entry.material_for(item_code) == material_code:
                return entry.key
        return None

    def shared_entry(self, key: str) -> SharedMaterial | None:
        return next((s for s in self.shared if s.key == key), None)

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "keywords": list(self.keywords),
            "items": list(self.item_codes),
            "shared": [
                {
                    "key": s.key,
                    "name": s.name,
                    "materials": [{"item": t.item_code, "material": t.material_code} for t in s.targets],
                }
                for s in self.shared
            ],
        }


def item_applicant_kinds(item: ServiceItem) -> frozenset[ApplicantKind]:
    """The applicant kinds an item serves (its 服务对象; an item that names none serves both)."""
    kinds = frozenset(SERVICE_OBJECT_KIND[o] for o in item.service_object if o in SERVICE_OBJECT_KIND)
    return kinds or frozenset(ApplicantKind)


def _text(data: Mapping[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise CatalogError(f"{where}: 缺少字段 {key}（应为非空文字）")
    return value.strip()


def parse_bundle(data: Any, items: Mapping[str, ServiceItem], *, strict: bool = True) -> Bundle:
    """One bundle of a catalog whose items are `items` (by code). `strict` False: a bundle as an earlier
    catalog version stored it, read again for its cases (its items are then not looked up)."""
    if not isinstance(data, Mapping):
        raise CatalogError("一件事: 应为对象")
    code = _text(data, "code", "一件事")
    if not BUNDLE_CODE.fullmatch(code):
        raise CatalogError(f"一件事 {code}: 编码应为 3–40 位大写字母、数字或“-”")
    name = _text(data, "name", f"一件事 {code}")
    where = f"一件事“{name}”（{code}）"
    if len(name) > MAX_NAME_CHARS:
        raise CatalogError(f"{where}: 名称过长（最多 {MAX_NAME_CHARS} 个字）")
    raw_items = data.get("items")
    if not isinstance(raw_items, list) or not all(isinstance(c, str) for c in raw_items):
        raise CatalogError(f"{where}: items 应为事项编码的列表")
    if len(raw_items) < 2:
        raise CatalogError(f"{where}: 至少应包含两个事项")
    if len(raw_items) > MAX_BUNDLE_ITEMS:
        raise CatalogError(f"{where}: 事项过多（最多 {MAX_BUNDLE_ITEMS} 个）")
    seen: set[str] = set()
    for item_code in raw_items:
        if item_code in seen:
            raise CatalogError(f"{where}: 事项 {item_code} 重复列出")
        seen.add(item_code)
        if strict and item_code not in items:
            raise CatalogError(f"{where}: 目录中没有事项 {item_code}")
    kinds = frozenset(ApplicantKind)
    if strict:
        for item_code in raw_items:
            kinds &= item_applicant_kinds(items[item_code])
        if not kinds:
            served = "；".join(
                f"{items[c].name}：{'、'.join(KIND_LABEL[k] for k in sorted(item_applicant_kinds(items[c])))}"
                for c in raw_items
            )
            raise CatalogError(f"{where}: 所含事项的服务对象不同，没有一种申请人能同时申请（{served}）")
    keywords = data.get("keywords") or []
    if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
        raise CatalogError(f"{where}: keywords 应为文字列表")
    shared = _shared(data.get("shared") or [], raw_items, items, where, strict=strict)
    return Bundle(code, name, tuple(raw_items), shared, kinds, tuple(keywords))


def _shared(
    raw: Any, item_codes: Sequence[str], items: Mapping[str, ServiceItem], where: str, *, strict: bool
) -> tuple[SharedMaterial, ...]:
    if not isinstance(raw, list):
        raise CatalogError(f"{where}: shared 应为列表")
    entries: list[SharedMaterial] = []
    used: dict[tuple[str, str], str] = {}
    for entry in raw:
        if not isinstance(entry, Mapping):
            raise CatalogError(f"{where}: 共享材料应为对象")
        key = _text(entry, "key", f"{where} 共享材料")
        if not SHARED_KEY.fullmatch(key):
            raise CatalogError(f"{where}: 共享材料编码 {key} 应为 S 加两位数字（如 S01）")
        if any(e.key == key for e in entries):
            raise CatalogError(f"{where}: 共享材料编码 {key} 重复")
        here = f"{where} 共享材料 {key}"
        name = _text(entry, "name", here)
        mapped = entry.get("materials")
        if not isinstance(mapped, list) or len(mapped) < 2:
            raise CatalogError(f"{here}: materials 应列出至少两个事项各自的材料编码")
        targets: list[SharedTarget] = []
        forms: dict[str, Material] = {}
        for target in mapped:
            if not isinstance(target, Mapping):
                raise CatalogError(f"{here}: 每一项应含 item 和 material")
            item_code, material_code = _text(target, "item", here), _text(target, "material", here)
            if item_code not in item_codes:
                raise CatalogError(f"{here}: 事项 {item_code} 不在本一件事中")
            if any(t.item_code == item_code for t in targets):
                raise CatalogError(f"{here}: 对事项 {item_code} 映射了两次")
            if (item_code, material_code) in used:
                other = used[item_code, material_code]
                raise CatalogError(f"{here}: 事项 {item_code} 的材料 {material_code} 已属于共享材料 {other}")
            if strict:
                item = items[item_code]
                material = item.material(material_code)
                if material is None:
                    raise CatalogError(f"{here}: 事项“{item.name}”没有材料编码 {material_code}")
                forms[item_code] = material
            used[item_code, material_code] = key
            targets.append(SharedTarget(item_code, material_code))
        if strict and len({m.forms for m in forms.values()}) > 1:
            detail = "；".join(f"{items[c].name} {m.code}：{m.forms_label}" for c, m in forms.items())
            raise CatalogError(f"{here}: 各事项要求的提交形式不同，不能共享（{detail}）")
        entries.append(SharedMaterial(key, name, tuple(targets)))
    return tuple(entries)


def parse_bundles(raw: Any, items: Sequence[ServiceItem]) -> tuple[Bundle, ...]:
    """The `bundles` of a catalog file (absent: none), each checked against the catalog's items."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise CatalogError("目录: bundles 应为列表")
    by_code = {item.code: item for item in items}
    bundles = tuple(parse_bundle(entry, by_code) for entry in raw)
    codes = [b.code for b in bundles]
    if len(set(codes)) != len(codes):
        raise CatalogError("目录: 一件事编码重复")
    return bundles
