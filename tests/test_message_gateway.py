"""Messages posted to an HTTP gateway (server.messages.HttpGateway), against a real HTTP receiver on
loopback that fails, hangs or refuses: each message taken by the receiver exactly once (it drops what it
has by the idempotency key), every attempt recorded, a permanent refusal not tried again."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.catalog import parse_catalog
from app.catalog_store import demo_catalog_bytes
from server import admin
from server.api import create_app
from server.config import ConfigError, ServerConfig, load_config
from server.messages import DELIVERED, FAILED, QUEUED, HttpGateway, dispatch
from server.messages.dispatch import MAX_ATTEMPTS
from server.models import message
from tests import templates
from tests.server_fixtures import (  # noqa: F401 (fixtures)
    MutableClock,
    Target,
    TestClient,
    client_fixture,
    decided,
    enroll,
    server_app_fixture,
    server_clock_fixture,
    target_fixture,
)

LEASE = timedelta(seconds=30)
TOKEN = "s3cr3t-gateway-token-0123456789"


@dataclass
class Receiver:
    """An HTTP endpoint in a thread. `behave(n)` says what the n-th request (from 1) gets: a status, or
    "hang" (the message is taken, the answer waits for `release`). Messages are taken once per key."""

    behave: Callable[[int], int | str] = lambda n: 200
    requests: list[dict[str, Any]] = field(default_factory=list)
    taken: dict[str, dict[str, Any]] = field(default_factory=dict)
    release: threading.Event = field(default_factory=threading.Event)

    def serve(self) -> Iterator[str]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                key = self.headers.get("Idempotency-Key", "")
                receiver.requests.append(
                    {"key": key, "body": body, "auth": self.headers.get("Authorization")}
                )
                fate = receiver.behave(len(receiver.requests))
                if fate == "hang":
                    receiver.taken.setdefault(key, body)
                    receiver.release.wait(30)
                    return
                if fate == 200:
                    receiver.taken.setdefault(key, body)
                answer = b"{}" if fate == 200 else "号码格式错误".encode() if fate == 400 else b"busy"
                self.send_response(int(fate))
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}/sms"
        finally:
            self.release.set()
            server.shutdown()
            server.server_close()
            thread.join(10)


@pytest.fixture
def receiver() -> Receiver:
    return Receiver()


@pytest.fixture
def receiver_url(receiver: Receiver) -> Iterator[str]:
    yield from receiver.serve()


def rows(app: FastAPI) -> list[dict[str, Any]]:
    with app.state.db.read() as connection:
        return [dict(r._mapping) for r in connection.execute(select(message).order_by(message.c.id))]


def queue(client: TestClient, app: FastAPI, count: int) -> list[dict[str, Any]]:
    enroll(client, app).push(decided("SZX0103", range(1, count + 1)))
    return rows(app)


def test_passing_failures_are_retried_until_delivered_once(
    client: TestClient, server_app: FastAPI, server_clock: MutableClock, receiver: Receiver, receiver_url: str
) -> None:
    receiver.behave = lambda n: 503 if n <= 2 else 200
    queued = queue(client, server_app, 2)
    gateway = HttpGateway(receiver_url, timeout=5, token=TOKEN)
    db = server_app.state.db
    first = dispatch(db, gateway, now=server_clock(), lease=LEASE)
    assert first.as_json() == {"delivered": 0, "retried": 2, "failed": 0}
    assert all(
        r["state"] == QUEUED and r["attempts"] == 1 and "HTTP 503" in r["last_error"]
        for r in rows(server_app)
    )
    assert dispatch(db, gateway, now=server_clock(), lease=LEASE).as_json()["retried"] == 0  # not due yet
    server_clock.advance(seconds=31)
    assert dispatch(db, gateway, now=server_clock(), lease=LEASE).delivered == 2
    done = rows(server_app)
    assert {r["state"] for r in done} == {DELIVERED} and {r["attempts"] for r in done} == {2}
    assert {r["gateway"] for r in done} == {"http"}
    assert sorted(receiver.taken) == sorted(str(r["id"]) for r in queued)
    for row in queued:
        sent = receiver.taken[str(row["id"])]
        assert sent["text"] == row["text"] and sent["case_number"] == row["case_number"]
        assert sent["phone"] == row["phone"] and sent["purpose"] == "accepted"
    assert {r["auth"] for r in receiver.requests} == {f"Bearer {TOKEN}"}
    gateway.close()


def test_a_hanging_receiver_gets_the_message_again_and_keeps_it_once(
    client: TestClient,
    server_app: FastAPI,
    server_clock: MutableClock,
    receiver: Receiver,
    receiver_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    receiver.behave = lambda n: "hang" if n == 1 else 200
    [queued] = queue(client, server_app, 1)
    gateway = HttpGateway(receiver_url, timeout=0.3, token=TOKEN)
    db = server_app.state.db
    with caplog.at_level(logging.INFO, logger="clerk.server.messages"):
        assert dispatch(db, gateway, now=server_clock(), lease=LEASE).retried == 1
        receiver.release.set()
        [row] = rows(server_app)
        assert row["attempts"] == 1 and "未在时限内应答" in row["last_error"]
        server_clock.advance(seconds=31)
        assert dispatch(db, gateway, now=server_clock(), lease=LEASE).delivered == 1
    [row] = rows(server_app)
    assert row["state"] == DELIVERED and row["attempts"] == 2
    assert [r["key"] for r in receiver.requests] == [str(queued["id"])] * 2  # the same key both times
    assert list(receiver.taken) == [str(queued["id"])]
    assert TOKEN not in caplog.text
    gateway.close()


def test_a_permanent_refusal_is_failed_with_the_reason_and_not_retried(
    client: TestClient, server_app: FastAPI, server_clock: MutableClock, receiver: Receiver, receiver_url: str
) -> None:
    receiver.behave = lambda n: 400
    queue(client, server_app, 1)
    gateway = HttpGateway(receiver_url, timeout=5)
    db = server_app.state.db
    assert dispatch(db, gateway, now=server_clock(), lease=LEASE).failed == 1
    server_clock.advance(hours=12)
    assert dispatch(db, gateway, now=server_clock(), lease=LEASE).as_json() == {
        "delivered": 0,
        "retried": 0,
        "failed": 0,
    }
    [row] = rows(server_app)
    assert row["state"] == FAILED and row["attempts"] == 1 and row["next_attempt_at"] is None
    assert row["last_error"] == "消息网关应答 HTTP 400：号码格式错误"
    assert len(receiver.requests) == 1 and receiver.taken == {}
    gateway.close()


def test_a_gateway_that_never_recovers_is_given_up_after_max_attempts(
    client: TestClient, server_app: FastAPI, server_clock: MutableClock
) -> None:
    queue(client, server_app, 1)
    gateway = HttpGateway("http://127.0.0.1:9/sms", timeout=1)  # the discard port: nothing listens
    for _ in range(MAX_ATTEMPTS):
        dispatch(server_app.state.db, gateway, now=server_clock(), lease=LEASE)
        server_clock.advance(hours=1)
    [row] = rows(server_app)
    assert row["state"] == FAILED and row["attempts"] == MAX_ATTEMPTS
    assert (
        "无法连接消息网关" in row["last_error"] and f"已尝试 {MAX_ATTEMPTS} 次，不再重试" in row["last_error"]
    )
    gateway.close()


def test_the_server_dispatches_in_the_background(
    tmp_path: Path, receiver: Receiver, receiver_url: str, server_clock: MutableClock
) -> None:
    """`clerk-server serve` starts the app with its settings: a dispatcher thread posts what pushes queue."""
    database = tmp_path / "server.sqlite3"
    templates.server_database(database, demo=False)
    config = replace(
        load_config({"CLERK_SERVER_HOME": str(tmp_path)}),
        message_gateway_url=receiver_url,
        message_dispatch_seconds=1,
    )
    app = create_app(database_url=f"sqlite:///{database}", clock=server_clock, messages=config)
    admin.load_halls(app.state.db, parse_catalog(demo_catalog_bytes()).halls, now=server_clock())
    arrived = threading.Event()
    receiver.behave = lambda n: arrived.set() or 200  # type: ignore[func-returns-value]
    with TestClient(app) as client:
        enroll(client, app).push(decided("SZX0103", [1]))
        assert arrived.wait(30)
    assert len(receiver.taken) == 1
    assert not any(t.name == "message-dispatcher" for t in threading.enumerate())  # stopped with the app


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("ftp://gateway.example/sms", "应以 http:// 或 https:// 开头"),
        ("https://user:pw@gateway.example/sms", "不能含用户名或密码"),
        ("https:///sms", "缺少主机名"),
        ("https://gateway.example:99999/sms", "不是有效的网址"),
        ("https://gateway.example/s ms", "不能含空白字符"),
    ],
)
def test_a_bad_gateway_url_is_refused(url: str, problem: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config({"CLERK_SERVER_MESSAGE_GATEWAY_URL": url})
    assert "CLERK_SERVER_MESSAGE_GATEWAY_URL" in str(raised.value) and problem in str(raised.value)


def test_gateway_settings() -> None:
    config = load_config(
        {
            "CLERK_SERVER_MESSAGE_GATEWAY_URL": " https://gateway.example/sms ",
            "CLERK_SERVER_MESSAGE_GATEWAY_TOKEN": TOKEN,
            "CLERK_SERVER_MESSAGE_GATEWAY_TIMEOUT": "5",
        }
    )
    assert config.message_gateway_url == "https://gateway.example/sms" and config.message_gateway_timeout == 5
    assert TOKEN not in repr(config)
    assert load_config({}).message_gateway_url is None
    for value in ("0", "121", "nan", "soon"):
        with pytest.raises(ConfigError, match="CLERK_SERVER_MESSAGE_GATEWAY_TIMEOUT"):
            load_config({"CLERK_SERVER_MESSAGE_GATEWAY_TIMEOUT": value})
    assert isinstance(load_config({}), ServerConfig)
