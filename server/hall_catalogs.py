"""What a hall handles, as the region's published catalogs say: the implementing bodies whose items it
accepts (`Hall.bodies`), and each item's implementing body, per catalog version. Read from the published
file (`catalog_publication`), kept in memory per version (a version, once published, never changes)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import orjson
from sqlalchemy import Connection, select

from server.models import catalog_publication


@dataclass(frozen=True)
class CatalogFacts:
    version: str
    bodies: dict[str, frozenset[str]]  # hall code → credit codes of the bodies it accepts for
    item_bodies: dict[str, str]  # item code → its implementing body's credit code


_held: dict[str, CatalogFacts] = {}
_lock = threading.Lock()
_MAX_HELD = 4


def _facts(version: str, content: bytes) -> CatalogFacts:
    data = orjson.loads(content)  # published, so parsed and checked once already (server.reference)
    bodies = {str(h["code"]): frozenset(str(b) for b in h.get("bodies", ())) for h in data.get("halls", ())}
    items = {str(i["code"]): str(i["implementing_body"]["code"]) for i in data.get("items", ())}
    return CatalogFacts(version, bodies, items)


def catalog_facts(connection: Connection, version: str | None = None) -> CatalogFacts | None:
    """The facts of catalog `version`, or of the latest published (None when none is)."""
    query = select(catalog_publication.c.version)
    if version is not None:
        query = query.where(catalog_publication.c.version == version)
    else:
        query = query.order_by(catalog_publication.c.published.desc(), catalog_publication.c.version.desc())
    found = connection.execute(query.limit(1)).scalar()
    if found is None:
        return None
    with _lock:
        held = _held.get(found)
    if held is not None:
        return held
    content = connection.execute(
        select(catalog_publication.c.content).where(catalog_publication.c.version == found)
    ).scalar_one()
    facts = _facts(found, bytes(content))
    with _lock:
        if len(_held) >= _MAX_HELD:
            _held.pop(next(iter(_held)))
        _held[found] = facts
    return facts
