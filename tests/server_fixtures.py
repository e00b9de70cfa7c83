"""Shared fixtures of the server tests: every test runs on SQLite (a temp file) and on PostgreSQL.

PostgreSQL: `CLERK_TEST_POSTGRES_URL` (default the CI database, trust auth; see tests.postgres). Each test
gets a schema of its own, selected through the engine's `options=-csearch_path=…` (or the same in a URL for
a subprocess): runs can repeat and run side by side. Without a reachable server the PostgreSQL half is
skipped (and says so); `CLERK_TEST_REQUIRE_POSTGRES=1` makes that a failure instead.

The app (`server_app`) migrates its database: on SQLite it opens a copy of a file migrated once per run
(tests.templates), which leaves it nothing to do; on PostgreSQL it migrates the test's schema (emptying and
reusing a migrated schema, tests.postgres.SchemaPool, costs as much as migrating a new one).

Test modules import the fixtures they use:
    from tests.server_fixtures import client_fixture, server_app_fixture, server_clock_fixture, target_fixture
"""

from __future__ import annotations

import json
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from starlette.types import ASGIApp

from app.audit import chain
from app.case_number import format_case_number
from app.catalog import parse_catalog
from app.catalog_store import demo_catalog_bytes
from app.seal import CertificateClaims, OfficeKey, certificate_identifier, sign_certificate
from app.sync import wire
from server import admin, event_ids
from server.api import create_app
from server.bench import decided_events, device_time
from server.store import make_engine
from tests import postgres, templates
from tests.asgi_server import serve_on_loopback

with warnings.catch_warnings():
    # Starlette 1.x asks for `httpx2` behind its TestClient; this environment has httpx.
    warnings.simplefilter("ignore", UserWarning)
    from fastapi.testclient import TestClient

PG_ADMIN_URL = postgres.POSTGRES_URL
DAY = date(2026, 11, 20)
START = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 at the hall
HALL = "SZX01"
OTHER_HALL = "SZX02"


class MutableClock:
    """The server clock of a test; `advance` moves it."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


# -- databases ----------------------------------------------------------------------------------------
@dataclass
class Target:
    """The database of one test."""

    kind: str  # "sqlite" | "postgresql"
    url: str  # usable by another process too
    schema: str | None = None

    @property
    def is_postgresql(self) -> bool:
        return self.kind == "postgresql"

    def engine(self) -> Engine:
        """A new engine on this database (for PostgreSQL: search_path set to the test's schema)."""
        if self.schema is not None:
            return make_engine(PG_ADMIN_URL, connect_args={"options": f"-csearch_path={self.schema}"})
        return make_engine(self.url)


@pytest.fixture(name="target", params=["sqlite", "postgresql"])
def target_fixture(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Target]:
    if request.param == "sqlite":
        yield Target("sqlite", f"sqlite:///{tmp_path / 'server.sqlite3'}")
        return
    reason = postgres.unreachable_reason()
    if reason is not None:
        pytest.skip(reason)
    schema = postgres.new_schema()
    try:
        yield Target("postgresql", postgres.schema_url(schema), schema)
    finally:
        postgres.drop_schema(schema)


def run(capsys: pytest.CaptureFixture[str], target: Target, *args: str) -> tuple[int, str, str]:
    """`clerk-server ARGS --database <the test's database>` in-process: (exit code, stdout, stderr)."""
    from server.cli import main

    code = main([*args, "--database", target.url])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_json(capsys: pytest.CaptureFixture[str], target: Target, *args: str) -> Any:
    code, out, err = run(capsys, target, *args, "--json")
    assert code == 0, err
    return json.loads(out)


@pytest.fixture(name="server_clock")
def server_clock_fixture() -> MutableClock:
    return MutableClock()


@pytest.fixture(name="server_app")
def server_app_fixture(target: Target, server_clock: MutableClock, tmp_path: Path) -> Iterator[FastAPI]:
    """The app on the test's database with the demo halls loaded; its page files in `tmp_path/blobs`."""
    engine = target.engine() if target.is_postgresql else None
    blobs = tmp_path / "blobs"
    if engine is not None:
        app = create_app(engine=engine, clock=server_clock, blob_folder=blobs)
    else:
        database = Path(target.url.removeprefix("sqlite:///"))
        if not database.exists():  # migrated once per run; create_app finds nothing to do
            templates.server_database(database, demo=False)
        app = create_app(database_url=target.url, clock=server_clock, blob_folder=blobs)
    admin.load_halls(app.state.db, parse_catalog(demo_catalog_bytes()).halls, now=server_clock())
    try:
        yield app
    finally:
        app.state.db.close()
        if engine is not None:
            engine.dispose()


@pytest.fixture(name="client")
def client_fixture(server_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(server_app) as test_client:
        yield test_client


# -- windows ------------------------------------------------------------------------------------------
@dataclass
class Window:
    """An enrolled window PC talking to the server through `http` (TestClient or httpx.Client).

    Like a window's outbox, it chains the events it pushes (app.audit.chain), in the order it first sends
    them (by `local_seq` within a push); an event sent again carries the hashes it had. Events that carry
    hashes already, and every event of `push(…, chain=False)` (an older window), are sent as they are."""

    device_id: str
    secret: str
    hall_code: str
    window_code: str
    http: Any
    last_hash: str = chain.GENESIS
    chained: dict[tuple[str, str | None], tuple[str, str]] = field(default_factory=dict)

    def chain(self, events: list[wire.WireEvent]) -> list[wire.WireEvent]:
        """`events` with the hashes this window's outbox gives them."""
        hashes: dict[int, tuple[str, str]] = {}
        for index, event in sorted(enumerate(events), key=lambda pair: pair[1].local_seq):
            if event.prev_hash is not None or event.event_hash is not None:
                continue
            key = (event.event_id, event_ids.content_sha256(event))
            if key not in self.chained:
                own = chain.wire_hash(event, self.last_hash)
                self.chained[key] = (self.last_hash, own)
                self.last_hash = own
            hashes[index] = self.chained[key]
        return [
            replace(e, prev_hash=hashes[i][0], event_hash=hashes[i][1]) if i in hashes else e
            for i, e in enumerate(events)
        ]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.device_id}.{self.secret}"}

    def post_push(self, body: Any) -> httpx.Response:
        response: httpx.Response = self.http.post(wire.PUSH_PATH, json=body, headers=self.headers)
        return response

    def push(self, events: list[wire.WireEvent], *, chain: bool = True) -> wire.PushResponse:
        sent = self.chain(events) if chain else events
        body = wire.PushRequest(wire.PROTOCOL, self.window_code, device_time(START), sent).to_json()
        response = self.post_push(body)
        assert response.status_code == 200, response.text
        return wire.PushResponse.from_json(response.json())

    def pull(
        self, cursor: str = "0", limit: int | None = None, *, exclude_own: bool = False
    ) -> wire.PullResponse:
        params: dict[str, Any] = {"cursor": cursor, "exclude_own": "true" if exclude_own else "false"}
        if limit is not None:
            params["limit"] = limit
        response = self.http.get(wire.PULL_PATH, params=params, headers=self.headers)
        assert response.status_code == 200, response.text
        return wire.PullResponse.from_json(response.json())

    def pull_all(self, limit: int | None = None) -> list[wire.Change]:
        changes: list[wire.Change] = []
        cursor = "0"
        while True:
            page = self.pull(cursor, limit)
            changes += page.changes
            cursor = page.cursor
            if not page.more:
                return changes


def enroll(
    http: Any,
    app: FastAPI,
    *,
    hall: str = HALL,
    window: str = "SZX0103",
    replace: bool = False,
    name: str = "窗口电脑",
    confirm: bool = True,
) -> Window:
    """Issue a code (as hall IT would), enrol a PC with it through the API and (unless `confirm` is
    False, leaving it pending) confirm with the new credential, as a window does."""
    issued = admin.issue_enrollment_code(
        app.state.db, hall_code=hall, window_code=window, replace=replace, hours=24, now=app.state.clock()
    )
    response = http.post(
        wire.ENROLL_PATH, json={"code": issued.code, "window_code": window, "device_name": name}
    )
    assert response.status_code == 200, response.text
    enrolled = wire.EnrollResponse.from_json(response.json())
    enrolled_window = Window(
        enrolled.device_id, enrolled.secret, enrolled.hall_code, enrolled.window_code, http
    )
    if confirm:
        confirmed = http.post(wire.CONFIRM_PATH, json={}, headers=enrolled_window.headers)
        assert confirmed.status_code == 200, confirmed.text
    return enrolled_window


# -- events -------------------------------------------------------------------------------------------
def case_numbers(window: str, serials: range | list[int], day: date = DAY) -> list[str]:
    return [format_case_number(window_code=window, day=day, serial=s) for s in serials]


def decided(
    window: str,
    serials: range | list[int],
    *,
    hall: str = HALL,
    day: date = DAY,
    first_local_seq: int = 1,
    clerk: str = "wang.fang",
) -> list[wire.WireEvent]:
    """`case.decided` events shaped like app.acceptance.case_snapshot, with valid case numbers."""
    return decided_events(
        window_code=window,
        hall_code=hall,
        day=day,
        serials=serials,
        clerk_login=clerk,
        first_local_seq=first_local_seq,
    )


def follow_up(
    kind: str,
    case_number: str,
    *,
    window: str,
    local_seq: int,
    clerk: str = "li.na",
    at: datetime = START,
    payload: dict[str, Any] | None = None,
) -> wire.WireEvent:
    """A later event of a case, with the payload its producer in app/ writes."""
    if payload is None:
        if kind == "certificate.issued":
            payload = certificate_payload(case_number, key=window_key(window), approver=clerk)
        elif kind == "certificate.handed_over":
            payload = {
                "certificate_id": "CERT-1",
                "recipient_name": "李𠮷䶮",
                "recipient_id_number": "440524188001010014",
            }
        elif kind in ("document.printed", "document.reprinted"):
            payload = {
                "kind": "receipt",
                "number": f"SL-{uuid.uuid4().hex[:6]}",
                "copies": 1,
                "reason": "打印机卡纸" if kind == "document.reprinted" else None,
                "destination": "printer:counter",
                "sha256": "0" * 64,
                "layout": "a4",
            }
        else:
            payload = {}
    return wire.WireEvent(
        event_id=str(uuid.uuid4()),
        case_number=case_number,
        kind=kind,
        payload=payload,
        clerk_login=clerk,
        window_code=window,
        device_time=device_time(at),
        local_seq=local_seq,
    )


# -- certificates -------------------------------------------------------------------------------------
OFFICE_CODE = "11510100MB1C5E420M"  # 示例市自然资源和规划局 (the demo catalog's planning office)
OFFICE_NAME = "示例市自然资源和规划局"
VERIFY_BASE = "https://zwfw.example.gov.cn/V/"
_window_keys: dict[str, OfficeKey] = {}
_serials = iter(range(1, 10**7))


def window_key(window: str, *, suffix: str = "T") -> OfficeKey:
    """The signing key of a test window (one per window code and suffix for the whole run); its id names
    its window, as a window's own key ids do."""
    key_id = f"{OFFICE_CODE[8:17]}-{window}-{suffix}"
    if key_id not in _window_keys:
        _window_keys[key_id] = OfficeKey.generate(key_id=key_id, office_code=OFFICE_CODE)
    return _window_keys[key_id]


def key_entry(key: OfficeKey, *, valid_from: date = date(2026, 1, 1)) -> dict[str, Any]:
    """The public entry of `key` as a `certificate.issued` payload carries it (key directory format)."""
    return {
        "key_id": key.key_id,
        "algorithm": "Ed25519",
        "public_key": key.public_bytes().hex(),
        "office_name": OFFICE_NAME,
        "office_code": OFFICE_CODE,
        "valid_from": valid_from.isoformat(),
        "valid_until": None,
    }


def certificate_payload(
    case_number: str,
    *,
    key: OfficeKey,
    approver: str = "li.na",
    holder_name: str = "示例市锦华建设发展有限公司",
    issued_on: date = DAY,
    with_key: bool = True,
) -> dict[str, Any]:
    """The payload of a `certificate.issued` event as app.certificates makes it, sealed with `key`."""
    certificate_id = certificate_identifier(
        type_code=f"{OFFICE_CODE}001", issuer_code=OFFICE_CODE, serial=f"{issued_on.year}{next(_serials):07d}"
    )
    claims = CertificateClaims(
        certificate_id=certificate_id,
        type_name="建设工程规划许可证",
        holder_name=holder_name,
        holder_id_masked="913101**********7T",
        issuer_name=OFFICE_NAME,
        issuer_code=OFFICE_CODE,
        issued_on=issued_on,
        valid_until=None,
        case_number=case_number,
    )
    payload: dict[str, Any] = {
        "certificate_id": certificate_id,
        "type_name": claims.type_name,
        "type_code": f"{OFFICE_CODE}001",
        "holder_name": holder_name,
        "holder_id_masked": claims.holder_id_masked,
        "issuer_name": OFFICE_NAME,
        "issuer_code": OFFICE_CODE,
        "content": "准予建设工程规划许可",
        "issued_on": issued_on.isoformat(),
        "valid_until": None,
        "key_id": key.key_id,
        "qr_text": sign_certificate(claims, key=key, verify_base=VERIFY_BASE),
        "approver_login": approver,
    }
    if with_key:
        payload["key"] = key_entry(key)
    return payload


# -- a real server ------------------------------------------------------------------------------------
@contextmanager
def serve_in_thread(app: ASGIApp) -> Iterator[str]:
    """uvicorn serving `app` on 127.0.0.1 (a free port) in this process, on an event loop of its own (a
    thread); yields the base URL once it accepts connections."""
    with serve_on_loopback(app) as base:
        yield base


def add_people(app: FastAPI, people: dict[str, list[str]], *, hall: str = HALL) -> None:
    """Accounts of the hall on the server (login → roles), as hall IT adds them: the server checks the
    person who recorded an event that changes a case against them (server.sync.permits)."""
    from server import accounts

    db, now = app.state.db, app.state.clock()
    for login, roles in people.items():
        accounts.add_account(
            db,
            hall_code=hall,
            login=login,
            name=login,
            roles=roles,
            password="own-pass-1",
            now=now,
            valid_days=None,
        )


# The logins the fixtures' events name (`decided`: wang.fang; `follow_up`: li.na), as accounts of the hall.
FIXTURE_PEOPLE = {"wang.fang": ["clerk"], "li.na": ["clerk", "approver", "issuer", "supervisor"]}
