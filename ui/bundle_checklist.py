"""The combined checklist of a bundle intake as the clerk ticks it off: each shared material once, marked
with the items it counts for, then each item's own materials under their item (app.bundles.checklist).

The editing is the counter's (ui.checklist_model): received, form, copies, pages, defect, a 告知承诺 where
any item it counts for allows one, an electronic licence of a type any of them accepts. Each item is
satisfied only by what its own material allows (app.bundles.intake.split); the row's tooltip says which."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

from PySide6.QtGui import QBrush, QColor

from app.bundles.checklist import ChecklistRow
from app.bundles.intake import Commitment, HandedOver
from app.intake import default_form_choice
from app.licence_library.evidence import type_label
from ui.checklist_model import Cell, ChecklistModelBase, MaterialRow, received_of


@dataclass
class BundleMaterialRow(MaterialRow):
    row: ChecklistRow = field(kw_only=True)


class BundleColumn(IntEnum):
    RECEIVED = 0
    NAME = 1
    ITEMS = 2
    NECESSITY = 3
    REQUIRED = 4
    FORM = 5
    COPIES = 6
    PAGES = 7
    COMMITMENT = 8
    DEFECT = 9


BUNDLE_HEADERS = {
    BundleColumn.RECEIVED: "收到",
    BundleColumn.NAME: "材料名称",
    BundleColumn.ITEMS: "用于事项",
    BundleColumn.NECESSITY: "必要性",
    BundleColumn.REQUIRED: "要求",
    BundleColumn.FORM: "收到形式",
    BundleColumn.COPIES: "份数",
    BundleColumn.PAGES: "页数",
    BundleColumn.COMMITMENT: "承诺",
    BundleColumn.DEFECT: "缺陷说明",
}
SHARED_BACKGROUND = QColor("#e8f1fb")  # a shared material: handed over once, for every item it names
ITEM_BACKGROUNDS = (QColor("#ffffff"), QColor("#f5f5f5"))  # each item's own, alternating by item
ITEM_MARKS = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫"  # an item of the bundle by its place (at most MAX_BUNDLE_ITEMS)


class BundleChecklistModel(ChecklistModelBase[BundleMaterialRow]):
    COLUMNS = BundleColumn
    HEADERS = BUNDLE_HEADERS

    def __init__(self) -> None:
        super().__init__()
        self._item_order: dict[str, int] = {}
        self._marks: dict[str, str] = {}  # an item's name → its mark (①…), as the dialog's heading lists them

    def set_rows(self, rows: list[ChecklistRow]) -> None:
        """Show `rows`, keeping what was ticked for rows still listed (another applicant kind, an agent)."""
        previous = {r.row.key: r for r in self._rows}
        self.beginResetModel()
        self._rows = []
        self._item_order = {}
        for row in rows:
            if row.item_code is not None:
                self._item_order.setdefault(row.item_code, len(self._item_order))
            kept = previous.get(row.key)
            if kept is None or kept.row != row:
                offered = row.offered
                kept = BundleMaterialRow(
                    offered, choice=default_form_choice(offered), copies=max(offered.copies, 1), row=row
                )
            self._rows.append(kept)
        self.endResetModel()

    def set_item_marks(self, marks: dict[str, str]) -> None:
        self._marks = dict(marks)

    def items_text(self, row: ChecklistRow) -> str:
        """The items a row counts for: a shared one by their marks (①②…), an item's own by mark and name."""
        return self._names(row.item_names, marks_only=row.shared is not None)

    def _names(self, names: tuple[str, ...], *, marks_only: bool) -> str:
        if marks_only and all(name in self._marks for name in names):
            return "".join(self._marks[name] for name in names)
        return "、".join(f"{self._marks.get(name, '')}{name}" for name in names)

    def key_of(self, row: BundleMaterialRow) -> str:
        return row.row.key

    def row_of(self, key: str) -> int:
        index = self.find_row(key)
        if index is None:
            raise KeyError(key)
        return index

    def handed_over(self) -> tuple[HandedOver, ...]:
        """What was ticked, as the combined request takes it (a shared one under its key)."""
        handed: list[HandedOver] = []
        for r in self._rows:
            if not r.received:
                continue
            code = r.row.shared if r.row.shared is not None else r.row.material.code
            handed += [HandedOver(entry, r.row.shared, r.row.item_code) for entry in received_of(r, code)]
        return tuple(handed)

    def commitments(self) -> tuple[Commitment, ...]:
        """The 告知承诺 ticked, as the combined request takes them."""
        return tuple(
            Commitment(shared=r.row.shared)
            if r.row.shared is not None
            else Commitment(item_code=r.row.item_code, material_code=r.row.material.code)
            for r in self._rows
            if r.committed
        )

    # -- what is the bundle's ------------------------------------------------------------------------
    def _display(self, row: BundleMaterialRow, cell: Cell) -> object:
        if cell is Cell.NAME:
            return f"{row.material.name}（共享）" if row.row.shared else row.material.name
        if cell is Cell.ITEMS:
            return self.items_text(row.row)
        return None

    def _tooltip(self, row: BundleMaterialRow, cell: Cell) -> str | None:
        if cell not in (Cell.NAME, Cell.ITEMS, Cell.COMMITMENT):
            return super()._tooltip(row, cell)
        r, material = row.row, row.material
        counts = f"共享材料：收取一份，用于 {len(r.item_names)} 个事项：" if r.shared else "本事项的材料："
        lines = [
            material.name,
            counts + self._names(r.item_names, marks_only=False),
            f"受理标准：{material.standard}",
            f"依据：{material.basis}",
        ]
        if r.shared and material.commitment_allowed:
            allowing = r.items_allowing_commitment()
            lines.append(f"告知承诺：仅{self._names(allowing, marks_only=False)}可以告知承诺替代")
            if len(allowing) < len(r.item_names):
                lines[-1] += "，其他事项仍须提交材料"
        if r.shared and material.licence_types:
            for licence_type in material.licence_types:
                accepting = self._names(r.items_accepting(licence_type), marks_only=False)
                lines.append(f"电子证照 {type_label(licence_type)}：用于{accepting}")
        return "\n".join(lines) + self._licence_tip(row)

    def _background(self, row: BundleMaterialRow) -> QBrush:
        if row.row.shared:
            return QBrush(SHARED_BACKGROUND)
        order = self._item_order.get(row.row.item_code or "", 0)
        return QBrush(ITEM_BACKGROUNDS[order % len(ITEM_BACKGROUNDS)])
