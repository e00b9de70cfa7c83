"""The captured pages' files, kept by content: a page's name is the SHA-256 of its bytes.

A page is written whole and flushed to the disk (temporary file, fsync, rename, fsync of its folder:
app.atomic) before any transaction refers to it, so the database never names a page that is not on the
disk, whatever moment the power goes. The same bytes captured twice are one file. A file is never changed
after it is written: turning a page is a field of its record, not a new image.

Capture is refused, with the clerk's message, while the disk holding the data folder has less than
`reserve_bytes` free: the database, the outbox and the printed documents need room too, and a window that
fills its disk with photos stops accepting cases.

Reading checks the hash: a page damaged on the disk is reported as damaged, never shown as if it were the
one the applicant handed over.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from app.atomic import OS_REASONS, FileWriteError, write_atomic
from app.scanning.pages import CaptureError

PAGES_FOLDER = "pages"
DEFAULT_RESERVE_BYTES = 500 * 1024 * 1024  # kept free on the data folder's disk
MAX_PAGE_BYTES = 50 * 1024 * 1024  # one page's file: a 600 dpi colour A3 PNG is about 40 MB
_SHA256 = re.compile(r"[0-9a-f]{64}")


class PageMissing(CaptureError):
    """A page the records name whose file is not on this PC (not yet downloaded, or removed)."""


class PageDamaged(CaptureError):
    """A page file whose bytes no longer hash to its name."""


def page_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def is_sha256(text: str) -> bool:
    return _SHA256.fullmatch(text) is not None


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size < 1024**3 else f"{size / 1024**3:.2f} GB"


@dataclass(frozen=True)
class DiskUse:
    pages_bytes: int  # the page files under the data folder
    pages_files: int
    free_bytes: int  # on the disk holding them
    reserve_bytes: int

    @property
    def nearly_full(self) -> bool:
        return self.free_bytes < self.reserve_bytes

    @property
    def label(self) -> str:
        text = (
            f"材料页面占用 {megabytes(self.pages_bytes)}（{self.pages_files} 个文件），"
            f"磁盘剩余 {megabytes(self.free_bytes)}"
        )
        return f"{text}（不足 {megabytes(self.reserve_bytes)}，已停止采集）" if self.nearly_full else text


class PageStore:
    def __init__(self, root: Path, *, reserve_bytes: int = DEFAULT_RESERVE_BYTES) -> None:
        self.root = Path(root)
        self.reserve_bytes = reserve_bytes

    @classmethod
    def in_data_folder(cls, home: Path, *, reserve_bytes: int = DEFAULT_RESERVE_BYTES) -> PageStore:
        return cls(Path(home) / PAGES_FOLDER, reserve_bytes=reserve_bytes)

    def path(self, sha256: str) -> Path:
        if not is_sha256(sha256):
            raise ValueError(f"not a SHA-256 in lowercase hex: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def has(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def free_bytes(self) -> int:
        folder = self.root if self.root.exists() else self.root.parent
        return shutil.disk_usage(folder).free

    def check_room(self, size: int = 0) -> None:
        """Refuse a capture that would leave the disk with less than the reserve free."""
        try:
            free = self.free_bytes()
        except OSError as error:
            raise CaptureError(
                f"无法读取数据目录所在磁盘的剩余空间（{self.root}）：{error.strerror or error}"
            ) from error
        if free - size < self.reserve_bytes:
            raise CaptureError(
                f"磁盘空间不足：数据目录所在磁盘仅剩 {megabytes(free)}，采集需至少保留 "
                f"{megabytes(self.reserve_bytes)}。本页未保存；请联系大厅信息技术人员清理磁盘"
            )

    def put(self, data: bytes) -> str:
        """Store `data` (flushed to the disk before this returns) and give its SHA-256."""
        if not data:
            raise CaptureError("页面为空（0 字节），未保存")
        if len(data) > MAX_PAGE_BYTES:
            raise CaptureError(
                f"单页文件过大（{megabytes(len(data))}，上限 {megabytes(MAX_PAGE_BYTES)}），未保存"
            )
        sha256 = page_sha256(data)
        target = self.path(sha256)
        if target.is_file() and target.stat().st_size == len(data):
            return sha256  # the same bytes stored already (a file is complete once it has its name)
        self.check_room(len(data))
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(target, data)
        except FileWriteError as error:
            raise CaptureError(f"页面未保存：{error}") from error
        except OSError as error:
            reason = OS_REASONS.get(error.errno or 0, error.strerror or str(error))
            raise CaptureError(
                f"页面未保存：无法写入 {target.parent}（{reason.format(folder=target.parent)}）"
            ) from error
        return sha256

    def read(self, sha256: str) -> bytes:
        target = self.path(sha256)
        try:
            data = target.read_bytes()
        except FileNotFoundError:
            raise PageMissing(f"本机没有该页面的文件（{sha256[:12]}…）") from None
        except OSError as error:
            raise CaptureError(f"无法读取页面文件 {target}：{error.strerror or error}") from error
        if page_sha256(data) != sha256:
            raise PageDamaged(f"页面文件已损坏（{target}）：内容与其校验值不符，请重新采集或从服务器重新下载")
        return data

    def files(self) -> Iterator[tuple[str, int]]:
        """Every stored page (its SHA-256 and size); temporary files of an interrupted write are not pages."""
        if not self.root.is_dir():
            return
        for folder in self.root.iterdir():
            if not folder.is_dir() or len(folder.name) != 2:
                continue
            for entry in os.scandir(folder):
                if entry.is_file() and is_sha256(entry.name):
                    yield entry.name, entry.stat().st_size

    def disk_use(self) -> DiskUse:
        sizes = [size for _sha, size in self.files()]
        return DiskUse(sum(sizes), len(sizes), self.free_bytes(), self.reserve_bytes)

    def remove_unreferenced(self, referenced: set[str], *, older_than: float) -> int:
        """Delete the page files no record names and last written before `older_than` (a POSIX time): pages
        captured for a case that was never saved. A younger file may belong to a capture still open on the
        screen, so it stays until a later sweep. Returns how many were removed."""
        removed = 0
        for sha256, _size in list(self.files()):
            if sha256 in referenced:
                continue
            path = self.path(sha256)
            try:
                if path.stat().st_mtime >= older_than:
                    continue
                path.unlink()
            except FileNotFoundError:
                continue
            removed += 1
        return removed
