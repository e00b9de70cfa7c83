"""Sync a backlog of 10,000 cases from one window to the server on PostgreSQL (≤ 3 s), end to end.

Also: the same rows inserted by a bare PostgreSQL COPY (the floor), a no-op round, and resuming a
backlog after the window was killed half way. Needs PostgreSQL at 127.0.0.1:5432 (user postgres, db test).
"""

from __future__ import annotations

import json
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import keyring
import psycopg

from app.clock import CHINA, Clock
from app.intake import parse_request
from app.sync.client import credential_key
from app.workspace import open_workspace
from tests.conftest import MemoryKeyring
from tests.helpers import COMPANY, item_with_materials, open_demo_workspace, request_json
from tests.sync_harness import ROOT, server_for

BACKLOG = 10_000


PER_DAY = 2_500  # an outage of four working days at a busy window


def make_backlog(home: Path, count: int, *, window_code: str = "SZX0103") -> None:
    start = datetime(2026, 11, 16, 9, 0, tzinfo=CHINA)
    moment = {"now": start}
    ws = open_demo_workspace(home, clock=Clock(lambda: moment["now"]))
    ws.settings.set("window_code", window_code)
    counter = ws.counter("demo")
    item = item_with_materials(ws.catalog, counter.hall, count=10)
    request = parse_request(request_json(item, applicant=COMPANY, agent=None))
    for index in range(count):
        moment["now"] = start + timedelta(days=index // PER_DAY, seconds=index % PER_DAY)
        ws.acceptance.accept(request, counter=counter)
    ws.close()


def copy_floor(payloads: list[tuple[str, str]]) -> float:
    """The same rows written by a bare COPY into a plain table: what PostgreSQL itself costs."""
    with psycopg.connect("host=127.0.0.1 user=postgres dbname=test", autocommit=True) as connection:
        connection.execute("CREATE TEMP TABLE floor_event (event_id text primary key, payload jsonb)")
        started = time.perf_counter()
        with (
            connection.cursor() as cursor,
            cursor.copy("COPY floor_event (event_id, payload) FROM STDIN") as copy,
        ):
            for event_id, payload in payloads:
                copy.write_row((event_id, payload))
        return time.perf_counter() - started


def main() -> None:
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        print(f"making a backlog of {BACKLOG} cases (10 materials each)…", flush=True)
        home = tmp / "window"
        home.mkdir()
        make_backlog(home, BACKLOG)
        servers = server_for("postgresql", tmp)
        server = next(servers)
        try:
            ws = open_workspace(home)
            ws.sync.register(server_url=server.url, code=server.enrollment_code("SZX0103", hall="SZX01"))
            from sqlalchemy import select

            from db.models import CaseEvent

            with ws.store.read() as session:
                rows = session.execute(select(CaseEvent.event_id, CaseEvent.payload)).all()
            payloads = [(event_id, json.dumps(payload, ensure_ascii=False)) for event_id, payload in rows]
            size = sum(len(p) for _, p in payloads)
            print(
                f"backlog: {len(payloads)} events, "
                f"{size / len(payloads):.0f} bytes of payload each on average"
            )
            started = time.perf_counter()
            report = ws.sync.sync()
            elapsed = time.perf_counter() - started
            print(
                f"sync 10,000 cases window → server (PostgreSQL), end to end: {elapsed:.2f} s "
                f"(acknowledged {report.acknowledged}, budget 3 s -> {'within' if elapsed <= 3 else 'OVER'})"
            )
            floor = copy_floor(payloads)
            print(
                f"  of which push {report.push_seconds:.2f} s, pull {report.pull_seconds:.2f} s "
                f"({report.pulled} changes pulled back)"
            )
            print(f"bare COPY of the same {len(payloads)} rows: {floor:.2f} s; ratio {elapsed / floor:.1f}×")
            noop = []
            for _ in range(5):
                started = time.perf_counter()
                ws.sync.sync()
                noop.append(time.perf_counter() - started)
            print(f"no-op round (nothing to send or pull): median {statistics.median(noop) * 1000:.1f} ms")
            ws.close()

            # Resume: a second backlog, the window killed half way through its sync, then a fresh round.
            other = tmp / "window2"
            other.mkdir()
            make_backlog(other, BACKLOG, window_code="SZX0104")
            ws2 = open_workspace(other)
            ws2.sync.register(server_url=server.url, code=server.enrollment_code("SZX0104", hall="SZX01"))
            secret = ws2.sync._secrets.get(credential_key(server.url, "SZX0104"))
            ws2.close()
            script = (
                "import sys, keyring\nfrom pathlib import Path\nfrom tests.conftest import MemoryKeyring\n"
                "ring = MemoryKeyring(); keyring.set_keyring(ring)\n"
                f"ring.set_password('WindowClerk', {credential_key(server.url, 'SZX0104')!r}, {secret!r})\n"
                "from app.workspace import open_workspace\nws = open_workspace(Path(sys.argv[1]))\n"
                "ws.sync.sync(progress=lambda done, total: print(done, flush=True))\n"
            )
            process = subprocess.Popen(
                [sys.executable, "-c", script, str(other)], cwd=ROOT, stdout=subprocess.PIPE
            )
            assert process.stdout is not None
            for line in process.stdout:  # killed once about a quarter is acknowledged, mid-batch
                if int(line) >= BACKLOG // 4:
                    break
            process.send_signal(signal.SIGKILL)
            process.wait()
            process.stdout.close()
            ws2 = open_workspace(other)
            left = ws2.sync.pending()
            started = time.perf_counter()
            ws2.sync.sync()
            print(
                f"resume after the window was killed mid-sync: {BACKLOG - left} already sent, {left} left, "
                f"finished in {time.perf_counter() - started:.2f} s; pending now {ws2.sync.pending()}"
            )
            ws2.close()
        finally:
            next(servers, None)


if __name__ == "__main__":
    main()
