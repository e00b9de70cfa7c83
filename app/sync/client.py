"""The window's side of sync: register once, push the outbox, pull changes, reconcile counts.

Rules it keeps (shared/DESIGN.md §4, §9):
- An outbox event is marked sent only when the server's response says it is stored; a timeout, a cut
  connection or a server error changes nothing locally, and the next round resends (the server stores
  each event id once).
- The pull cursor is saved in the same transaction as the changes it covers.
- A permanent rejection moves that one event to the dead-letter list; the queue behind it moves on.
- Events carry their own author, window and device time; sync never rewrites them.
- The device credential lives in the OS keyring; a revoked credential is forgotten, and that it was
  revoked is remembered in the database (`revocation`) until a round succeeds with a new one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import quote

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.case_number import CaseNumberError, parse_case_number
from app.catalog import CatalogDocument, CatalogError, parse_catalog
from app.catalog_store import store_catalog
from app.certificates import key_row
from app.clock import Clock
from app.secrets import SecretStore
from app.settings import Settings
from app.sync import outbox, wire
from app.sync.certificate_event import CertificateEventError, carried_key, check_sealed
from app.sync.conflicts import resolver_label
from app.workdays import CalendarError, parse_calendar
from db.models import (
    CalendarYearRow,
    Case,
    CaseEvent,
    CatalogVersion,
    Certificate,
    Clerk,
    HallCase,
    SyncConflict,
    SyncState,
)
from db.models import OfficeKey as OfficeKeyRow
from db.store import Store

log = logging.getLogger("clerk.sync")

CONNECT_TIMEOUT = 5.0
# Statuses that only a sealed certificate gives a case: a window takes them for a case it holds only with
# a certificate it has verified.
SEALED_STATUSES = ("approved", "delivered")
PERSON_REFUSED = ("account_refused", "role_missing")  # the server's codes for refusing a person (403)
READ_TIMEOUT = 60.0


class SyncError(Exception):
    """A round that could not finish, or a request refused.

    `kind`: offline | auth | server | protocol | not_registered | invalid | too_large (a request refused as
    too large, HTTP 413: the push splits its batch) | refused (the server refused the person acting: login,
    password or role)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True)
class Credential:
    server_url: str
    device_id: str
    secret: str
    hall_code: str
    window_code: str

    @property
    def bearer(self) -> str:
        return f"Bearer {self.device_id}.{self.secret}"


REVOKED_STATE = "device_revoked"  # sync_state key: the Revocation (JSON) of the forgotten credential


@dataclass(frozen=True)
class Revocation:
    """The server refused this window's device as revoked and its credential was forgotten: what the window
    tells the clerk and hall IT until it is registered again."""

    server_url: str
    hall_code: str
    window_code: str
    device_id: str
    noticed_at: str  # ISO UTC, this window's clock
    message: str  # the server's own words


@dataclass
class SyncReport:
    pushed: int = 0
    acknowledged: int = 0
    rejected: list[wire.Rejection] = field(default_factory=list)
    pulled: int = 0
    applied: int = 0
    conflicts: int = 0
    catalog_versions: list[str] = field(default_factory=list)  # loaded by this round
    calendar_years: list[int] = field(default_factory=list)  # published or amended, stored by this round
    pending: int = 0
    mismatches: list[DayDifference] = field(default_factory=list)
    seconds: float = 0.0
    push_seconds: float = 0.0
    pull_seconds: float = 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "pushed": self.pushed,
            "acknowledged": self.acknowledged,
            "rejected": [r.__dict__ for r in self.rejected],
            "pulled": self.pulled,
            "applied": self.applied,
            "conflicts": self.conflicts,
            "catalog_versions": self.catalog_versions,
            "calendar_years": self.calendar_years,
            "pending": self.pending,
            "mismatches": [d.__dict__ for d in self.mismatches],
            "seconds": round(self.seconds, 3),
            "push_seconds": round(self.push_seconds, 3),
            "pull_seconds": round(self.pull_seconds, 3),
        }


@dataclass(frozen=True)
class DayDifference:
    """One day of one window: cases made here, how many the server acknowledged, how many it holds."""

    day: str
    local_cases: int
    acknowledged_cases: int
    server_cases: int

    @property
    def matches(self) -> bool:
        """The server holds every case it acknowledged (cases still pending are not a mismatch)."""
        return self.acknowledged_cases == self.server_cases


Progress = Callable[[int, int], None]  # (sent so far, total at start)


@dataclass
class _Page:
    """What applying one page of pulled changes needs besides the changes."""

    catalogs: dict[str, CatalogDocument]
    local_cases: dict[str, Case] = field(default_factory=dict)
    hall_cases: dict[str, wire.Change] = field(default_factory=dict)


def credential_key(server_url: str, window_code: str) -> str:
    """The keyring entry of a window's device credential: per server and window code, so two data folders
    of one OS account (a training folder beside the real one) never use each other's credential."""
    return f"device:{server_url}#{window_code}"


def _utc_text(moment: datetime) -> str:
    return moment.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")


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
        self._transport = transport
        self._tls: dict[str, ssl.SSLContext] = {}
        self._tls_lock = threading.Lock()
        self.read_timeout = read_timeout
        self.batch_size = min(batch_size, wire.MAX_BATCH_EVENTS)

    # -- credential ------------------------------------------------------------------------------
    def credential(self) -> Credential | None:
        url = str(self._settings.get("server_url") or "")
        if not url:
            return None
        stored = self._secrets.get(credential_key(url, str(self._settings.get("window_code"))))
        if stored is None:
            return None
        data = json.loads(stored)
        return Credential(url, data["device_id"], data["secret"], data["hall_code"], data["window_code"])

    def register(self, *, server_url: str, code: str, device_name: str | None = None) -> Credential:
        """Register this folder as a window with the one-time code hall IT got from the server (two steps:
        see app.sync.registration). The folder takes the hall, window code and name the server confirms."""
        from app.sync import registration

        return registration.register(self, server_url=server_url, code=code, device_name=device_name)

    # -- a round ---------------------------------------------------------------------------------
    def pending(self) -> int:
        with self._store.read() as session:
            return int(
                session.scalar(
                    select(func.count())
                    .select_from(CaseEvent)
                    .where(CaseEvent.acknowledged_at.is_(None), CaseEvent.rejected_at.is_(None))
                )
                or 0
            )

    def dead_letters(self) -> list[dict[str, Any]]:
        with self._store.read() as session:
            rows = session.scalars(select(CaseEvent).where(CaseEvent.rejected_at.is_not(None))).all()
        return [
            {
                "event_id": r.event_id,
                "case_number": r.case_number,
                "kind": r.kind,
                "code": r.rejected_code,
                "message": r.rejected_message,
                "rejected_at": _utc_text(r.rejected_at) if r.rejected_at else None,
            }
            for r in rows
        ]

    def sync(self, *, progress: Progress | None = None) -> SyncReport:
        """Push everything pending, then pull what changed. Raises SyncError; what was done stays done."""
        self._finish_registration()
        credential = self.credential()
        if credential is None:
            raise SyncError("not_registered", "本窗口尚未在服务器登记（clerk register）")
        started = time.perf_counter()
        report = SyncReport()
        self._push(credential, report, progress)
        report.push_seconds = time.perf_counter() - started
        self._pull(credential, report)
        report.pull_seconds = time.perf_counter() - started - report.push_seconds
        report.pending = self.pending()
        today = self._clock.today()
        report.mismatches = [d for d in self.reconcile(first=today, last=today) if not d.matches]
        report.seconds = time.perf_counter() - started
        self._set_state("last_success_at", _utc_text(self._clock.now().replace(tzinfo=None)))
        if self._get_state(REVOKED_STATE) is not None:  # registered again: the old revocation is history
            self._drop_state(REVOKED_STATE)
        return report

    def _finish_registration(self) -> None:
        """A registration whose confirmation did not get through is confirmed first. Offline or a server
        error ends the round; a refused one is dropped and the round goes on with the current credential."""
        from app.sync import registration

        try:
            registration.finish(self)
        except SyncError as error:
            if error.kind in ("offline", "server"):
                raise
            log.warning("pending registration dropped: %s", error.message)

    IN_FLIGHT = 2  # batches on the wire at once: the server checks one while the database stores the other

    def _push(self, credential: Credential, report: SyncReport, progress: Progress | None) -> None:
        """Send the outbox in batches sized by bytes (app.sync.outbox), two on the wire at a time, the next
        read while they travel. A batch counts as sent only for the event ids the server's answer
        acknowledges; answers that did arrive are recorded even when another batch failed. An event too
        large to send is a dead letter at once; a batch refused as too large (413) is sent again in halves,
        and one event refused so is a dead letter too."""
        total = self.pending()
        head = outbox.body_head(
            window_code=credential.window_code,
            sent_at=_utc_text(self._clock.now().replace(tzinfo=None)),
        )
        in_flight: deque[tuple[outbox.Batch, Future[Any]]] = deque()
        halves: deque[outbox.Batch] = deque()  # parts of a batch refused as too large, to send again
        failure: SyncError | None = None
        read_after: int | None = 0  # None: the outbox is read to its end

        def answered(acknowledged: list[str], rejected: list[wire.Rejection]) -> None:
            self._record_answer(acknowledged, rejected)
            report.acknowledged += len(acknowledged)
            report.rejected += rejected
            if progress is not None:
                progress(report.acknowledged + len(report.rejected), total)

        def next_batch() -> outbox.Batch | None:
            nonlocal read_after
            if halves:
                return halves.popleft()
            while read_after is not None:
                batch = outbox.read_batch(
                    self._store, head=head, after_id=read_after, max_events=self.batch_size
                )
                read_after = None if batch is None else batch.last_id
                if batch is not None and batch.too_large:
                    answered([], [outbox.too_large_here(e) for e in batch.too_large])
                if batch is not None and batch.events:
                    return batch
            return None

        with ThreadPoolExecutor(max_workers=self.IN_FLIGHT, thread_name_prefix="sync-push") as network:
            while True:
                while len(in_flight) < self.IN_FLIGHT and failure is None:
                    batch = next_batch()
                    if batch is None:
                        break
                    future = network.submit(
                        self._request,
                        "POST",
                        credential.server_url,
                        wire.PUSH_PATH,
                        credential=credential,
                        content=batch.body,
                    )
                    in_flight.append((batch, future))
                if not in_flight:
                    break
                sent, future = in_flight.popleft()
                try:
                    answer = wire.PushResponse.from_json(future.result())
                except SyncError as error:
                    if error.kind != "too_large":
                        failure = failure or error
                    elif len(sent.events) > 1:
                        log.warning(
                            "push of %d events refused as too large; sending it in halves", len(sent.events)
                        )
                        halves.extendleft(reversed(sent.halves()))
                    else:
                        report.pushed += 1
                        answered([], [outbox.too_large_on_the_way(sent.events[0], error.message)])
                    continue
                ids = sent.ids  # a set made once: the answer is checked against it id by id
                acknowledged = [i for i in answer.acknowledged if i in ids]
                rejected = [r for r in answer.rejected if r.event_id in ids]
                report.pushed += len(sent.events)
                answered(acknowledged, rejected)
                if not acknowledged and not rejected:
                    failure = failure or SyncError("protocol", "服务器没有确认本批任何事项，稍后重试")
        if failure is not None:
            raise failure

    def _record_answer(self, acknowledged: list[str], rejected: list[wire.Rejection]) -> None:
        now = self._clock.now().replace(tzinfo=None)
        with self._store.write() as session:
            if acknowledged:
                session.execute(
                    update(CaseEvent).where(CaseEvent.event_id.in_(acknowledged)).values(acknowledged_at=now)
                )
            for rejection in rejected:
                log.error(
                    "server rejected event %s: %s %s", rejection.event_id, rejection.code, rejection.message
                )
                session.execute(
                    update(CaseEvent)
                    .where(CaseEvent.event_id == rejection.event_id)
                    .values(rejected_at=now, rejected_code=rejection.code, rejected_message=rejection.message)
                )

    def _pull(self, credential: Credential, report: SyncReport) -> None:
        while True:
            cursor = self._get_state("cursor") or "0"
            answer = wire.PullResponse.from_json(
                self._request(
                    "GET",
                    credential.server_url,
                    wire.PULL_PATH,
                    params={"cursor": cursor, "exclude_own": "true"},
                    credential=credential,
                )
            )
            page = _Page(catalogs=self._fetch_catalogs(credential, answer.changes))
            now = self._clock.now().replace(tzinfo=None)
            with self._store.write() as session:
                page.local_cases = self._local_cases(session, answer.changes)
                for change in answer.changes:
                    report.applied += self._apply(session, change, now, report, page)
                report.applied += self._store_hall_cases(session, page.hall_cases)
                # The cursor moves in the same transaction as the changes it covers.
                session.merge(SyncState(key="cursor", value=answer.cursor))
            report.pulled += len(answer.changes)
            if not answer.more or not answer.changes:
                return

    def _fetch_catalogs(
        self, credential: Credential, changes: list[wire.Change]
    ) -> dict[str, CatalogDocument]:
        """Catalog files announced in `changes` and not held here, fetched and checked before the write
        transaction (no network inside it). A file that does not match its announced SHA-256 or cannot be
        read stops the round: the cursor stays, and the next round fetches again."""
        wanted = [c for c in changes if c.kind == wire.KIND_CATALOG_VERSION]
        if not wanted:
            return {}
        with self._store.read() as session:
            held = set(session.scalars(select(CatalogVersion.version)).all())
        documents: dict[str, CatalogDocument] = {}
        for change in wanted:
            version = change.key
            if version in held or version in documents:
                continue
            content = self._request_bytes(
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

    def _apply(
        self,
        session: Any,
        change: wire.Change,
        now: datetime,
        report: SyncReport,
        page: _Page,
    ) -> int:
        if change.kind == wire.KIND_CATALOG_VERSION:
            document = page.catalogs.get(change.key)
            if document is None:
                return 0  # held already
            try:
                _, loaded = store_catalog(session, document, now=now)
            except CatalogError as error:
                raise SyncError("protocol", str(error)) from None
            if loaded:
                report.catalog_versions.append(document.version)
                log.info("catalog %s received from the server", document.version)
            return int(loaded)
        if change.kind == wire.KIND_CALENDAR:
            return self._apply_calendar(session, change, now, report)
        if change.kind == wire.KIND_CONFLICT_RESOLVED:
            conflict_id = change.payload.get("conflict_id")
            marked = 0
            for row in session.scalars(
                select(SyncConflict).where(
                    SyncConflict.case_number == change.key, SyncConflict.resolved_at.is_(None)
                )
            ).all():
                if row.payload.get("conflict_id") == conflict_id:
                    row.resolved_at = now
                    row.resolution = str(change.payload.get("resolution", ""))
                    row.resolved_by = str(change.payload.get("resolved_by", ""))
                    marked += 1
            return marked
        if change.kind == wire.KIND_CONFLICT:
            if session.get(SyncConflict, change.seq) is None:
                session.add(
                    SyncConflict(
                        seq=change.seq,
                        case_number=change.key,
                        reason=str(change.payload.get("reason", "")),
                        payload=change.payload,
                        received_at=now,
                        resolved_at=None,
                    )
                )
                report.conflicts += 1
            return 1
        if change.kind == wire.KIND_CERTIFICATE_ISSUED:
            return self._apply_certificate(session, change)
        if change.kind == wire.KIND_CASE_UPDATED:
            status = change.payload.get("status")
            case = page.local_cases.get(change.key)
            if case is None:  # another window's case: the hall index, written once per page
                page.hall_cases[change.key] = change  # changes come in seq order: the last one wins
                return 0
            if not isinstance(status, str) or case.status == status:
                return 0
            event_id = change.payload.get("updated_by")
            mine = session.scalars(select(CaseEvent.id).where(CaseEvent.event_id == event_id)).first()
            if mine is not None:
                return 0  # our own event coming back
            if (
                status in SEALED_STATUSES
                and not session.scalars(
                    select(Certificate.id).where(Certificate.case_number == case.number)
                ).first()
            ):
                # Only a certificate this window verified approves its case (`_apply_certificate`).
                log.warning(
                    "case %s: status %s without a verified certificate here; not taken", case.number, status
                )
                return 0
            case.status = status
            return 1
        log.info("ignoring change %s of kind %s", change.seq, change.kind)
        return 0

    @staticmethod
    def _local_cases(session: Any, changes: list[wire.Change]) -> dict[str, Case]:
        """The cases of this window that a page of changes is about, in one query per 500."""
        numbers = sorted({c.key for c in changes if c.kind == wire.KIND_CASE_UPDATED})
        found: dict[str, Case] = {}
        for first in range(0, len(numbers), 500):
            chunk = numbers[first : first + 500]
            found.update((c.number, c) for c in session.scalars(select(Case).where(Case.number.in_(chunk))))
        return found

    @staticmethod
    def _store_hall_cases(session: Any, changes: dict[str, wire.Change]) -> int:
        """Other windows' cases into the hall index: one upsert for the page; a change never moves an entry
        back (by seq). An event that arrived before its case has no status yet: its case's change follows."""
        rows = []
        for number, change in changes.items():
            payload = change.payload
            status, window = payload.get("status"), payload.get("window_code")
            if not isinstance(status, str) or not isinstance(window, str):
                continue
            try:
                received = payload.get("received_on")
                received_on = date.fromisoformat(received) if isinstance(received, str) else None
                updated_at = datetime.fromisoformat(change.committed_at.replace("Z", "+00:00"))
            except ValueError:
                log.warning("case change %s for %s has a bad date; skipped", change.seq, number)
                continue
            decision, item = payload.get("decision"), payload.get("item_code")
            rows.append(
                {
                    "number": number,
                    "window_code": window,
                    "status": status,
                    "decision": decision if isinstance(decision, str) else None,
                    "item_code": item if isinstance(item, str) else None,
                    "received_on": received_on,
                    "updated_at": updated_at.replace(tzinfo=None),
                    "seq": change.seq,
                }
            )
        if not rows:
            return 0
        statement = sqlite_insert(HallCase)
        statement = statement.on_conflict_do_update(
            index_elements=[HallCase.number],
            set_={
                name: statement.excluded[name]
                for name in (
                    "window_code",
                    "status",
                    "decision",
                    "item_code",
                    "received_on",
                    "updated_at",
                    "seq",
                )
            },
            where=HallCase.seq < statement.excluded.seq,
        )
        session.execute(statement, rows)
        return len(rows)

    CERTIFICATE_FIELDS = (
        "certificate_id",
        "type_name",
        "type_code",
        "holder_name",
        "holder_id_masked",
        "issuer_name",
        "issuer_code",
        "content",
        "issued_on",
        "key_id",
        "qr_text",
        "approver_login",
    )

    def _apply_certificate(self, session: Any, change: wire.Change) -> int:
        """A certificate issued in this hall, with its key as the server registered it. Trusted only when the
        seal of the window holding the case vouches for it (app.sync.certificate_event, the server's own
        check): then its key joins this window's key directory, so the certificate verifies here offline,
        and for a case this window holds the certificate is stored and the case approved. A key id this
        window holds with another key is never replaced. Anything not vouched for is logged and not stored
        (at ERROR when it concerns a case held here). Our own issue coming back, or a second one (a
        conflict the server lists), stores nothing but its key."""
        payload = change.payload
        number = payload.get("case_number")
        try:
            case_window = parse_case_number(number).window_code if isinstance(number, str) else None
        except CaseNumberError:
            case_window = None
        if not isinstance(number, str) or case_window is None:
            log.error("certificate change %s names no valid case number; not stored", change.seq)
            return 0
        if session.scalars(select(CaseEvent.id).where(CaseEvent.event_id == payload.get("event_id"))).first():
            return 0  # our own issue coming back
        case = session.scalars(select(Case).where(Case.number == number)).first()
        refuse = log.error if case is not None else log.warning
        try:
            key = carried_key(payload)
        except CertificateEventError as error:
            refuse("certificate change %s for case %s refused: %s", change.seq, number, error)
            return 0
        problem = (
            f"办件 {number} 的证照没有附签发密钥，无法核验"
            if key is None
            else check_sealed(
                payload, case_number=number, window_code=case_window, key=key, today=self._clock.today()
            )
        )
        if key is None or problem is not None:
            refuse("certificate change %s for case %s refused, not stored: %s", change.seq, number, problem)
            return 0
        applied = 0
        local = session.get(OfficeKeyRow, key.key_id)
        if local is None:
            session.add(key_row(key))
            applied = 1
            log.info("signing key %s of window %s added to the key directory", key.key_id, case_window)
        elif (local.algorithm, local.public_key, local.office_code) != (
            key.algorithm,
            key.public_key.hex(),
            key.office_code,
        ):
            refuse(
                "certificate change %s for case %s refused: its key id %s is held here with another key, "
                "which is kept",
                change.seq,
                number,
                key.key_id,
            )
            return 0
        if case is None:
            return applied
        if session.scalars(select(Certificate.id).where(Certificate.case_number == number)).first():
            return applied
        values = {k: payload.get(k) for k in self.CERTIFICATE_FIELDS}
        if not all(isinstance(v, str) and v for v in values.values()):
            log.error("certificate change %s for %s is incomplete; not stored", change.seq, number)
            return applied
        fields: dict[str, str] = {k: str(v) for k, v in values.items()}
        issued_on = date.fromisoformat(fields.pop("issued_on"))  # checked against the seal: a date
        raw_until = payload.get("valid_until")
        valid_until = date.fromisoformat(raw_until) if isinstance(raw_until, str) else None
        session.add(Certificate(case_number=number, issued_on=issued_on, valid_until=valid_until, **fields))
        if case.status == "accepted":
            case.status = "approved"
        log.info(
            "certificate %s for case %s issued on another PC, verified and stored",
            fields["certificate_id"],
            number,
        )
        return 1

    def _apply_calendar(self, session: Any, change: wire.Change, now: datetime, report: SyncReport) -> int:
        try:
            year = parse_calendar(json.dumps(change.payload, ensure_ascii=False).encode())
        except CalendarError as error:
            raise SyncError(
                "protocol", f"服务器发布的 {change.key} 年节假日安排本程序无法使用（{error}），请升级窗口程序"
            ) from None
        row = session.get(CalendarYearRow, year.year)
        if row is not None and row.sha256 == year.sha256:
            return 0
        session.merge(
            CalendarYearRow(
                year=year.year, sha256=year.sha256, source=year.source, content=year.content, received_at=now
            )
        )
        if year.year not in report.calendar_years:  # a year amended twice in one pull counts once
            report.calendar_years.append(year.year)
        log.info("calendar %d received from the server (%s)", year.year, year.source)
        return 1

    # -- conflicts -------------------------------------------------------------------------------
    def resolve_conflict(
        self, seq: int, *, resolution: str, supervisor: str, password: str
    ) -> dict[str, Any]:
        """Send a supervisor's resolution of the conflict received as change `seq`, with the supervisor's
        login and password, which the server checks itself against the hall's accounts; mark it here once
        the server has recorded it (other windows learn it by pull). Needs the server: conflicts live
        there. The server refusing the person is SyncError kind `refused`."""
        credential = self.credential()
        if credential is None:
            raise SyncError("not_registered", "本窗口尚未在服务器登记（clerk register）")
        text = resolution.strip()
        if not text or len(text) > wire.MAX_RESOLUTION_CHARS:
            raise SyncError(
                "invalid", f"处理意见应为 1–{wire.MAX_RESOLUTION_CHARS} 字，写明核实结果和处理办法"
            )
        with self._store.read() as session:
            row = session.get(SyncConflict, seq)
            if row is None:
                raise SyncError("invalid", f"本机没有第 {seq} 号冲突记录")
            if row.resolved_at is not None:
                raise SyncError("invalid", f"第 {seq} 号冲突已处理（{row.resolved_by}）")
            conflict_id = row.payload.get("conflict_id")
        if not isinstance(conflict_id, int):
            raise SyncError("protocol", f"冲突记录 {seq} 缺少服务器编号，无法处理")
        request = wire.ResolveRequest(
            resolution=text,
            supervisor_login=supervisor,
            supervisor_password=password,
            device_time=_utc_text(self._clock.now().replace(tzinfo=None)),
        )
        answer = self._request(
            "POST",
            credential.server_url,
            wire.CONFLICT_RESOLVE_PATH.format(conflict_id=conflict_id),
            credential=credential,
            json=request.to_json(),
        )
        now = self._clock.now().replace(tzinfo=None)
        with self._store.write() as session:
            row = session.get(SyncConflict, seq)
            if row is not None:
                row.resolved_at = now
                row.resolution = str(answer.get("resolution", text))
                row.resolved_by = str(answer.get("resolved_by", supervisor))
        return dict(answer)

    # -- reconciliation --------------------------------------------------------------------------
    def reconcile(self, *, first: date, last: date) -> list[DayDifference]:
        credential = self.credential()
        if credential is None:
            raise SyncError("not_registered", "本窗口尚未在服务器登记（clerk register）")
        answer = wire.ReconcileResponse.from_json(
            self._request(
                "GET",
                credential.server_url,
                wire.RECONCILE_PATH,
                params={"from": first.isoformat(), "to": last.isoformat()},
                credential=credential,
            )
        )
        server = {d.day: d.cases for d in answer.days}
        with self._store.read() as session:
            rows = session.execute(
                select(Case.received_on, func.count(), func.count(CaseEvent.acknowledged_at))
                .join(CaseEvent, (CaseEvent.case_number == Case.number) & (CaseEvent.kind == "case.decided"))
                .where(Case.window_code == credential.window_code, Case.received_on.between(first, last))
                .group_by(Case.received_on)
            ).all()
        local = {day.isoformat(): (made, acknowledged) for day, made, acknowledged in rows}
        days = sorted(set(server) | set(local))
        return [DayDifference(d, *local.get(d, (0, 0)), server.get(d, 0)) for d in days]

    def conflicts(self, *, unresolved_only: bool = True) -> list[dict[str, Any]]:
        """Conflicts the server found in this hall, for a supervisor to look at."""
        with self._store.read() as session:
            query = select(SyncConflict).order_by(SyncConflict.seq)
            if unresolved_only:
                query = query.where(SyncConflict.resolved_at.is_(None))
            rows = session.scalars(query).all()
            names: dict[str, str] = {
                login: name for login, name in session.execute(select(Clerk.login, Clerk.name))
            }
        return [
            {
                "seq": r.seq,
                "case_number": r.case_number,
                "reason": r.reason,
                "message": r.payload.get("message", ""),
                "window_code": r.payload.get("window_code"),
                "device_id": r.payload.get("device_id"),  # the device that sent the conflicting record
                "received_at": _utc_text(r.received_at),
                "resolved_at": _utc_text(r.resolved_at) if r.resolved_at else None,
                "resolution": r.resolution,
                "resolved_by": r.resolved_by,  # as the server records it: "login@WINDOW"
                "resolved_by_name": resolver_label(r.resolved_by, names),
            }
            for r in rows
        ]

    # -- plumbing --------------------------------------------------------------------------------
    def _get_state(self, key: str) -> str | None:
        with self._store.read() as session:
            row = session.get(SyncState, key)
            return None if row is None else row.value

    def _set_state(self, key: str, value: str) -> None:
        with self._store.write() as session:
            session.merge(SyncState(key=key, value=value))

    def _drop_state(self, key: str) -> None:
        with self._store.write() as session:
            row = session.get(SyncState, key)
            if row is not None:
                session.delete(row)

    def state(self) -> dict[str, str]:
        with self._store.read() as session:
            return {row.key: row.value for row in session.scalars(select(SyncState)).all()}

    def _request(
        self,
        method: str,
        base: str,
        path: str,
        *,
        credential: Credential | None,
        json: Any = None,
        content: bytes | None = None,
        params: dict[str, str] | None = None,
    ) -> Any:
        """A JSON request; its decoded answer, or SyncError."""
        response = self._send(method, base, path, credential, json=json, content=content, params=params)
        try:
            return response.json()
        except ValueError:
            raise SyncError("protocol", f"服务器回应不是 JSON（{path}）") from None

    def _request_bytes(self, credential: Credential, path: str) -> bytes:
        """GET a file (a catalog) as bytes, with the same errors as `_request`."""
        return self._send("GET", credential.server_url, path, credential).content

    def _send(
        self,
        method: str,
        base: str,
        path: str,
        credential: Credential | None,
        *,
        json: Any = None,
        content: bytes | None = None,
        params: dict[str, str] | None = None,
    ) -> httpx.Response:
        """One request on its own connection; a 200 response, or SyncError saying what went wrong."""
        headers = {"Authorization": credential.bearer} if credential else {}
        if content is not None:
            headers["Content-Type"] = "application/json"
        try:
            with httpx.Client(
                base_url=base,
                timeout=httpx.Timeout(self.read_timeout, connect=CONNECT_TIMEOUT),
                transport=self._transport,
                verify=self._verify(),
            ) as http:
                response = http.request(
                    method, path, json=json, content=content, params=params, headers=headers
                )
        except httpx.TimeoutException as error:
            raise SyncError("offline", f"连接服务器超时（{base}）：{error}") from error
        except httpx.TransportError as error:
            raise SyncError("offline", f"无法连接服务器（{base}）：{error}") from error
        if response.status_code != 200:
            self._raise_for(response, credential, path)
        return response

    def _verify(self) -> ssl.SSLContext:
        """The TLS context for the server, made once per CA setting: loading a CA bundle costs ~20 ms,
        which every request (and every batch of a push) would otherwise pay again."""
        ca_file = str(self._settings.get("server_ca") or "")
        with self._tls_lock:
            cached = self._tls.get(ca_file)
            if cached is not None:
                return cached
            try:
                if ca_file:
                    context = ssl.create_default_context(cafile=ca_file)
                else:
                    context = httpx.create_ssl_context()
            except (OSError, ssl.SSLError) as error:
                raise SyncError("protocol", f"无法读取服务器 CA 证书 {ca_file}：{error}") from error
            self._tls[ca_file] = context
            return context

    def _raise_for(self, response: httpx.Response, credential: Credential | None, path: str) -> NoReturn:
        """The SyncError for a response other than 200 (the server's message when it sent one)."""
        try:
            body = response.json()
        except ValueError:
            body = None
        message = body.get("message") if isinstance(body, dict) else None
        code = body.get("error") if isinstance(body, dict) else None
        if response.status_code == 401:
            if code == "revoked" and credential is not None:
                self._forget(credential, message or "")
            raise SyncError("auth", message or "服务器拒绝了本窗口的凭据，请重新登记")
        if response.status_code == 403 and code in PERSON_REFUSED:
            raise SyncError("refused", message or "服务器拒绝了工作人员授权")
        if response.status_code == 413:
            raise SyncError("too_large", message or f"请求过大（HTTP 413，{path}）")
        if response.status_code in (400, 403, 404, 409):
            raise SyncError("protocol", message or f"服务器拒绝请求（HTTP {response.status_code}，{path}）")
        raise SyncError("server", message or f"服务器错误（HTTP {response.status_code}），稍后自动重试")

    def _forget(self, credential: Credential, message: str) -> None:
        """A revoked device credential is useless; drop it so the window asks to be registered again. That
        it was revoked is written first, so a crash in between leaves the credential to be refused again.
        Only that credential: a superseded registration being refused leaves the window's own one alone."""
        key = credential_key(credential.server_url, credential.window_code)
        stored = self._secrets.get(key)
        if stored is None or json.loads(stored).get("device_id") != credential.device_id:
            return
        revocation = Revocation(
            server_url=credential.server_url,
            hall_code=credential.hall_code,
            window_code=credential.window_code,
            device_id=credential.device_id,
            noticed_at=_utc_text(self._clock.now().replace(tzinfo=None)),
            message=message,
        )
        self._set_state(REVOKED_STATE, json.dumps(asdict(revocation), ensure_ascii=False))
        self._secrets.delete(key)
        log.warning(
            "device credential %s revoked by the server; forgotten: %s", credential.device_id, message
        )

    def server_url(self) -> str:
        """The server this window syncs with ("" before its first registration)."""
        return str(self._settings.get("server_url") or "")

    def data_folder(self) -> Path:
        """The data folder of this window (its database's folder): the `--home` of its commands."""
        return self._store.path.parent

    def revocation(self) -> Revocation | None:
        """Why this window has no credential, when the server revoked it (None: registered, or never was)."""
        if self.credential() is not None:
            return None
        text_ = self._get_state(REVOKED_STATE)
        if text_ is None:
            return None
        try:
            return Revocation(**json.loads(text_))
        except (ValueError, TypeError):
            log.warning("unreadable revocation record %r; ignored", text_[:200])
            return None
