"""Push batches sized by bytes, against a real server (in-process; SQLite and PostgreSQL): an event too
large to send is a dead letter with a clear message and the rest goes on; a smaller limit on the way (a
reverse proxy's, an older server's) splits batches until what cannot pass is refused alone. Nothing is
stuck, nothing dropped silently, and the next round is clean."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, func, select, text, update

from app.intake import parse_request
from app.sync import wire
from app.workspace import Workspace
from db.models import CaseEvent
from tests.helpers import SEAL, request_json
from tests.sync_harness import InProcessServer, in_process_server

pytestmark = pytest.mark.slow


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[InProcessServer]:
    yield from in_process_server(request.param, tmp_path)


@pytest.fixture
def sync_transport(request: pytest.FixtureRequest, server: InProcessServer) -> httpx.BaseTransport | None:
    """The workspace reaches the server in this process without a socket, or over the network when a
    proxy stands on the way."""
    return None if "proxies" in request.fixturenames else server.transport


class LimitedProxy:
    """A real HTTP proxy in front of the server, as a hall's reverse proxy is: it forwards every request,
    records the size of each push body, and answers 413 like nginx's `client_max_body_size` to a body over
    `limit` (None: no limit of its own)."""

    def __init__(self, target: str, *, limit: int | None = None) -> None:
        self.target, self.limit = target, limit
        self.push_sizes: list[int] = []
        self.refused: list[int] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if self.path.startswith(wire.PUSH_PATH):
                    proxy.push_sizes.append(length)
                if proxy.limit is not None and length > proxy.limit:
                    proxy.refused.append(length)
                    page = b"<html><body><h1>413 Request Entity Too Large</h1></body></html>"
                    self.send_response(413)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", str(len(page)))
                    self.end_headers()
                    self.wfile.write(page)
                    return
                headers = {
                    k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")
                }
                answer = httpx.request(
                    self.command, proxy.target + self.path, content=body, headers=headers, timeout=60
                )
                self.send_response(answer.status_code)
                self.send_header("Content-Type", answer.headers.get("content-type", "application/json"))
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = do_POST = _forward

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def proxies(server: InProcessServer) -> Iterator[list[LimitedProxy]]:
    made: list[LimitedProxy] = []
    yield made
    for proxy in made:
        proxy.close()


def register_through(workspace: Workspace, server: InProcessServer, url: str) -> None:
    workspace.sync.register(server_url=url, code=server.enrollment_code("SZX0103", hall="SZX01"))


def accept(workspace: Workspace, count: int) -> list[str]:
    item = workspace.catalog.item(SEAL)
    assert item is not None
    counter = workspace.counter("demo")
    return [
        workspace.acceptance.accept(parse_request(request_json(item)), counter=counter) for _ in range(count)
    ]


def inflate(workspace: Workspace, number: str, chars: int, *, char: str = "x") -> str:
    """Give the outbox event of case `number` an id override reason of `chars` characters, written into the
    window's SQLite file directly (the counter refuses such input; an older version did not). Its event id."""
    with workspace.store.write() as session:
        event = session.scalars(
            select(CaseEvent).where(CaseEvent.case_number == number, CaseEvent.kind == "case.decided")
        ).one()
        payload = dict(event.payload)
        payload["applicant"] = {**payload["applicant"], "id_override_reason": char * chars}
        session.execute(update(CaseEvent).where(CaseEvent.id == event.id).values(payload=payload))
        return event.event_id


def server_case_numbers(server: InProcessServer) -> set[str]:
    engine = create_engine(server.database_url)
    try:
        with engine.connect() as connection:
            return {row[0] for row in connection.execute(text("SELECT case_number FROM case_event"))}
    finally:
        engine.dispose()


def pending_and_dead(workspace: Workspace) -> tuple[int, dict[str, dict[str, Any]]]:
    with workspace.store.read() as session:
        pending = session.scalar(
            select(func.count())
            .select_from(CaseEvent)
            .where(CaseEvent.acknowledged_at.is_(None), CaseEvent.rejected_at.is_(None))
        )
    return int(pending or 0), {d["event_id"]: d for d in workspace.sync.dead_letters()}


def test_an_event_too_large_to_send_is_a_dead_letter_and_the_rest_goes_on(
    workspace: Workspace, server: InProcessServer
) -> None:
    register_through(workspace, server, server.url)
    numbers = accept(workspace, 7)
    # As found: 3,000,000 characters, stored as JSON escapes (18 MB each); the two together are over the
    # server's body limit, and every round failed with 413.
    big = {inflate(workspace, numbers[i], 3_000_000, char="理"): numbers[i] for i in (1, 4)}
    report = workspace.sync.sync()
    assert report.acknowledged == 5 and report.pending == 0
    assert {r.event_id for r in report.rejected} == set(big) and {r.code for r in report.rejected} == {
        "too_large"
    }
    pending, dead = pending_and_dead(workspace)
    assert pending == 0 and set(dead) == set(big)
    for event_id, number in big.items():
        message = dead[event_id]["message"]
        assert dead[event_id]["code"] == "too_large"
        assert number in message and "MB" in message and "上限" in message, message
    assert server_case_numbers(server) == set(numbers) - set(big.values())
    again = workspace.sync.sync()  # clean: nothing left to push, nothing refused again
    assert again.pushed == 0 and again.rejected == [] and again.pending == 0


def test_push_bodies_stay_under_the_batch_limit(
    workspace: Workspace, server: InProcessServer, proxies: list[LimitedProxy]
) -> None:
    proxy = LimitedProxy(server.url)
    proxies.append(proxy)
    register_through(workspace, server, proxy.url)
    numbers = accept(workspace, 24)
    for number in numbers:  # 24 × 200 KB: under the per-event limit, together over the batch limit
        inflate(workspace, number, 200 * 1024)
    report = workspace.sync.sync()
    assert len(proxy.push_sizes) >= 2 and max(proxy.push_sizes) <= wire.MAX_BATCH_BYTES, proxy.push_sizes
    assert report.acknowledged + len(report.rejected) == 24 and report.pending == 0  # each one answered


def test_a_smaller_limit_on_the_way_splits_batches_and_refuses_only_what_cannot_pass(
    workspace: Workspace, server: InProcessServer, proxies: list[LimitedProxy]
) -> None:
    proxy = LimitedProxy(server.url, limit=150 * 1024)  # a reverse proxy's limit, below the window's own
    proxies.append(proxy)
    register_through(workspace, server, proxy.url)
    numbers = accept(workspace, 10)
    big = inflate(workspace, numbers[6], 200 * 1024)  # ~200 KB: sendable by the window's limits
    report = workspace.sync.sync()
    assert proxy.refused  # the first, whole batch was refused on the way
    assert report.acknowledged == 9 and [r.event_id for r in report.rejected] == [big]
    pending, dead = pending_and_dead(workspace)
    assert pending == 0 and dead[big]["code"] == "too_large" and numbers[6] in dead[big]["message"]
    assert server_case_numbers(server) == set(numbers) - {numbers[6]}
    again = workspace.sync.sync()
    assert again.pushed == 0 and again.rejected == []
