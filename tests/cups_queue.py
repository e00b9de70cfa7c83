"""A real print queue for tests: CUPS with cups-pdf, one queue that prints and one that is stopped."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

READY = "WC-PDF"
STOPPED = "WC-OFFLINE"
OUTPUT_FOLDERS = (Path.home() / "PDF", Path("/var/spool/cups-pdf/ANONYMOUS"))


TURNS = Path(tempfile.gettempdir()) / "window-clerk-tests-print-queue.lock"


@contextmanager
def queues_to_ourselves() -> Iterator[None]:
    """The print queues for the calling test alone. cups-pdf writes every job into one folder and a test
    takes the file its job made there, so the tests that print take turns, on whichever pytest worker
    (process) they run: an exclusive lock on a file every worker sees."""
    with TURNS.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def ensure_queues() -> None:
    """Start CUPS if needed and create the queues; skip (saying why) where that cannot be done."""
    if shutil.which("lpadmin") is None or shutil.which("cupsd") is None:
        pytest.skip("CUPS is not installed (./dev test installs cups and printer-driver-cups-pdf)")
    if "scheduler is running" not in _run("lpstat", "-r").stdout:
        if os.geteuid() != 0:
            pytest.skip("CUPS is not running and only root can start it here")
        _run("cupsd")
        deadline = time.monotonic() + 20
        while "scheduler is running" not in _run("lpstat", "-r").stdout:
            if time.monotonic() > deadline:
                pytest.fail("cupsd did not start")
            time.sleep(0.2)
    queues = _run("lpstat", "-p").stdout
    models = _run("lpinfo", "-m").stdout.splitlines()
    ppd = next((line.split()[0] for line in models if "CUPS-PDF_noopt" in line), None)
    if ppd is None:
        pytest.skip("printer-driver-cups-pdf is not installed")
    for name in (READY, STOPPED):
        if f"printer {name} " not in queues:
            result = _run("lpadmin", "-p", name, "-E", "-v", "cups-pdf:/", "-m", ppd)
            if result.returncode:
                pytest.skip(f"cannot create print queue {name}: {result.stderr.strip()}")
    _run("cupsenable", READY)
    _run("cupsdisable", "-r", "缺纸", STOPPED)


def printed_files() -> dict[Path, float]:
    """Output files and their modification times (cups-pdf reuses a name when a job title repeats)."""
    return {
        p: p.stat().st_mtime for folder in OUTPUT_FOLDERS if folder.is_dir() for p in folder.glob("*.pdf")
    }


def _complete_pdf(path: Path) -> bool:
    with path.open("rb") as pdf:
        pdf.seek(max(0, path.stat().st_size - 1024))
        return b"%%EOF" in pdf.read()


def _jobs_left(queue: str) -> bool:
    """Whether CUPS still has a job of `queue` that is not completed (`lpstat -o` lists only those)."""
    return bool(_run("lpstat", "-o", queue).stdout.strip())


def wait_for_new_output(before: dict[Path, float], *, timeout: float = 60) -> Path:
    """The PDF cups-pdf wrote for the job just sent to the READY queue: waits (asking CUPS, which has no
    way to tell us) until no job of the queue is left, i.e. cups-pdf's backend has finished writing the
    file and exited, then takes the new or rewritten file whose last trailer is there."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _jobs_left(READY):
            new = [p for p, mtime in printed_files().items() if before.get(p) != mtime]
            complete = [p for p in new if p.stat().st_size and _complete_pdf(p)]
            if complete:
                return max(complete, key=lambda p: p.stat().st_mtime)
        time.sleep(0.2)  # the next look at the queue
    raise AssertionError("the print queue produced no output")
