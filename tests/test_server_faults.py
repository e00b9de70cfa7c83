"""Faults for real: a window that gives up waiting, a server restarted between a push and its replay."""

from __future__ import annotations

import threading

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select
from starlette.types import Receive, Scope, Send

from app.catalog import parse_catalog
from app.catalog_store import demo_catalog_bytes
from app.sync import wire
from server import admin
from server.api import create_app
from server.models import case_event, change_log
from tests.server_fixtures import (  # noqa: F401 (fixtures)
    MutableClock,
    Target,
    TestClient,
    client_fixture,
    decided,
    enroll,
    serve_in_thread,
    server_app_fixture,
    server_clock_fixture,
    target_fixture,
)


def _count(app: FastAPI, table: object) -> int:
    with app.state.db.read() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_a_timed_out_push_is_stored_once_when_resent(client: TestClient, server_app: FastAPI) -> None:
    """The window times out while the server is still committing (DESIGN §9: a client must not move its
    marker on a timeout). It resends; the server has the batch already and acknowledges it once more."""
    window = enroll(client, server_app)
    events = decided("SZX0103", range(1, 31))
    body = wire.PushRequest(wire.PROTOCOL, "SZX0103", "2026-11-20T02:00:00Z", events).to_json()
    gave_up, answered = threading.Event(), threading.Event()
    slow = {"first": True}

    def stall() -> None:  # the first push does not commit before the window has given up waiting
        if slow.pop("first", False):
            assert gave_up.wait(30)

    async def observed(scope: Scope, receive: Receive, send: Send) -> None:
        """The server, telling when it has finished a push (committed and answered, to no one here)."""
        try:
            await server_app(scope, receive, send)
        finally:
            if scope["type"] == "http" and scope["path"] == wire.PUSH_PATH:
                answered.set()

    server_app.state.sync.after_changes_appended = stall
    with serve_in_thread(observed) as base:
        with httpx.Client(base_url=base, headers=window.headers, timeout=0.5) as impatient:
            try:
                impatient.post(wire.PUSH_PATH, json=body)
                raise AssertionError("expected a timeout")
            except httpx.ReadTimeout:
                gave_up.set()
        assert answered.wait(30)  # the first push committed after all
        with httpx.Client(base_url=base, headers=window.headers, timeout=30) as patient:
            answer = wire.PushResponse.from_json(patient.post(wire.PUSH_PATH, json=body).json())
    assert answer.acknowledged == [e.event_id for e in events]
    assert _count(server_app, case_event) == 30
    assert _count(server_app, change_log) == 30


def test_replay_after_a_server_restart(target: Target, server_clock: MutableClock) -> None:
    """Push, stop the server, start a new one on the same database, replay the same request."""
    events = decided("SZX0103", range(1, 11))
    body = wire.PushRequest(wire.PROTOCOL, "SZX0103", "2026-11-20T02:00:00Z", events).to_json()
    engine = target.engine() if target.is_postgresql else None

    def start() -> FastAPI:
        if engine is not None:
            return create_app(engine=engine, clock=server_clock)
        return create_app(database_url=target.url, clock=server_clock)

    try:
        first = start()
        admin.load_halls(first.state.db, parse_catalog(demo_catalog_bytes()).halls, now=server_clock())
        with serve_in_thread(first) as base, httpx.Client(base_url=base, timeout=30) as http:
            window = enroll(http, first)
            assert http.post(wire.PUSH_PATH, json=body, headers=window.headers).status_code == 200
        first.state.db.close()

        second = start()
        try:
            with serve_in_thread(second) as base, httpx.Client(base_url=base, timeout=30) as http:
                window.http = http
                response = window.post_push(body)
                assert response.status_code == 200
                answer = wire.PushResponse.from_json(response.json())
                pulled = window.pull_all()
            assert answer.acknowledged == [e.event_id for e in events]
            assert _count(second, case_event) == 10
            assert [c.key for c in pulled] == [e.case_number for e in events]
        finally:
            second.state.db.close()
    finally:
        if engine is not None:
            engine.dispose()
