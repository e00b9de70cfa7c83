"""The watched scan-to folder, on a real folder: a file is read once complete, moved into 已导入/ so it
is never read twice, a bad file moved into 无法导入/ with the reason; a folder missing, unreadable,
unwritable, or turning read-only between polls is said so and loses nothing."""

from __future__ import annotations

import io
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from app.scanning.pages import CaptureError, PageFormat, PageSource
from app.scanning.sources.folder import (
    EMPTY_FILE_POLLS,
    FAILED_FOLDER,
    IMPORTED_FOLDER,
    MAX_FILES_PER_COLLECT,
    NOTE_SUFFIX,
    CollectedFile,
    ScanFolder,
)
from tests.test_capture_files import pdf_bytes, refusal_as_unprivileged, shared_folder, text_page

__all__ = ["shared_folder"]  # a fixture used here


def png(shade: int = 200) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (120, 160), shade).save(buffer, "PNG")
    return buffer.getvalue()


def files_in(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if path.is_file())


@pytest.fixture
def folder(tmp_path: Path) -> ScanFolder:
    path = tmp_path / "scans"
    path.mkdir()
    watched = ScanFolder(path)
    watched.check()
    return watched


def test_a_file_is_imported_on_the_poll_after_it_appears_and_never_again(folder: ScanFolder) -> None:
    (folder.path / "scan0001.png").write_bytes(png())
    assert folder.collect() == []  # just seen: the scanner may still be writing it
    (collected,) = folder.collect()
    assert collected.name == "scan0001.png" and collected.error is None
    assert collected.moved_to == folder.path / IMPORTED_FOLDER / "scan0001.png"
    assert collected.moved_to.read_bytes() == png()
    (page,) = collected.pages
    assert (page.format, page.source, page.origin) == (PageFormat.PNG, PageSource.FOLDER, "scan0001.png")
    assert files_in(folder.path) == []
    assert folder.collect() == [] and folder.collect() == []


def test_a_file_still_being_written_is_read_only_once_it_stops_changing(folder: ScanFolder) -> None:
    whole = pdf_bytes([text_page, text_page])
    target = folder.path / "scan0002.pdf"
    target.write_bytes(whole[:1000])
    assert folder.collect() == []
    with target.open("ab") as scanner:
        scanner.write(whole[1000:])
    assert folder.collect() == []  # it grew since the last poll
    (collected,) = folder.collect()
    assert collected.error is None and len(collected.pages) == 2


def test_hidden_and_temporary_files_are_left_alone(folder: ScanFolder) -> None:
    names = [".thumbs.png", "~scan.png", "scan.tmp", "scan.PART", "scan.png.part"]
    for name in names:
        (folder.path / name).write_bytes(png())
    for _ in range(3):
        assert folder.collect() == []
    assert files_in(folder.path) == sorted(names)


def test_a_bad_file_is_moved_aside_with_the_reason(folder: ScanFolder) -> None:
    (folder.path / "broken.pdf").write_bytes(pdf_bytes([text_page])[:600])
    (folder.path / "good.png").write_bytes(png())
    folder.collect()
    broken, good = sorted(folder.collect(), key=lambda collected: collected.name)
    assert broken.pages == () and broken.error is not None and "PDF 文件不完整" in broken.error
    assert broken.moved_to == folder.path / FAILED_FOLDER / "broken.pdf"
    note = folder.path / FAILED_FOLDER / f"broken.pdf{NOTE_SUFFIX}"
    assert note.read_text(encoding="utf-8").strip() == broken.error
    assert good.error is None and len(good.pages) == 1
    assert files_in(folder.path) == []


def test_a_name_the_scanner_reuses_is_kept_beside_the_first(folder: ScanFolder) -> None:
    for shade in (10, 250):
        (folder.path / "scan.png").write_bytes(png(shade))
        folder.collect()
        (collected,) = folder.collect()
        assert collected.error is None
    assert files_in(folder.path / IMPORTED_FOLDER) == ["scan (2).png", "scan.png"]
    assert (folder.path / IMPORTED_FOLDER / "scan (2).png").read_bytes() == png(250)


def test_an_empty_file_waits_several_polls_before_it_is_refused(folder: ScanFolder) -> None:
    (folder.path / "scan0003.jpg").write_bytes(b"")
    for _ in range(EMPTY_FILE_POLLS):
        assert folder.collect() == []
    (collected,) = folder.collect()
    assert collected.error == "无法导入“scan0003.jpg”：文件是空的（0 字节）"
    assert collected.moved_to == folder.path / FAILED_FOLDER / "scan0003.jpg"


def test_a_poll_takes_a_bounded_number_of_files_in_the_order_they_were_written(folder: ScanFolder) -> None:
    total = MAX_FILES_PER_COLLECT + 5
    for number in range(total):
        path = folder.path / f"p{total - number:02}.png"  # names the reverse of the order written
        path.write_bytes(png())
        os.utime(path, ns=(number * 1_000_000_000, number * 1_000_000_000))
    folder.collect()
    first = folder.collect()
    rest = folder.collect()
    assert len(first) == MAX_FILES_PER_COLLECT and len(rest) == 5
    assert [collected.name for collected in first + rest] == [f"p{total - n:02}.png" for n in range(total)]


def test_a_missing_folder_or_a_file_in_its_place_is_said_so(tmp_path: Path) -> None:
    missing = ScanFolder(tmp_path / "nowhere")
    for act in (missing.check, missing.collect):
        with pytest.raises(CaptureError) as refused:
            act()
        assert str(refused.value) == f"扫描文件夹不存在：{tmp_path / 'nowhere'}"
    (tmp_path / "afile").write_bytes(b"x")
    with pytest.raises(CaptureError, match="扫描文件夹不是文件夹"):
        ScanFolder(tmp_path / "afile").collect()


def test_a_folder_removed_between_polls_is_said_so(folder: ScanFolder) -> None:
    (folder.path / "scan.png").write_bytes(png())
    folder.collect()
    for path in sorted(folder.path.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    folder.path.rmdir()
    with pytest.raises(CaptureError, match="扫描文件夹不存在"):
        folder.collect()


CHECK_AS_UNPRIVILEGED = """
from pathlib import Path
from app.scanning.pages import CaptureError
from app.scanning.sources.folder import ScanFolder
try:
    ScanFolder(Path({path!r})).check()
except CaptureError as error:
    print(error)
else:
    print("accepted")
"""


def test_an_unwritable_or_unreadable_folder_is_refused(shared_folder: Path) -> None:
    unwritable = shared_folder / "readonly"
    unwritable.mkdir(mode=0o755)
    unwritable.chmod(0o555)
    said = refusal_as_unprivileged(CHECK_AS_UNPRIVILEGED.format(path=str(unwritable)))
    assert said == f"扫描文件夹不可写（导入后无法移走文件）：{unwritable}（没有权限）"
    unreadable = shared_folder / "dropbox"
    unreadable.mkdir()
    unreadable.chmod(0o333)  # anyone may drop files in, nobody may list them
    said = refusal_as_unprivileged(CHECK_AS_UNPRIVILEGED.format(path=str(unreadable)))
    assert said == f"无法读取扫描文件夹：{unreadable}（没有权限）"


@dataclass
class Freezable:
    path: Path
    mounted: bool

    def freeze(self) -> None:
        self._set(writable=False)

    def thaw(self) -> None:
        self._set(writable=True)

    def _set(self, *, writable: bool) -> None:
        if self.mounted:
            option = "remount,rw" if writable else "remount,ro"
            subprocess.run(["mount", "-o", option, str(self.path)], check=True, capture_output=True)
        else:
            self.path.chmod(0o755 if writable else 0o555)


@pytest.fixture
def freezable(tmp_path: Path) -> Iterator[Freezable]:
    """A folder that can turn read-only under a running window: a tmpfs remounted read-only when the tests
    run as root (root writes through permissions), else a folder whose write permission is taken away."""
    path = tmp_path / "share"
    path.mkdir()
    mounted = (
        os.geteuid() == 0
        and subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(path)], capture_output=True, check=False
        ).returncode
        == 0
    )
    share = Freezable(path, mounted)
    try:
        yield share
    finally:
        if mounted:
            subprocess.run(["umount", str(path)], check=False)
        else:
            path.chmod(0o755)


def test_a_folder_turned_read_only_keeps_the_file_for_a_later_poll(freezable: Freezable) -> None:
    folder = ScanFolder(freezable.path)
    folder.check()
    (freezable.path / "scan.png").write_bytes(png())
    folder.collect()
    freezable.freeze()
    with pytest.raises(CaptureError, match="扫描文件夹不可写"):
        folder.check()
    (collected,) = folder.collect()
    assert collected == CollectedFile("scan.png", (), None, collected.error)
    assert (
        collected.error is not None and "无法把“scan.png”移入扫描文件夹的“已导入”子文件夹" in collected.error
    )
    assert "下次会再导入" in collected.error
    assert files_in(freezable.path) == ["scan.png"]  # nothing handed over, nothing lost
    freezable.thaw()
    assert folder.collect() == []
    (again,) = folder.collect()
    assert again.error is None and len(again.pages) == 1
    assert files_in(freezable.path / IMPORTED_FOLDER) == ["scan.png"]
