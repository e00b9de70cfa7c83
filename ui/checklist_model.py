"""The one editing model behind every checklist the clerk ticks off: a row a material, ticked received,
its form, copies, pages and defect edited, replaced by a 告知承诺 where the material allows it, or satisfied
by an electronic licence (电子证照免提交: no form, copies, pages or defect). The single-item counter's
checklist (ui.models.MaterialChecklistModel) and the bundle's (ui.bundle_checklist.BundleChecklistModel)
each name their columns (an IntEnum whose member names are `Cell`s) and add what is theirs."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, IntEnum
from typing import Any, ClassVar, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor

from app.catalog import NECESSITY_LABEL, Form, Material, Necessity
from app.completeness import ReceivedMaterial, materials_to_hand_over
from app.intake import COPIES_RANGE, FORM_CHOICES, PAGES_RANGE, licence_received, materials_received
from app.licence_library.evidence import VERIFIED_BY_LABEL, Licence, VerifiedBy

AnyIndex = QModelIndex | QPersistentModelIndex
# A checklist row's licence in two lines (type and number; holder and validity), under the material's name.
LicenceRole = Qt.ItemDataRole.UserRole + 2
LICENCE_FORM_LABEL = "电子证照"
LICENCE_ROW_BRUSH = "#e8f5e9"  # a material satisfied by a licence: no paper
NECESSITY_COLOR = {Necessity.REQUIRED: "#b00020", Necessity.TOLERABLE: "#b26a00"}


class Cell(Enum):
    """What a column of a checklist shows (a model's column enum names its members after these)."""

    RECEIVED = "received"
    NAME = "name"
    ITEMS = "items"  # a bundle's: the items a material counts for
    NECESSITY = "necessity"
    REQUIRED = "required"
    FORM = "form"
    COPIES = "copies"
    PAGES = "pages"
    COMMITMENT = "commitment"
    DEFECT = "defect"


EDITED = (Cell.FORM, Cell.COPIES, Cell.PAGES, Cell.DEFECT)


@dataclass
class MaterialRow:
    material: Material  # as offered: whether a 告知承诺 or which licences may replace it
    received: bool = False
    choice: int = 0
    copies: int = 1
    pages: int = 1
    committed: bool = False
    defect: str = ""
    licence: Licence | None = None  # an electronic licence stands in for the paper (电子证照免提交)
    licence_found: VerifiedBy = VerifiedBy.QR_OFFLINE  # how the clerk found it


Row = TypeVar("Row", bound=MaterialRow)


class ChecklistModelBase(QAbstractTableModel, Generic[Row]):
    changed = Signal()

    COLUMNS: ClassVar[type[IntEnum]]
    HEADERS: ClassVar[dict[Any, str]]

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[Row] = []
        self._locked = False  # saved: the checklist shows what was received and takes no change
        self.dataChanged.connect(lambda *_: self.changed.emit())
        self.modelReset.connect(self.changed.emit)

    # -- what a subclass says ------------------------------------------------------------------------
    def key_of(self, row: Row) -> str:
        """The row's key (a material code; a bundle's shared key or item/material)."""
        return row.material.code

    def _display(self, row: Row, cell: Cell) -> Any:
        """A subclass's own cells (the bundle's items), or a cell shown its own way; None: the common one."""
        return None

    def _tooltip(self, row: Row, cell: Cell) -> str | None:
        material = row.material
        if cell not in (Cell.NAME, Cell.REQUIRED):
            return row.defect or None if cell is Cell.DEFECT else None
        # The name may be shortened to two lines in its cell: the tooltip says it whole.
        return f"{material.name}\n受理标准：{material.standard}\n依据：{material.basis}" + self._licence_tip(
            row
        )

    def _background(self, row: Row) -> QBrush | None:
        return None

    # -- rows ----------------------------------------------------------------------------------------
    def rows(self) -> list[Row]:
        return list(self._rows)

    def find_row(self, key: str) -> int | None:
        return next((i for i, row in enumerate(self._rows) if self.key_of(row) == key), None)

    def set_locked(self, locked: bool) -> None:
        if locked != self._locked:
            self._locked = locked
            self._all_changed()

    def is_locked(self) -> bool:
        return self._locked

    def set_licence(self, key: str, licence: Licence, *, found: VerifiedBy) -> None:
        """The material is satisfied by `licence` (checked fit by the caller): received, no paper."""
        self._change_licence(key, licence, found)

    def clear_licence(self, key: str) -> None:
        """The licence is removed: the material is back to paper, not received until ticked."""
        self._change_licence(key, None, VerifiedBy.QR_OFFLINE)

    def _change_licence(self, key: str, licence: Licence | None, found: VerifiedBy) -> None:
        index = self.find_row(key)
        if self._locked or index is None:
            return
        row = self._rows[index]
        row.licence, row.licence_found = licence, found
        row.received = licence is not None
        row.defect = ""
        self._row_changed(index)

    def mark_all_received(self) -> None:
        """Tick what the applicant has to hand over; optional materials stay as the clerk left them, and so
        do those replaced by a 告知承诺."""
        if self._locked:
            return
        for row in self._rows:
            committed = (row.material.code,) if row.committed else ()
            if materials_to_hand_over((row.material,), commitments=committed):
                row.received = True
        self._all_changed()

    def _all_changed(self) -> None:
        if self._rows:
            last = self.index(len(self._rows) - 1, len(self.COLUMNS) - 1)
            self.dataChanged.emit(self.index(0, 0), last, [])

    def _row_changed(self, index: int) -> None:
        self.dataChanged.emit(self.index(index, 0), self.index(index, len(self.COLUMNS) - 1))

    def _cell(self, column: int) -> Cell:
        return Cell[self.COLUMNS(column).name]

    # -- the model -----------------------------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[self.COLUMNS(section)]
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return str(section + 1)
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self._locked:
            return base
        cell = self._cell(index.column())
        row = self._rows[index.row()]
        if cell is Cell.RECEIVED:
            return base | Qt.ItemFlag.ItemIsUserCheckable
        if cell is Cell.COMMITMENT:
            return base | Qt.ItemFlag.ItemIsUserCheckable if row.material.commitment_allowed else base
        if row.licence is not None:
            return base  # no form, copies, pages or defect: the licence stands in for the paper
        if cell in EDITED:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        material = row.material
        cell = self._cell(index.column())
        if role == Qt.ItemDataRole.CheckStateRole:
            if cell is Cell.RECEIVED:
                return Qt.CheckState.Checked if row.received else Qt.CheckState.Unchecked
            if cell is Cell.COMMITMENT and material.commitment_allowed:
                return Qt.CheckState.Checked if row.committed else Qt.CheckState.Unchecked
            return None
        licence = row.licence
        if role == LicenceRole:
            if licence is None:
                return None
            # The validity first: the holder is the applicant on screen, and the name is what may be cut.
            holder = f"有效期至 {licence.valid_until_label}｜{licence.holder_name}"
            return f"{licence.type_name} {licence.number}\n{holder}"
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(QColor(LICENCE_ROW_BRUSH)) if licence is not None else self._background(row)
        if licence is not None and role == Qt.ItemDataRole.DisplayRole:
            if cell is Cell.FORM:
                return LICENCE_FORM_LABEL
            if cell in (Cell.COPIES, Cell.PAGES):
                return "—"  # not applicable: no paper
            if cell is Cell.DEFECT:
                return "免交纸质"
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            own = self._display(row, cell)
            if own is not None:
                return own
            match cell:
                case Cell.NAME:
                    return material.name
                case Cell.NECESSITY:
                    return NECESSITY_LABEL[material.necessity]
                case Cell.REQUIRED:
                    if material.forms == (Form.ELECTRONIC,):
                        return "电子"
                    electronic = "/电子" if material.electronic_accepted else ""
                    return f"{material.forms_label}{electronic} {material.copies}份"
                case Cell.FORM:
                    if role == Qt.ItemDataRole.DisplayRole:
                        return FORM_CHOICES[row.choice].label
                    return row.choice
                case Cell.COPIES:
                    return row.copies
                case Cell.PAGES:
                    return row.pages
                case Cell.COMMITMENT:
                    return "" if material.commitment_allowed else "—"
                case Cell.DEFECT:
                    return row.defect
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, cell)
        if role == Qt.ItemDataRole.ForegroundRole and cell is Cell.NECESSITY:
            return QBrush(QColor(NECESSITY_COLOR.get(material.necessity, "#555555")))
        return None

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or self._locked:
            return False
        row = self._rows[index.row()]
        cell = self._cell(index.column())
        if role == Qt.ItemDataRole.CheckStateRole:
            checked = Qt.CheckState(value) == Qt.CheckState.Checked
            if cell is Cell.RECEIVED:
                row.received = checked
                if not checked:
                    row.licence = None  # unticked: back to paper
            elif cell is Cell.COMMITMENT and row.material.commitment_allowed:
                row.committed = checked
            else:
                return False
        elif role == Qt.ItemDataRole.EditRole:
            if cell is Cell.FORM and isinstance(value, int) and 0 <= value < len(FORM_CHOICES):
                row.choice = value
            elif cell is Cell.COPIES and _within(value, COPIES_RANGE):
                row.copies = value
            elif cell is Cell.PAGES and _within(value, PAGES_RANGE):
                row.pages = value
            elif cell is Cell.DEFECT and isinstance(value, str):
                row.defect = value
            else:
                return False
            if cell is not Cell.DEFECT or value.strip():
                row.received = True
        else:
            return False
        self._row_changed(index.row())
        return True

    def _licence_tip(self, row: Row) -> str:
        licence = row.licence
        if licence is None:
            return ""
        return (
            f"\n电子证照：{licence.type_name}（{licence.number}）\n持证人：{licence.holder_name}"
            f"　{licence.holder_id_masked}\n发证机关：{licence.issuer_name}\n"
            f"有效期至：{licence.valid_until_label}\n核验：{VERIFIED_BY_LABEL[row.licence_found]}"
        )


def received_of(row: MaterialRow, code: str) -> tuple[ReceivedMaterial, ...]:
    """What a ticked row hands in under `code`: its licence, or its paper as the clerk ticked it off."""
    if row.licence is not None:
        evidence = row.licence.evidence(row.licence_found)
        return (licence_received(material_code=code, evidence=evidence),)
    return materials_received(
        material_code=code,
        choice=FORM_CHOICES[row.choice],
        copies=row.copies,
        pages=row.pages,
        defect=row.defect,
    )


def _within(value: Any, limits: tuple[int, int]) -> bool:
    low, high = limits
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
