"""The page store: pages by content, flushed before anything refers to them, refused on a nearly full disk,
and a disk that fills while a page is written (a real small tmpfs) leaves nothing behind."""

from __future__ import annotations

import contextlib
import hashlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.scanning.page_store import PageDamaged, PageMissing, PageStore
from app.scanning.pages import CaptureError
from tests.page_fixtures import page_image


def test_a_page_is_stored_under_its_hash_once(tmp_path: Path) -> None:
    store = PageStore(tmp_path / "pages", reserve_bytes=0)
    data = page_image("甲")
    sha = store.put(data)
    assert sha == hashlib.sha256(data).hexdigest()
    assert store.path(sha) == tmp_path / "pages" / sha[:2] / sha
    assert store.read(sha) == data
    assert store.put(data) == sha  # the same bytes again: the same file
    assert [name for name, _size in store.files()] == [sha]
    use = store.disk_use()
    assert (use.pages_files, use.pages_bytes) == (1, len(data))
    assert "材料页面占用" in use.label and not use.nearly_full
    # Nothing but the page is left in its folder: no temporary file of the write.
    assert sorted(p.name for p in store.path(sha).parent.iterdir()) == [sha]


def test_bad_input_to_the_store(tmp_path: Path) -> None:
    store = PageStore(tmp_path / "pages", reserve_bytes=0)
    with pytest.raises(CaptureError, match="0 字节"):
        store.put(b"")
    with pytest.raises(ValueError, match="SHA-256"):
        store.path("../../etc/passwd")
    with pytest.raises(PageMissing, match="本机没有该页面"):
        store.read("0" * 64)
    sha = store.put(page_image("乙"))
    store.path(sha).write_bytes(b"changed on the disk")
    with pytest.raises(PageDamaged, match="已损坏"):
        store.read(sha)


def test_capture_is_refused_when_the_disk_is_nearly_full(tmp_path: Path) -> None:
    free = PageStore(tmp_path).free_bytes()
    store = PageStore(tmp_path / "pages", reserve_bytes=free + 1)
    with pytest.raises(CaptureError, match=r"磁盘空间不足.*本页未保存"):
        store.put(page_image("丙"))
    assert not (tmp_path / "pages").exists() or not list(store.files())
    assert store.disk_use().nearly_full
    assert "已停止采集" in store.disk_use().label


def test_unreferenced_pages_older_than_the_sweep_are_removed(tmp_path: Path) -> None:
    store = PageStore(tmp_path / "pages", reserve_bytes=0)
    kept, orphan, young = (store.put(page_image(t)) for t in ("丁", "戊", "己"))
    old = 1_000_000_000
    for sha in (kept, orphan):
        os.utime(store.path(sha), (old, old))
    assert store.remove_unreferenced({kept}, older_than=old + 10) == 1
    assert store.has(kept) and not store.has(orphan) and store.has(young)


@contextlib.contextmanager
def small_tmpfs(path: Path, options: str) -> Iterator[Path]:
    path.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True, check=False
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr.decode(errors='replace')}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def test_a_disk_filled_by_another_program_refuses_the_page(tmp_path: Path) -> None:
    with small_tmpfs(tmp_path / "disk", "size=1m") as disk:
        store = PageStore(disk / "pages", reserve_bytes=64 * 1024)
        first = store.put(page_image("庚"))
        free = store.free_bytes()
        (disk / "filler").write_bytes(b"\0" * (free - 100 * 1024))  # another program's file
        with pytest.raises(CaptureError, match=r"磁盘空间不足.*本页未保存"):
            store.put(os.urandom(60 * 1024))
        assert [name for name, _size in store.files()] == [first]


def test_a_disk_out_of_room_during_the_write_leaves_no_page_behind(tmp_path: Path) -> None:
    # Out of inodes: the free bytes say there is room, the file system still refuses every new file.
    with small_tmpfs(tmp_path / "disk", "size=4m,nr_inodes=4") as disk:
        store = PageStore(disk / "pages", reserve_bytes=0)
        small = store.put(page_image("辛"))
        with pytest.raises(CaptureError, match=r"页面未保存.*磁盘已满"):
            for text in ("壬", "癸", "子", "丑"):  # one of them needs a new folder or file: refused
                store.put(page_image(text))
        assert store.read(small) == page_image("辛")
        names = [p.name for p in (disk / "pages").rglob("*") if p.is_file()]
        assert all(len(name) == 64 for name in names)  # no temporary file of the failed write
        assert {name for name, _size in store.files()} == set(names)
