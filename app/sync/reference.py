"""Reference data the server publishes to its halls: catalog versions (announced by a `catalog.version`
change, the file fetched and checked before any write) and the working-day calendar of a year."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.catalog import CatalogDocument, CatalogError, parse_catalog
from app.catalog_store import store_catalog
from app.sync import wire
from app.sync.changes import Applying
from app.sync.transport import Credential, SyncError, Transport
from app.workdays import CalendarError, CalendarYear, parse_calendar
from db.models import CalendarYearRow, CatalogVersion
from db.store import Store

log = logging.getLogger("clerk.sync")


def fetch_catalogs(
    *, store: Store, transport: Transport, credential: Credential, changes: Sequence[wire.Change]
) -> dict[str, CatalogDocument]:
    """Catalog files announced in `changes` and not held here, fetched and checked before the write
    transaction (no network inside it). A file that does not match its announced SHA-256 or cannot be
    read stops the round: the cursor stays, and the next round fetches again."""
    wanted = [c for c in changes if c.kind == wire.KIND_CATALOG_VERSION]
    if not wanted:
        return {}
    with store.read() as session:
        held = set(session.scalars(select(CatalogVersion.version)).all())
    documents: dict[str, CatalogDocument] = {}
    for change in wanted:
        version = change.key
        if version in held or version in documents:
            continue
        content = transport.request_bytes(
            credential, wire.CATALOG_PATH.format(version=quote(version, safe=""))
        )
        digest = hashlib.sha256(content).hexdigest()
        if digest != change.payload.get("sha256"):
            raise SyncError(
                "protocol",
                f"下载的事项目录 {version} 校验值不符（{digest[:12]}…，应为 "
                f"{str(change.payload.get('sha256'))[:12]}…），未载入，稍后重试",
            )
        try:
            documents[version] = parse_catalog(content)
        except CatalogError as error:
            raise SyncError(
                "protocol", f"服务器发布的事项目录 {version} 本程序无法载入（{error}），请升级窗口程序"
            ) from None
    return documents


def apply_catalog_version(applying: Applying, change: wire.Change) -> int:
    """A catalog version fetched for this page, stored (one held already changes nothing)."""
    document = applying.catalogs.get(change.key)
    if document is None:
        return 0  # held already
    try:
        _, loaded = store_catalog(applying.session, document, now=applying.now)
    except CatalogError as error:
        raise SyncError("protocol", str(error)) from None
    if loaded:
        applying.report.catalog_versions.append(document.version)
        log.info("catalog %s received from the server", document.version)
    return int(loaded)


def stored_calendar_years(session: Session) -> list[CalendarYear]:
    """The published calendars stored by sync. One that no longer parses (a newer format) is skipped and
    logged: its days are then computed as uncertain, never guessed as certain."""
    rows = session.execute(select(CalendarYearRow.year, CalendarYearRow.content)).all()
    years = []
    for year, content in rows:
        try:
            years.append(parse_calendar(json.dumps(content, ensure_ascii=False).encode()))
        except CalendarError as error:
            log.error("stored calendar %s unusable: %s", year, error)
    return years


def apply_calendar(applying: Applying, change: wire.Change) -> int:
    """A year's published (or amended) calendar; the same content again changes nothing."""
    try:
        year = parse_calendar(json.dumps(change.payload, ensure_ascii=False).encode())
    except CalendarError as error:
        raise SyncError(
            "protocol", f"服务器发布的 {change.key} 年节假日安排本程序无法使用（{error}），请升级窗口程序"
        ) from None
    row = applying.session.get(CalendarYearRow, year.year)
    if row is not None and row.sha256 == year.sha256:
        return 0
    applying.session.merge(
        CalendarYearRow(
            year=year.year,
            sha256=year.sha256,
            source=year.source,
            content=year.content,
            received_at=applying.now,
        )
    )
    calendar_years = applying.report.calendar_years
    if year.year not in calendar_years:  # a year amended twice in one pull counts once
        calendar_years.append(year.year)
    log.info("calendar %d received from the server (%s)", year.year, year.source)
    return 1
