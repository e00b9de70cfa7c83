"""Catalog versions in the local database: load a published file, read the current version."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from importlib import resources
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.bundles.definition import Bundle, parse_bundle
from app.catalog import (
    CatalogDocument,
    CatalogError,
    Hall,
    ServiceItem,
    parse_catalog,
    parse_hall,
    parse_item,
)
from app.search import CatalogIndex, SearchEntry, pinyin_keys
from db.models import CatalogItem, CatalogVersion
from db.store import Store

log = logging.getLogger("clerk.catalog")


def demo_catalog_bytes() -> bytes:
    return resources.files("resources.catalog").joinpath("demo_catalog.json").read_bytes()


def load_catalog(store: Store, content: bytes, *, now: datetime) -> tuple[str, bool]:
    """Store a published catalog version and make it current. Returns (version, newly loaded).

    A version already stored is not loaded twice; the same version with different content is refused:
    a version, once published, never changes (五统一).
    """
    document = parse_catalog(content)
    with store.write() as session:
        version, loaded = store_catalog(session, document, now=now)
    if loaded:
        log.info("catalog %s loaded (%d items)", document.version, len(document.items))
    return version, loaded


def store_catalog(session: Session, document: CatalogDocument, *, now: datetime) -> tuple[str, bool]:
    """`load_catalog` inside the caller's write transaction (sync applies a pulled version there)."""
    existing = session.scalars(
        select(CatalogVersion).where(CatalogVersion.version == document.version)
    ).first()
    if existing is not None:
        if existing.sha256 != document.sha256:
            raise CatalogError(
                f"事项目录版本 {document.version} 已存在但内容不同，拒绝加载（同一版本不可改动）"
            )
        return document.version, False
    newest = session.scalars(select(CatalogVersion).order_by(CatalogVersion.published.desc())).first()
    make_current = newest is None or newest.published <= document.published
    if make_current:
        session.execute(update(CatalogVersion).values(is_current=False))
    version = CatalogVersion(
        version=document.version,
        published=document.published,
        region_code=document.region_code,
        region_name=document.region_name,
        sha256=document.sha256,
        loaded_at=now.replace(tzinfo=None),
        is_current=make_current,
        halls=list(document.raw_halls),
        bundles=list(document.raw_bundles),
    )
    session.add(version)
    session.flush()
    session.add_all(_rows(document, version.id))
    return document.version, True


def _rows(document: CatalogDocument, version_id: int) -> list[CatalogItem]:
    rows = []
    for item in document.items:
        full, initials = pinyin_keys(item.name)
        rows.append(
            CatalogItem(
                catalog_version_id=version_id,
                code=item.code,
                base_code=item.base_code,
                name=item.name,
                item_type=item.item_type,
                department=item.department,
                body_name=item.body_name,
                body_code=item.body_code,
                basis=item.basis,
                pinyin_full=full,
                pinyin_initials=initials,
                checklist_sha256=item.checklist_sha256,
                details=dict(item.raw),
            )
        )
    return rows


@dataclass(frozen=True)
class _Current:
    """One catalog version as read: replaced whole by `refresh`, so a reader never sees two versions mixed."""

    version: str
    region_name: str
    halls: dict[str, Hall]
    entries: list[SearchEntry]
    details: dict[str, dict[str, Any]]
    items: dict[str, ServiceItem] = field(default_factory=dict)
    raw_bundles: list[Any] = field(default_factory=list)
    bundles: dict[str, Bundle] = field(default_factory=dict)

    @cached_property
    def index(self) -> CatalogIndex:
        return CatalogIndex(self.entries)


def _read_current(store: Store) -> _Current:
    with store.read() as session:
        current = session.scalars(select(CatalogVersion).where(CatalogVersion.is_current)).first()
        if current is None:  # a window gets its catalog from the server by sync (or `clerk catalog load`)
            return _Current(version="", region_name="", halls={}, entries=[], details={})
        rows = session.execute(
            select(
                CatalogItem.code,
                CatalogItem.name,
                CatalogItem.pinyin_full,
                CatalogItem.pinyin_initials,
                CatalogItem.details,
            )
            .where(CatalogItem.catalog_version_id == current.id)
            .order_by(CatalogItem.id)
        ).all()
        return _Current(
            version=current.version,
            region_name=current.region_name,
            halls={h.code: h for h in (parse_hall(raw) for raw in current.halls)},
            entries=[
                SearchEntry(code, name, full, initials, " ".join(details.get("keywords") or ()))
                for code, name, full, initials, details in rows
            ],
            details={row[0]: row[4] for row in rows},
            raw_bundles=list(current.bundles or ()),
        )


class CatalogRepository:
    """The current catalog version, read once per workspace (and again by `refresh` after sync brought a
    newer one); items parsed on first use. The services of a workspace share one repository."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._current = _read_current(store)

    def refresh(self) -> bool:
        """Read the current version again if it changed (one small query when it has not); True if so."""
        with self._store.read() as session:
            version = session.scalar(select(CatalogVersion.version).where(CatalogVersion.is_current))
        if (version or "") == self._current.version:
            return False
        current = _read_current(self._store)
        self._current = current
        log.info("catalog now %s", current.version)
        return True

    @property
    def version(self) -> str:
        """The current version; empty while this window has no catalog yet."""
        return self._current.version

    @property
    def region_name(self) -> str:
        return self._current.region_name

    @property
    def index(self) -> CatalogIndex:
        return self._current.index

    def __len__(self) -> int:
        return len(self._current.entries)

    def codes(self) -> list[str]:
        return [e.code for e in self._current.entries]

    def item(self, code: str) -> ServiceItem | None:
        current = self._current
        item = current.items.get(code)
        if item is None:
            details = current.details.get(code)
            if details is None:
                return None
            item = current.items[code] = parse_item(details, version=current.version, strict=False)
        return item

    def item_at(self, code: str, version: str) -> ServiceItem | None:
        """The item as a given catalog version had it (a case is always read against its own version)."""
        if version == self._current.version:
            return self.item(code)
        with self._store.read() as session:
            details = session.scalars(
                select(CatalogItem.details)
                .join(CatalogVersion)
                .where(CatalogVersion.version == version, CatalogItem.code == code)
            ).first()
        return None if details is None else parse_item(details, version=version, strict=False)

    def bundles(self) -> list[Bundle]:
        """The 一件事 bundles of the current version (checked when it was loaded), in catalog order."""
        current = self._current
        if len(current.bundles) != len(current.raw_bundles):
            raws = [raw for raw in current.raw_bundles if isinstance(raw, dict)]
            codes = {code for raw in raws for code in raw.get("items") or ()}
            items = {code: item for code in codes if (item := self.item(str(code))) is not None}
            for raw in current.raw_bundles:
                bundle = parse_bundle(raw, items)
                current.bundles.setdefault(bundle.code, bundle)
        return list(current.bundles.values())

    def bundle(self, code: str) -> Bundle | None:
        return next((b for b in self.bundles() if b.code == code), None)

    def hall(self, code: str) -> Hall | None:
        return self._current.halls.get(code)

    def halls(self) -> list[Hall]:
        return list(self._current.halls.values())
