"""Bundles found in the item search as items are: by name, keyword and pinyin (full or initials), listed as
“【一件事】name” beside the items. The index is made once per catalog version (pypinyin at most once for
a handful of bundle names)."""

from __future__ import annotations

from collections.abc import Sequence

from app.bundles.definition import Bundle
from app.search import CatalogIndex, SearchEntry, SearchHit, pinyin_keys

BUNDLE_MARK = "【一件事】"


def bundle_label(bundle: Bundle) -> str:
    """How a bundle is listed among the items."""
    return f"{BUNDLE_MARK}{bundle.name}"


class BundleSearch:
    """The bundles of one catalog version, searched as the item search is (app.search)."""

    def __init__(self, version: str, bundles: Sequence[Bundle]) -> None:
        self.version = version
        self.codes = frozenset(b.code for b in bundles)
        entries = []
        for bundle in bundles:
            full, initials = pinyin_keys(bundle.name)
            keywords = " ".join((*bundle.keywords, "一件事", "yjs"))
            entries.append(SearchEntry(bundle.code, bundle_label(bundle), full, initials, keywords))
        self._index = CatalogIndex(entries)
        self._first = [SearchHit(b.code, bundle_label(b), 0) for b in bundles]

    def search(self, text: str, *, limit: int) -> list[SearchHit]:
        """Bundles matching `text`, best first (none for an empty text: `first` lists them)."""
        return self._index.search(text, limit=limit) if text.strip() else []

    def first(self) -> list[SearchHit]:
        return list(self._first)

    def __contains__(self, code: object) -> bool:
        return code in self.codes
