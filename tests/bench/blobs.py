"""Page files (issue 14): a 20 MB page file uploaded by a window to `clerk-server serve` on loopback, in 1 MiB
chunks, each on its own connection as the sync client sends it, the server flushing each chunk to its disk
and hashing the whole file at the end (SQLite, and PostgreSQL when reachable); and what a sync round's
upload step costs when nothing is owed after 200 files were sent (one query).

    python -m tests.bench.blobs
"""

from __future__ import annotations

import hashlib
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event

from app.clock import Clock
from app.workspace import Workspace
from db.models import PageUpload
from tests.bench.report import percentile
from tests.blob_helpers import file_bytes
from tests.helpers import open_demo_workspace
from tests.sync_harness import ServerProcess, postgres_available, server_for

FILE_BYTES = 20 * 1000 * 1000
RUNS = 5
IDLE_RUNS = 200


@contextmanager
def served(kind: str, folder: Path) -> Iterator[ServerProcess]:
    servers = server_for(kind, folder)
    try:
        yield next(servers)
    finally:
        servers.close()


def owe(workspace: Workspace, data: bytes) -> str:
    sha = workspace.pages.pages.put(data)
    with workspace.store.write() as session:
        session.add(PageUpload(sha256=sha, byte_size=len(data), sent_bytes=0, queued_at=datetime.now()))
    return sha


def throughput(kind: str) -> None:
    with tempfile.TemporaryDirectory() as folder, served(kind, Path(folder) / "server") as server:
        workspace = open_demo_workspace(Path(folder) / "window", clock=Clock(), secrets_in_file=True)
        try:
            workspace.sync.register(
                server_url=server.url, code=server.enrollment_code("SZX0103", hall="SZX01")
            )
            credential = workspace.sync.transport.registered()
            seconds = []
            for run in range(RUNS):
                data, _sha = file_bytes(FILE_BYTES, seed=run)
                sha = owe(workspace, data)
                started = time.perf_counter()
                done = workspace.sync.uploads.upload(credential)
                seconds.append(time.perf_counter() - started)
                assert done.uploaded == 1 and done.owed == 0, done
                stored = server.blob_folder / sha[:2] / sha
                assert hashlib.sha256(stored.read_bytes()).hexdigest() == sha
            rates = [FILE_BYTES / s / 1e6 for s in seconds]
            print(
                f"upload of a 20 MB page file to `clerk-server serve` ({kind}), loopback: "
                f"median {statistics.median(seconds):.2f} s = {statistics.median(rates):.0f} MB/s "
                f"(runs: {', '.join(f'{r:.0f}' for r in rates)} MB/s)"
            )
            idle(workspace, credential)
        finally:
            workspace.close()


def idle(workspace: Workspace, credential: Any) -> None:
    """The upload step of a round with 200 files sent before and none owed."""
    now = datetime.now()
    with workspace.store.write() as session:
        session.add_all(
            PageUpload(
                sha256=hashlib.sha256(f"sent {n}".encode()).hexdigest(),
                byte_size=1000,
                sent_bytes=1000,
                queued_at=now,
                done_at=now,
            )
            for n in range(200)
        )
    statements: list[str] = []

    def note(*args: Any) -> None:
        statements.append(args[2])

    engine = workspace.store.read_engine
    event.listen(engine, "before_cursor_execute", note)
    workspace.sync.uploads.upload(credential)
    event.remove(engine, "before_cursor_execute", note)
    queries = [s for s in statements if not s.startswith("BEGIN")]
    seconds = []
    for _ in range(IDLE_RUNS):
        started = time.perf_counter()
        workspace.sync.uploads.upload(credential)
        seconds.append(time.perf_counter() - started)
    ms = sorted(s * 1000 for s in seconds)
    print(
        f"upload step of a round, nothing owed, 200+{RUNS} files sent before: {len(queries)} query "
        f"(the pending rows by the partial index), median {statistics.median(ms):.2f} ms, "
        f"p99 {percentile(ms, 0.99):.2f} ms over {IDLE_RUNS} rounds"
    )


def main() -> None:
    throughput("sqlite")
    if postgres_available():
        throughput("postgresql")
    else:
        print("PostgreSQL not reachable: its run left out")


if __name__ == "__main__":
    main()
