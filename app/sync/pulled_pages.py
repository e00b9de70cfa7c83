"""A case's page sets as another PC of the hall attached them, on a PC holding a copy of the case: from a
pulled `case.pages_attached` (carried by its `case.updated` change, app.sync.pulled_cases) and from a
fetched record's page sets (app.sync.fetch). Stored as `PageSet` and `CasePage` rows like the window's own,
but without `PageUpload` rows: the files are the capturing PC's to send; this PC downloads them when they
are looked at (app.sync.blob_downloads: `PageDownloads.ensure`).

The events are checked by their kind's schema before they get here. When this PC attached pages to the same
material and visit too, the page set is the one the server stored last, which a pulled change alone does
not tell: this PC's, not yet sent, stands (the server takes it after the other, and so will every PC of the
hall); this PC's, sent already, may have reached the server before or after the other, so the case is
fetched again after the round (`refresh_needed`) and takes the server's page sets.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.sync import wire
from app.sync.wire import EventKind
from db.models import Case, CaseEvent, CasePage, PageSet

log = logging.getLogger("clerk.sync")


def _moment(device_time: str) -> datetime:
    return datetime.fromisoformat(device_time.replace("Z", "+00:00")).replace(tzinfo=None)


def store_page_set(session: Session, number: str, event: wire.WireEvent) -> None:
    """The page set `event` (a checked `case.pages_attached`) records, in place of the one held for its
    material and visit."""
    payload = event.payload
    material, visit = payload["material_code"], payload["visit"]
    session.execute(
        delete(PageSet).where(
            PageSet.case_number == number, PageSet.material_code == material, PageSet.visit == visit
        )
    )
    session.flush()
    pages = payload["pages"]
    session.add(
        PageSet(
            case_number=number,
            material_code=material,
            visit=visit,
            standard_pages=payload.get("standard_pages"),
            kept_short_by=event.clerk_login if payload.get("kept_short") else None,
            attached_by=event.clerk_login,
            attached_at=_moment(event.device_time),
            pages=[
                CasePage(
                    position=position,
                    sha256=page["sha256"],
                    byte_size=page["bytes"],
                    format=page["format"],
                    width=page["width"],
                    height=page["height"],
                    dpi=page.get("dpi"),
                    rotation=page["rotation"],
                    source=page["source"],
                    warnings=list(page["warnings"]),
                    kept_by=event.clerk_login if page["warnings"] else None,
                )
                for position, page in enumerate(pages)
            ],
        )
    )


def replace_page_sets(session: Session, number: str, events: Iterable[wire.WireEvent]) -> None:
    """The case's page sets are `events` (a fetched record's), and no others."""
    session.execute(delete(PageSet).where(PageSet.case_number == number))
    session.flush()
    for event in events:
        store_page_set(session, number, event)


def apply_pulled_page_set(session: Session, case: Case, event: wire.WireEvent) -> int:
    """A pulled page set of case `case` held here (see the module's docstring for when this PC's own page
    set of the same material and visit stands, or the case is fetched again). 1 when applied."""
    material, visit = event.payload["material_code"], event.payload["visit"]
    own = [
        acknowledged
        for payload, acknowledged in session.execute(
            select(CaseEvent.payload, CaseEvent.acknowledged_at).where(
                CaseEvent.case_number == case.number,
                CaseEvent.kind == EventKind.PAGES_ATTACHED,
                CaseEvent.rejected_at.is_(None),
            )
        )
        if payload.get("material_code") == material and payload.get("visit") == visit
    ]
    if any(acknowledged is None for acknowledged in own):
        log.info(
            "case %s: pages of %s (visit %s) from %s not applied: this PC's own are still to be sent",
            case.number,
            material,
            visit,
            event.window_code,
        )
        return 0
    if own:
        case.refresh_needed = True
        log.info(
            "case %s: pages of %s (visit %s) from %s and from this PC: the case is fetched again after "
            "this round, for the server's",
            case.number,
            material,
            visit,
            event.window_code,
        )
        return 0
    store_page_set(session, case.number, event)
    return 1


def last_page_sets(events: Iterable[wire.WireEvent]) -> list[wire.WireEvent]:
    """The page sets a record's events make when the server sent none (a server before page sets): the last
    `case.pages_attached` of each material and visit, in the order the server received them."""
    latest: dict[tuple[str, int], wire.WireEvent] = {}
    for event in events:
        if event.kind == EventKind.PAGES_ATTACHED:
            latest[(event.payload["material_code"], event.payload["visit"])] = event
    return list(latest.values())
