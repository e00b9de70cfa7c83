"""③ 材料核验: the checklist of materials the clerk ticks off, with its editors, and 全部收到 (F9)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyle,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
)

from ui.delegates import LINE_SEPARATOR, CountDelegate, FormChoiceDelegate, TwoLineTextDelegate
from ui.models import AnyIndex, LicenceRole, MaterialChecklistModel, MaterialColumn
from ui.object_names import named

EDITABLE = (
    QAbstractItemView.EditTrigger.DoubleClicked
    | QAbstractItemView.EditTrigger.EditKeyPressed
    | QAbstractItemView.EditTrigger.AnyKeyPressed
)


class MaterialNameDelegate(TwoLineTextDelegate):
    """The material's name in two lines at most; for a material satisfied by an electronic licence, its name
    in one line and two lines naming the licence (type and number; holder and validity), each shortened
    with "…" to the column (the tooltip says it all)."""

    def _prepare(self, option: QStyleOptionViewItem, index: AnyIndex) -> QStyleOptionViewItem:
        opt = super()._prepare(option, index)
        licence = index.data(LicenceRole)
        if licence:
            widget = opt.widget
            style = widget.style() if widget is not None else QApplication.style()
            width = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, widget).width() - 4
            metrics = QFontMetrics(opt.font)
            name = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
            lines = [name, *str(licence).split("\n")]
            opt.text = LINE_SEPARATOR.join(
                metrics.elidedText(line, Qt.TextElideMode.ElideRight, max(width, 1)) for line in lines
            )
        return opt


class MaterialsPanel(QGroupBox):
    def __init__(self, checklist: MaterialChecklistModel) -> None:
        super().__init__()
        inner = QVBoxLayout(self)
        inner.setContentsMargins(6, 4, 6, 6)
        inner.setSpacing(4)
        heading = QHBoxLayout()
        title = QLabel("③ 材料核验（空格勾选收到，F9 全部收到）")
        title.setToolTip("空格勾选收到，F9 全部收到；鼠标停在材料名称上可看全文")
        title.setMinimumWidth(0)  # the buttons beside it come first on a narrow screen: it wraps
        title.setWordWrap(True)
        heading.addWidget(title, 1)
        self.all_received_button = named(QPushButton("全部收到 (F9)"), "allReceivedButton")
        self.all_received_button.setToolTip(
            "勾选申请人应当提交的全部材料（含容缺、告知承诺材料）；非必要材料不自动勾选"
        )
        self.all_received_button.clicked.connect(checklist.mark_all_received)
        heading.addWidget(self.all_received_button)
        self.capture_button = named(QPushButton("采集页面 (F6)"), "captureButton")
        self.capture_button.setToolTip("用高拍仪、扫描仪或文件采集材料页面；采集的页数自动填入“页数”")
        heading.addWidget(self.capture_button)
        self.licence_button = named(QPushButton("电子证照… (F7)"), "licenceButton")
        self.licence_button.setToolTip(
            "所选材料可用电子证照替代纸质（扫描证照二维码或按申请人证件号查找）；采用后免交纸质"
        )
        self.licence_button.setEnabled(False)
        heading.addWidget(self.licence_button)
        inner.addLayout(heading)
        self.checklist_view = named(QTableView(), "checklistView")
        self.checklist_view.setModel(checklist)
        self.checklist_view.setItemDelegateForColumn(
            MaterialColumn.FORM, FormChoiceDelegate(self.checklist_view)
        )
        self._count_delegates = (CountDelegate.for_copies(), CountDelegate.for_pages())
        self.checklist_view.setItemDelegateForColumn(MaterialColumn.COPIES, self._count_delegates[0])
        self.checklist_view.setItemDelegateForColumn(MaterialColumn.PAGES, self._count_delegates[1])
        self.checklist_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.checklist_view.setEditTriggers(EDITABLE)
        self.checklist_view.setWordWrap(True)
        # Names and defects wrap to two lines at most; the rest is in the cell's tooltip.
        self._two_lines = TwoLineTextDelegate(self.checklist_view)
        for column in (MaterialColumn.REQUIRED, MaterialColumn.DEFECT):
            self.checklist_view.setItemDelegateForColumn(column, self._two_lines)
        self._name_lines = MaterialNameDelegate(self.checklist_view)
        self.checklist_view.setItemDelegateForColumn(MaterialColumn.NAME, self._name_lines)
        self.checklist_view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header = self.checklist_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(MaterialColumn.NAME, QHeaderView.ResizeMode.Stretch)
        metrics = self.checklist_view.fontMetrics()
        for column, sample in (
            (MaterialColumn.REQUIRED, "原件和复印件/电子"),
            (MaterialColumn.DEFECT, "缺陷说明缺陷说"),
        ):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, metrics.horizontalAdvance(sample) + 12)
        inner.addWidget(self.checklist_view)
        self._locked = False
        self.checklist_view.selectionModel().currentRowChanged.connect(lambda *_: self._licence_offer())
        checklist.changed.connect(self._licence_offer)

    def selected_material_code(self) -> str | None:
        """The material of the row the clerk is on (the current row of the checklist)."""
        index = self.checklist_view.currentIndex()
        rows = self.checklist_view.model()
        if not index.isValid() or not isinstance(rows, MaterialChecklistModel):
            return None
        listed = rows.rows()
        return listed[index.row()].material.code if index.row() < len(listed) else None

    def _licence_offer(self) -> None:
        """电子证照… is offered on a row whose material the catalog lets a licence satisfy."""
        rows = self.checklist_view.model()
        code = self.selected_material_code()
        material = None
        if isinstance(rows, MaterialChecklistModel) and code is not None:
            material = next((r.material for r in rows.rows() if r.material.code == code), None)
        self.licence_button.setEnabled(
            not self._locked and material is not None and bool(material.licence_types)
        )

    def set_locked(self, locked: bool) -> None:
        """A saved case: the checklist is read, not edited."""
        self.checklist_view.setEditTriggers(
            QAbstractItemView.EditTrigger.NoEditTriggers if locked else EDITABLE
        )
        self.all_received_button.setEnabled(not locked)
        self.capture_button.setEnabled(not locked)
        self._locked = locked
        self._licence_offer()
