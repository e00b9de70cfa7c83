"""Item models behind the window's views: search results, the material checklist, today's cases."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor

from app.cases.queries import CaseSummary
from app.catalog import NECESSITY_LABEL, Form, Material, Necessity
from app.clock import hall_time_text
from app.competence import OUTSIDE_MARK, Referral
from app.completeness import OUTCOME_LABEL, Outcome, ReceivedMaterial, materials_to_hand_over
from app.intake import (
    COPIES_RANGE,
    FORM_CHOICES,
    PAGES_RANGE,
    default_form_choice,
    licence_received,
    materials_received,
)
from app.licence_library.evidence import VERIFIED_BY_LABEL, Licence, VerifiedBy
from app.search import SearchHit

AnyIndex = QModelIndex | QPersistentModelIndex
CodeRole = Qt.ItemDataRole.UserRole + 1
# A checklist row's licence in two lines (type and number; holder and validity), under the material's name.
LicenceRole = Qt.ItemDataRole.UserRole + 2
LICENCE_FORM_LABEL = "电子证照"
LICENCE_ROW_BRUSH = "#e8f5e9"  # a material satisfied by a licence: no paper


class ItemSearchModel(QAbstractListModel):
    """Search hits; an item outside the hall's competence is marked, its tooltip names the right office."""

    def __init__(self, referral_of: Callable[[str], Referral | None] = lambda _code: None) -> None:
        super().__init__()
        self._hits: list[SearchHit] = []
        self._referral_of = referral_of
        self._referrals: dict[str, Referral | None] = {}

    def set_hits(self, hits: list[SearchHit]) -> None:
        self.beginResetModel()
        self._hits = hits
        self._referrals = {}
        self.endResetModel()

    def _referral(self, code: str) -> Referral | None:
        if code not in self._referrals:
            self._referrals[code] = self._referral_of(code)
        return self._referrals[code]

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._hits)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._hits):
            return None
        hit = self._hits[index.row()]
        if role == CodeRole:
            return hit.code
        if role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
            Qt.ItemDataRole.ForegroundRole,
        ):
            return None
        outside = self._referral(hit.code)
        if role == Qt.ItemDataRole.DisplayRole:
            return hit.name if outside is None else f"{hit.name}（{OUTSIDE_MARK}）"
        if role == Qt.ItemDataRole.ToolTipRole:
            return hit.code if outside is None else f"{outside.reason}。\n请到：{outside.office}\n{hit.code}"
        return None if outside is None else QBrush(QColor("#b00020"))


@dataclass
class MaterialRow:
    material: Material
    received: bool = False
    choice: int = 0
    copies: int = 1
    pages: int = 1
    committed: bool = False
    defect: str = ""
    licence: Licence | None = None  # an electronic licence stands in for the paper (电子证照免提交)
    licence_found: VerifiedBy = VerifiedBy.QR_OFFLINE  # how the clerk found it


class MaterialColumn(IntEnum):
    RECEIVED = 0
    NAME = 1
    NECESSITY = 2
    REQUIRED = 3
    FORM = 4
    COPIES = 5
    PAGES = 6
    COMMITMENT = 7
    DEFECT = 8


MATERIAL_HEADERS = {
    MaterialColumn.RECEIVED: "收到",
    MaterialColumn.NAME: "材料名称",
    MaterialColumn.NECESSITY: "必要性",
    MaterialColumn.REQUIRED: "要求",
    MaterialColumn.FORM: "收到形式",
    MaterialColumn.COPIES: "份数",
    MaterialColumn.PAGES: "页数",
    MaterialColumn.COMMITMENT: "承诺",
    MaterialColumn.DEFECT: "缺陷说明",
}


class MaterialChecklistModel(QAbstractTableModel):
    """The checklist of materials that apply to this applicant; what the clerk ticks off."""

    changed = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[MaterialRow] = []
        self._locked = False  # a saved case: the checklist shows what was received and takes no change
        self.dataChanged.connect(lambda *_: self.changed.emit())
        self.modelReset.connect(self.changed.emit)

    def set_materials(self, materials: tuple[Material, ...]) -> None:
        """Show `materials`, keeping what was already ticked for materials still on the list unchanged (a
        material a new catalog version revised is unticked: the clerk checks it against its new text)."""
        previous = {row.material.code: row for row in self._rows}
        self.beginResetModel()
        self._rows = []
        for m in materials:
            kept = previous.get(m.code)
            if kept is None or kept.material != m:
                kept = MaterialRow(m, choice=default_form_choice(m), copies=max(m.copies, 1))
            self._rows.append(kept)
        self.endResetModel()

    def rows(self) -> list[MaterialRow]:
        return list(self._rows)

    def set_locked(self, locked: bool) -> None:
        if locked != self._locked:
            self._locked = locked
            if self._rows:
                last = self.index(len(self._rows) - 1, len(MaterialColumn) - 1)
                self.dataChanged.emit(self.index(0, 0), last, [])

    def is_locked(self) -> bool:
        return self._locked

    def received(self) -> tuple[ReceivedMaterial, ...]:
        return tuple(entry for row in self._rows if row.received for entry in _received(row))

    def row_of(self, material_code: str) -> int | None:
        return next((i for i, row in enumerate(self._rows) if row.material.code == material_code), None)

    def set_licence(self, material_code: str, licence: Licence, *, found: VerifiedBy) -> None:
        """The material is satisfied by `licence` (checked fit by the caller): received, no paper."""
        self._change_licence(material_code, licence, found)

    def clear_licence(self, material_code: str) -> None:
        """The licence is removed: the material is back to paper, not received until ticked."""
        self._change_licence(material_code, None, VerifiedBy.QR_OFFLINE)

    def _change_licence(self, material_code: str, licence: Licence | None, found: VerifiedBy) -> None:
        index = self.row_of(material_code)
        if self._locked or index is None:
            return
        row = self._rows[index]
        row.licence, row.licence_found = licence, found
        row.received = licence is not None
        row.defect = ""
        self.dataChanged.emit(self.index(index, 0), self.index(index, len(MaterialColumn) - 1))

    def commitments(self) -> tuple[str, ...]:
        return tuple(row.material.code for row in self._rows if row.committed)

    def set_captured_pages(self, counts: Mapping[str, int]) -> None:
        """Pages captured for materials (ui.capture_view): a material with pages was handed over, and its
        页数 is the pages captured."""
        if self._locked:
            return
        for row in self._rows:
            count = counts.get(row.material.code, 0)
            if count > 0:
                row.received = True
                row.pages = min(count, PAGES_RANGE[1])
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(MaterialColumn) - 1))

    def take_received(self, materials: tuple[ReceivedMaterial, ...], commitments: tuple[str, ...]) -> None:
        """Tick what a helper's draft records as received (app.helpers): its forms, copies, pages and
        defects; a material of the draft not on this checklist is left out."""
        if self._locked:
            return
        by_code: dict[str, list[ReceivedMaterial]] = {}
        for entry in materials:
            by_code.setdefault(entry.material_code, []).append(entry)
        for row in self._rows:
            row.committed = row.material.code in commitments
            entries = by_code.get(row.material.code)
            if not entries:
                row.received = False
                continue
            forms = tuple(sorted({e.form for e in entries}, key=list(Form).index))
            row.received = True
            row.choice = next((i for i, c in enumerate(FORM_CHOICES) if c.forms == forms), row.choice)
            copies = [e.copies for e in entries if e.form is not Form.ORIGINAL or len(entries) == 1]
            row.copies = max(copies or [row.copies])
            row.pages = max(e.pages for e in entries)
            row.defect = next((e.defect for e in entries if e.defect), "")
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(MaterialColumn) - 1))

    def mark_all_received(self) -> None:
        """Tick what the applicant has to hand over; optional materials stay as the clerk left them."""
        if self._locked:
            return
        due = materials_to_hand_over((row.material for row in self._rows), commitments=self.commitments())
        codes = {m.code for m in due}
        for row in self._rows:
            if row.material.code in codes:
                row.received = True
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(MaterialColumn) - 1))

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(MaterialColumn)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return MATERIAL_HEADERS[MaterialColumn(section)]
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return str(section + 1)
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self._locked:
            return base
        column = MaterialColumn(index.column())
        row = self._rows[index.row()]
        if column is MaterialColumn.RECEIVED:
            return base | Qt.ItemFlag.ItemIsUserCheckable
        if column is MaterialColumn.COMMITMENT:
            return base | Qt.ItemFlag.ItemIsUserCheckable if row.material.commitment_allowed else base
        if row.licence is not None:
            return base  # no form, copies, pages or defect: the licence stands in for the paper
        if column in (
            MaterialColumn.FORM,
            MaterialColumn.COPIES,
            MaterialColumn.PAGES,
            MaterialColumn.DEFECT,
        ):
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        material = row.material
        column = MaterialColumn(index.column())
        if role == Qt.ItemDataRole.CheckStateRole:
            if column is MaterialColumn.RECEIVED:
                return Qt.CheckState.Checked if row.received else Qt.CheckState.Unchecked
            if column is MaterialColumn.COMMITMENT and material.commitment_allowed:
                return Qt.CheckState.Checked if row.committed else Qt.CheckState.Unchecked
            return None
        licence = row.licence
        if role == LicenceRole:
            if licence is None:
                return None
            # The validity first: the holder is the applicant on screen, and the name is what may be cut.
            holder = f"有效期至 {licence.valid_until_label}｜{licence.holder_name}"
            return f"{licence.type_name} {licence.number}\n{holder}"
        if licence is not None and role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(QColor(LICENCE_ROW_BRUSH))
        if licence is not None and role == Qt.ItemDataRole.DisplayRole:
            if column is MaterialColumn.FORM:
                return LICENCE_FORM_LABEL
            if column in (MaterialColumn.COPIES, MaterialColumn.PAGES):
                return "—"  # not applicable: no paper
            if column is MaterialColumn.DEFECT:
                return "免交纸质"
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            match column:
                case MaterialColumn.NAME:
                    return material.name
                case MaterialColumn.NECESSITY:
                    return NECESSITY_LABEL[material.necessity]
                case MaterialColumn.REQUIRED:
                    if material.forms == (Form.ELECTRONIC,):
                        return "电子"
                    electronic = "/电子" if material.electronic_accepted else ""
                    return f"{material.forms_label}{electronic} {material.copies}份"
                case MaterialColumn.FORM:
                    if role == Qt.ItemDataRole.DisplayRole:
                        return FORM_CHOICES[row.choice].label
                    return row.choice
                case MaterialColumn.COPIES:
                    return row.copies
                case MaterialColumn.PAGES:
                    return row.pages
                case MaterialColumn.COMMITMENT:
                    return "" if material.commitment_allowed else "—"
                case MaterialColumn.DEFECT:
                    return row.defect
            return None
        if role == Qt.ItemDataRole.ToolTipRole and column in (MaterialColumn.NAME, MaterialColumn.REQUIRED):
            # The name may be shortened to two lines in its cell: the tooltip says it whole.
            text = f"{material.name}\n受理标准：{material.standard}\n依据：{material.basis}"
            if licence is not None:
                text += (
                    f"\n电子证照：{licence.type_name}（{licence.number}）\n持证人：{licence.holder_name}"
                    f"　{licence.holder_id_masked}\n发证机关：{licence.issuer_name}\n"
                    f"有效期至：{licence.valid_until_label}\n核验：{VERIFIED_BY_LABEL[row.licence_found]}"
                )
            return text
        if role == Qt.ItemDataRole.ToolTipRole and column is MaterialColumn.DEFECT and row.defect:
            return row.defect
        if role == Qt.ItemDataRole.ForegroundRole and column is MaterialColumn.NECESSITY:
            return QBrush(
                QColor(
                    {Necessity.REQUIRED: "#b00020", Necessity.TOLERABLE: "#b26a00"}.get(
                        material.necessity, "#555555"
                    )
                )
            )
        return None

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or self._locked:
            return False
        row = self._rows[index.row()]
        column = MaterialColumn(index.column())
        if role == Qt.ItemDataRole.CheckStateRole:
            checked = Qt.CheckState(value) == Qt.CheckState.Checked
            if column is MaterialColumn.RECEIVED:
                row.received = checked
                if not checked:
                    row.licence = None  # unticked: back to paper
            elif column is MaterialColumn.COMMITMENT and row.material.commitment_allowed:
                row.committed = checked
            else:
                return False
        elif role == Qt.ItemDataRole.EditRole:
            if column is MaterialColumn.FORM and isinstance(value, int) and 0 <= value < len(FORM_CHOICES):
                row.choice = value
            elif column is MaterialColumn.COPIES and _within(value, COPIES_RANGE):
                row.copies = value
            elif column is MaterialColumn.PAGES and _within(value, PAGES_RANGE):
                row.pages = value
            elif column is MaterialColumn.DEFECT and isinstance(value, str):
                row.defect = value
                if value.strip():
                    row.received = True
            else:
                return False
            if column is not MaterialColumn.DEFECT:
                row.received = True
        else:
            return False
        self.dataChanged.emit(self.index(index.row(), 0), self.index(index.row(), len(MaterialColumn) - 1))
        return True


def _received(row: MaterialRow) -> tuple[ReceivedMaterial, ...]:
    """What a ticked row hands in: its licence, or its paper as the clerk ticked it off."""
    if row.licence is not None:
        evidence = row.licence.evidence(row.licence_found)
        return (licence_received(material_code=row.material.code, evidence=evidence),)
    return materials_received(
        material_code=row.material.code,
        choice=FORM_CHOICES[row.choice],
        copies=row.copies,
        pages=row.pages,
        defect=row.defect,
    )


def _within(value: Any, limits: tuple[int, int]) -> bool:
    low, high = limits
    return isinstance(value, int) and low <= value <= high


class CaseColumn(IntEnum):
    NUMBER = 0
    TIME = 1
    ITEM = 2
    APPLICANT = 3
    DECISION = 4
    PROMISED = 5
    CLERK = 6


CASE_HEADERS = {
    CaseColumn.NUMBER: "办件编号",
    CaseColumn.TIME: "时间",
    CaseColumn.ITEM: "事项",
    CaseColumn.APPLICANT: "申请人",
    CaseColumn.DECISION: "决定",
    CaseColumn.PROMISED: "承诺办结",
    CaseColumn.CLERK: "受理人",
}
NumberRole = Qt.ItemDataRole.UserRole + 2


class CasesModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self._rows: list[CaseSummary] = []

    def set_cases(self, rows: list[CaseSummary]) -> None:
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(CaseColumn)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return CASE_HEADERS[CaseColumn(section)]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        case = self._rows[index.row()]
        if role == NumberRole:
            return case.number
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        match CaseColumn(index.column()):
            case CaseColumn.NUMBER:
                return case.number
            case CaseColumn.TIME:
                return hall_time_text(case.created_at, style="clock")
            case CaseColumn.ITEM:
                return case.item_name
            case CaseColumn.APPLICANT:
                return case.applicant_name
            case CaseColumn.DECISION:
                return OUTCOME_LABEL[Outcome(case.decision)]
            case CaseColumn.PROMISED:
                return case.promised_date.isoformat() if case.promised_date else ""
            case CaseColumn.CLERK:
                return case.clerk_name
        return None
