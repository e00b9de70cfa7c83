"""① 办理事项: the item search (name, code or pinyin initials), its hits, the chosen item's details, and a
notice when a new catalog version changed the item of the case on screen. The search runs over the catalog
held in memory (no database); choosing an item is announced by `chosen`."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QGroupBox, QLabel, QLineEdit, QListView, QVBoxLayout

from app.bundles.search import BundleSearch
from app.catalog import Hall, ServiceItem
from app.catalog_store import CatalogRepository
from app.competence import Referral, referral
from ui.models import CodeRole, ItemSearchModel
from ui.object_names import named

# Hits listed for a query (and items listed before one is typed).
HITS = 50


class ItemSearchPanel(QGroupBox):
    chosen = Signal(str)  # the item's code
    bundle_chosen = Signal(str)  # a 一件事 bundle's code (listed as “【一件事】name” among the items)

    def __init__(self, *, catalog: CatalogRepository, hall: Hall) -> None:
        super().__init__("① 办理事项")
        self._catalog = catalog
        self._hall = hall
        self._bundles: BundleSearch | None = None  # the current catalog version's bundles, made when asked
        self.search_model = ItemSearchModel(referral_of=self._referral)
        layout = QVBoxLayout(self)
        self.item_query = named(QLineEdit(placeholderText="名称、编码或拼音首字母 (F2)"), "itemQuery")
        self.item_query.setClearButtonEnabled(True)
        self.item_list = named(QListView(), "itemList")
        self.item_list.setModel(self.search_model)
        self.item_list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.item_list.setWordWrap(True)  # a long item name takes two lines, not a sideways scroll
        self.item_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.item_details = named(QLabel(""), "itemDetails")
        self.item_details.setWordWrap(True)
        self.item_details.setTextFormat(Qt.TextFormat.PlainText)
        self.item_details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.item_details.setStyleSheet("color:#333;")
        # Sync brought a new catalog version while a case was on screen: what the clerk must re-check.
        self.catalog_notice = named(QLabel(""), "catalogNotice")
        self.catalog_notice.setWordWrap(True)
        self.catalog_notice.setTextFormat(Qt.TextFormat.PlainText)
        self.catalog_notice.setStyleSheet("color:#b00020;font-weight:bold;")
        self.catalog_notice.setVisible(False)
        layout.addWidget(self.item_query)
        layout.addWidget(self.item_list, 1)
        layout.addWidget(self.catalog_notice)
        layout.addWidget(self.item_details)

        self.item_query.textChanged.connect(self.search)
        self.item_query.returnPressed.connect(self._choose_current)
        self.item_list.activated.connect(self._choose_index)
        self.item_list.clicked.connect(self._choose_index)

    def search(self, text: str) -> None:
        index = self._catalog.index
        bundles = self.bundle_search()
        found = bundles.search(text, limit=HITS) if text.strip() else bundles.first()
        items = index.search(text, limit=HITS) if text.strip() else index.first(HITS)
        self.search_model.set_hits((found + items)[: max(HITS, len(found))])
        if self.search_model.rowCount():
            self.item_list.setCurrentIndex(self.search_model.index(0, 0))

    def bundle_search(self) -> BundleSearch:
        """The bundles of the catalog version in use, searched as items are."""
        version = self._catalog.version
        if self._bundles is None or self._bundles.version != version:
            self._bundles = BundleSearch(version, self._catalog.bundles())
        return self._bundles

    def search_again(self) -> None:
        """The same query over the catalog as it is now (a new version came)."""
        self.search(self.item_query.text())

    def reset(self) -> None:
        """No query, no item: the first items of the catalog listed."""
        self.item_query.clear()
        self.search("")
        self.item_details.setText("")

    def focus(self) -> None:
        self.item_query.setFocus()
        self.item_query.selectAll()

    def set_locked(self, locked: bool) -> None:
        for widget in (self.item_query, self.item_list):
            widget.setEnabled(not locked)

    def show_item(self, item: ServiceItem) -> None:
        kind = (
            "即办件"
            if item.immediate
            else f"承诺件，承诺 {item.promised_limit.label}（法定 {item.legal_limit.label}）"
        )
        fee = "收费" if item.fee.get("charged") else "不收费"
        breakable_code = item.code.replace("-", "-\u200b")  # let the long code wrap at its hyphens
        self.item_details.setText(
            f"{item.name}\n{item.item_type} · {kind} · {fee}\n实施机关：{item.body_name}\n"
            f"编码：{breakable_code}"
        )

    def show_catalog_notice(self, text: str) -> None:
        self.catalog_notice.setText(text)
        self.catalog_notice.setVisible(True)

    def hide_catalog_notice(self) -> None:
        self.catalog_notice.setVisible(False)

    def _referral(self, code: str) -> Referral | None:
        item = self._catalog.item(code)
        return None if item is None else referral(item=item, hall=self._hall)

    def _choose_current(self) -> None:
        index = self.item_list.currentIndex()
        if index.isValid():
            self._choose_index(index)

    def _choose_index(self, index: QModelIndex) -> None:
        code = str(index.data(CodeRole))
        if self._bundles is not None and code in self._bundles:
            self.bundle_chosen.emit(code)
        else:
            self.chosen.emit(code)
