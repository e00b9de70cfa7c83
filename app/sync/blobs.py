"""Page files the window owes its server (issue 14), uploaded after each push; a case's page files are
downloaded when looked at (app.sync.blob_downloads).

What the window owes is its `page_upload` rows (app.scanning.attach writes one per file with the page set
that names it):
- each file is read from the page store and its hash checked first (a damaged or missing file is never
  sent: the row says why, in `last_error`, and the others go on; it is tried again next round, which costs
  a look at the disk, so a file put back is sent). A missing file that no page set and no kept draft
  names any more is no longer owed: its row goes. A helper's PC owes the files of its drafts' pages the
  same way (app.helpers.drafts.name_pages), so a window of the hall can download them;
- the server says how much of the file it holds from this hall (app.sync.wire, BLOB_UPLOAD_PATH), and the
  window sends the rest in chunks from there: a cut connection, a crash or a restart of the app resumes
  from the server's offset, never from a count of its own. A chunk refused as not at the server's offset
  resumes at the offset the server gives. A file the server refuses as not its hash is read again here:
  damaged here, it is said so (PageDamaged); otherwise it went wrong on the way and is sent again once;
- uploading stops when the round's time is up (`UPLOAD_SECONDS`, after at least one chunk): the rest goes
  on next round. A network or server failure stops it too, and the round goes on to pull: page files
  never hold up the hall's changes;
- when nothing is owed, a round costs one query.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.clock import Clock
from app.scanning.page_store import PageDamaged, PageMissing, PageStore, megabytes
from app.scanning.pages import CaptureError
from app.sync import wire
from app.sync.transport import Credential, SyncError, Transport
from db.models import CasePage, HelperDraftPage, PageUpload
from db.store import Store

log = logging.getLogger("clerk.sync.blobs")

UPLOAD_SECONDS = 30.0  # page uploading in one round; what is left goes on in the next


def owe_files(session: Session, files: Mapping[str, int], *, queued_at: datetime) -> None:
    """`files` (SHA-256 → size) owed to the server from now on, in the caller's write session: a row each
    for those not owed already (a page set's, app.scanning.attach; a helper's draft's, app.helpers.drafts).
    `queued_at`: naive UTC, as the table keeps it."""
    if not files:
        return
    known = set(session.scalars(select(PageUpload.sha256).where(PageUpload.sha256.in_(list(files)))))
    session.add_all(
        PageUpload(sha256=sha, byte_size=size, sent_bytes=0, queued_at=queued_at)
        for sha, size in files.items()
        if sha not in known
    )


MAX_RETRIES = 5  # chunks of one file refused in a row (and resumed) before the file waits for next round
# The refusals of a chunk after which the upload goes on: from the server's offset, or from 0 once.
RESUMABLE = (wire.BLOB_WRONG_OFFSET, wire.BLOB_NOT_STARTED, wire.BLOB_HASH_MISMATCH)


@dataclass
class UploadRound:
    """What a round's uploading did."""

    uploaded: int = 0  # files the server holds whole now that it did not at the start
    bytes_sent: int = 0
    owed: int = 0  # files still owed at the end
    stopped: str | None = None  # why uploading stopped before the end (network, server, time)
    problems: list[str] = field(default_factory=list)  # files not sent, each with why (Chinese)


@dataclass(frozen=True)
class UploadProblem:
    """A file the window owes the server and could not send (for diagnostics)."""

    sha256: str
    byte_size: int
    sent_bytes: int
    error: str


@dataclass(frozen=True)
class _Owed:
    sha256: str
    byte_size: int


class _Stop(Exception):
    """Uploading stops for this round (the network, the server, the time)."""


class PageUploads:
    def __init__(self, *, store: Store, pages: PageStore, transport: Transport, clock: Clock) -> None:
        self.store, self.pages, self.transport, self.clock = store, pages, transport, clock
        self.seconds = UPLOAD_SECONDS

    def owed(self) -> list[_Owed]:
        """The files still owed, oldest first: one query."""
        with self.store.read() as session:
            rows = session.execute(
                select(PageUpload.sha256, PageUpload.byte_size)
                .where(PageUpload.done_at.is_(None))
                .order_by(PageUpload.queued_at, PageUpload.sha256)
            ).all()
        return [_Owed(sha, size) for sha, size in rows]

    def problems(self) -> list[UploadProblem]:
        with self.store.read() as session:
            rows = session.scalars(
                select(PageUpload).where(PageUpload.done_at.is_(None), PageUpload.last_error.is_not(None))
            ).all()
            return [UploadProblem(r.sha256, r.byte_size, r.sent_bytes, r.last_error or "") for r in rows]

    def upload(self, credential: Credential) -> UploadRound:
        """Send what is owed until done or the round's time is up; never raises for the network."""
        done = UploadRound()
        owed = self.owed()
        if not owed:
            return done
        deadline = time.monotonic() + self.seconds
        for index, file in enumerate(owed):
            if index and time.monotonic() >= deadline:
                done.stopped = "本轮上传时间已到，其余页面文件下次同步继续上传"
                break
            try:
                if self._upload_file(credential, file, deadline, done):
                    done.uploaded += 1
            except _Stop as stop:
                done.stopped = str(stop)
                break
        done.owed = len(self.owed())
        if done.uploaded or done.stopped or done.problems:
            log.info(
                "page files: %d uploaded (%s), %d still owed%s",
                done.uploaded,
                megabytes(done.bytes_sent),
                done.owed,
                f"; stopped: {done.stopped}" if done.stopped else "",
            )
        return done

    # -- one file ---------------------------------------------------------------------------------------
    def _upload_file(self, credential: Credential, file: _Owed, deadline: float, done: UploadRound) -> bool:
        """True when the server holds the file whole now; False when it stays owed (a problem recorded, or
        the time up). _Stop when the network or the server stops the round's uploading."""
        sha = file.sha256
        data = self._local(file, done)
        if data is None:
            return False
        file = _Owed(sha, len(data))  # the file's own size (its bytes hash to its name)
        status = self._status(credential, sha, len(data), done)
        if status is None:
            return False
        retries, mismatched, sent_any = 0, False, False
        while not status.complete:
            if sent_any and time.monotonic() >= deadline:
                self._record(sha, sent=status.received)
                return False
            offset = status.received
            chunk = data[offset : offset + wire.BLOB_CHUNK_BYTES]
            try:
                status = self._put(credential, sha, offset, chunk)
            except SyncError as error:
                retries += 1
                resumed = self._after_refusal(credential, error, file, offset, retries, mismatched, done)
                if resumed is None:
                    return False
                mismatched = mismatched or error.code == wire.BLOB_HASH_MISMATCH
                status = resumed
                continue
            done.bytes_sent += len(chunk)
            sent_any, retries = True, 0
        self._record(sha, sent=len(data), done_at=self.clock.now().replace(tzinfo=None))
        return True

    def _after_refusal(
        self,
        credential: Credential,
        error: SyncError,
        file: _Owed,
        offset: int,
        retries: int,
        mismatched: bool,
        done: UploadRound,
    ) -> wire.BlobStatus | None:
        """Where to go on after a chunk was refused: the server's offset (`wrong_offset`, `not_started`), or
        from 0 after a file that did not hash right on the server once (when it hashes right here). None
        when the file stays owed (recorded); _Stop for the network and the server."""
        sha, size = file.sha256, file.byte_size
        if (
            retries > MAX_RETRIES
            or error.code not in RESUMABLE
            or (error.code == wire.BLOB_HASH_MISMATCH and mismatched)
        ):
            self._failed(error, sha, offset, done)
            return None
        if error.code == wire.BLOB_WRONG_OFFSET:
            resumed = _offset_given(error, size)
            if resumed is not None:
                return wire.BlobStatus(sha, size, resumed, False)
        if error.code == wire.BLOB_HASH_MISMATCH:
            if self._local(file, done) is None:  # damaged here: said so
                return None
            log.warning("page file %s arrived damaged at the server; sending it again", sha)
        return self._status(credential, sha, size, done)

    def _local(self, file: _Owed, done: UploadRound) -> bytes | None:
        """The file's bytes, checked against its name; None (recorded) when missing or damaged."""
        try:
            return self.pages.read(file.sha256)
        except PageMissing:
            if self._unnamed(file.sha256):
                return None
            problem = (
                f"本机页面库中缺少页面文件 {file.sha256[:12]}…（可能被手工删除），无法上传；"
                "请重新采集该页，或从备份恢复该文件"
            )
        except (PageDamaged, CaptureError) as error:
            problem = f"{error}，无法上传"
        self._problem(file.sha256, problem, done)
        return None

    def _unnamed(self, sha: str) -> bool:
        """A missing file no page set and no kept draft names any more (its page was deleted or captured
        again, and the file swept from the page store) is owed to no one: its row goes, in one transaction
        with the check."""
        with self.store.write() as session:
            if (
                session.scalars(select(CasePage.id).where(CasePage.sha256 == sha).limit(1)).first()
                is not None
                or session.scalars(
                    select(HelperDraftPage.draft_id).where(HelperDraftPage.sha256 == sha).limit(1)
                ).first()
                is not None
            ):
                return False
            session.execute(delete(PageUpload).where(PageUpload.sha256 == sha, PageUpload.done_at.is_(None)))
        log.info("page file %s is gone and no page names it any more: no longer owed", sha)
        return True

    def _status(
        self, credential: Credential, sha: str, size: int, done: UploadRound
    ) -> wire.BlobStatus | None:
        try:
            answer = self.transport.request(
                "POST",
                credential.server_url,
                wire.BLOB_UPLOAD_PATH.format(sha256=sha),
                credential=credential,
                json={"size": size},
            )
            status = wire.BlobStatus.from_json(answer)
        except SyncError as error:
            self._failed(error, sha, None, done)
            return None
        except wire.WireError as error:
            raise _Stop(f"服务器回应有误：{error}") from None
        if status.sha256 != sha or status.size != size:
            raise _Stop(f"服务器回应的页面文件 {status.sha256[:12]}…（{status.size} 字节）不是所问的文件")
        return status

    def _put(self, credential: Credential, sha: str, offset: int, chunk: bytes) -> wire.BlobStatus:
        answer = self.transport.request(
            "PUT",
            credential.server_url,
            wire.BLOB_UPLOAD_PATH.format(sha256=sha),
            credential=credential,
            params={"offset": str(offset)},
            content=chunk,
            content_type="application/octet-stream",
        )
        try:
            status = wire.BlobStatus.from_json(answer)
        except wire.WireError as error:
            raise _Stop(f"服务器回应有误：{error}") from None
        if status.received < offset + len(chunk) and not status.complete:
            raise _Stop(f"服务器只确认了 {status.received} 字节，少于已发送的 {offset + len(chunk)} 字节")
        return status

    def _failed(self, error: SyncError, sha: str, sent: int | None, done: UploadRound) -> None:
        """A refusal of this file (recorded on its row, the others go on), or a failure that stops the
        round's uploading (_Stop: offline, the server's trouble, the credential)."""
        if error.kind in ("offline", "server", "auth", "not_registered") or error.code == "busy":
            if sent is not None:
                self._record(sha, sent=sent)
            raise _Stop(error.message)
        self._problem(sha, f"服务器拒收页面文件 {sha[:12]}…：{error.message}", done, sent=sent)

    def _problem(self, sha: str, problem: str, done: UploadRound, *, sent: int | None = None) -> None:
        log.warning("page file %s not uploaded: %s", sha, problem)
        done.problems.append(problem)
        self._record(sha, sent=sent, error=problem)

    def _record(
        self, sha: str, *, sent: int | None, error: str | None = None, done_at: datetime | None = None
    ) -> None:
        values: dict[str, object] = {"last_error": error}
        if sent is not None:
            values["sent_bytes"] = sent
        if done_at is not None:
            values["done_at"] = done_at
        with self.store.write() as session:
            session.execute(update(PageUpload).where(PageUpload.sha256 == sha).values(**values))


def _offset_given(error: SyncError, size: int) -> int | None:
    """The offset a `wrong_offset` answer gives, when it is one."""
    received = (error.answer or {}).get("received")
    if isinstance(received, int) and not isinstance(received, bool) and 0 <= received < size:
        return received
    return None
