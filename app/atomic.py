"""Atomic file writes: temp file in the target's folder, fsync, rename. A reader never sees half a file.

The rename lands only on a regular file or on a new name. Anything else at the target is refused and left
as it was: a device (`clerk keys export -o /dev/null` as root once turned the device into a regular
file), a FIFO, a folder, and a symbolic link. A link is refused rather than followed: replacing it would
break it, and writing through it would write a file the person did not name (a link planted in a shared
folder pointing at another file); the message names the file it points to, to give instead.

Every failure raises FileWriteError, an OSError whose message is Chinese and names the file and the cause
(missing folder, no permission, full disk …), and leaves no temporary file behind.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

# What is at the target and is not a regular file: refused, with the reason people read.
NOT_REGULAR: tuple[tuple[Callable[[int], bool], str], ...] = (
    (stat.S_ISLNK, "这是符号链接，不会替换它，也不会写到它指向的文件（{real}）；请直接指定要写入的文件"),
    (stat.S_ISDIR, "这是文件夹，请指定文件夹中的文件名"),
    (stat.S_ISCHR, "这是设备文件，不是普通文件，不会替换它"),
    (stat.S_ISBLK, "这是设备文件，不是普通文件，不会替换它"),
    (stat.S_ISFIFO, "这是管道（FIFO），不是普通文件，不会替换它"),
    (stat.S_ISSOCK, "这是套接字，不是普通文件，不会替换它"),
)

# The operating system's refusals, as people read them.
OS_REASONS: dict[int, str] = {
    errno.ENOENT: "所在文件夹不存在：{folder}",
    errno.ENOTDIR: "路径中有一段不是文件夹：{folder}",
    errno.EACCES: "没有写入权限",
    errno.EPERM: "没有写入权限",
    errno.EROFS: "磁盘为只读",
    errno.ENOSPC: "磁盘已满",
    errno.EISDIR: "这是文件夹，请指定文件夹中的文件名",
    errno.ENAMETOOLONG: "文件名过长",
}
if hasattr(errno, "EDQUOT"):
    OS_REASONS[errno.EDQUOT] = "磁盘配额已满"


class FileWriteError(OSError):
    """A file not written; the target is as it was. `strerror` is the reason (Chinese), str() the whole
    sentence with the file's name."""

    def __init__(self, path: Path, reason: str, code: int = errno.EINVAL) -> None:
        super().__init__(code, reason, str(path))
        self.path = path
        self.reason = reason

    def __str__(self) -> str:
        return f"无法写入 {self.path}：{self.reason}"


def _refuse_unless_regular(path: Path) -> None:
    """Refuse a target that exists and is not a regular file; a new name is fine."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as error:
        raise _describe(path, error) from error
    for test, reason in NOT_REGULAR:
        if test(mode):
            raise FileWriteError(path, reason.format(real=os.path.realpath(path)))
    if not stat.S_ISREG(mode):
        raise FileWriteError(path, "这不是普通文件，不会替换它")


def _describe(path: Path, error: OSError) -> FileWriteError:
    if isinstance(error, FileWriteError):
        return error
    reason = OS_REASONS.get(error.errno or 0)
    text = reason.format(folder=path.parent) if reason else (error.strerror or str(error))
    return FileWriteError(path, text, error.errno or errno.EIO)


def write_atomic(path: Path, data: bytes) -> None:
    path = Path(path)
    _refuse_unless_regular(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as error:
        raise _describe(path, error) from error
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        _refuse_unless_regular(path)  # again: something may have appeared there meanwhile
        os.replace(tmp, path)
    except BaseException as error:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise _describe(path, error) from error
        raise
    if hasattr(os, "O_DIRECTORY"):
        dir_fd = os.open(path.parent, os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
