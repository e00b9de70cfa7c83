"""The page files on the server's disk: a file held whole is named by its SHA-256 (`{root}/ab/abcd…`), one
copy whatever the number of halls that hold it; a file on its way is a partial of one hall
(`{root}/partial/{hall}/{sha}.part`), never visible under the final name.

Each chunk is written at its offset and flushed to the disk before the database records it as received
(server.blobs), so a power cut leaves at most bytes the database does not count yet: the next chunk at the
recorded offset overwrites them and cuts the file there. A partial becomes the file by a hard link to the
final name, which fails rather than replace a file already there: a complete file is never overwritten,
even by two halls completing the same bytes at the same moment. (Where the disk knows no hard links, a
rename after checking the name is free.)

Nothing here trusts a name it is given: a SHA-256 must be 64 lower-case hex digits before it names a path,
and a hall's folder is named by a digest of its code.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
from pathlib import Path

PARTIAL_FOLDER = "partial"
_SHA256 = re.compile(r"[0-9a-f]{64}")
_READ_BYTES = 1024 * 1024


def is_sha256(text: str) -> bool:
    return _SHA256.fullmatch(text) is not None


class DiskFull(OSError):
    """The server's disk is full (or the folder's quota): nothing of the write is kept."""


def _fsync_folder(folder: Path) -> None:
    if hasattr(os, "O_DIRECTORY"):
        descriptor = os.open(folder, os.O_DIRECTORY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _raise_full(error: OSError) -> None:
    if error.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        raise DiskFull(error.errno, error.strerror) from error


class BlobFiles:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def final_path(self, sha256: str) -> Path:
        if not is_sha256(sha256):
            raise ValueError(f"not a SHA-256 in lower-case hex: {sha256[:80]!r}")
        return self.root / sha256[:2] / sha256

    def partial_path(self, sha256: str, hall_code: str) -> Path:
        hall = hashlib.sha256(hall_code.encode("utf-8")).hexdigest()[:16]
        return self.root / PARTIAL_FOLDER / hall / f"{self.final_path(sha256).name}.part"

    def size(self, sha256: str) -> int | None:
        """The size of the whole file, or None when it is not on the disk."""
        try:
            return self.final_path(sha256).stat().st_size
        except FileNotFoundError:
            return None

    def partial_size(self, sha256: str, hall_code: str) -> int:
        try:
            return self.partial_path(sha256, hall_code).stat().st_size
        except FileNotFoundError:
            return 0

    def write_chunk(self, sha256: str, hall_code: str, offset: int, data: bytes) -> None:
        """`data` at `offset` of the hall's partial, the file cut after it, flushed to the disk. DiskFull
        when the disk is full (the partial cut back at `offset`)."""
        path = self.partial_path(sha256, hall_code)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o600)
        except OSError as error:
            _raise_full(error)
            raise
        try:
            os.lseek(descriptor, offset, os.SEEK_SET)
            view = memoryview(data)
            while view:
                view = view[os.write(descriptor, view) :]
            os.ftruncate(descriptor, offset + len(data))
            os.fsync(descriptor)
        except OSError as error:
            with contextlib.suppress(OSError):
                os.ftruncate(descriptor, offset)
            _raise_full(error)
            raise
        finally:
            os.close(descriptor)
        if offset == 0:
            _fsync_folder(path.parent)

    def partial_sha256(self, sha256: str, hall_code: str) -> str:
        digest = hashlib.sha256()
        with self.partial_path(sha256, hall_code).open("rb") as handle:
            while chunk := handle.read(_READ_BYTES):
                digest.update(chunk)
        return digest.hexdigest()

    def drop_partial(self, sha256: str, hall_code: str) -> None:
        self.partial_path(sha256, hall_code).unlink(missing_ok=True)

    def keep(self, sha256: str, hall_code: str) -> bool:
        """The hall's verified partial becomes the file (or is dropped when the file is there already).
        True when this call put it in place."""
        partial, final = self.partial_path(sha256, hall_code), self.final_path(sha256)
        final.parent.mkdir(parents=True, exist_ok=True)
        placed = False
        try:
            os.link(partial, final)
            placed = True
        except FileExistsError:
            pass
        except OSError as error:
            if error.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
                _raise_full(error)
                raise
            if not final.exists():  # a disk without hard links: a rename onto the free name
                os.replace(partial, final)
                placed = True
        if placed:
            _fsync_folder(final.parent)
        partial.unlink(missing_ok=True)
        return placed

    def read(self, sha256: str, offset: int, limit: int) -> bytes:
        with self.final_path(sha256).open("rb") as handle:
            handle.seek(offset)
            return handle.read(limit)
