"""Catalog search as the clerk types: by name, code, full pinyin and pinyin initials, ranked.

Pinyin keys are computed once when a catalog version is loaded (`pinyin_keys`), so neither start-up
nor a keystroke touches pypinyin. Each keystroke narrows the previous keystroke's matches when the
query only grew, so typing costs what the remaining candidates cost, not the catalog size.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import islice


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


PREFIX_DEPTH = 3  # queries up to this length are answered from prefix tables, without a scan


class CatalogIndex:
    """An in-memory index over one catalog version.

    Hits are ranked by tier (see `_TIERS`), then by shorter name, then by catalog order. The prefix
    tiers come from prefix tables (no scan); the substring tiers from one scan of the candidates, kept
    in ranking order so each tier is filled by an early-exit pass instead of ranking every match.
    """

    def __init__(self, entries: Iterable[SearchEntry]) -> None:
        rows = [_Row(entry, order) for order, entry in enumerate(entries)]
        self._rows = sorted(rows, key=_tiebreak)  # every list below keeps this order
        self._in_catalog_order = rows
        self._last_query = ""
        self._last_matches: list[_Row] = self._rows
        self._by_code = {row.code: row for row in rows}
        # Per prefix tier, prefix -> rows whose field starts with it.
        self._prefix_tiers: list[dict[str, list[_Row]]] = []
        for field in ("code", "name", "initials", "pinyin"):
            table: dict[str, list[_Row]] = {}
            for row in self._rows:
                value: str = getattr(row, field)
                for depth in range(1, min(PREFIX_DEPTH, len(value)) + 1):
                    table.setdefault(value[:depth], []).append(row)
            self._prefix_tiers.append(table)

    def __len__(self) -> int:
        return len(self._rows)

    def first(self, limit: int) -> list[SearchHit]:
        """What to show before anything is typed: the catalog in its published order."""
        return [SearchHit(r.entry.code, r.entry.name, len(_TIERS)) for r in self._in_catalog_order[:limit]]

    def search(self, text: str, *, limit: int = 50) -> list[SearchHit]:
        query = normalize_query(text)
        if not query:
            self._last_query, self._last_matches = "", self._rows
            return []
        hits, seen = self._prefix_hits(query, limit)
        if len(hits) == limit and len(query) <= PREFIX_DEPTH:
            # Answered without a scan; the next keystroke scans afresh (no candidate pool kept).
            self._last_query, self._last_matches = "", self._rows
            return hits
        pool: Sequence[_Row] = self._last_matches if query.startswith(self._last_query) else self._rows
        matches = [row for row in pool if query in row.haystack]
        self._last_query, self._last_matches = query, matches
        if len(hits) == limit:
            return hits
        for tier, field in ((5, "name"), (6, "initials"), (7, "pinyin"), (8, None)):
            need = limit - len(hits)
            candidates = (
                row
                for row in matches
                if row.order not in seen and (field is None or query in getattr(row, field))
            )
            for row in islice(candidates, need):
                seen.add(row.order)
                hits.append(SearchHit(row.entry.code, row.entry.name, tier))
            if len(hits) == limit:
                break
        return hits

    def _prefix_hits(self, query: str, limit: int) -> tuple[list[SearchHit], set[int]]:
        """Hits of the exact-code and prefix tiers, best first, at most `limit`."""
        seen: set[int] = set()
        hits: list[SearchHit] = []
        exact = self._by_code.get(query)
        if exact is not None:
            seen.add(exact.order)
            hits.append(SearchHit(exact.entry.code, exact.entry.name, 0))
        key = query[:PREFIX_DEPTH]
        for tier, (field, table) in enumerate(
            zip(("code", "name", "initials", "pinyin"), self._prefix_tiers, strict=True), start=1
        ):
            for row in table.get(key, ()):
                if len(hits) == limit:
                    return hits, seen
                if row.order in seen or not getattr(row, field).startswith(query):
                    continue
                seen.add(row.order)
                hits.append(SearchHit(row.entry.code, row.entry.name, tier))
        return hits, seen


def _tiebreak(row: _Row) -> tuple[int, int]:
    return len(row.name), row.order
