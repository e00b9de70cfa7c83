"""The combined checklist of a bundle, as the clerk ticks it off: each shared material once (with the items
that need it), then each item's own materials under its item. Only what applies to this applicant (an
organisation's materials to an organisation, an agent's when an agent applies)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.bundles.definition import Bundle
from app.catalog import ApplicantKind, Material, ServiceItem


@dataclass(frozen=True)
class ChecklistRow:
    material: Material  # as the first item that needs it has it (a shared one asks the same form of each)
    item_names: tuple[str, ...]  # the items it counts for
    shared: str | None = None  # the shared key; None: the item's own
    item_code: str | None = None  # the item of an own material

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
        if first is not None:
            rows.append(ChecklistRow(first, tuple(needing), shared=entry.key))
    for code in bundle.item_codes:
        item = items[code]
        for material in item.materials:
            if bundle.shared_key_of(code, material.code) is not None:
                continue
            if material.applies_to(applicant_kind=applicant_kind, has_agent=has_agent):
                rows.append(ChecklistRow(material, (item.name,), item_code=code))
    return rows
