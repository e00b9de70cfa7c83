"""A damaged window database is refused, never replaced: not by the window, not by `clerk` (its sync
included), not by the demo set-up; the file is left as it was, and the message tells hall IT what to do.
`clerk db check` says what is wrong. A fresh database is made only where there was none."""

from __future__ import annotations

import hashlib
import json
import os
import random
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from app.cli import main
from app.intake import parse_request
from app.workspace import DATABASE_NAME, open_workspace
from tests.helpers import SEAL, open_demo_workspace, request_json, run_program

pytestmark = pytest.mark.usefixtures("clerk_env")  # `clerk` acts as the demo clerk

CASES = 60


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


class Fingerprint(dict[str, str]):
    """Every file of the folder's database (the database and its journal files) by content. Equal to a later
    one when every file is as it was; a reader may add what SQLite makes to read a WAL database (an empty log
    and its index), nothing else."""

    def __eq__(self, later: object) -> bool:
        if not isinstance(later, dict):
            return NotImplemented
        added = {name: later[name] for name in later.keys() - self.keys()}
        empty = hashlib.sha256(b"").hexdigest()
        readers = {f"{DATABASE_NAME}-shm"} | (
            {f"{DATABASE_NAME}-wal"} if added.get(f"{DATABASE_NAME}-wal") == empty else set()
        )
        return all(later.get(name) == digest for name, digest in self.items()) and set(added) <= readers

    __hash__ = None  # type: ignore[assignment]


def fingerprint(folder: Path) -> Fingerprint:
    return Fingerprint(
        {
            p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir())
            if p.name.startswith(DATABASE_NAME)
        }
    )


@pytest.fixture
def used_home(home: Path) -> Path:
    """A demo window that accepted cases; closed, so everything is in the database file itself."""
    workspace = open_demo_workspace(home)
    item = workspace.catalog.item(SEAL)
    assert item is not None
    counter = workspace.counter("demo")
    for _ in range(CASES):
        workspace.acceptance.accept(parse_request(request_json(item)), counter=counter)
    workspace.close()
    assert not (home / f"{DATABASE_NAME}-wal").exists()
    return home


def emptied(home: Path) -> None:
    (home / DATABASE_NAME).write_bytes(b"")


def random_bytes(home: Path) -> None:
    (home / DATABASE_NAME).write_bytes(random.Random(9).randbytes(64 * 1024))


def page_of_zeros(home: Path) -> None:
    """Zeros over one page of the case table in the middle of the file; the header stays valid."""
    path = home / DATABASE_NAME
    connection = sqlite3.connect(path)
    pages = [
        row[0]
        for row in connection.execute("SELECT pageno FROM dbstat WHERE name = 'case' AND pagetype = 'leaf'")
    ]
    page_size = connection.execute("PRAGMA page_size").fetchone()[0]
    connection.close()
    assert len(pages) >= 3
    page = pages[len(pages) // 2]
    with path.open("r+b") as handle:
        handle.seek((page - 1) * page_size)
        handle.write(b"\0" * page_size)
    check = sqlite3.connect(path)
    try:
        assert check.execute("PRAGMA integrity_check").fetchall() != [("ok",)]  # damaged indeed
    except sqlite3.DatabaseError as error:
        assert "malformed" in str(error)
    finally:
        check.close()


def moved_away_beside_its_log(home: Path) -> None:
    """The database is gone, its write-ahead log (the latest cases) is still there."""
    path = home / DATABASE_NAME
    path.with_name(f"{DATABASE_NAME}-wal").write_bytes(b"log of the latest cases")
    path.unlink()


DAMAGE: dict[str, Callable[[Path], None]] = {
    "zero bytes": emptied,
    "random bytes": random_bytes,
    "a page of zeros": page_of_zeros,
    "missing beside its log": moved_away_beside_its_log,
}


def says_what_to_do(message: str) -> bool:
    return all(word in message for word in ("数据库", "clerk db check", "备份", "服务器")) and (
        "Traceback" not in message and "程序错误" not in message
    )


@pytest.mark.parametrize("damage", list(DAMAGE))
@pytest.mark.parametrize("command", [["case", "list"], ["accept", "REQUEST"], ["sync"], ["demo-init"]])
def test_clerk_refuses_a_damaged_database_and_leaves_it(
    capsys: pytest.CaptureFixture[str], used_home: Path, tmp_path: Path, damage: str, command: list[str]
) -> None:
    request = tmp_path / "request.json"
    workspace = open_workspace(used_home)
    item = workspace.catalog.item(SEAL)
    workspace.close()
    assert item is not None
    request.write_text(json.dumps(request_json(item), ensure_ascii=False), encoding="utf-8")
    DAMAGE[damage](used_home)
    before = fingerprint(used_home)
    args = [str(request) if a == "REQUEST" else a for a in command]
    code, _, err = run(capsys, "--home", str(used_home), *args)
    assert code == 1 and says_what_to_do(err), err
    assert before == fingerprint(used_home)


def test_a_missing_database_is_made_fresh(home: Path) -> None:
    workspace = open_workspace(home)
    workspace.close()
    connection = sqlite3.connect(home / DATABASE_NAME)
    assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert connection.execute("PRAGMA quick_check").fetchall() == [("ok",)]
    connection.close()
    assert sorted(p.name for p in home.iterdir() if "sqlite3" in p.name) == [DATABASE_NAME]


def test_db_check_of_a_sound_database(capsys: pytest.CaptureFixture[str], used_home: Path) -> None:
    before = fingerprint(used_home)
    code, out, err = run(capsys, "--home", str(used_home), "db", "check", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["sound"] is True and report["findings"] == []
    assert report["cases"] == CASES and report["pending_events"] == CASES and report["schema_version"] >= 5
    code, out, _ = run(capsys, "--home", str(used_home), "db", "check")
    assert code == 0 and "正常" in out and f"{CASES} 件" in out
    assert before == fingerprint(used_home)


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_db_check_names_the_damage(capsys: pytest.CaptureFixture[str], used_home: Path, damage: str) -> None:
    DAMAGE[damage](used_home)
    before = fingerprint(used_home)
    code, out, err = run(capsys, "--home", str(used_home), "db", "check", "--json")
    assert code == 1, err
    report = json.loads(out)
    assert report["sound"] is False and report["findings"]
    assert before == fingerprint(used_home)
    code, out, err = run(capsys, "--home", str(used_home), "db", "check")
    assert code == 1 and "备份" in err + out


def test_db_check_finds_a_broken_foreign_key_and_a_newer_schema(
    capsys: pytest.CaptureFixture[str], used_home: Path
) -> None:
    connection = sqlite3.connect(used_home / DATABASE_NAME)
    connection.execute("PRAGMA foreign_keys = OFF")
    connection.execute('DELETE FROM "case" WHERE id = (SELECT min(case_id) FROM case_material)')
    connection.execute("PRAGMA user_version = 99")
    connection.commit()
    connection.close()
    code, out, _ = run(capsys, "--home", str(used_home), "db", "check", "--json")
    checks = {f["check"] for f in json.loads(out)["findings"]}
    assert code == 1 and checks == {"foreign_keys", "schema"}


# -- the window ---------------------------------------------------------------------------------------------
def test_the_window_process_refuses_a_damaged_database(used_home: Path) -> None:
    page_of_zeros(used_home)
    before = fingerprint(used_home)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = run_program("ui.main", "--home", str(used_home), "--quit-when-ready", env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert says_what_to_do(result.stderr), result.stderr
    assert "ready_seconds" not in result.stdout
    assert before == fingerprint(used_home)


def test_the_window_shows_why_it_does_not_start(qapp, used_home: Path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from ui.main import open_for_the_counter

    emptied(used_home)
    seen: list[tuple[str, str]] = []

    def read_and_close() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append((box.windowTitle(), box.text()))
            box.accept()

    timer = QTimer()
    timer.timeout.connect(read_and_close)
    timer.start(20)
    try:
        opened = open_for_the_counter(used_home, demo=False, quiet=False)
    finally:
        timer.stop()
    assert opened is None
    [(title, text)] = seen
    assert "数据库" in title and says_what_to_do(text), text
    assert (used_home / DATABASE_NAME).stat().st_size == 0
