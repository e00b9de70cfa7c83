"""Page files on the server (issue 14): uploaded in chunks by the PCs of a hall, resumable, verified,
kept once on the disk (server.blob_files), downloaded only by PCs of a hall that holds them.

The rules, as a PC of the hall meets them (server.routes.blobs; the format: app.sync.wire, BLOB_*):
- An upload is one hall's: it starts with the size declared (at most MAX_BLOB_BYTES), and the server
  answers how many bytes it holds *from this hall*. Whether another hall holds the same file is never
  told, not even by a faster answer: a hall sends a file whole, and at the end the bytes it sent are
  hashed like any others. Only then is the hall added to the file's halls; a file already on the disk is
  not written again (one copy, never overwritten).
- Chunks come in order: a chunk not at the offset the server holds is refused (`wrong_offset`, with the
  offset), and the PC resumes there; a duplicate of the last chunk, after the upload completed, is
  answered with the complete status. A chunk is on the disk before the database counts it.
- The chunk that reaches the declared size completes the upload: the whole file is hashed, and a file
  that is not the SHA-256 named is dropped (`hash_mismatch`; the hall starts again from 0).
- A hall's files may be limited (`hall_quota_bytes`: what its uploads declared, complete or not).
- Download: only a file the device's hall holds (its own upload completed). Naming a hash in an event is
  not holding it: a stolen PC that learnt the hash of another hall's page still gets `404 not_found`,
  the same answer as for a file the server does not have.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update
from sqlalchemy.exc import OperationalError

from app.sync.wire import (
    BLOB_DISK_FULL,
    BLOB_DOWNLOAD_BYTES,
    BLOB_HASH_MISMATCH,
    BLOB_NOT_STARTED,
    BLOB_QUOTA_EXCEEDED,
    BLOB_WRONG_OFFSET,
    MAX_BLOB_BYTES,
    BlobStatus,
)
from server import dialect
from server.blob_files import BlobFiles, DiskFull, is_sha256
from server.clock import Clock, utc_naive
from server.models import blob, blob_upload
from server.store import ServerDB
from server.sync.device import Device

log = logging.getLogger("clerk.server.blobs")

NOT_HELD = "服务器上没有该页面文件，或本设备所在大厅无权调取"
CALL_IT = "请联系信息技术人员，稍后自动重试"


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


class BlobRefused(Exception):
    """A request refused; nothing of it kept. `received`: the offset the server holds (`wrong_offset`)."""

    def __init__(self, status: int, code: str, message: str, *, received: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.received = received


@dataclass(frozen=True)
class Download:
    data: bytes  # from the offset asked, at most BLOB_DOWNLOAD_BYTES
    size: int  # the whole file


def checked_sha256(text: str) -> str:
    if not is_sha256(text):
        raise BlobRefused(
            400,
            "invalid",
            f"页面文件名应为 64 位小写十六进制 SHA-256，实为“{text[:80]}”（{len(text)} 个字符）",
        )
    return text


class BlobService:
    def __init__(
        self, db: ServerDB, files: BlobFiles, clock: Clock, *, hall_quota_bytes: int | None = None
    ) -> None:
        self.db = db
        self.files = files
        self.clock = clock
        self.hall_quota_bytes = hall_quota_bytes

    def _now(self) -> datetime:
        return utc_naive(self.clock())

    def _write(self, work: Callable[[Connection], BlobStatus | BlobRefused]) -> BlobStatus:
        """`work` in one write transaction; a refusal it returns is raised after COMMIT (what it reset is
        kept), one it raises rolls back."""
        try:
            with self.db.write() as connection:
                outcome = work(connection)
        except OperationalError as error:
            if "database is locked" not in str(error.orig):
                raise
            raise BlobRefused(503, "busy", "服务器数据库繁忙，本次未保存，将自动重试") from None
        if isinstance(outcome, BlobRefused):
            raise outcome
        return outcome

    # -- upload -----------------------------------------------------------------------------------------
    def start(self, device: Device, sha256: str, size: Any) -> BlobStatus:
        """Start or resume the hall's upload of `sha256`, declared `size` bytes: what the server holds."""
        checked_sha256(sha256)
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise BlobRefused(400, "invalid", f"页面文件大小应为正整数（字节），实为 {str(size)[:40]}")
        if size > MAX_BLOB_BYTES:
            raise BlobRefused(
                413, "too_large", f"页面文件 {_mib(size)}，超过单个文件 {_mib(MAX_BLOB_BYTES)} 的上限，未接收"
            )
        return self._write(lambda connection: self._start(connection, device, sha256, size))

    def _start(
        self, connection: Connection, device: Device, sha256: str, size: int
    ) -> BlobStatus | BlobRefused:
        now = self._now()
        row = self._upload(connection, sha256, device.hall_code)
        if row is None:
            refused = self._over_quota(connection, device.hall_code, size)
            if refused is not None:
                return refused
            connection.execute(
                dialect.insert(self.db, blob_upload)
                .values(
                    sha256=sha256,
                    hall_code=device.hall_code,
                    byte_size=size,
                    received_bytes=0,
                    device_id=device.device_id,
                    started_at=now,
                    updated_at=now,
                )
                .on_conflict_do_nothing()
            )
            row = self._upload(connection, sha256, device.hall_code)
            assert row is not None
            if row.received_bytes == 0:
                self.files.drop_partial(sha256, device.hall_code)  # one left by an upload started over
        if row.completed_at is not None:
            if row.byte_size != size:
                return BlobRefused(
                    400,
                    "invalid",
                    f"申报的大小 {size} 字节与本大厅已上传的同一文件（{row.byte_size} 字节）不符",
                )
            return BlobStatus(sha256, size, size, True)
        received = row.received_bytes
        if row.byte_size != size or self.files.partial_size(sha256, device.hall_code) < received:
            # Declared otherwise (a PC of the hall is wrong, and the hash will tell which), or the partial
            # lost its end: started over.
            self.files.drop_partial(sha256, device.hall_code)
            received = 0
            self._set(connection, sha256, device, now, byte_size=size, received_bytes=0)
        return BlobStatus(sha256, size, received, False)

    def put_chunk(self, device: Device, sha256: str, offset: Any, data: bytes) -> BlobStatus:
        """`data` at `offset` of the hall's upload of `sha256`; the chunk that ends it completes it."""
        checked_sha256(sha256)
        if not isinstance(offset, int) or offset < 0:
            raise BlobRefused(400, "invalid", f"offset 应为非负整数，实为 {str(offset)[:40]}")
        if not data:
            raise BlobRefused(400, "invalid", "数据块为空")
        return self._write(lambda connection: self._put(connection, device, sha256, offset, data))

    def _put(
        self, connection: Connection, device: Device, sha256: str, offset: int, data: bytes
    ) -> BlobStatus | BlobRefused:
        hall, now = device.hall_code, self._now()
        row = self._upload(connection, sha256, hall)
        if row is None:
            return BlobRefused(409, BLOB_NOT_STARTED, "该页面文件的上传尚未开始（请先申报大小），本块未保存")
        size = row.byte_size
        if row.completed_at is not None:
            return BlobStatus(sha256, size, size, True)  # a chunk sent again after the end: done already
        received = row.received_bytes
        if self.files.partial_size(sha256, hall) < received:  # the partial lost its end: start over
            self.files.drop_partial(sha256, hall)
            self._set(connection, sha256, device, now, received_bytes=0)
            received = 0
        if offset != received:
            return BlobRefused(
                409,
                BLOB_WRONG_OFFSET,
                f"数据块位置 {offset} 不是服务器已收到的字节数 {received}，请从 {received} 续传",
                received=received,
            )
        if offset + len(data) > size:
            return BlobRefused(
                413,
                "too_large",
                f"数据块（{offset}–{offset + len(data)} 字节）超出申报的文件大小 {size} 字节，未保存",
            )
        try:
            self.files.write_chunk(sha256, hall, offset, data)
        except DiskFull:
            log.error("disk full under %s: a chunk of %s from %s not kept", self.files.root, sha256, hall)
            return BlobRefused(507, BLOB_DISK_FULL, f"服务器磁盘空间不足，本块未保存；{CALL_IT}")
        received = offset + len(data)
        if received < size:
            self._set(connection, sha256, device, now, received_bytes=received)
            return BlobStatus(sha256, size, received, False)
        return self._complete(connection, device, sha256, size, now)

    def _complete(
        self, connection: Connection, device: Device, sha256: str, size: int, now: datetime
    ) -> BlobStatus | BlobRefused:
        hall = device.hall_code
        found = self.files.partial_sha256(sha256, hall)
        if found != sha256:
            self.files.drop_partial(sha256, hall)
            self._set(connection, sha256, device, now, received_bytes=0)
            log.warning(
                "upload of %s from %s (device %s) hashed to %s: dropped",
                sha256,
                hall,
                device.device_id,
                found,
            )
            return BlobRefused(
                409,
                BLOB_HASH_MISMATCH,
                f"上传的页面文件内容与其校验值不符（{sha256[:12]}…），服务器已丢弃，需重新上传",
            )
        try:
            placed = self.files.keep(sha256, hall)
        except DiskFull:
            return BlobRefused(507, BLOB_DISK_FULL, f"服务器磁盘空间不足，文件未保存；{CALL_IT}")
        connection.execute(
            dialect.insert(self.db, blob)
            .values(sha256=sha256, byte_size=size, completed_at=now)
            .on_conflict_do_nothing()
        )
        self._set(connection, sha256, device, now, received_bytes=size, completed_at=now)
        log.info(
            "page file %s (%d bytes) complete from %s (device %s)%s",
            sha256,
            size,
            hall,
            device.device_id,
            "" if placed else "; the same bytes were on the disk already",
        )
        return BlobStatus(sha256, size, size, True)

    def _upload(self, connection: Connection, sha256: str, hall_code: str) -> Any:
        return connection.execute(
            select(blob_upload)
            .where(blob_upload.c.sha256 == sha256, blob_upload.c.hall_code == hall_code)
            .with_for_update()
        ).first()

    def _set(self, connection: Connection, sha256: str, device: Device, now: datetime, **values: Any) -> None:
        connection.execute(
            update(blob_upload)
            .where(blob_upload.c.sha256 == sha256, blob_upload.c.hall_code == device.hall_code)
            .values(device_id=device.device_id, updated_at=now, **values)
        )

    def _over_quota(self, connection: Connection, hall_code: str, size: int) -> BlobRefused | None:
        if self.hall_quota_bytes is None:
            return None
        used = int(
            connection.execute(
                select(func.coalesce(func.sum(blob_upload.c.byte_size), 0)).where(
                    blob_upload.c.hall_code == hall_code
                )
            ).scalar_one()
        )
        if used + size <= self.hall_quota_bytes:
            return None
        log.warning("hall %s is at its page quota: %d of %d bytes", hall_code, used, self.hall_quota_bytes)
        return BlobRefused(
            409,
            BLOB_QUOTA_EXCEEDED,
            f"本大厅在服务器上的材料页面已用 {_mib(used)}，再存 {_mib(size)} 将超过配额 "
            f"{_mib(self.hall_quota_bytes)}，未接收；请联系信息技术人员",
        )

    # -- download ---------------------------------------------------------------------------------------
    def download(self, device: Device, sha256: str, offset: Any) -> Download:
        """At most BLOB_DOWNLOAD_BYTES of a file the device's hall holds, from `offset`."""
        checked_sha256(sha256)
        if not isinstance(offset, int) or offset < 0:
            raise BlobRefused(400, "invalid", f"offset 应为非负整数，实为 {str(offset)[:40]}")
        with self.db.read() as connection:
            size = connection.execute(
                select(blob.c.byte_size)
                .select_from(blob.join(blob_upload, blob_upload.c.sha256 == blob.c.sha256))
                .where(
                    blob.c.sha256 == sha256,
                    blob_upload.c.hall_code == device.hall_code,
                    blob_upload.c.completed_at.is_not(None),
                )
            ).scalar()
        if size is None:
            log.info(
                "device %s (hall %s) asked for page file %s, which its hall does not hold",
                device.device_id,
                device.hall_code,
                sha256,
            )
            raise BlobRefused(404, "not_found", NOT_HELD)
        if self.files.size(sha256) != size:
            log.error("page file %s is missing or damaged under %s", sha256, self.files.root)
            raise BlobRefused(404, "not_found", NOT_HELD)
        if offset > size:
            raise BlobRefused(400, "invalid", f"offset {offset} 超出文件大小 {size} 字节")
        return Download(self.files.read(sha256, offset, BLOB_DOWNLOAD_BYTES), int(size))
