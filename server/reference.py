"""Reference data the region publishes to every window: catalog versions and holiday calendars.

Publishing stores the file and appends one change per hall to the change log (under the change-log lock,
so the seq order is the commit order, as for case changes); windows pull it with everything else. A
catalog change carries only the version, date, SHA-256 and size: the window then fetches the file itself
(`GET /api/v1/catalog/{version}`) and checks the hash, so a 5,000-item catalog is not copied into the log
once per hall. A calendar year is small and travels whole in its change.

A catalog version, once published, never changes (五统一): publishing it again with the same bytes does
nothing, with other bytes is refused. A year's calendar may be amended (published again with other
content): the windows then replace that year.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from app.catalog import CatalogError, parse_catalog
from app.sync.wire import KIND_CALENDAR, KIND_CATALOG_VERSION
from app.workdays import CalendarError, parse_calendar
from server import bulk
from server.bulk import dumps, insert_rows
from server.clock import utc_naive, utc_text
from server.models import calendar_publication, catalog_publication, hall
from server.store import ServerDB
from server.sync import lock_change_log

log = logging.getLogger("clerk.server.reference")


class PublishError(ValueError):
    """A file that cannot be published; the message names the problem."""


@dataclass(frozen=True)
class Published:
    key: str  # the catalog version or the year
    new: bool  # False: this exact content was published already; nothing was appended
    halls: int  # halls the change was sent to
    halls_added: int = 0

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "new": self.new, "halls": self.halls, "halls_added": self.halls_added}


def _broadcast(connection: Connection, db: ServerDB, kind: str, key: str, payload: Any, now: datetime) -> int:
    """One change row per hall of the region (no origin device: every window takes it)."""
    lock_change_log(connection, db)
    halls = list(connection.execute(select(hall.c.code).order_by(hall.c.code)).scalars())
    text = dumps(payload)
    insert_rows(connection, bulk.CHANGES, [(code, kind, key, text, now, None) for code in halls])
    return len(halls)


def publish_catalog(db: ServerDB, content: bytes, *, now: datetime) -> Published:
    """Store a catalog version, add its new halls, and send it to every hall."""
    try:
        document = parse_catalog(content)
    except CatalogError as error:
        raise PublishError(f"事项目录文件无效：{error}") from None
    moment = utc_naive(now)
    with db.write() as connection:
        existing = connection.execute(
            select(catalog_publication.c.sha256).where(catalog_publication.c.version == document.version)
        ).scalar()
        if existing is not None:
            if existing != document.sha256:
                raise PublishError(
                    f"事项目录版本 {document.version} 已发布过且内容不同："
                    "已发布的版本不可改动，请使用新的版本号"
                )
            return Published(document.version, False, 0)
        known = set(connection.execute(select(hall.c.code)).scalars())
        added = [h for h in document.halls if h.code not in known]
        if added:
            connection.execute(
                insert(hall), [{"code": h.code, "name": h.name, "created_at": moment} for h in added]
            )
        for h in document.halls:
            if h.code in known:
                connection.execute(update(hall).where(hall.c.code == h.code).values(name=h.name))
        connection.execute(
            insert(catalog_publication).values(
                version=document.version,
                published=document.published,
                region_code=document.region_code,
                sha256=document.sha256,
                content=content,
                item_count=len(document.items),
                published_at=moment,
            )
        )
        payload = {
            "version": document.version,
            "published": document.published.isoformat(),
            "sha256": document.sha256,
            "bytes": len(content),
            "items": len(document.items),
        }
        halls = _broadcast(connection, db, KIND_CATALOG_VERSION, document.version, payload, moment)
    log.info("catalog %s published to %d halls (%d items)", document.version, halls, len(document.items))
    return Published(document.version, True, halls, len(added))


def catalog_content(db: ServerDB, version: str) -> bytes | None:
    with db.read() as connection:
        content = connection.execute(
            select(catalog_publication.c.content).where(catalog_publication.c.version == version)
        ).scalar()
    return None if content is None else bytes(content)


def list_catalogs(db: ServerDB) -> list[dict[str, Any]]:
    with db.read() as connection:
        rows = connection.execute(
            select(
                catalog_publication.c.version,
                catalog_publication.c.published,
                catalog_publication.c.sha256,
                catalog_publication.c.item_count,
                catalog_publication.c.published_at,
            ).order_by(catalog_publication.c.published, catalog_publication.c.version)
        ).all()
    return [
        {
            "version": r.version,
            "published": r.published.isoformat(),
            "sha256": r.sha256,
            "items": r.item_count,
            "published_at": utc_text(r.published_at),
        }
        for r in rows
    ]


def publish_calendar(db: ServerDB, content: bytes, *, now: datetime) -> Published:
    """Store a year's holiday arrangement (replacing that year's earlier one) and send it to every hall."""
    try:
        year = parse_calendar(content)
    except CalendarError as error:
        raise PublishError(f"节假日安排文件无效：{error}") from None
    moment = utc_naive(now)
    with db.write() as connection:
        existing = connection.execute(
            select(calendar_publication.c.sha256).where(calendar_publication.c.year == year.year)
        ).scalar()
        if existing == year.sha256:
            return Published(str(year.year), False, 0)
        values = {
            "sha256": year.sha256,
            "source": year.source,
            "content": year.content,
            "published_at": moment,
        }
        if existing is None:
            connection.execute(insert(calendar_publication).values(year=year.year, **values))
        else:
            connection.execute(
                update(calendar_publication).where(calendar_publication.c.year == year.year).values(**values)
            )
        halls = _broadcast(connection, db, KIND_CALENDAR, str(year.year), year.content, moment)
    log.info("calendar %d published to %d halls (%s)", year.year, halls, year.source)
    return Published(str(year.year), True, halls)


def list_calendars(db: ServerDB) -> list[dict[str, Any]]:
    with db.read() as connection:
        rows = connection.execute(
            select(
                calendar_publication.c.year,
                calendar_publication.c.source,
                calendar_publication.c.sha256,
                calendar_publication.c.published_at,
            ).order_by(calendar_publication.c.year)
        ).all()
    return [
        {"year": r.year, "source": r.source, "sha256": r.sha256, "published_at": utc_text(r.published_at)}
        for r in rows
    ]
