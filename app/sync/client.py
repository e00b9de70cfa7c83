"""The window's side of sync: register once, push the outbox, pull changes, reconcile counts.

`SyncClient` is the one object the window, the CLI and the tests hold; the work is done by its parts:
- app.sync.transport: the device credential (OS keyring) and every request (HTTP/TLS, errors);
- app.sync.push: the outbox sent in batches, each event marked by the server's answer;
- app.sync.blobs: the page files this window owes the server, uploaded after the push (resumable, within
  the round's time for them); app.sync.blob_downloads: a case's page files downloaded when looked at;
- app.sync.pull: pages of changes applied by handlers registered per kind, in short transactions
  (app.sync.pulled_cases, pulled_certificates, reference, conflicts);
- app.sync.registration, app.sync.reconcile, app.sync.conflicts: registering, reconciling, resolving;
- app.sync.fetch: a case's whole record fetched (the back office), or rebuilt when a pulled event did not
  follow it (after each round's pull).

Rules it keeps (shared/DESIGN.md §4, §9):
- An outbox event is marked sent only when the server's response says it is stored; a timeout, a cut
  connection or a server error changes nothing locally, and the next round resends (the server stores
  each event id once).
- The pull cursor moves in the same transaction as the last changes it covers; how far a page is applied
  is stored with every transaction that applies part of it.
- A permanent rejection moves that one event to the dead-letter list; the queue behind it moves on.
- Events carry their own author, window and device time; sync never rewrites them.
- The device credential lives in the OS keyring; a revoked credential is forgotten, and that it was
  revoked is remembered in the database (`revocation`) until a round succeeds with a new one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from app.catalog import Hall
from app.catalog_store import CatalogRepository
from app.clock import Clock
from app.helpers import online
from app.helpers.handoff import Handoff
from app.helpers.upload_refusals import UploadRefusal, upload_refusals
from app.scanning.page_store import PageStore
from app.secrets import SecretStore
from app.settings import Settings
from app.sync import conflicts, fetch, registration, wire
from app.sync.blob_downloads import FilesHere, PageDownloads, PagesHere, PagesProgress
from app.sync.blobs import PageUploads, UploadProblem
from app.sync.fetch import FetchedRecord
from app.sync.pull import Pull
from app.sync.pulled_cases import SEALED_STATUSES
from app.sync.push import OutboxPush
from app.sync.reconcile import reconcile
from app.sync.report import DayDifference, PullProgress, PushProgress, SyncReport
from app.sync.state import SyncStates
from app.sync.transport import (
    CONNECT_TIMEOUT,
    PERSON_REFUSED,
    READ_TIMEOUT,
    REVOKED_STATE,
    Credential,
    Revocation,
    SyncError,
    Transport,
    credential_key,
    utc_text,
)
from db.models import Case
from db.store import Store

__all__ = [
    "CONNECT_TIMEOUT",
    "PERSON_REFUSED",
    "READ_TIMEOUT",
    "REVOKED_STATE",
    "SEALED_STATUSES",
    "Credential",
    "DayDifference",
    "Progress",
    "Revocation",
    "SyncClient",
    "SyncError",
    "SyncReport",
    "credential_key",
]

log = logging.getLogger("clerk.sync")

Progress = PushProgress  # (sent so far, total at start)


CLOCK_OFFSET_STATE = "clock_offset_seconds"  # the server's clock minus this PC's, as the last sync found it


class SyncClient:
    def __init__(
        self,
        *,
        store: Store,
        settings: Settings,
        secrets: SecretStore,
        clock: Clock,
        transport: httpx.BaseTransport | None = None,
        batch_size: int = wire.MAX_BATCH_EVENTS,
        read_timeout: float = READ_TIMEOUT,
    ) -> None:
        self._store, self._settings, self._secrets, self._clock = store, settings, secrets, clock
        self._states = SyncStates(store)
        self.transport = Transport(
            states=self._states,
            settings=settings,
            secrets=secrets,
            clock=clock,
            transport=transport,
            read_timeout=read_timeout,
        )
        self.outbox = OutboxPush(store=store, transport=self.transport, clock=clock, batch_size=batch_size)
        self.inbox = Pull(store=store, states=self._states, transport=self.transport, clock=clock)
        page_store = PageStore.in_data_folder(
            self.data_folder(), reserve_bytes=int(settings.get("page_reserve_mb")) * 1024 * 1024
        )
        self.uploads = PageUploads(store=store, pages=page_store, transport=self.transport, clock=clock)
        self.downloads = PageDownloads(store=store, pages=page_store, transport=self.transport)

    @property
    def read_timeout(self) -> float:
        return self.transport.read_timeout

    @read_timeout.setter
    def read_timeout(self, seconds: float) -> None:
        self.transport.read_timeout = seconds

    @property
    def batch_size(self) -> int:
        return self.outbox.batch_size

    @batch_size.setter
    def batch_size(self, events: int) -> None:
        self.outbox.batch_size = min(events, wire.MAX_BATCH_EVENTS)

    # -- credential ------------------------------------------------------------------------------
    def credential(self) -> Credential | None:
        return self.transport.credential()

    def register(self, *, server_url: str, code: str, device_name: str | None = None) -> Credential:
        """Register this folder as a window with the one-time code hall IT got from the server (two steps:
        see app.sync.registration). The folder takes the hall, window code and name the server confirms."""
        return registration.register(
            self._registering(), server_url=server_url, code=code, device_name=device_name
        )

    def revocation(self) -> Revocation | None:
        """Why this window has no credential, when the server revoked it (None: registered, or never was)."""
        return self.transport.revocation()

    def server_url(self) -> str:
        """The server this window syncs with ("" before its first registration)."""
        return self.transport.server_url()

    def data_folder(self) -> Path:
        """The data folder of this window (its database's folder): the `--home` of its commands."""
        return self._store.path.parent

    # -- a round ---------------------------------------------------------------------------------
    def pending(self) -> int:
        return self.outbox.pending()

    def dead_letters(self) -> list[dict[str, Any]]:
        return self.outbox.dead_letters()

    def helper_refusals(self) -> list[UploadRefusal]:
        """This PC's signing keys and helpers' drafts the server refused for good (not sent again)."""
        return upload_refusals(self._states)

    def sync(self, *, progress: Progress | None = None, pulled: PullProgress | None = None) -> SyncReport:
        """Push everything pending, upload the page files owed (as far as the round's time for them goes:
        app.sync.blobs; their trouble never fails the round), then pull what changed. Raises SyncError;
        what was done stays done. `progress`: events answered so far of those pending at the start;
        `pulled`: changes applied so far (each time a write transaction of the pull commits)."""
        self._finish_registration()
        credential = self.transport.registered()
        started = time.perf_counter()
        report = SyncReport()
        helping = online.HelperRound()
        online.publish_keys(
            store=self._store,
            states=self._states,
            transport=self.transport,
            credential=credential,
            now=self._clock.now(),
            done=helping,
        )
        self.outbox.push(credential, report, progress)
        report.push_seconds = time.perf_counter() - started
        online.upload_drafts(
            store=self._store,
            states=self._states,
            transport=self.transport,
            credential=credential,
            now=self._clock.now(),
            done=helping,
        )
        report.keys_published, report.drafts_uploaded = helping.keys_published, helping.drafts_uploaded
        report.helper_problems = helping.problems
        uploaded = self.uploads.upload(credential)
        report.pages_uploaded, report.pages_owed = uploaded.uploaded, uploaded.owed
        report.page_problems = uploaded.problems + ([uploaded.stopped] if uploaded.stopped else [])
        report.upload_seconds = time.perf_counter() - started - report.push_seconds
        self.inbox.pull(credential, report, pulled)
        self.refresh_flagged()
        report.pull_seconds = time.perf_counter() - started - report.push_seconds - report.upload_seconds
        report.pending = self.pending()
        today = self._clock.today()
        report.mismatches = [d for d in self.reconcile(first=today, last=today) if not d.matches]
        report.seconds = time.perf_counter() - started
        self._states.set("last_success_at", utc_text(self._clock.now().replace(tzinfo=None)))
        self._states.set(CLOCK_OFFSET_STATE, str(round(self._clock.offset.total_seconds())))
        if self._states.get(REVOKED_STATE) is not None:  # registered again: the old revocation is history
            self._states.drop(REVOKED_STATE)
        return report

    def _finish_registration(self) -> None:
        """A registration whose confirmation did not get through is confirmed first. Offline or a server
        error ends the round; a refused one is dropped and the round goes on with the current credential."""
        try:
            registration.finish(self._registering())
        except SyncError as error:
            if error.kind in ("offline", "server"):
                raise
            log.warning("pending registration dropped: %s", error.message)

    def _registering(self) -> registration.Registering:
        return registration.Registering(
            store=self._store, settings=self._settings, secrets=self._secrets, transport=self.transport
        )

    # -- a case's whole record -----------------------------------------------------------------
    def fetch_case(self, number: str) -> FetchedRecord:
        """Fetch case `number`'s whole record from the server and store it here, or rebuild it if held here
        (app.sync.fetch). SyncError with the clerk's message (offline, not found, another hall's case, a
        record refused): nothing stored."""
        try:
            credential = self.transport.registered()
        except SyncError as error:
            raise fetch.not_fetched(number, error) from None
        return fetch.fetch_case(
            store=self._store,
            transport=self.transport,
            credential=credential,
            number=number,
            now=self._clock.now(),
            today=self._clock.today(),
        )

    # -- helpers' drafts (帮办) ---------------------------------------------------------------------
    def fetch_draft(self, draft_id: str, *, catalog: CatalogRepository, hall: Hall) -> Handoff:
        """A helper's draft from the server, checked as a scanned code is and kept here when it loads
        (app.helpers.online.fetch_draft). SyncError with the clerk's message when it cannot be had."""
        return online.fetch_draft(
            draft_id,
            store=self._store,
            transport=self.transport,
            credential=self._registered_for(f"预审单 {draft_id}"),
            catalog=catalog,
            hall=hall,
        )

    def open_drafts(self) -> list[online.OpenDraft]:
        """The hall's open drafts on the server ("帮办草稿"), newest first; SyncError when offline."""
        return online.open_drafts(transport=self.transport, credential=self._registered_for("帮办草稿列表"))

    def _registered_for(self, what: str) -> Credential:
        try:
            return self.transport.registered()
        except SyncError as error:
            raise online.not_fetched(what, error) from None

    def ensure_pages(self, number: str, *, progress: PagesProgress | None = None) -> PagesHere:
        """The page files of case `number` (held here: accepted here or fetched) made available here,
        downloading what is missing (app.sync.blob_downloads). SyncError with the clerk's message when
        files are needed and the server cannot be asked (`OFFLINE_PAGES`); files the server does not hold
        yet are reported in the answer."""
        return self.downloads.ensure(self.transport.credential(), number, progress)

    def ensure_page_files(self, files: Mapping[str, int]) -> FilesHere:
        """Page files (SHA-256 → size) made available here, downloading what is missing with the case pages'
        download path (a helper's draft's pages: app.helpers.draft_pages). SyncError with the clerk's message
        when files are needed and the server cannot be asked; files it does not hold yet are reported."""
        return self.downloads.ensure_files(self.transport.credential(), files)

    def page_upload_problems(self) -> list[UploadProblem]:
        """Page files owed to the server that could not be sent, each with why (for diagnostics)."""
        return self.uploads.problems()

    def refresh_flagged(self) -> list[str]:
        """The cases held here that a pulled event did not follow (`refresh_needed`), fetched again; those
        that could not be are logged and stay flagged for the next round. The numbers refreshed."""
        with self._store.read() as session:
            flagged = list(session.scalars(select(Case.number).where(Case.refresh_needed.is_(True))))
        refreshed = []
        for number in flagged:
            try:
                self.fetch_case(number)
            except SyncError as error:
                log.warning("case %s not refreshed: %s", number, error.message)
                continue
            refreshed.append(number)
        return refreshed

    # -- conflicts -------------------------------------------------------------------------------
    def resolve_conflict(
        self, seq: int, *, resolution: str, supervisor: str, password: str
    ) -> dict[str, Any]:
        """Send a supervisor's resolution of the conflict received as change `seq` (app.sync.conflicts);
        marked here once the server has recorded it. The server refusing the person: SyncError `refused`."""
        return conflicts.resolve_conflict(
            store=self._store,
            transport=self.transport,
            seq=seq,
            resolution=resolution,
            supervisor=supervisor,
            password=password,
        )

    def conflicts(self, *, unresolved_only: bool = True) -> list[dict[str, Any]]:
        """Conflicts the server found in this hall, for a supervisor to look at."""
        return conflicts.list_conflicts(store=self._store, unresolved_only=unresolved_only)

    # -- reconciliation --------------------------------------------------------------------------
    def reconcile(self, *, first: date, last: date) -> list[DayDifference]:
        return reconcile(store=self._store, transport=self.transport, first=first, last=last)

    # -- state -----------------------------------------------------------------------------------
    def state(self) -> dict[str, str]:
        return self._states.all()
