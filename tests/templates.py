"""Databases made once per test run and copied into each test that needs one.

Making a demo data folder (migrations, the demo catalog, the demo accounts' password hashes) or a server
database (migrations, `clerk-server init --demo`) takes a good part of a second; copying the finished files
takes a millisecond. A copy is the real thing: the files the same code made, fully migrated, closed (SQLite
checkpoints its WAL into the main file when the last connection closes), copied with their modes.

- `demo_home(home, clock=…)`: what `prepare_demo_home(home, clock=clock)` makes, for a clock that stands
  still (the tests' fixed clocks): one template per moment, since the catalog records when it was loaded.
- `server_database(path, demo=…)`: a migrated server SQLite file, after `clerk-server init --demo` when
  `demo` (as the demo hall's and the window tests' server starts).
"""

from __future__ import annotations

import atexit
import contextlib
import io
import shutil
import tempfile
import threading
from datetime import datetime
from pathlib import Path

from app.clock import Clock, fixed_clock

_lock = threading.Lock()
_root: Path | None = None
_demo_homes: dict[datetime, Path] = {}
_server_databases: dict[bool, Path] = {}


def _templates() -> Path:
    global _root
    if _root is None:
        _root = Path(tempfile.mkdtemp(prefix="clerk-test-templates-"))
        atexit.register(shutil.rmtree, _root, True)
    return _root


def _is_empty(folder: Path) -> bool:
    return not folder.exists() or (folder.is_dir() and not any(folder.iterdir()))


def demo_home(home: Path, *, clock: Clock) -> bool:
    """Make an empty (or absent) `home` the demo data folder `prepare_demo_home` makes at `clock`'s moment,
    by copying one made before. False, touching nothing, when `home` has files already or the clock moves:
    the caller prepares the folder itself then."""
    moment = clock.now()
    if clock.now() != moment or not _is_empty(home):
        return False
    with _lock:
        template = _demo_homes.get(moment)
        if template is None:
            from app.workspace import prepare_demo_home

            template = _templates() / f"demo-home-{len(_demo_homes)}"
            prepare_demo_home(template, clock=fixed_clock(moment))
            _demo_homes[moment] = template
    home.mkdir(parents=True, exist_ok=True)
    for entry in template.iterdir():
        shutil.copy2(entry, home / entry.name)
    return True


def server_database(path: Path, *, demo: bool) -> None:
    """A server SQLite database at `path` (which must not exist yet): migrated, and when `demo` initialised as
    `clerk-server init --demo` does (demo halls, the demo catalog published, the demo accounts)."""
    if path.exists():
        raise FileExistsError(path)
    with _lock:
        template = _server_databases.get(demo)
        if template is None:
            template = _templates() / f"server-{'demo' if demo else 'migrated'}.sqlite3"
            _make_server_database(template, demo=demo)
            _server_databases[demo] = template
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(template, path)


def _make_server_database(path: Path, *, demo: bool) -> None:
    url = f"sqlite:///{path}"
    if not demo:
        from server.store import open_server_db

        open_server_db(url).close()
        return
    from server.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["init", "--demo", "--json", "--database", url])
    if code != 0:
        raise RuntimeError(f"clerk-server init --demo failed: {err.getvalue()}")
    for companion in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if companion.exists():  # every connection is closed: the WAL is in the main file
            raise RuntimeError(f"{companion} left behind by init")
