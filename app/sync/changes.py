"""What a handler of one kind of pulled change is given: the write transaction it runs in and what the
page brought besides its change. The table of handlers by kind is `app.sync.pull.CHANGE_HANDLERS`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import Session

from app.catalog import CatalogDocument
from app.sync import wire
from app.sync.report import SyncReport
from db.models import Case


@dataclass
class Applying:
    """One write transaction applying a run of pulled changes (a chunk of a page)."""

    session: Session
    now: datetime  # naive UTC: when the changes were received
    today: date  # the hall's day, for checking certificates
    report: SyncReport
    catalogs: Mapping[str, CatalogDocument]  # catalog files of the page, fetched and checked beforehand
    local_cases: dict[str, Case] = field(default_factory=dict)  # this window's cases the run is about
    # Other windows' cases, written to the hall index once at the end of the run: the last change wins.
    hall_cases: dict[str, wire.Change] = field(default_factory=dict)
    hall_code: str = ""  # this window's hall, as its credential says ("" where not known)


# Applies one change inside `Applying.session`; how many records it stored or changed. Applying a change a
# second time changes nothing (handlers are idempotent), though progress through a page is stored with
# every transaction so a change is normally applied once.
ChangeHandler = Callable[[Applying, wire.Change], int]
