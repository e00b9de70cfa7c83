"""The combined checklist of a bundle, as the clerk ticks it off: each shared material once (with the items
that need it), then each item's own materials under its item. Only what applies to this applicant (an
organisation's materials to an organisation, an agent's when an agent applies)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from app.bundles.definition import Bundle
from app.catalog import ApplicantKind, Material, ServiceItem


@dataclass(frozen=True)
class ChecklistRow:
    material: Material  # as the first item that needs it has it (a shared one asks the same form of each)
    item_names: tuple[str, ...]  # the items it counts for
    shared: str | None = None  # the shared key; None: the item's own
    item_code: str | None = None  # the item of an own material
    materials: tuple[Material, ...] = ()  # a shared one: each item's own material, as `item_names`

    @property
    def offered(self) -> Material:
        """The material as the clerk is offered it: a shared one may be replaced by a 告知承诺 when any item
        allows it, and by a licence of any type an item accepts (each item is satisfied only by what its own
        material allows: app.bundles.intake.split; the others are told why)."""
        if not self.materials:
            return self.material
        return replace(
            self.material,
            commitment_allowed=any(m.commitment_allowed for m in self.materials),
            licence_types=tuple(dict.fromkeys(t for m in self.materials for t in m.licence_types)),
        )

    def items_allowing_commitment(self) -> tuple[str, ...]:
        if not self.materials:
            return self.item_names if self.material.commitment_allowed else ()
        return tuple(n for n, m in zip(self.item_names, self.materials, strict=True) if m.commitment_allowed)

    def items_accepting(self, licence_type: str) -> tuple[str, ...]:
        """The items a licence of `licence_type` satisfies this material for."""
        if not self.materials:
            return self.item_names if licence_type in self.material.licence_types else ()
        return tuple(
            n for n, m in zip(self.item_names, self.materials, strict=True) if licence_type in m.licence_types
        )

    @property
    def key(self) -> str:
        """The row's key in a combined request: the shared key, or ``item code/material code``."""
        return self.shared if self.shared is not None else f"{self.item_code}/{self.material.code}"

    def request_entry(self) -> dict[str, str]:
        """The reference part of a combined request's material entry."""
        if self.shared is not None:
            return {"shared": self.shared}
        return {"item": self.item_code or "", "material": self.material.code}


def combined_checklist(
    bundle: Bundle, items: Mapping[str, ServiceItem], *, applicant_kind: ApplicantKind, has_agent: bool
) -> list[ChecklistRow]:
    rows: list[ChecklistRow] = []
    for entry in bundle.shared:
        needing = []
        materials: list[Material] = []
        first: Material | None = None
        for target in entry.targets:
            item = items[target.item_code]
            material = item.material(target.material_code)
            if material is None or not material.applies_to(
                applicant_kind=applicant_kind, has_agent=has_agent
            ):
                continue
            first = first or material
            needing.append(item.name)
            materials.append(material)
        if first is not None:
            rows.append(ChecklistRow(first, tuple(needing), shared=entry.key, materials=tuple(materials)))
    for code in bundle.item_codes:
        item = items[code]
        for material in item.materials:
            if bundle.shared_key_of(code, material.code) is not None:
                continue
            if material.applies_to(applicant_kind=applicant_kind, has_agent=has_agent):
                rows.append(ChecklistRow(material, (item.name,), item_code=code))
    return rows
