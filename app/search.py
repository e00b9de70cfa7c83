"""Catalog search as the clerk types: by name, code, full pinyin and pinyin initials, ranked.

Pinyin keys are computed once when a catalog version is loaded (`pinyin_keys`), so neither start-up
nor a keystroke touches pypinyin. Each keystroke narrows the previous keystroke's matches when the
query only grew, so typing costs what the remaining candidates cost, not the catalog size.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SearchEntry:
    code: str
    name: str
    pinyin_full: str
    pinyin_initials: str
    keywords: str = ""


@dataclass(frozen=True, slots=True)
class SearchHit:
    code: str
    name: str
    rank: int  # lower is better: see `_TIERS`


# Tiers, best first. A hit is ranked by the best tier it reaches.
_TIERS = (
    "code_exact",
    "code_prefix",
    "name_prefix",
    "initials_prefix",
    "pinyin_prefix",
    "name_contains",
    "initials_contains",
    "pinyin_contains",
    "keyword_or_code_contains",
)


def normalize_query(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text)
    return "".join(folded.split()).lower()


def pinyin_keys(name: str) -> tuple[str, str]:
    """(full pinyin, initials) of an item name; Latin letters and digits are kept as they are."""
    from pypinyin import Style, lazy_pinyin

    syllables = lazy_pinyin(name, style=Style.NORMAL, errors=lambda chars: list(chars))  # type: ignore[arg-type,return-value]
    full: list[str] = []
    initials: list[str] = []
    for syllable in syllables:
        syllable = normalize_query(syllable)
        if not syllable or not syllable.isalnum():
            continue
        full.append(syllable)
        initials.append(syllable[0])
    return "".join(full), "".join(initials)


class _Row:
    __slots__ = ("code", "entry", "haystack", "initials", "keywords", "name", "order", "pinyin")

    def __init__(self, entry: SearchEntry, order: int) -> None:
        self.entry = entry
        self.order = order
        self.code = entry.code.lower()
        self.name = normalize_query(entry.name)
        self.pinyin = entry.pinyin_full
        self.initials = entry.pinyin_initials
        self.keywords = normalize_query(entry.keywords)
        self.haystack = "\x00".join((self.code, self.name, self.pinyin, self.initials, self.keywords))

    def rank(self, query: str) -> int:
        if self.code == query:
            return 0
        if self.code.startswith(query):
            return 1
        if self.name.startswith(query):
            return 2
        if self.initials.startswith(query):
            return 3
        if self.pinyin.startswith(query):
            return 4
        if query in self.name:
            return 5
        if query in self.initials:
            return 6
        if query in self.pinyin:
            return 7
        return 8


class CatalogIndex:
    """An in-memory index over one catalog version."""

    def __init__(self, entries: Iterable[SearchEntry]) -> None:
        self._rows = [_Row(entry, order) for order, entry in enumerate(entries)]
        self._last_query = ""
        self._last_matches: list[_Row] = self._rows

    def __len__(self) -> int:
        return len(self._rows)

    def first(self, limit: int) -> list[SearchHit]:
        """What to show before anything is typed: the catalog in its published order."""
        return [SearchHit(r.entry.code, r.entry.name, len(_TIERS)) for r in self._rows[:limit]]

    def search(self, text: str, *, limit: int = 50) -> list[SearchHit]:
        query = normalize_query(text)
        if not query:
            self._last_query, self._last_matches = "", self._rows
            return []
        pool: Sequence[_Row] = self._last_matches if query.startswith(self._last_query) else self._rows
        matches = [row for row in pool if query in row.haystack]
        self._last_query, self._last_matches = query, matches
        ranked = sorted(matches, key=lambda r: (r.rank(query), len(r.name), r.order))[:limit]
        return [SearchHit(r.entry.code, r.entry.name, r.rank(query)) for r in ranked]
