"""SANE's `test` backend for tests: a real scanner driver that makes test images, with options to simulate
an empty feeder, a busy device or an I/O error, enabled through a configuration folder of our own.

SANE reads its configuration once per process (a second init does not re-read it), and tests run side by
side in processes of their own; so each scenario runs in a fresh Python with SANE_CONFIG_DIR pointing at
its folder, and its result (or the exception it raised) comes back pickled.

The test backend makes each sheet in a reader thread started by sane_start, writing into a pipe, and
stops it on sane_cancel by closing the pipe and an asynchronous pthread_cancel. A fault injected on a read
(read-status-code) is answered by a cancel while that thread is still writing or already on its way out:
cancelled inside malloc or the dynamic loader, it leaves their lock held, and the process deadlocks later
(seen about 1 run in 6: `sanei_thread_waitpid` waiting on a thread stuck in `_int_free`, or sane_exit's
dlclose waiting on the loader's lock). That is the backend's own race, not the frontend's. A scenario
injecting faults therefore scans sheets that fit in the pipe (black and white at 50 dpi: 19 KB) and calls
`settle_reader_after_start()`, so that the reader has written its sheet and ended before anything reads
or cancels (0 hangs in 80 runs, against 9 in 60 without).
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent

T = TypeVar("T")


def sane_config(folder: Path, *, devices: int = 2, enabled: bool = True, **options: str) -> Path:
    """A SANE configuration folder enabling only the `test` backend (or no backend at all), with
    `test.conf` settings such as read_status_code='"SANE_STATUS_IO_ERROR"' (underscores for dashes)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dll.conf").write_text("test\n" if enabled else "", encoding="ascii")
    lines = [f"number_of_devices {devices}"]
    lines += [f"{name.replace('_', '-')} {value}" for name, value in options.items()]
    (folder / "test.conf").write_text("\n".join(lines) + "\n", encoding="ascii")
    return folder


READER_SETTLE_SECONDS = 0.2


def settle_reader_after_start() -> None:
    """Every sane_start in this process is followed by a short wait (see the module docstring)."""
    import sane

    real_start = sane.SaneDev.start

    def start(device: Any) -> None:
        real_start(device)
        time.sleep(READER_SETTLE_SECONDS)

    sane.SaneDev.start = start


def run_with_sane(config: Path, scenario: Callable[..., T], **kwargs: Any) -> T:
    """`scenario(**kwargs)` run in a fresh process that sees only `config`; raises what it raised."""
    outcome = config / f"outcome-{scenario.__name__}.pickle"
    request = pickle.dumps((scenario.__module__, scenario.__qualname__, kwargs, str(outcome)))
    env = {**os.environ, "SANE_CONFIG_DIR": str(config)}
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", "from tests.sane_test_backend import _child; _child()"],
        input=request,
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"the scenario's process failed ({done.returncode}):\n{done.stderr.decode()}"
    kind, value = pickle.loads(outcome.read_bytes())
    if kind == "raised":
        raise value
    result: T = value
    return result


def _child() -> None:
    module, name, kwargs, outcome = pickle.loads(sys.stdin.buffer.read())
    scenario = import_module(module)
    for part in name.split("."):
        scenario = getattr(scenario, part)
    try:
        result = ("returned", scenario(**kwargs))
    except Exception as error:
        traceback.print_exc()
        result = ("raised", error)
    Path(outcome).write_bytes(pickle.dumps(result))
