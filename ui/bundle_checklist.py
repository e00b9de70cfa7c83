"""The combined checklist of a bundle intake as the clerk ticks it off: each shared material once, marked
with the items it counts for, then each item's own materials under their item (app.bundles.checklist)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor

from app.bundles.checklist import ChecklistRow
from app.bundles.intake import HandedOver
from app.catalog import NECESSITY_LABEL, Form, Necessity
from app.completeness import materials_to_hand_over
from app.intake import COPIES_RANGE, FORM_CHOICES, PAGES_RANGE, default_form_choice, materials_received
from ui.models import AnyIndex


@dataclass
class BundleMaterialRow:
    row: ChecklistRow
    received: bool = False
    choice: int = 0
    copies: int = 1
    pages: int = 1
    defect: str = ""


class BundleColumn(IntEnum):
    RECEIVED = 0
    NAME = 1
    ITEMS = 2
    NECESSITY = 3
    REQUIRED = 4
    FORM = 5
    COPIES = 6
    PAGES = 7
    DEFECT = 8


BUNDLE_HEADERS = {
    BundleColumn.RECEIVED: "收到",
    BundleColumn.NAME: "材料名称",
    BundleColumn.ITEMS: "用于事项",
    BundleColumn.NECESSITY: "必要性",
    BundleColumn.REQUIRED: "要求",
    BundleColumn.FORM: "收到形式",
    BundleColumn.COPIES: "份数",
    BundleColumn.PAGES: "页数",
    BundleColumn.DEFECT: "缺陷说明",
}
SHARED_BACKGROUND = QColor("#e8f1fb")  # a shared material: handed over once, for every item it names
ITEM_BACKGROUNDS = (QColor("#ffffff"), QColor("#f5f5f5"))  # each item's own, alternating by item
ITEM_MARKS = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫"  # an item of the bundle by its place (at most MAX_BUNDLE_ITEMS)
NECESSITY_COLOR = {Necessity.REQUIRED: "#b00020", Necessity.TOLERABLE: "#b26a00"}


class BundleChecklistModel(QAbstractTableModel):
    changed = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[BundleMaterialRow] = []
        self._item_order: dict[str, int] = {}
        self._marks: dict[str, str] = {}  # an item's name → its mark (①…), as the dialog's heading lists them
        self._locked = False
        self.dataChanged.connect(lambda *_: self.changed.emit())
        self.modelReset.connect(self.changed.emit)

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
                material = row.material
                kept = BundleMaterialRow(
                    row, choice=default_form_choice(material), copies=max(material.copies, 1)
                )
            self._rows.append(kept)
        self.endResetModel()

    def set_item_marks(self, marks: dict[str, str]) -> None:
        self._marks = dict(marks)

    def items_text(self, row: ChecklistRow) -> str:
        """The items a row counts for: a shared one by their marks (①②…), an item's own by mark and name."""
        if row.shared is not None and all(name in self._marks for name in row.item_names):
            return "".join(self._marks[name] for name in row.item_names)
        return "、".join(f"{self._marks.get(name, '')}{name}" for name in row.item_names)

    def rows(self) -> list[BundleMaterialRow]:
        return list(self._rows)

    def row_of(self, key: str) -> int:
        return next(i for i, r in enumerate(self._rows) if r.row.key == key)

    def set_locked(self, locked: bool) -> None:
        if locked != self._locked:
            self._locked = locked
            self._all_changed()

    def handed_over(self) -> tuple[HandedOver, ...]:
        """What was ticked, as the combined request takes it (a shared one under its key)."""
        handed: list[HandedOver] = []
        for r in self._rows:
            if not r.received:
                continue
            code = r.row.shared if r.row.shared is not None else r.row.material.code
            for received in materials_received(
                material_code=code,
                choice=FORM_CHOICES[r.choice],
                copies=r.copies,
                pages=r.pages,
                defect=r.defect,
            ):
                handed.append(HandedOver(received, r.row.shared, r.row.item_code))
        return tuple(handed)

    def mark_all_received(self) -> None:
        """Tick what the applicant has to hand over (F9); optional materials stay as the clerk left them."""
        if self._locked:
            return
        for r in self._rows:
            if materials_to_hand_over((r.row.material,)):
                r.received = True
        self._all_changed()

    def _all_changed(self) -> None:
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(BundleColumn) - 1))

    # -- the model ---------------------------------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(BundleColumn)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return BUNDLE_HEADERS[BundleColumn(section)]
        return str(section + 1)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self._locked:
            return base
        column = BundleColumn(index.column())
        if column is BundleColumn.RECEIVED:
            return base | Qt.ItemFlag.ItemIsUserCheckable
        if column in (BundleColumn.FORM, BundleColumn.COPIES, BundleColumn.PAGES, BundleColumn.DEFECT):
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        r = self._rows[index.row()]
        material = r.row.material
        column = BundleColumn(index.column())
        if role == Qt.ItemDataRole.CheckStateRole:
            if column is BundleColumn.RECEIVED:
                return Qt.CheckState.Checked if r.received else Qt.CheckState.Unchecked
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            match column:
                case BundleColumn.NAME:
                    return f"{material.name}（共享）" if r.row.shared else material.name
                case BundleColumn.ITEMS:
                    return self.items_text(r.row)
                case BundleColumn.NECESSITY:
                    return NECESSITY_LABEL[material.necessity]
                case BundleColumn.REQUIRED:
                    if material.forms == (Form.ELECTRONIC,):
                        return "电子"
                    return f"{material.forms_label} {material.copies}份"
                case BundleColumn.FORM:
                    return FORM_CHOICES[r.choice].label if role == Qt.ItemDataRole.DisplayRole else r.choice
                case BundleColumn.COPIES:
                    return r.copies
                case BundleColumn.PAGES:
                    return r.pages
                case BundleColumn.DEFECT:
                    return r.defect
            return None
        if role == Qt.ItemDataRole.ToolTipRole and column in (BundleColumn.NAME, BundleColumn.ITEMS):
            counts = (
                f"共享材料：收取一份，用于 {len(r.row.item_names)} 个事项："
                if r.row.shared
                else "本事项的材料："
            )
            names = "、".join(f"{self._marks.get(n, '')}{n}" for n in r.row.item_names)
            return f"{material.name}\n{counts}{names}\n受理标准：{material.standard}\n依据：{material.basis}"
        if role == Qt.ItemDataRole.BackgroundRole:
            if r.row.shared:
                return QBrush(SHARED_BACKGROUND)
            order = self._item_order.get(r.row.item_code or "", 0)
            return QBrush(ITEM_BACKGROUNDS[order % len(ITEM_BACKGROUNDS)])
        if role == Qt.ItemDataRole.ForegroundRole and column is BundleColumn.NECESSITY:
            return QBrush(QColor(NECESSITY_COLOR.get(material.necessity, "#555555")))
        return None

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or self._locked:
            return False
        r = self._rows[index.row()]
        column = BundleColumn(index.column())
        if role == Qt.ItemDataRole.CheckStateRole and column is BundleColumn.RECEIVED:
            r.received = Qt.CheckState(value) == Qt.CheckState.Checked
        elif role == Qt.ItemDataRole.EditRole:
            if column is BundleColumn.FORM and isinstance(value, int) and 0 <= value < len(FORM_CHOICES):
                r.choice = value
            elif column is BundleColumn.COPIES and _within(value, COPIES_RANGE):
                r.copies = value
            elif column is BundleColumn.PAGES and _within(value, PAGES_RANGE):
                r.pages = value
            elif column is BundleColumn.DEFECT and isinstance(value, str):
                r.defect = value
            else:
                return False
            if column is not BundleColumn.DEFECT or value.strip():
                r.received = True
        else:
            return False
        self.dataChanged.emit(self.index(index.row(), 0), self.index(index.row(), len(BundleColumn) - 1))
        return True


def _within(value: Any, limits: tuple[int, int]) -> bool:
    low, high = limits
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
