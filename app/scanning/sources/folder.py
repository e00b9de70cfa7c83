"""The watched scan-to folder: a network scanner's "scan to folder" drops files, the window imports them.

The UI polls (`collect`, from a timer, off its thread); nothing here runs a thread. A file is read only
once it is complete: its size and modification time unchanged since the previous poll (a scanner writes a
file over seconds; a zero-byte file must stay so for several polls, since scanners create the file before
writing it). After a file is imported it is moved into `已导入/`, so it is never imported twice and the
clerk can find it; a file that cannot be imported is moved into `无法导入/` with a note of why, and
reported. Hidden and temporary files (`.*`, `~*`, `*.tmp`, `*.part`) are left alone.

Pages are handed back only once their file was moved: a file that could not be moved (the folder became
unwritable, the scanner still holds it) stays where it is and its pages are not returned, so the next poll
imports it again rather than never.
"""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from app.scanning.pages import CapturedPage, CaptureError, PageSource
from app.scanning.sources.files import import_file

log = logging.getLogger("clerk.scanning")

IMPORTED_FOLDER = "已导入"
FAILED_FOLDER = "无法导入"
NOTE_SUFFIX = ".原因.txt"
TEMPORARY_SUFFIXES = (".tmp", ".part")
# Polls an empty file must stay empty before it is taken as finished (and refused as empty).
EMPTY_FILE_POLLS = 5
MAX_FILES_PER_COLLECT = 20


@dataclass(frozen=True)
class CollectedFile:
    name: str
    pages: tuple[CapturedPage, ...]  # empty when the file could not be imported or moved
    moved_to: Path | None  # None: it could not be moved and stays, to be tried again
    error: str | None = None  # the clerk's message when it could not be imported or moved


@dataclass
class _Seen:
    size: int
    mtime_ns: int
    unchanged_polls: int = 0


@dataclass
class ScanFolder:
    path: Path
    _seen: dict[str, _Seen] = field(default_factory=dict, init=False, repr=False)

    def check(self) -> None:
        """The folder can be watched: it exists, is a folder, can be listed and written (files are moved
        out of it). Writing is tried for real: a network share's permissions are not what they seem."""
        self._check_listable()
        probe = None
        try:
            for sub in (IMPORTED_FOLDER, FAILED_FOLDER):
                (self.path / sub).mkdir(exist_ok=True)
            handle, probe = tempfile.mkstemp(prefix="~probe-", suffix=".tmp", dir=self.path)
            os.close(handle)
        except OSError as error:
            raise CaptureError(
                f"扫描文件夹不可写（导入后无法移走文件）：{self.path}（{_reason(error)}）"
            ) from error
        finally:
            if probe is not None:
                Path(probe).unlink(missing_ok=True)

    def collect(self) -> list[CollectedFile]:
        """The files that became complete since the previous poll, imported and moved away."""
        self._check_listable()
        ready = self._ready_files()
        collected = []
        for path in ready[:MAX_FILES_PER_COLLECT]:
            self._seen.pop(path.name, None)
            collected.append(self._collect_one(path))
        return collected

    def _check_listable(self) -> None:
        if not self.path.exists():
            raise CaptureError(f"扫描文件夹不存在：{self.path}")
        if not self.path.is_dir():
            raise CaptureError(f"扫描文件夹不是文件夹：{self.path}")
        try:
            with os.scandir(self.path):
                pass
        except OSError as error:
            raise CaptureError(f"无法读取扫描文件夹：{self.path}（{_reason(error)}）") from error

    def _ready_files(self) -> list[Path]:
        now: dict[str, _Seen] = {}
        ready: list[tuple[int, str, Path]] = []
        try:
            entries = list(os.scandir(self.path))
        except OSError as error:
            raise CaptureError(f"无法读取扫描文件夹：{self.path}（{_reason(error)}）") from error
        for entry in entries:
            if _ignored(entry.name):
                continue
            try:
                if not entry.is_file(follow_symlinks=False):
                    continue
                stat = entry.stat(follow_symlinks=False)
            except OSError:
                continue  # gone since listed
            before = self._seen.get(entry.name)
            seen = _Seen(stat.st_size, stat.st_mtime_ns)
            if before is not None and (before.size, before.mtime_ns) == (seen.size, seen.mtime_ns):
                seen.unchanged_polls = before.unchanged_polls + 1
            now[entry.name] = seen
            if seen.unchanged_polls >= (1 if seen.size > 0 else EMPTY_FILE_POLLS):
                ready.append((seen.mtime_ns, entry.name, Path(entry.path)))
        self._seen = now
        return [path for _, _, path in sorted(ready)]

    def _collect_one(self, path: Path) -> CollectedFile:
        try:
            pages = import_file(path, source=PageSource.FOLDER)
        except CaptureError as error:
            message = str(error)
            log.info("scan folder: %s not imported: %s", path.name, message)
            try:
                moved = self._move(path, FAILED_FOLDER)
            except CaptureError as not_moved:
                return CollectedFile(path.name, (), None, f"{message}；{not_moved}")
            _write_note(moved, message)
            return CollectedFile(path.name, (), moved, message)
        try:
            moved = self._move(path, IMPORTED_FOLDER)
        except CaptureError as not_moved:
            return CollectedFile(path.name, (), None, str(not_moved))
        return CollectedFile(path.name, tuple(pages), moved)

    def _move(self, path: Path, sub: str) -> Path:
        folder = self.path / sub
        try:
            folder.mkdir(exist_ok=True)
            target = _free_name(folder, path.name)
            os.rename(path, target)  # same folder tree: a rename, never a copy
        except OSError as error:
            raise CaptureError(
                f"无法把“{path.name}”移入扫描文件夹的“{sub}”子文件夹（{_reason(error)}）：{self.path}；"
                "文件留在原处，下次会再导入"
            ) from error
        return target


def _ignored(name: str) -> bool:
    hidden_or_temporary = name.startswith((".", "~")) or name.lower().endswith(TEMPORARY_SUFFIXES)
    return hidden_or_temporary or name.endswith(NOTE_SUFFIX)


def _free_name(folder: Path, name: str) -> Path:
    """`name` in `folder`, or `stem (2).ext` … when taken: a scanner reuses names (scan0001.pdf daily)."""
    target = folder / name
    number = 2
    while target.exists():
        target = folder / f"{Path(name).stem} ({number}){Path(name).suffix}"
        number += 1
    return target


def _write_note(moved: Path, message: str) -> None:
    """Why the file was not imported, beside it; a note that cannot be written loses only the note."""
    try:
        moved.with_name(moved.name + NOTE_SUFFIX).write_text(message + "\n", encoding="utf-8")
    except OSError as error:
        log.warning("scan folder: note for %s not written: %s", moved.name, error)


def _reason(error: OSError) -> str:
    if isinstance(error, PermissionError):
        return "没有权限"
    return error.strerror or str(error)
