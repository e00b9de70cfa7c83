"""The files `clerk` reads and writes: a clear answer, never a traceback, and nothing replaced that is not a
regular file (`-o` to a device, a FIFO, a folder or a symlink; a missing folder; a full disk; a JSON file
nested 100,000 deep or holding a 5,000-digit number; a reader that goes away)."""

from __future__ import annotations

import contextlib
import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.atomic import write_atomic
from app.cli import EXIT_BROKEN_PIPE, main
from tests.helpers import SEAL, demo_item, open_demo_workspace, request_json

pytestmark = pytest.mark.usefixtures("clerk_env")  # `clerk` acts as the demo clerk

ROOT = Path(__file__).resolve().parent.parent
IS_ROOT = os.geteuid() == 0


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def cli_home(home: Path) -> Path:
    open_demo_workspace(home).close()
    return home


def leftovers(folder: Path) -> list[str]:
    """Temporary files an atomic write left behind."""
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def answered(code: int, err: str) -> bool:
    """Refused with a message of its own, not a bug's report."""
    return code == 1 and "错误：" in err and "程序错误" not in err and "Traceback" not in err


# -- -o: what is not a regular file is refused, untouched ---------------------------------------------------
def make_device(path: Path) -> None:
    if not IS_ROOT:
        pytest.skip("making a device node needs root (CI runs as root)")
    os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a second /dev/null


def make_fifo(path: Path) -> None:
    os.mkfifo(path)


def make_folder(path: Path) -> None:
    path.mkdir()


def make_symlink(path: Path) -> None:
    (path.parent / "real.json").write_text("kept", encoding="utf-8")
    path.symlink_to(path.parent / "real.json")


TARGETS: dict[str, tuple[Callable[[Path], None], Callable[[os.stat_result], bool], str]] = {
    "device": (make_device, lambda s: stat.S_ISCHR(s.st_mode), "设备"),
    "fifo": (make_fifo, lambda s: stat.S_ISFIFO(s.st_mode), "管道"),
    "folder": (make_folder, lambda s: stat.S_ISDIR(s.st_mode), "文件夹"),
    "symlink": (make_symlink, lambda s: stat.S_ISLNK(s.st_mode), "符号链接"),
}


@pytest.mark.parametrize("kind", list(TARGETS))
def test_output_that_is_not_a_regular_file_is_refused_and_left_alone(
    capsys: pytest.CaptureFixture[str], cli_home: Path, tmp_path: Path, kind: str
) -> None:
    make, still, word = TARGETS[kind]
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "keys.json"
    make(target)
    code, _, err = run(capsys, "--home", str(cli_home), "keys", "export", "-o", str(target))
    assert answered(code, err), err
    assert word in err and str(target) in err
    assert still(target.lstat())  # the device, FIFO, folder or link is what it was
    assert leftovers(folder) == []
    if kind == "symlink":
        assert (folder / "real.json").read_text(encoding="utf-8") == "kept"


def test_output_into_a_missing_folder(
    capsys: pytest.CaptureFixture[str], cli_home: Path, tmp_path: Path
) -> None:
    target = tmp_path / "no-such-folder" / "keys.json"
    code, _, err = run(capsys, "--home", str(cli_home), "keys", "export", "-o", str(target))
    assert answered(code, err) and "文件夹不存在" in err and str(target.parent) in err, err
    assert not target.parent.exists()


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KB tmpfs, filled up."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True, check=False
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {done.stderr.decode().strip()}")
    try:
        filler = (mount / "filler").open("wb")
        try:
            while True:
                filler.write(b"\0" * 4096)
                filler.flush()
        except OSError:  # full
            pass
        with contextlib.suppress(OSError):
            filler.close()
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_output_on_a_full_disk(capsys: pytest.CaptureFixture[str], cli_home: Path, full_disk: Path) -> None:
    target = full_disk / "keys.json"
    code, _, err = run(capsys, "--home", str(cli_home), "keys", "export", "-o", str(target))
    assert answered(code, err) and "磁盘已满" in err, err
    assert not target.exists() and leftovers(full_disk) == []


def test_output_replaces_a_regular_file_and_makes_a_new_one(
    capsys: pytest.CaptureFixture[str], cli_home: Path, tmp_path: Path
) -> None:
    old = tmp_path / "old.json"
    old.write_text("old", encoding="utf-8")
    for target in (old, tmp_path / "new.json"):
        code, _, err = run(capsys, "--home", str(cli_home), "keys", "export", "-o", str(target))
        assert code == 0, err
        assert json.loads(target.read_text(encoding="utf-8"))["format"]
    assert leftovers(tmp_path) == []


def test_atomic_write_cleans_up_when_the_rename_fails(tmp_path: Path) -> None:
    # A folder appearing at the name after the check (another program): the temporary file goes too.
    target = tmp_path / "late"
    real_replace = os.replace

    def replace_after_a_folder_appeared(src: str, dst: Path) -> None:
        target.mkdir()
        real_replace(src, dst)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "replace", replace_after_a_folder_appeared)
        with pytest.raises(OSError):
            write_atomic(target, b"data")
    assert target.is_dir() and leftovers(tmp_path) == []


def test_print_to_a_folder_is_refused_and_not_recorded(
    capsys: pytest.CaptureFixture[str], cli_home: Path, tmp_path: Path
) -> None:
    request = tmp_path / "case.json"
    request.write_text(json.dumps(request_json(demo_item(SEAL)), ensure_ascii=False), encoding="utf-8")
    code, out, err = run(capsys, "--home", str(cli_home), "accept", str(request), "--json")
    assert code == 0, err
    number = json.loads(out)["case_number"]
    folder = tmp_path / "receipt.pdf"
    folder.mkdir()
    code, _, err = run(capsys, "--home", str(cli_home), "print", "receipt", number, "-o", str(folder))
    assert answered(code, err) and "文件夹" in err and "未记录为已打印" in err, err
    code, out, _ = run(capsys, "--home", str(cli_home), "case", "show", number, "--json")
    assert code == 0 and "打印" not in out and list(folder.iterdir()) == []


# -- JSON files: refused with the reason, nothing stored ----------------------------------------------------
BAD_JSON = {
    "nested 100,000 deep": (b"[" * 100_000 + b"]" * 100_000, "嵌套"),
    "a 5,000-digit integer": (b'{"item": ' + b"9" * 5000 + b"}", "位数"),
    "an integer beyond 64 bits": (b'{"item": 123456789012345678901234567890}', "位数"),
    "1e400": (b'{"item": 1e400}', "超出范围"),
    "NaN": (b'{"item": NaN}', "NaN"),
    "not UTF-8": (b'{"item": "\xff"}', "UTF-8"),
}


@pytest.mark.parametrize("case", list(BAD_JSON))
def test_accept_refuses_hostile_json(
    capsys: pytest.CaptureFixture[str], cli_home: Path, tmp_path: Path, case: str
) -> None:
    content, word = BAD_JSON[case]
    request = tmp_path / "request.json"
    request.write_bytes(content)
    code, out, err = run(capsys, "--home", str(cli_home), "accept", str(request), "--json")
    assert answered(code, err) and word in err and str(request) in err, err
    assert json.loads(out)["error"]
    assert run(capsys, "--home", str(cli_home), "case", "list", "--json")[1].strip() == "[]"


def test_accept_refuses_a_request_file_too_large(
    capsys: pytest.CaptureFixture[str], cli_home: Path, tmp_path: Path
) -> None:
    request = tmp_path / "request.json"
    request.write_bytes(b'{"item": "' + b"x" * (8 * 1024 * 1024) + b'"}')
    code, _, err = run(capsys, "--home", str(cli_home), "accept", str(request))
    assert answered(code, err) and "过大" in err, err


def test_other_json_files_are_refused_the_same_way(
    capsys: pytest.CaptureFixture[str], cli_home: Path, tmp_path: Path
) -> None:
    deep = tmp_path / "deep.json"
    deep.write_bytes(b"[" * 100_000 + b"]" * 100_000)
    code, _, err = run(capsys, "--home", str(cli_home), "verify", "x", "--keys", str(deep))
    assert answered(code, err) and "嵌套" in err, err
    code, _, err = run(capsys, "--home", str(cli_home), "catalog", "load", str(deep), "--clerk", "xinxi")
    assert answered(code, err) and "嵌套" in err, err


# -- a reader that goes away ---------------------------------------------------------------------------------
def test_broken_pipe_ends_quietly(cli_home: Path) -> None:
    """`clerk … | head`: the reader is gone before the output is written. Like other Unix tools: no
    traceback, and the exit status a shell reports for a command ended by SIGPIPE."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "app.cli", "--home", str(cli_home), "catalog", "search", "办", "--json"],
            cwd=ROOT,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)
    assert result.returncode == EXIT_BROKEN_PIPE and result.stderr == "", result.stderr
