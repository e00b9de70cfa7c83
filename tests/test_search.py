from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.catalog import parse_catalog
from app.catalog_store import demo_catalog_bytes
from app.search import CatalogIndex, SearchEntry, normalize_query, pinyin_keys

ITEMS = parse_catalog(demo_catalog_bytes()).items
ENTRIES = [SearchEntry(i.code, i.name, *pinyin_keys(i.name), " ".join(i.keywords)) for i in ITEMS]


def brute_force(query: str, limit: int) -> list[str]:
    """Rank every entry from scratch: the reference the index must agree with."""
    q = normalize_query(query)
    scored = []
    for order, e in enumerate(ENTRIES):
        code, name = e.code.lower(), normalize_query(e.name)
        fields = (code, name, e.pinyin_full, e.pinyin_initials, normalize_query(e.keywords))
        if not any(q in f for f in fields):
            continue
        tiers = [
            code == q,
            code.startswith(q),
            name.startswith(q),
            e.pinyin_initials.startswith(q),
            e.pinyin_full.startswith(q),
            q in name,
            q in e.pinyin_initials,
            q in e.pinyin_full,
        ]
        rank = next((i for i, hit in enumerate(tiers) if hit), 8)
        scored.append((rank, len(name), order, e.code))
    return [code for *_, code in sorted(scored)[:limit]]


def test_pinyin_keys() -> None:
    assert pinyin_keys("建设工程规划许可证核发") == ("jianshegongchengguihuaxukezhenghefa", "jsgcghxkzhf")
    assert pinyin_keys("B超检查2号") == ("bchaojiancha2hao", "bcjc2h")


def test_initials_find_the_planning_permit_first() -> None:
    index = CatalogIndex(ENTRIES)
    for typed in ("j", "js", "jsg", "jsgc", "jsgcgh", "jsgcghxk"):
        hits = index.search(typed)
        assert hits, typed
    assert index.search("jsgcghxk")[0].name == "建设工程规划许可证核发"
    assert index.search("jianshegongcheng")[0].name.startswith("建设工程")
    assert index.search("ＪＳＧＣ ghxk")[0].name == "建设工程规划许可证核发"  # full-width and spaces folded
    assert index.search("") == [] and index.search("qqqqzzz") == []


queries = st.one_of(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=8),
    st.sampled_from([e.pinyin_initials for e in ENTRIES]).map(lambda s: s[:4]),
    st.sampled_from([e.name for e in ENTRIES]).flatmap(
        lambda n: st.integers(0, len(n) - 1).map(lambda i: n[i : i + 2])
    ),
    st.sampled_from([e.code for e in ENTRIES]).map(lambda c: c[:6]),
)


@settings(max_examples=400, deadline=None)
@given(typed=st.lists(queries, min_size=1, max_size=6), limit=st.sampled_from([1, 5, 20, 50]))
def test_index_agrees_with_brute_force_while_typing(typed: list[str], limit: int) -> None:
    index = CatalogIndex(ENTRIES)
    for text in typed:
        # type it keystroke by keystroke, as the narrowing cache sees it
        for end in range(1, len(text) + 1):
            assert [h.code for h in index.search(text[:end], limit=limit)] == brute_force(text[:end], limit)
