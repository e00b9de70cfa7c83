"""Item models behind the window's views: search results, the material checklist, today's cases."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractListModel, QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from app.cases.queries import CaseSummary
from app.catalog import Form, Material
from app.clock import hall_time_text
from app.competence import OUTSIDE_MARK, Referral
from app.completeness import OUTCOME_LABEL, Outcome, ReceivedMaterial
from app.intake import FORM_CHOICES, PAGES_RANGE, default_form_choice
from app.search import SearchHit
from ui.checklist_model import AnyIndex as AnyIndex
from ui.checklist_model import ChecklistModelBase, MaterialRow, received_of
from ui.checklist_model import LicenceRole as LicenceRole

CodeRole = Qt.ItemDataRole.UserRole + 1


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


class MaterialChecklistModel(ChecklistModelBase[MaterialRow]):
    """The checklist of materials that apply to this applicant; what the clerk ticks off."""

    COLUMNS = MaterialColumn
    HEADERS = MATERIAL_HEADERS

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

    def received(self) -> tuple[ReceivedMaterial, ...]:
        return tuple(
            entry for row in self._rows if row.received for entry in received_of(row, row.material.code)
        )

    def row_of(self, material_code: str) -> int | None:
        return self.find_row(material_code)

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
        self._all_changed()

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
        self._all_changed()


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
