"""A case's page files downloaded from the server when they are looked at (the back office opening a case
it fetched; issue 14): the files its page sets name that are not in this PC's page store, fetched in parts
(resumed from what an interrupted download left in `DOWNLOADS_FOLDER`), the whole file's SHA-256 checked
before it enters the page store. A file the server does not hold for this hall (not uploaded yet by the PC
that captured it) is reported, not waited for; one that arrives other than its name says is dropped and
reported; offline, the clerk is told (`OFFLINE_PAGES`).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from app.scanning.page_store import MAX_PAGE_BYTES, PageDamaged, PageStore, is_sha256
from app.scanning.pages import CaptureError
from app.sync import wire
from app.sync.transport import Credential, SyncError, Transport
from db.models import CasePage, PageSet
from db.store import Store

log = logging.getLogger("clerk.sync.blobs")

DOWNLOADS_FOLDER = ".downloads"  # under the page store: files being downloaded, by SHA-256
OFFLINE_PAGES = "无法连接服务器，暂时不能调取该办件的材料页面"

PagesProgress = Callable[[int, int], None]  # (files of the case here so far, files its pages name)


@dataclass(frozen=True)
class FilesHere:
    """Where a set of page files is after `PageDownloads.ensure_files`."""

    files: int  # distinct files asked for
    here: int  # of those, in this PC's page store now
    downloaded: int  # of those, by this call
    not_on_server: tuple[str, ...] = ()  # SHA-256s the server does not hold for this hall (yet)
    problems: tuple[str, ...] = ()  # files refused here (damaged on the way …), each with why


@dataclass(frozen=True)
class PagesHere:
    """Where a case's page files are after `PageDownloads.ensure`."""

    number: str
    files: int  # distinct files the case's page sets name
    here: int  # of those, in this PC's page store now
    downloaded: int  # of those, by this call
    not_on_server: tuple[str, ...] = ()  # SHA-256s the server does not hold for this hall (yet)
    problems: tuple[str, ...] = ()  # files refused here (damaged on the way …), each with why

    @property
    def complete(self) -> bool:
        return self.here == self.files

    @property
    def message(self) -> str:
        """What the clerk is told when some pages are not here."""
        if self.complete:
            return ""
        parts = [f"办件 {self.number} 的材料页面有 {self.files - self.here} 个文件不在本机"]
        if self.not_on_server:
            parts.append(f"其中 {len(self.not_on_server)} 个采集窗口尚未上传到服务器，请稍后再试")
        parts += list(self.problems)
        return "；".join(parts)


class PageDownloads:
    def __init__(self, *, store: Store, pages: PageStore, transport: Transport) -> None:
        self.store, self.pages, self.transport = store, pages, transport

    def files_of(self, number: str) -> dict[str, int]:
        """The files (SHA-256 → size) the case's page sets held here name."""
        with self.store.read() as session:
            rows = session.execute(
                select(CasePage.sha256, CasePage.byte_size)
                .join(PageSet, PageSet.id == CasePage.page_set_id)
                .where(PageSet.case_number == number)
            ).all()
        return {sha: size for sha, size in rows}

    def ensure(
        self, credential: Credential | None, number: str, progress: PagesProgress | None = None
    ) -> PagesHere:
        """Download the case's page files not here. SyncError (`OFFLINE_PAGES` …) when the server cannot be
        asked for files that are needed; what was downloaded before it stays."""
        got = self.ensure_files(credential, self.files_of(number), progress)
        log.info(
            "case %s: %d page files downloaded, %d not on the server, %d refused",
            number,
            got.downloaded,
            len(got.not_on_server),
            len(got.problems),
        )
        return PagesHere(number, got.files, got.here, got.downloaded, got.not_on_server, got.problems)

    def ensure_files(
        self,
        credential: Credential | None,
        files: Mapping[str, int],
        progress: PagesProgress | None = None,
    ) -> FilesHere:
        """Download the files (SHA-256 → size) not in the page store: a case's (`ensure`) or a helper's
        draft's (app.helpers.draft_pages). Each file's hash is checked before it enters the store; one that
        does not match is dropped and named in `problems`. SyncError (`OFFLINE_PAGES` …) when files are
        needed and the server cannot be asked; what was downloaded before it stays."""
        missing = sorted(sha for sha in files if not self.pages.has(sha))
        here = len(files) - len(missing)
        if progress is not None:
            progress(here, len(files))
        if not missing:
            return FilesHere(len(files), here, 0)
        if credential is None:
            raise SyncError("not_registered", f"{OFFLINE_PAGES}（本窗口尚未在服务器登记）")
        absent: list[str] = []
        problems: list[str] = []
        downloaded = 0
        for sha in missing:
            try:
                self._download(credential, sha, files[sha])
            except SyncError as error:
                if error.code == "not_found":
                    absent.append(sha)
                    continue
                if error.kind in ("offline", "server"):
                    raise SyncError(error.kind, f"{OFFLINE_PAGES}（{error.message}）") from None
                raise
            except PageDamaged as error:
                problems.append(str(error))
                continue
            downloaded += 1
            here += 1
            if progress is not None:
                progress(here, len(files))
        return FilesHere(len(files), here, downloaded, tuple(absent), tuple(problems))

    def partial_path(self, sha: str) -> Path:
        if not is_sha256(sha):
            raise ValueError(f"not a SHA-256 in lowercase hex: {sha!r}")
        return self.pages.root / DOWNLOADS_FOLDER / f"{sha}.part"

    def _download(self, credential: Credential, sha: str, size: int) -> None:
        """The file into the page store, its hash checked; resumed from a partial left before. PageDamaged
        when the bytes are not the file named (nothing kept); SyncError `disk_full` when the disk is."""
        if not 0 < size <= MAX_PAGE_BYTES:
            raise PageDamaged(f"页面文件 {sha[:12]}… 的记录大小 {size} 字节不合规定，未下载")
        try:
            self.pages.check_room(size)
        except CaptureError as error:
            raise SyncError("disk_full", str(error)) from None
        partial = self.partial_path(sha)
        partial.parent.mkdir(parents=True, exist_ok=True)
        with partial.open("ab") as out:
            offset = out.tell()
            while offset < size:
                response = self.transport.send(
                    "GET",
                    credential.server_url,
                    wire.BLOB_PATH.format(sha256=sha),
                    credential,
                    params={"offset": str(offset)},
                )
                part = response.content
                declared = response.headers.get(wire.BLOB_SIZE_HEADER, "")
                if declared != str(size) or not part or len(part) > wire.BLOB_DOWNLOAD_BYTES:
                    out.close()
                    partial.unlink(missing_ok=True)
                    raise PageDamaged(
                        f"服务器发来的页面文件 {sha[:12]}… 大小不符"
                        f"（记录 {size} 字节，服务器称 {declared[:20]}），未保存"
                    )
                out.write(part[: size - offset])
                out.flush()
                offset += len(part)
        data = partial.read_bytes()
        partial.unlink(missing_ok=True)
        if hashlib.sha256(data).hexdigest() != sha:
            raise PageDamaged(
                f"从服务器下载的页面文件 {sha[:12]}… 与其校验值不符，已丢弃；请稍后重试或联系信息技术人员"
            )
        try:
            self.pages.put(data)
        except CaptureError as error:
            raise SyncError("disk_full", str(error)) from None
